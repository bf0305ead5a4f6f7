// Verification of a bundle in the browser: the checkpoints' signatures by
// the log key, every visible event's signature by its actor, the leaf
// hashes, and the RFC 6962 tree root at each checkpoint. docs/RECORD.md
// specifies each check; the authorization replay is left to parley verify.

import { b64decode, concat, digits, esc, markup, slot, t, utf8 } from './util.js';

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(bytes) {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function ed25519(pub) {
  return crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
}

// The log's verifier key: <name>+<hash>+<base64(0x01 || key)>.
async function logKey(vkey) {
  const m = /^(.+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey);
  if (!m) throw new Error(t('the log key is not a note verifier key'));
  const raw = b64decode(m[3]);
  if (raw.length !== 33 || raw[0] !== 1) throw new Error(t('the log key is not an Ed25519 note key'));
  const h = await sha256(concat(utf8.encode(m[1] + '\n'), raw));
  if (hex(h.subarray(0, 4)) !== m[2]) throw new Error(t('the hash in the log key does not match its key'));
  return { name: m[1], hash: m[2], key: await ed25519(raw.subarray(1)) };
}

// Opens a checkpoint note signed by the log key: {size, root}.
async function openCheckpoint(note, lk, origin) {
  const cut = note.indexOf('\n\n');
  if (cut < 0) throw new Error(t('not a signed note'));
  const text = note.slice(0, cut + 1);
  const lines = text.split('\n');
  if (lines.length !== 4 || lines[0] !== origin) throw new Error(t('not a checkpoint of %s', origin));
  const size = Number(lines[1]);
  const root = b64decode(lines[2]);
  if (!Number.isSafeInteger(size) || root.length !== 32) throw new Error(t('malformed checkpoint'));
  let signed = false;
  for (const line of note.slice(cut + 2).split('\n')) {
    if (!line.startsWith('— ')) continue;
    const [name, sig64] = line.slice(2).split(' ');
    if (name !== lk.name) continue;
    const sig = b64decode(sig64);
    if (hex(sig.subarray(0, 4)) !== lk.hash) continue;
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, lk.key, sig.subarray(4), utf8.encode(text)))) {
      throw new Error(t('the signature of the log does not verify'));
    }
    signed = true;
  }
  if (!signed) throw new Error(t('not signed by the log key'));
  return { size, root };
}

// An RFC 6962 tree grown one leaf at a time, kept as the hashes of its
// perfect subtrees.
class Tree {
  constructor() { this.stack = []; }

  async push(leaf) {
    let node = { h: 0, hash: leaf };
    while (this.stack.length && this.stack[this.stack.length - 1].h === node.h) {
      const left = this.stack.pop();
      node = { h: node.h + 1, hash: await sha256(concat([1], left.hash, node.hash)) };
    }
    this.stack.push(node);
  }

  async root() {
    if (this.stack.length === 0) return sha256(new Uint8Array());
    let r = this.stack[this.stack.length - 1].hash;
    for (let k = this.stack.length - 2; k >= 0; k--) r = await sha256(concat([1], this.stack[k].hash, r));
    return r;
  }
}

/**
 * Checks a bundle; reports each check passed with step(text, ok) and the
 * entries checked so far with progress(i, n).
 */
