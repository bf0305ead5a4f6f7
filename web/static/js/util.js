// Shared helpers: the page's context, the interface's language, base64,
// escaping, and calls to the server's JSON API.

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

// The language of the page, as the server wrote it on <html>.
function lang() {
  return (typeof document !== 'undefined' && document.documentElement.lang) || 'en';
}

// The entries of the catalog the page's scripts say, which the layout
// loads before the scripts as a script of its own (cached for good, by
// its version): key → translation, or key → plural forms.
let entries = null;
function catalog() {
  if (entries === null) {
    const c = globalThis.parleyCatalog;
    entries = c && typeof c === 'object' ? c : {};
  }
  return entries;
}

let plurals = null;
let numbers = null;
let bare = null;

// The digits of each language as the server's printer writes them (CLDR
// by golang.org/x/text): Arabic in Arabic-Indic digits, which recent
// browsers no longer choose by default for "ar".
const NUMBERING = { ar: 'arab' };

function numberLocale() {
  const l = lang();
  const nu = NUMBERING[l.split('-')[0]];
  return nu ? `${l}-u-nu-${nu}` : l;
}

/** A count as the page's language writes it: 1,500; 1 500; ١٬٥٠٠. */
export function num(n) {
  numbers ??= new Intl.NumberFormat(numberLocale());
  return numbers.format(n);
}

/** An index or a version in the page's digits, without separators: #1500, #١٥٠٠. */
export function digits(n) {
  bare ??= new Intl.NumberFormat(numberLocale(), { useGrouping: false });
  return bare.format(n);
}

// The verbs of a key, as package fmt writes them: %s, %d, %[2]s, %%.
const VERB = /%(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])/g;

/**
 * The translation of a key in the page's language, with args in it: as
 * the server's printer does, %s and %[n]s put an argument in, %d a number
 * written in the language's digits, and a key whose first argument is a
 * count takes the plural form the language's CLDR rules choose for it
 * (Intl.PluralRules). A key the catalog lacks says itself: the English.
 * The result is text: escape it, or use markup, to put it in HTML.
 */
export function t(key, ...args) {
  let f = catalog()[key] ?? key;
  if (f && typeof f === 'object') {
    plurals ??= new Intl.PluralRules(lang());
    f = f[plurals.select(Number(args[0]))] ?? f.other ?? key;
  }
  let next = 0;
  return String(f).replace(VERB, (m, index, verb) => {
    if (verb === '%') return '%';
    const i = index ? Number(index) - 1 : next;
    next = i + 1;
    const a = args[i];
    if (a === undefined) return '';
    return verb === 'd' ? num(a) : String(a);
  });
}

/** A placeholder for the HTML part i of a text that markup fills. */
export function slot(i) {
  return `\uE000${i}\uE001`;
}

/**
 * HTML of a translated text whose slots are filled with HTML parts:
 * markup(t(key, slot(0)), '<code>…</code>'). The rest
 * of the text is escaped.
 */
export function markup(text, ...parts) {
  return esc(text).replace(/\uE000(\d+)\uE001/g, (m, i) => parts[Number(i)] ?? '');
}

// The bidirectional controls, by abbreviation, and their names.
const BIDI = {
  '\u202A': 'LRE', '\u202B': 'RLE', '\u202C': 'PDF', '\u202D': 'LRO', '\u202E': 'RLO', '\u2066': 'LRI',
  '\u2067': 'RLI', '\u2068': 'FSI', '\u2069': 'PDI', '\u200E': 'LRM', '\u200F': 'RLM', '\u061C': 'ALM',
};
const BIDI_NAMES = {
  LRE: () => t('left-to-right embedding'), RLE: () => t('right-to-left embedding'),
  PDF: () => t('pop directional formatting'), LRO: () => t('left-to-right override'),
  RLO: () => t('right-to-left override'), LRI: () => t('left-to-right isolate'),
  RLI: () => t('right-to-left isolate'), FSI: () => t('first strong isolate'),
  PDI: () => t('pop directional isolate'), LRM: () => t('left-to-right mark'),
  RLM: () => t('right-to-left mark'), ALM: () => t('Arabic letter mark'),
};
const BIDI_RE = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/**
 * Text escaped for HTML with every bidirectional control character shown
 * as a visible marker, as the server's pages show it.
 */
export function textHTML(s) {
  return esc(s).replace(BIDI_RE, (c) => {
    const abbr = BIDI[c];
    const code = c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
    const title = t('%[1]s %[2]s: an invisible character that changes the direction of text, shown here', `U+${code}`, BIDI_NAMES[abbr]());
    return `<span class="bidi" title="${esc(title)}">⟨${abbr}⟩</span>`;
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
    throw new Error((j && j.detail) || t('The server answered %[1]s %[2]s.', r.status, r.statusText));
  }
  return j;
}

/** Writes a message in an element, as a success or a failure. */
export function say(el, message, failed = false) {
  if (!el) return;
  el.textContent = message;
  el.classList.toggle('failed', failed);
}

