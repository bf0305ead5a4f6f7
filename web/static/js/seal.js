// Sealed acts in the browser: encryption keys, sealing, opening and
// re-wrapping, as package seal does it in Go (docs/RECORD.md, "Sealed
// acts"). What is sealed here opens with the CLI and the other way round.
//
// Keys. An actor's encryption key is X-Wing (ML-KEM-768 with X25519, HPKE
// KEM 0x647a) unless X25519 is asked for. WebCrypto holds X25519 keys but
// not ML-KEM ones: an X25519 private key is kept as a non-extractable
// CryptoKey; an X-Wing key is its 32-byte seed, kept in IndexedDB encrypted
// under a non-extractable AES-GCM key that lives beside it. No script can
// read the AES key out, but a script of this page can decrypt the seed, as
// it must to open anything: the seed is in the page's memory while a
// loaded key is in use. Keys are kept by actor (the Ed25519 public key, in
// standard base64) in the database "parley-seal", store "keys".
//
// HPKE comes from hpke-js (web/static/vendor, pinned and checked); the
// content AEAD, SHA-256 and X25519 from WebCrypto. To open, an X-Wing key
// is loaded once into its two halves — the expanded ML-KEM-768 key (mlkem)
// and a non-extractable WebCrypto X25519 key — and decapsulates with them
// inside hpke-js's key schedule, rather than expanding the seed and doing
// X25519 in JavaScript for every payload as hpke-js's X-Wing would.

import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '../vendor/@hpke/core/mod.js';
import { XWing } from '../vendor/@hpke/hybridkem-x-wing/mod.js';
import { MlKem768, sha3_256, shake256 } from '../vendor/mlkem/mod.js';
import { b64decode, b64encode, t } from './util.js';

export const VERSION = 1;
export const MAX_RECIPIENTS = 256;
export const MAX_PLAINTEXT = 512 * 1024;
const KEY_SIZE = 32;

const LABEL = {
  context: 'parley/v1/seal/context\n',
  wrap: 'parley/v1/seal/wrap\n',
  commit: 'parley/v1/seal/commit\n',
  wraps: 'parley/v1/seal/wraps\n',
  sealed: 'parley/v1/seal/sealed\n',
  rewrap: 'parley/v1/seal/rewrap\n',
  stored: 'parley/v1/seal/stored-key\n',
};

const enc8 = new TextEncoder();

/** An error of this module: its message says what went wrong and what to do. */
export class SealError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SealError';
  }
}

// The suites, as in Go: the name before the colon of a key names the whole
// HPKE suite, KEM with HKDF-SHA256 and AES-256-GCM.
const SUITES = {
  xwing: { id: 0x647a, pkSize: 1216, encSize: 1120, eseedSize: 64, make: () => new XWing() },
  x25519: { id: 0x0020, pkSize: 32, encSize: 32, eseedSize: 32, make: () => new DhkemX25519HkdfSha256() },
};
for (const s of Object.values(SUITES)) {
  s.kem = s.make();
  s.suite = new CipherSuite({ kem: s.kem, kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  s.wrapSize = s.encSize + KEY_SIZE + 16;
}

// X-Wing's decapsulation with a loaded key (loadSeed): ML-KEM-768 with the
// expanded key, X25519 in WebCrypto, the combiner of
// draft-connolly-cfrg-xwing-kem. Only decap is ever called: sealing uses
// hpke-js's XWing.
const XWING_LABEL = new Uint8Array([0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c]); // \.//^\
const mlkem768 = new MlKem768();
const loadedXWing = {
  id: 0x647a,
  secretSize: 32,
  encSize: 1120,
  publicKeySize: 1216,
  privateKeySize: 32,
  auth: false,
  async decap(params) {
    const enc = new Uint8Array(params.enc);
    const k = params.recipientKey;
    if (enc.length !== 1120 || !k || !k.skM) throw new SealError(t('not an X-Wing encapsulation, or no loaded key'));
    const ctX = enc.slice(1088);
    const ssM = await mlkem768.decap(enc.slice(0, 1088), k.skM);
    const pub = await crypto.subtle.importKey('raw', ctX, { name: 'X25519' }, false, []);
    const ssX = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: pub }, k.xPriv, 256));
    return sha3_256.create().update(cat(ssM, ssX, ctX, k.pkX, XWING_LABEL)).digest().buffer;
  },
};
const openXWing = new CipherSuite({ kem: loadedXWing, kdf: new HkdfSha256(), aead: new Aes256Gcm() });

