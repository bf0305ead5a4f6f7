// The caucus in the workspace: sealed messages open here, in the page,
// with the encryption key this browser keeps for the signed-in actor (the
// server cannot open them); a recipient can let a later recipient read the
// messages sealed before it could; and the actor publishes its encryption
// key. In demo mode the server opens the caucus for the demo actor, whose
// keys it holds, and the page has nothing to open.

import * as seal from './seal.js';
import { act } from './sign.js';
import { api, digits, esc, markup, page, say, slot, t, textHTML } from './util.js';

const KIND = 'caucus.message';
const opened = new Map(); // log index → the HTML of its opened text, or of why it is not
let caucus = null; // the last answer of the caucus route, and its party
let running = false;

// content returns the text of a sealed caucus message's content, read
// strictly: exactly {"text": "…"}.
function content(bytes) {
  const o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  if (!o || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).join(',') !== 'text' || typeof o.text !== 'string') {
    throw new Error(t('It opens, but its content is not a caucus message.'));
  }
  return o.text;
}

// fetchCaucus reads the party's caucus, with its re-wraps and recipients.
async function fetchCaucus(p, party) {
  if (!caucus || caucus.party !== party || caucus.size !== p.after) {
    caucus = await api('GET', `/api/v1/talks/${encodeURIComponent(p.talks)}/caucus/${encodeURIComponent(party)}`);
    caucus.size = p.after;
  }
  return caucus;
}

// openOne opens one message as the viewer, with loaded keys by public key
// (kept loaded while the page opens a batch).
async function openOne(p, party, m, keys) {
  const ctx = { origin: p.origin, kind: KIND, channel: `party:${party}`, sender: m.actor };
  const sealed = m.payload.sealed;
  const mine = seal.recipients(sealed).find((r) => r.actor === p.viewer);
  const rw = caucus.rewraps.find((r) => r.of === m.index && r.actor === p.viewer);
  if (!mine && !rw) {
    return { note: t('Sealed, and not for you: you are not among its recipients, and none of them has wrapped its key for you.') };
  }
  const want = mine ? mine.key : rw.key;
  let key = keys.get(want);
  if (key === undefined) {
    try {
      key = await seal.loadKeyFor(p.viewer, want);
    } catch (e) {
      key = e;
    }
    keys.set(want, key);
  }
  if (key instanceof Error) return { note: t('Sealed, and not opened: %s', key.message) };
  const bytes = mine ? await seal.openWith(ctx, sealed, p.viewer, key) : await seal.openRewrapped(ctx, sealed, rw.rewrap, key);
  return { text: content(bytes), via: mine ? '' : t('opened through a key wrapped again for you') };
}

// fill writes what is known of each sealed message into the page.
function fill(box) {
  for (const li of box.querySelectorAll('li[data-sealed]')) {
    const html = opened.get(Number(li.dataset.index));
    const el = li.querySelector('[data-sealed-text]');
    if (html !== undefined && el && el.innerHTML !== html.html) {
      el.innerHTML = html.html;
      if (html.ok) el.dir = 'auto';
      el.classList.toggle('sealed-text', !html.ok);
      li.toggleAttribute('data-opened', html.ok);
    }
  }
}

/** Opens the sealed messages of the caucus shown, and keeps them open as the page refreshes. */
export async function openCaucus() {
  const box = document.querySelector('[data-caucus]');
  const p = page();
  if (!box || !p.viewer || p.demoAs || running) return;
  fill(box);
  const todo = [...box.querySelectorAll('li[data-sealed]')].map((li) => Number(li.dataset.index)).filter((i) => !opened.has(i));
  if (todo.length === 0) return;
  running = true;
  const keys = new Map();
  try {
    const party = box.dataset.caucus;
    const c = await fetchCaucus(p, party);
    for (const i of todo) {
      const m = c.messages.find((x) => x.index === i);
      if (!m || !m.payload.sealed) continue;
      try {
        const r = await openOne(p, party, m, keys);
        opened.set(i, r.text === undefined
          ? { ok: false, html: esc(r.note) }
          : { ok: true, html: textHTML(r.text) + (r.via ? ` <span class="note">(${esc(r.via)})</span>` : '') });
      } catch (e) {
        opened.set(i, { ok: false, html: esc(t('Sealed, and not opened: %s', e.message)) });
      }
    }
    fill(box);
    offerRewraps(p, party, c, keys);
  } catch (e) {
    for (const el of box.querySelectorAll('li[data-sealed]:not([data-opened]) [data-sealed-text]')) el.textContent = t('Sealed, and not opened: %s', e.message);
  } finally {
    for (const k of keys.values()) if (k && k.unload) k.unload();
    running = false;
  }
}

