// Shared helpers: the page's context, base64, escaping, and calls to the
// server's JSON API.

/** The page's context, from the data attributes of <body>. */
export function page() {
  const d = document.body.dataset;
  return {
    name: d.page || '',
    talks: d.talks || '',
    origin: d.origin || '',
    viewer: d.viewer || '',
    demoAs: d.demoAs || '',
    after: d.after ?? '-1',
    at: Number(d.at ?? -1),
    live: 'live' in d,
  };
}

/** Standard base64 (with padding) of bytes. */
export function b64encode(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** The bytes of standard base64. */
export function b64decode(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Bytes joined. */
export function concat(...parts) {
  const n = parts.reduce((k, p) => k + p.length, 0);
  const out = new Uint8Array(n);
  let k = 0;
  for (const p of parts) { out.set(p, k); k += p.length; }
  return out;
}

export const utf8 = new TextEncoder();

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text escaped for HTML. */
export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]);
}

const BIDI = {
  '\u202A': ['LRE', 'left-to-right embedding'], '\u202B': ['RLE', 'right-to-left embedding'],
  '\u202C': ['PDF', 'pop directional formatting'], '\u202D': ['LRO', 'left-to-right override'],
  '\u202E': ['RLO', 'right-to-left override'], '\u2066': ['LRI', 'left-to-right isolate'],
  '\u2067': ['RLI', 'right-to-left isolate'], '\u2068': ['FSI', 'first strong isolate'],
  '\u2069': ['PDI', 'pop directional isolate'], '\u200E': ['LRM', 'left-to-right mark'],
  '\u200F': ['RLM', 'right-to-left mark'], '\u061C': ['ALM', 'Arabic letter mark'],
};
const BIDI_RE = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/**
 * Text escaped for HTML with every bidirectional control character shown
 * as a visible marker, as the server's pages show it.
 */
export function textHTML(s) {
  return esc(s).replace(BIDI_RE, (c) => {
    const [abbr, name] = BIDI[c];
    const code = c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `<span class="bidi" title="U+${code} ${name}: an invisible character that changes the direction of text, shown here">⟨${abbr}⟩</span>`;
  });
}

/** The CSRF token of the browser's session, or null without one. */
async function csrf() {
  if (!page().viewer) return null;
  const r = await fetch('/api/v1/auth/session', { cache: 'no-store' });
  if (!r.ok) return null;
  const j = await r.json();
  return j.csrf || null;
}

/**
 * Calls the JSON API and returns the decoded answer. A problem answer
 * becomes an Error with the server's message, which says what to do.
 */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    const token = await csrf();
    if (token) headers['X-CSRF-Token'] = token;
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  const text = await r.text();
  let j = null;
  try { j = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!r.ok) {
    throw new Error((j && j.detail) || `The server answered ${r.status} ${r.statusText}.`);
  }
  return j;
}

/** Writes a message in an element, as a success or a failure. */
export function say(el, message, failed = false) {
  if (!el) return;
  el.textContent = message;
  el.classList.toggle('failed', failed);
}

const pluralRules = new Intl.PluralRules('en');

/**
 * A count with the form of its noun that the language's CLDR plural rules
 * choose: count(1, {one: 'item', other: 'items'}) is "1 item".
 */
export function count(n, forms) {
  return `${n.toLocaleString('en')} ${forms[pluralRules.select(n)] ?? forms.other}`;
}