/** The KEMs this version knows, the default first. */
export const KEMS = Object.keys(SUITES);

// ---- bytes ----

function canonicalB64(s, what) {
  let b;
  try { b = b64decode(s); } catch { b = null; }
  if (b === null || typeof s !== 'string' || b64encode(b) !== s) throw new SealError(t('%s: want canonical standard base64', what));
  return b;
}

function cat(...parts) {
  const n = parts.reduce((k, p) => k + p.length, 0);
  const out = new Uint8Array(n);
  let k = 0;
  for (const p of parts) { out.set(p, k); k += p.length; }
  return out;
}

function u16(n) { return new Uint8Array([(n >> 8) & 0xff, n & 0xff]); }
function str(b) { return cat(u16(b.length), b); }

function compare(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function equal(a, b) { return a.length === b.length && compare(a, b) === 0; }

async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', cat(...parts)));
}

function bytesOf(x) {
  if (typeof x === 'string') return enc8.encode(x);
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  throw new SealError(t('want text or bytes'));
}

function actorBytes(actor, what) {
  const b = canonicalB64(actor, what);
  if (b.length !== 32) throw new SealError(t('%s: want an Ed25519 public key (32 bytes)', what));
  return b;
}

// ---- keys ----

/**
 * Parses the text of a public encryption key, "xwing:BASE64" or
 * "x25519:BASE64", strictly. Returns {kem, raw, text}.
 */
export function parsePublicKey(text) {
  if (typeof text !== 'string' || text.length > 2048 || !text.includes(':')) {
    throw new SealError(t('not an encryption key: want KEM:BASE64, such as "xwing:…"'));
  }
  const i = text.indexOf(':');
  const kem = text.slice(0, i);
  const s = SUITES[kem];
  if (!s) throw new SealError(t('unknown KEM “%[1]s” (this version knows %[2]s)', kem, KEMS.join(', ')));
  const raw = canonicalB64(text.slice(i + 1), `${kem} key`);
  if (raw.length !== s.pkSize) throw new SealError(t('a %[1]s key has %[2]d bytes, not %[3]d', kem, s.pkSize, raw.length));
  return { kem, raw, text };
}

/**
 * Parses the text of a private encryption key, "xwing:BASE64" of the seed
 * or "x25519:BASE64" of the scalar, as a key file holds it. Returns a
 * loaded key: {kem, publicKey (text), unload(), ...} for openWith and
 * rewrap; unload() wipes its secrets from memory.
 */
export async function parsePrivateKey(text) {
  const m = /^\s*([a-z0-9]+):([A-Za-z0-9+/=]+)\s*$/.exec(text || '');
  if (!m || !SUITES[m[1]]) throw new SealError(t('not a private encryption key: want KEM:BASE64 as "parley keygen" writes it'));
  const seed = canonicalB64(m[2], 'private key');
  if (seed.length !== 32) throw new SealError(t('a private %[1]s key has 32 bytes, not %[2]d', m[1], seed.length));
  return loadSeed(m[1], seed, false);
}

