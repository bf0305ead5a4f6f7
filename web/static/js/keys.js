// Actor keys in the browser: Ed25519 keys made or imported as
// non-extractable WebCrypto keys and kept in IndexedDB. The page can sign
// with them; no script can read the private key back, and it is never
// sent anywhere.

import { b64encode, b64decode, t } from './util.js';

const DB = 'parley';
const STORE = 'keys';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, f) {
  const db = await open();
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

/** Every key record: {key, label, privateKey, created}. */
export function list() {
  return tx('readonly', (s) => s.getAll());
}

/** The key record of a public key (standard base64), or undefined. */
export function get(pub) {
  if (!pub) return Promise.resolve(undefined);
  return tx('readonly', (s) => s.get(pub));
}

export function remove(pub) {
  return tx('readwrite', (s) => s.delete(pub));
}

function put(rec) {
  return tx('readwrite', (s) => s.put(rec));
}

/** Makes a new key in the browser and keeps it. */
export async function generate(label) {
  const kp = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey));
  const rec = { key: b64encode(raw), label, privateKey: kp.privateKey, created: Date.now() };
  await put(rec);
  return rec;
}

// The PKCS #8 prefix of an Ed25519 private key: the 32-byte seed follows.
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

function b64url(bytes) {
  return b64decode(bytes.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (bytes.length % 4)) % 4));
}

/**
 * Imports the key of a "parley keygen" file: its line
 * "private-key: <base64 of the 32-byte seed>". The key is kept
 * non-extractable; its public half is derived from it.
 */
export async function importKeyFile(text, label) {
  const m = /^\s*private-key:\s*([A-Za-z0-9+/=]+)\s*$/m.exec(text);
  if (!m) throw new Error(t('This is not a Parley key file: it has no line “%[1]s”. Make one with %[2]s.', 'private-key: …', 'parley keygen'));
  let seed;
  try { seed = b64decode(m[1]); } catch { seed = null; }
  if (!seed || seed.length !== 32) throw new Error(t('The %s line does not hold a 32-byte key in base64; check that the file is whole.', 'private-key'));
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + 32);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(seed, PKCS8_PREFIX.length);
  // Derive the public key once from an extractable copy, then keep only a
  // non-extractable one.
  const tmp = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', tmp);
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
  pkcs8.fill(0);
  seed.fill(0);
  const pub = b64encode(b64url(jwk.x));
  const p = /^\s*public-key:\s*([A-Za-z0-9+/=]+)\s*$/m.exec(text);
  if (p && p[1] !== pub) throw new Error(t('The file’s %s line does not match its private key; the file is damaged.', 'public-key'));
  const rec = { key: pub, label: label || t('Imported key'), privateKey, created: Date.now() };
  await put(rec);
  return rec;
}

/** Signs bytes with the key of a record. */
export async function sign(rec, bytes) {
  return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, rec.privateKey, bytes));
}