// offerRewraps offers, for each actor who may read the caucus now but not
// the messages sealed before it could (a delegate who joined later, a
// mediator named later), to wrap their keys again for it, from the
// messages the viewer opened.
function offerRewraps(p, party, c, keys) {
  const out = document.getElementById('caucus-rewraps');
  if (!out) return;
  const later = [];
  for (const r of c.recipients) {
    if (!r.encryption_key || r.key === p.viewer) continue;
    const missing = c.messages.filter((m) => m.payload.sealed && opened.get(m.index)?.ok
      && !seal.recipients(m.payload.sealed).some((x) => x.actor === r.key)
      && !c.rewraps.some((x) => x.of === m.index && x.actor === r.key && x.key === r.encryption_key));
    if (missing.length) later.push({ r, missing });
  }
  out.innerHTML = later.map(({ r, missing }, k) => {
    const name = `<bdi>${esc(r.name)}</bdi>`;
    const button = markup(t('Let %[2]s read the %[1]d earlier sealed messages', missing.length, slot(0)), name);
    return `<p>${markup(t('%[1]s — sealed before %[2]s could read them; this wraps their keys again for the encryption key of %[2]s, in an act you sign.', slot(0), slot(1)), `<button type="button" data-rewrap="${k}">${button}</button>`, name)}</p>`;
  }).join('');
  for (const b of out.querySelectorAll('[data-rewrap]')) {
    b.addEventListener('click', async () => {
      const { r, missing } = later[Number(b.dataset.rewrap)];
      b.disabled = true;
      const status = document.querySelector('#caucus-section .act-status');
      say(status, t('Wrapping the keys again…'));
      const loaded = new Map();
      try {
        const rewraps = [];
        for (const m of missing) {
          const ctx = { origin: p.origin, kind: KIND, channel: `party:${party}`, sender: m.actor };
          const mine = seal.recipients(m.payload.sealed).find((x) => x.actor === p.viewer);
          const via = c.rewraps.find((x) => x.of === m.index && x.actor === p.viewer);
          const want = mine ? mine.key : via.key;
          if (!loaded.has(want)) loaded.set(want, await seal.loadKeyFor(p.viewer, want));
          const rw = await seal.rewrap(ctx, m.payload.sealed, p.viewer, loaded.get(want), { actor: r.key, key: r.encryption_key }, mine ? undefined : via.rewrap);
          rewraps.push({ index: m.index, rewrap: rw });
        }
        let rec;
        for (let i = 0; i < rewraps.length; i += 500) rec = await act('seal.rewrap', { rewraps: rewraps.slice(i, i + 500) });
        say(status, t('Signed and recorded as event #%[1]s: %[2]s can now read them.', digits(rec.index), r.name));
        caucus = null;
        document.dispatchEvent(new CustomEvent('parley:update'));
      } catch (e) {
        say(status, e.message, true);
        b.disabled = false;
      } finally {
        for (const k of loaded.values()) k.unload();
      }
    });
  }
}

/** The encryption key panel: publishes the key this browser holds when it is not the one published. */
export async function initKeyPanel() {
  const box = document.querySelector('[data-enc-key]');
  const p = page();
  if (!box || !p.viewer) return;
  const status = box.querySelector('[data-enc-key-status]');
  const button = box.querySelector('[data-publish-key]');
  const published = box.dataset.encKey;
  if (p.demoAs) {
    say(status, t('In this demo the server holds the demo actor’s encryption key.'));
    return;
  }
  let held;
  try {
    held = await seal.getKey(p.viewer);
  } catch (e) {
    say(status, t('This browser cannot keep keys here (%s).', e.message), true);
    return;
  }
  if (!held) {
    status.innerHTML = markup(t('This browser holds no encryption key for you: make one or import your key file on the %s, then publish it here.', slot(0)), `<a href="/signin">${esc(t('Keys page'))}</a>`);
    return;
  }
  if (held.publicKey === published) {
    say(status, t('This browser holds it: sealed messages to you open here.'));
    return;
  }
  say(status, published
    ? t('This browser holds another encryption key (%s…). Publishing it replaces the one above: from then on messages are sealed to it, and those sealed to the old one open only where that one is kept.', held.publicKey.slice(0, 20))
    : t('This browser holds an encryption key (%s…) that you have not published here.', held.publicKey.slice(0, 20)));
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    say(status, t('Signing…'));
    try {
      const rec = await act('key.encryption', { key: held.publicKey });
      say(status, t('Signed and recorded as event #%s.', digits(rec.index)));
      setTimeout(() => location.reload(), 600);
    } catch (e) {
      say(status, e.message, true);
      button.disabled = false;
    }
  });
}

/** Seals a caucus message for the form's recipients: its payload. */
export async function sealedCaucus(form, party, text) {
  const p = page();
  if (form.dataset.unsealed !== undefined) return { party, text };
  const recipients = JSON.parse(form.dataset.recipients || '[]');
  const sealed = await seal.seal({ origin: p.origin, kind: KIND, channel: `party:${party}`, sender: p.viewer }, JSON.stringify({ text }), recipients);
  return { party, sealed };
}