// loadSeed makes a loaded key of a seed.
async function loadSeed(kem, seed, extractable) {
  if (kem === 'xwing') {
    // The seed expands to the ML-KEM-768 seed (d || z) and the X25519
    // private key.
    const own = seed.slice();
    const x = shake256.create({ dkLen: 96 }).update(own).digest();
    const [pkM, skM] = await mlkem768.deriveKeyPair(x.slice(0, 64));
    const half = await importX25519(x.slice(64, 96), false);
    x.fill(0);
    const wipe = () => { own.fill(0); skM.fill(0); };
    return {
      kem,
      publicKey: `${kem}:${b64encode(cat(pkM, half.pubRaw))}`,
      recipientKey: { skM, xPriv: half.privateKey, pkX: half.pubRaw },
      seed: own,
      wipe,
      unload: wipe,
    };
  }
  const half = await importX25519(seed, extractable);
  return { kem, publicKey: `${kem}:${b64encode(half.pubRaw)}`, recipientKey: { privateKey: half.privateKey, publicKey: half.publicKey }, wipe() {}, unload() {} };
}

// importX25519 imports an X25519 private key of 32 bytes (as a PKCS #8
// wrapping) and derives its public key.
async function importX25519(scalar, extractable) {
  const pkcs8 = cat(new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]), scalar);
  try {
    const tmp = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, true, ['deriveBits']);
    const jwk = await crypto.subtle.exportKey('jwk', tmp);
    const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, extractable, ['deriveBits']);
    const pubRaw = b64decode(jwk.x.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (jwk.x.length % 4)) % 4));
    const publicKey = await crypto.subtle.importKey('raw', pubRaw, { name: 'X25519' }, true, []);
    return { privateKey, publicKey, pubRaw };
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * Makes a new key pair in memory (not kept): {kem, publicKey, ...}. For
 * X25519 the private key is a non-extractable CryptoKey.
 */
export async function generateKeyPair(kem = 'xwing') {
  if (!SUITES[kem]) throw new SealError(t('unknown KEM “%s”', kem));
  if (kem === 'xwing') return loadSeed(kem, crypto.getRandomValues(new Uint8Array(32)), false);
  const kp = await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
  const pub = new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey));
  return { kem, publicKey: `${kem}:${b64encode(pub)}`, recipientKey: kp, wipe() {}, unload() {} };
}

// ---- storage ----

const DB = 'parley-seal';
const STORE = 'keys';

function openDB() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'actor' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, f) {
  const db = await openDB();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = f(t.objectStore(STORE));
      t.oncomplete = () => resolve(req ? req.result : undefined);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

function storedAAD(actor, publicKey) {
  return enc8.encode(`${LABEL.stored}${actor}\n${publicKey}`);
}

// archivedId is where a replaced key of an actor is kept.
function archivedId(actor, publicKey) {
  return `${actor} ${publicKey}`;
}

// store keeps a loaded key for an actor. The key it replaces, if any, is
// kept too (under archivedId, its record's owner naming the actor), so
// that what was sealed to it still opens in this browser (loadKeyFor).
async function store(actor, key) {
  actorBytes(actor, 'actor');
  const old = await tx('readonly', (s) => s.get(actor));
  if (old && old.publicKey !== key.publicKey) {
    await tx('readwrite', (s) => s.put({ ...old, actor: archivedId(actor, old.publicKey), owner: actor }));
  }
  return storeAs(actor, actor, key);
}

// storeAs keeps a loaded key of actor under the id given: the actor, or
// archivedId for a key it replaced.
async function storeAs(id, actor, key) {
  const rec = { actor: id, kem: key.kem, publicKey: key.publicKey, created: Date.now() };
  if (id !== actor) rec.owner = actor;
  if (key.kem === 'xwing') {
    rec.wrapKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    rec.iv = crypto.getRandomValues(new Uint8Array(12));
    rec.sealedSeed = new Uint8Array(await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: rec.iv, additionalData: storedAAD(actor, key.publicKey) }, rec.wrapKey, key.seed));
  } else {
    rec.privateKey = key.recipientKey.privateKey;
    rec.publicCryptoKey = key.recipientKey.publicKey;
  }
  await tx('readwrite', (s) => s.put(rec));
  return { actor, kem: rec.kem, publicKey: rec.publicKey, created: rec.created };
}