export async function verifyBundle(b, expectKey, step, progress) {
  if (b.format !== 'parley/v1/bundle') throw new Error(t('not a Parley bundle'));
  if (expectKey && b.log_key !== expectKey) throw new Error(t('the log key of the bundle is %s, not the one this page shows', b.log_key));
  const lk = await logKey(b.log_key);
  const talks = b.origin.slice(b.origin.lastIndexOf('/talks/') + 7);
  const cps = [];
  for (const [k, note] of b.checkpoints.entries()) {
    try {
      cps.push(await openCheckpoint(note, lk, b.origin));
    } catch (e) {
      throw new Error(t('checkpoint %[1]s: %[2]s', digits(k), e.message));
    }
  }
  for (let k = 1; k < cps.length; k++) {
    if (cps[k].size <= cps[k - 1].size) throw new Error(t('checkpoint %s: sizes must increase', digits(k)));
  }
  if (cps.length === 0 || cps[cps.length - 1].size !== b.entries.length) throw new Error(t('the last checkpoint does not cover every entry'));
  step(t('%[1]d checkpoints signed by the log key %[2]s', cps.length, b.log_key), true);
  const bySize = new Map(cps.map((c, k) => [c.size, k]));
  const tree = new Tree();
  const actors = new Map();
  const nonces = new Set();
  const domain = utf8.encode(`parley/v1/event\n${b.origin}\n`);
  let visible = 0;
  for (const [i, en] of b.entries.entries()) {
    if (progress && i % 1000 === 0) progress(i, b.entries.length);
    if (en.index !== i) throw new Error(t('entry %[1]s: its index says %[2]s', digits(i), en.index));
    let leaf;
    if (en.event !== undefined) {
      const bytes = b64decode(en.event);
      const sig = b64decode(en.sig);
      const salt = b64decode(en.salt);
      let e;
      try { e = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)); } catch { throw new Error(t('entry %s: the event does not decode', digits(i))); }
      const where = t('entry %[1]s (%[2]s by %[3]s)', digits(i), e.kind, e.actor);
      if (e.talks !== talks) throw new Error(t('%[1]s: it is for talks %[2]s, not %[3]s', where, e.talks, talks));
      if (nonces.has(e.nonce)) throw new Error(t('%s: its nonce was used before: the event is recorded twice', where));
      nonces.add(e.nonce);
      if (!actors.has(e.actor)) actors.set(e.actor, await ed25519(b64decode(e.actor)));
      if (sig.length !== 64 || !(await crypto.subtle.verify({ name: 'Ed25519' }, actors.get(e.actor), sig, concat(domain, bytes)))) {
        throw new Error(t('%s: signature does not verify', where));
      }
      const data = concat(utf8.encode('parley/v1/leaf\n'), salt, await sha256(bytes), sig);
      leaf = await sha256(concat([0], data));
      visible++;
    } else {
      leaf = b64decode(en.leaf);
      if (leaf.length !== 32) throw new Error(t('entry %s: the leaf hash is not 32 bytes', digits(i)));
    }
    await tree.push(leaf);
    if (bySize.has(i + 1)) {
      const k = bySize.get(i + 1);
      if (!equal(await tree.root(), cps[k].root)) throw new Error(t('checkpoint %[1]s (size %[2]s): root does not match the entries', digits(k), digits(i + 1)));
    }
  }
  step(t('%[1]d visible events, each signed by its actor for %[2]s', visible, b.origin), true);
  step(t('%d hidden events, present as leaf hashes', b.entries.length - visible), true);
  step(t('the Merkle tree of all %d leaves has the root of every checkpoint', b.entries.length), true);
  return { entries: b.entries.length, visible };
}

/** Wires the verification page. */
export function initVerify() {
  const box = document.querySelector('[data-verify]');
  if (!box) return;
  const out = box.querySelector('.verify-out');
  box.querySelector('[data-verify-run]').addEventListener('click', async () => {
    out.innerHTML = `<p>${esc(t('Downloading the public bundle…'))}</p><ul></ul>`;
    const ul = out.querySelector('ul');
    const step = (text, ok) => { ul.insertAdjacentHTML('beforeend', `<li class="${ok ? 'ok' : 'fail'}">${esc(text)}</li>`); };
    try {
      const r = await fetch(box.dataset.bundle, { credentials: 'omit', cache: 'no-store' });
      if (!r.ok) throw new Error(t('the server answered %s for the bundle', r.status));
      const b = await r.json();
      out.querySelector('p').textContent = t('Checking…');
      const p = out.querySelector('p');
      await verifyBundle(b, box.dataset.logkey, step, (i, n) => { p.textContent = t('Checking entry %[1]s of %[2]s…', digits(i), digits(n)); });
      out.querySelector('p').innerHTML = `<strong>${esc(t('The public record verifies.'))}</strong> ${markup(t('Compare the log key with one from a source you trust; run %s to check who was entitled to sign each act.', slot(0)), '<code>parley verify</code>')}`;
    } catch (e) {
      step(e.message, false);
      out.querySelector('p').innerHTML = `<strong>${esc(t('The record does not verify.'))}</strong> ${esc(t('Keep the bundle: it is evidence.'))}`;
    }
  });
}