/**
 * Makes a new encryption key for an actor and keeps it in this browser,
 * replacing any it had. Returns {actor, kem, publicKey, created}; the
 * actor then publishes publicKey in an act it signs.
 */
export async function createKey(actor, kem = 'xwing') {
  if (kem === 'xwing') {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const key = await loadSeed(kem, seed, false);
    seed.fill(0);
    try {
      return await store(actor, key);
    } finally {
      key.wipe();
    }
  }
  return store(actor, await generateKeyPair(kem));
}

/**
 * Imports the encryption key of a "parley keygen" file for an actor (by
 * default the file's public-key line): its line "encryption-private-key:
 * KEM:BASE64", checked against its "encryption-public-key:" line. Returns
 * {actor, kem, publicKey, created}.
 */
export async function importKeyFile(text, actor) {
  const m = /^\s*encryption-private-key:\s*(\S+)\s*$/m.exec(text || '');
  if (!m) {
    throw new SealError(t('This key file has no encryption key (it was made before sealed acts). Add one with: parley keygen --add-encryption -o FILE'));
  }
  const key = await parsePrivateKey(m[1]);
  const p = /^\s*encryption-public-key:\s*(\S+)\s*$/m.exec(text);
  if (p && p[1] !== key.publicKey) throw new SealError(t('The file’s encryption-public-key line does not match its private key; the file is damaged.'));
  if (!actor) {
    const a = /^\s*public-key:\s*(\S+)\s*$/m.exec(text);
    if (!a) throw new SealError(t('The key file has no public-key line; say which actor the key is for.'));
    actor = a[1];
  }
  try {
    const rec = await store(actor, key);
    // Keys the file keeps from before a rotation open what was sealed
    // to them.
    for (const prev of text.matchAll(/^\s*previous-encryption-private-key:\s*(\S+)\s*$/gm)) {
      const pk = await parsePrivateKey(prev[1]);
      try {
        if (pk.publicKey !== key.publicKey) await storeAs(archivedId(actor, pk.publicKey), actor, pk);
      } finally {
        pk.wipe();
      }
    }
    return rec;
  } finally {
    key.wipe();
  }
}

/** The encryption key kept for an actor, {actor, kem, publicKey, created}, or undefined. No secret is returned. */
export async function getKey(actor) {
  const rec = await tx('readonly', (s) => s.get(actor));
  return rec && { actor: rec.actor, kem: rec.kem, publicKey: rec.publicKey, created: rec.created };
}

/** Every current encryption key kept in this browser, without secrets. */
export async function listKeys() {
  const recs = await tx('readonly', (s) => s.getAll());
  return recs.filter((r) => !r.owner).map((r) => ({ actor: r.actor, kem: r.kem, publicKey: r.publicKey, created: r.created }));
}

/** Forgets an actor's encryption key. */
export function removeKey(actor) {
  return tx('readwrite', (s) => s.delete(actor));
}

/**
 * Loads an actor's kept key for opening (openWith, rewrap): for X-Wing the
 * seed is decrypted into the page's memory; unload() wipes it. Throws when
 * the browser holds no key for the actor.
 */
export async function loadKey(actor) {
  const rec = await tx('readonly', (s) => s.get(actor));
  if (!rec) throw new SealError(t('This browser holds no encryption key for this actor: import your key file, or make a key and publish it.'));
  return loadRecord(rec);
}

/**
 * Loads the key of an actor whose public key is publicKey: its current
 * one, or one it replaced since, which this browser kept. Throws when the
 * browser holds neither.
 */
export async function loadKeyFor(actor, publicKey) {
  const cur = await tx('readonly', (s) => s.get(actor));
  if (cur && cur.publicKey === publicKey) return loadRecord(cur);
  const old = await tx('readonly', (s) => s.get(archivedId(actor, publicKey)));
  if (old) return loadRecord(old);
  throw new SealError(t('This was sealed to your encryption key %s…, which this browser does not hold: open it where that key is kept (the key file that holds it, or the browser that made it).', publicKey.slice(0, 20)));
}

async function loadRecord(rec) {
  if (rec.kem === 'xwing') {
    const seed = new Uint8Array(await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: rec.iv, additionalData: storedAAD(rec.owner || rec.actor, rec.publicKey) }, rec.wrapKey, rec.sealedSeed));
    const key = await loadSeed('xwing', seed, false);
    seed.fill(0);
    if (key.publicKey !== rec.publicKey) throw new SealError(t('The kept encryption key is damaged; import your key file again.'));
    return key;
  }
  return { kem: rec.kem, publicKey: rec.publicKey, recipientKey: { privateKey: rec.privateKey, publicKey: rec.publicCryptoKey }, unload() {}, wipe() {} };
}

// ---- the sealed format ----

function validContext(ctx) {
  for (const f of ['origin', 'kind', 'channel']) {
    const v = ctx && ctx[f];
    if (typeof v !== 'string' || v === '' || enc8.encode(v).length > 1024) throw new SealError(t('sealing context: the %s must be text of 1 to 1024 bytes', f));
  }
  return actorBytes(ctx.sender, 'sealing context: the sender');
}

async function contextDigest(ctx, recipients) {
  const sender = validContext(ctx);
  const parts = [enc8.encode(LABEL.context), str(enc8.encode(ctx.origin)), str(enc8.encode(ctx.kind)), str(enc8.encode(ctx.channel)), sender, u16(recipients.length)];
  for (const r of recipients) parts.push(r.actorRaw, u16(SUITES[r.key.kem].id), str(r.key.raw));
  return sha256(...parts);
}

async function aadOf(context, commit, wraps) {
  const parts = [enc8.encode(LABEL.wraps)];
  for (const w of wraps) parts.push(u16(w.length), w);
  return cat(context, commit, await sha256(...parts));
}

const ZERO_NONCE = new Uint8Array(12);

async function contentKey(raw) {
  return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

function wrapInfo(label, digest, actorRaw) {
  return cat(enc8.encode(label), digest, actorRaw);
}

/**
 * Reads a sealed payload (the object of its JSON form, or the JSON text)
 * and checks its structure, as package seal's Parse does: version, sizes,
 * recipients sorted by signing key and unique, keys of known KEMs, each
 * wrapped key of its KEM's size, canonical base64. Returns it decoded.
 */
export function parseSealed(sealed) {
  const o = typeof sealed === 'string' ? JSON.parse(sealed) : sealed;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new SealError(t('not a sealed payload'));
  const names = Object.keys(o).join(',');
  if (names !== 'v,context,recipients,commit,ciphertext') throw new SealError(t('a sealed payload has the members v, context, recipients, commit, ciphertext in that order, not %s', names));
  if (o.v !== VERSION) throw new SealError(t('sealed payload version %[1]s; this page reads version %[2]s', o.v, VERSION));
  const context = canonicalB64(o.context, 'context');
  const commit = canonicalB64(o.commit, 'commit');
  const ciphertext = canonicalB64(o.ciphertext, 'ciphertext');
  if (context.length !== 32 || commit.length !== 32) throw new SealError(t('"context" and "commit" hold 32 bytes each'));
  if (!Array.isArray(o.recipients) || o.recipients.length < 1 || o.recipients.length > MAX_RECIPIENTS) throw new SealError(t('a sealed payload has 1 to %d recipients', MAX_RECIPIENTS));
  if (ciphertext.length < 16 || ciphertext.length > MAX_PLAINTEXT + 16) throw new SealError(t('the ciphertext is too short or too long'));
  const recipients = o.recipients.map((r, i) => {
    if (!r || Object.keys(r).join(',') !== 'actor,key,wrap') throw new SealError(t('recipient %s: want the members actor, key, wrap in that order', i));
    const actorRaw = actorBytes(r.actor, `recipient ${i}`);
    const key = parsePublicKey(r.key);
    const wrap = canonicalB64(r.wrap, `recipient ${i} wrap`);
    if (wrap.length !== SUITES[key.kem].wrapSize) throw new SealError(t('recipient %[1]s: a content key wrapped for a %[2]s key has %[3]d bytes', i, key.kem, SUITES[key.kem].wrapSize));
    return { actor: r.actor, actorRaw, key, wrap };
  });
  for (let i = 1; i < recipients.length; i++) {
    if (compare(recipients[i - 1].actorRaw, recipients[i].actorRaw) >= 0) throw new SealError(t('recipient %s: recipients must be in increasing order of their signing keys, each once', i));
  }
  return { context, commit, ciphertext, recipients };
}

function toJSON(p) {
  return {
    v: VERSION,
    context: b64encode(p.context),
    recipients: p.recipients.map((r) => ({ actor: r.actor, key: r.key.text, wrap: b64encode(r.wrap) })),
    commit: b64encode(p.commit),
    ciphertext: b64encode(p.ciphertext),
  };
}

/** The recipients of a sealed payload: [{actor, key}] in their order. */
export function recipients(sealed) {
  return parseSealed(sealed).recipients.map((r) => ({ actor: r.actor, key: r.key.text }));
}

/**
 * Checks without a key that a sealed payload was sealed for ctx
 * ({origin, kind, channel, sender}) and its recipients.
 */
export async function checkContext(sealed, ctx) {
  const p = parseSealed(sealed);
  if (!equal(await contextDigest(ctx, p.recipients), p.context)) {
    throw new SealError(t('The sealed payload was sealed for another context: another talks, kind of act, channel, sender or list of recipients.'));
  }
  return p;
}

/** The sealed digest (standard base64), which names the payload in a re-wrap. */
export async function digest(sealed) {
  const p = parseSealed(sealed);
  return b64encode(await sealedDigest(p));
}

async function sealedDigest(p) {
  return sha256(enc8.encode(LABEL.sealed), await aadOf(p.context, p.commit, p.recipients.map((r) => r.wrap)), p.ciphertext);
}

async function wrapFor(key, info, k, eseed) {
  const s = SUITES[key.kem];
  const recipientPublicKey = await s.kem.deserializePublicKey(key.raw.slice().buffer);
  const params = { recipientPublicKey, info: info.slice().buffer };
  if (eseed) params.ekm = eseed.slice().buffer;
  const { ct, enc } = await s.suite.seal(params, k.slice().buffer);
  return cat(new Uint8Array(enc), new Uint8Array(ct));
}

async function unwrap(loaded, info, wrap) {
  const s = SUITES[loaded.kem];
  const suite = loaded.kem === 'xwing' ? openXWing : s.suite;
  try {
    const enc = wrap.slice(0, s.encSize);
    const ct = wrap.slice(s.encSize);
    return new Uint8Array(await suite.open({ recipientKey: loaded.recipientKey, enc: enc.buffer, info: info.slice().buffer }, ct.buffer));
  } catch {
    return null;
  }
}

/**
 * Seals plaintext (text or bytes) for the recipients ([{actor, key}],
 * signing keys in base64 and encryption key texts), bound to ctx =
 * {origin, kind, channel, sender}. Returns the JSON object of the sealed
 * payload, whose JSON.stringify is its canonical form.
 */
export async function seal(ctx, plaintext, recipients) {
  const k = crypto.getRandomValues(new Uint8Array(KEY_SIZE));
  try {
    return await sealWith(ctx, plaintext, recipients, k, null);
  } finally {
    k.fill(0);
  }
}

/**
 * Seals with the content key and the HPKE ephemeral randomness given
 * (eseeds: encryption key text → bytes), to check the known-answer vectors
 * of docs/RECORD.md. Never use it to seal anything real.
 */
export async function sealWithRandomness(ctx, plaintext, recipients, contentKeyBytes, eseeds) {
  return sealWith(ctx, plaintext, recipients, contentKeyBytes, eseeds);
}

async function sealWith(ctx, plaintext, rs, k, eseeds) {
  const pt = bytesOf(plaintext);
  validContext(ctx);
  if (pt.length > MAX_PLAINTEXT) throw new SealError(t('the content has %[1]d bytes, more than %[2]d; send it in parts', pt.length, MAX_PLAINTEXT));
  if (!Array.isArray(rs) || rs.length === 0) throw new SealError(t('nothing can be sealed to no recipient'));
  if (rs.length > MAX_RECIPIENTS) throw new SealError(t('%[1]d recipients, more than %[2]d', rs.length, MAX_RECIPIENTS));
  const list = rs.map((r) => ({ actor: r.actor, actorRaw: actorBytes(r.actor, 'recipient'), key: parsePublicKey(r.key) }));
  list.sort((a, b) => compare(a.actorRaw, b.actorRaw));
  for (let i = 1; i < list.length; i++) {
    if (equal(list[i - 1].actorRaw, list[i].actorRaw)) throw new SealError(t('recipient %s is named twice', list[i].actor));
  }
  const context = await contextDigest(ctx, list);
  for (const r of list) {
    const eseed = eseeds ? eseeds[r.key.text] : undefined;
    if (eseeds && !eseed) throw new SealError(t('no randomness given for %s…', r.key.text.slice(0, 20)));
    r.wrap = await wrapFor(r.key, wrapInfo(LABEL.wrap, context, r.actorRaw), k, eseed);
  }
  const commit = await sha256(enc8.encode(LABEL.commit), k);
  const aad = await aadOf(context, commit, list.map((r) => r.wrap));
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: ZERO_NONCE, additionalData: aad }, await contentKey(k), pt));
  return toJSON({ context, commit, ciphertext, recipients: list });
}

// decrypt checks a content key against the commitment and decrypts.
async function decrypt(p, k) {
  if (!k || k.length !== KEY_SIZE) throw new SealError(t('The content key wrapped for you does not open: the sealed payload was altered, or made wrongly.'));
  if (!equal(await sha256(enc8.encode(LABEL.commit), k), p.commit)) {
    throw new SealError(t('The content key wrapped for you does not match the payload’s commitment: the recipients were given different keys, or it was altered.'));
  }
  try {
    const aad = await aadOf(p.context, p.commit, p.recipients.map((r) => r.wrap));
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: ZERO_NONCE, additionalData: aad }, await contentKey(k), p.ciphertext));
  } catch {
    throw new SealError(t('The sealed content does not decrypt: it was altered.'));
  }
}

async function openKey(ctx, sealed, actor, loaded) {
  const p = await checkContext(sealed, ctx);
  const r = p.recipients.find((x) => x.actor === actor);
  if (!r) throw new SealError(t('You are not among the recipients of this sealed payload; one of them can wrap its key for you.'));
  if (r.key.text !== loaded.publicKey) throw new SealError(t('This was sealed to another of your encryption keys; open it with that key.'));
  const k = await unwrap(loaded, wrapInfo(LABEL.wrap, p.context, r.actorRaw), r.wrap);
  return { p, k };
}

/**
 * Opens a sealed payload as a recipient with a loaded key (loadKey,
 * parsePrivateKey), checking that it was sealed for ctx. Returns the bytes.
 */
export async function openWith(ctx, sealed, actor, loaded) {
  const { p, k } = await openKey(ctx, sealed, actor, loaded);
  try {
    return await decrypt(p, k);
  } finally {
    if (k) k.fill(0);
  }
}

/** Opens a sealed payload as a recipient with the key this browser keeps for the actor. */
export async function open(ctx, sealed, actor) {
  const key = await loadKey(actor);
  try {
    return await openWith(ctx, sealed, actor, key);
  } finally {
    key.unload();
  }
}

/** Opens a sealed payload and decodes it as UTF-8 text. */
export async function openText(ctx, sealed, actor, loaded) {
  const b = loaded ? await openWith(ctx, sealed, actor, loaded) : await open(ctx, sealed, actor);
  return new TextDecoder('utf-8', { fatal: true }).decode(b);
}

/** Reads and checks a re-wrap object, as package seal's ParseRewrap. */
export function parseRewrap(rw) {
  const o = typeof rw === 'string' ? JSON.parse(rw) : rw;
  if (!o || Object.keys(o).join(',') !== 'v,sealed,actor,key,wrap') throw new SealError(t('a re-wrap has the members v, sealed, actor, key, wrap in that order'));
  if (o.v !== VERSION) throw new SealError(t('re-wrap version %[1]s; this page reads version %[2]s', o.v, VERSION));
  const sealedRaw = canonicalB64(o.sealed, 're-wrap sealed');
  if (sealedRaw.length !== 32) throw new SealError(t('"sealed" holds the 32-byte digest of a sealed payload'));
  const actorRaw = actorBytes(o.actor, 're-wrap actor');
  const key = parsePublicKey(o.key);
  const wrap = canonicalB64(o.wrap, 're-wrap wrap');
  if (wrap.length !== SUITES[key.kem].wrapSize) throw new SealError(t('a content key wrapped for a %[1]s key has %[2]d bytes', key.kem, SUITES[key.kem].wrapSize));
  return { sealedRaw, actor: o.actor, actorRaw, key, wrap };
}

async function openRewrapKey(ctx, sealed, rw, loaded) {
  const p = await checkContext(sealed, ctx);
  const r = parseRewrap(rw);
  if (!equal(r.sealedRaw, await sealedDigest(p))) throw new SealError(t('The re-wrap is for another sealed payload.'));
  if (r.key.text !== loaded.publicKey) throw new SealError(t('This was re-wrapped to another of your encryption keys; open it with that key.'));
  const k = await unwrap(loaded, wrapInfo(LABEL.rewrap, r.sealedRaw, r.actorRaw), r.wrap);
  return { p, k };
}

/** Opens a sealed payload as the later recipient of a re-wrap, with a loaded key. */
export async function openRewrapped(ctx, sealed, rw, loaded) {
  const { p, k } = await openRewrapKey(ctx, sealed, rw, loaded);
  try {
    return await decrypt(p, k);
  } finally {
    if (k) k.fill(0);
  }
}

/**
 * Wraps the content key of a sealed payload for a later recipient to =
 * {actor, key}. The opener is actor with a loaded key, a recipient of the
 * payload or, with via, the later recipient of an earlier re-wrap. The
 * payload is opened in full first. Returns the re-wrap's JSON object.
 */
export async function rewrap(ctx, sealed, actor, loaded, to, via) {
  return rewrapWith(ctx, sealed, actor, loaded, to, via, null);
}

/** rewrap with the HPKE ephemeral randomness given, for the known-answer vectors only. */
export async function rewrapWithRandomness(ctx, sealed, actor, loaded, to, via, eseed) {
  return rewrapWith(ctx, sealed, actor, loaded, to, via, eseed);
}

async function rewrapWith(ctx, sealed, actor, loaded, to, via, eseed) {
  let opened;
  if (via) {
    if (parseRewrap(via).actor !== actor) throw new SealError(t('The re-wrap given is for another actor.'));
    opened = await openRewrapKey(ctx, sealed, via, loaded);
  } else {
    opened = await openKey(ctx, sealed, actor, loaded);
  }
  const { p, k } = opened;
  try {
    await decrypt(p, k);
    const toRaw = actorBytes(to.actor, 're-wrap recipient');
    if (p.recipients.some((r) => equal(r.actorRaw, toRaw))) throw new SealError(t('That actor is already a recipient; it needs no re-wrap.'));
    const key = parsePublicKey(to.key);
    const d = await sealedDigest(p);
    const wrap = await wrapFor(key, wrapInfo(LABEL.rewrap, d, toRaw), k, eseed);
    return { v: VERSION, sealed: b64encode(d), actor: to.actor, key: key.text, wrap: b64encode(wrap) };
  } finally {
    if (k) k.fill(0);
  }
}
