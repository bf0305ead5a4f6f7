// The browser side of package seal's browser tests (browser_test.go): the
// published HPKE and X-Wing vectors against hpke-js as web/static/vendor
// holds it, the known-answer vectors of the sealed format against seal.js,
// and helpers the Go test calls to pass sealed payloads both ways.

import * as S from '/static/js/seal.js';
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '/static/vendor/@hpke/core/mod.js';
import { Chacha20Poly1305 } from '/static/vendor/@hpke/chacha20poly1305/mod.js';
import { XWing } from '/static/vendor/@hpke/hybridkem-x-wing/mod.js';

const hex = (s) => Uint8Array.from(s.match(/../g) || [], (h) => parseInt(h, 16));
const toHex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const b64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b)));
const get = async (p) => (await fetch(p)).json();

// hpkeVectors checks hpke-js against RFC 9180 (DHKEM(X25519)) and
// draft-ietf-hpke-pq (X-Wing) vectors: the encapsulated key from the
// vector's ephemeral randomness, the recipient's key pair, every
// encryption in order both ways, every export.
async function hpkeVectors() {
  const out = { checked: [], skipped: [], failures: [] };
  const vs = [...await get('/testdata/rfc9180-x25519.json'), ...await get('/testdata/hpke-pq-xwing.json')];
  for (const v of vs) {
    const name = `kem ${v.kem_id} kdf ${v.kdf_id} aead ${v.aead_id}`;
    const aead = { 1: () => new Aes128Gcm(), 3: () => new Chacha20Poly1305() }[v.aead_id];
    if (v.kdf_id !== 1 || !aead) {
      out.skipped.push(name); // hpke-js has no SHAKE256 KDF
      continue;
    }
    const xwing = v.kem_id === 0x647a;
    const kem = xwing ? new XWing() : new DhkemX25519HkdfSha256();
    const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: aead() });
    const fail = (what) => out.failures.push(`${name}: ${what}`);
    const pkR = await kem.deserializePublicKey(hex(v.pkRm).buffer);
    const info = hex(v.info).buffer;
    const sender = await suite.createSenderContext({ recipientPublicKey: pkR, info, ekm: hex(v.ikmE).buffer });
    if (toHex(sender.enc) !== v.enc) fail('enc');
    // X-Wing: the private key is the seed skRm. DHKEM(X25519): derived
    // from ikmR (RFC 9180 §7.1.3).
    const kp = xwing ? await kem.generateKeyPairDerand(hex(v.skRm)) : await kem.deriveKeyPair(hex(v.ikmR).buffer);
    if (toHex(await kem.serializePublicKey(kp.publicKey)) !== v.pkRm) fail('public key of the recipient\'s private key');
    const recipient = await suite.createRecipientContext({ recipientKey: kp, enc: hex(v.enc).buffer, info });
    let n = 0;
    for (const [i, e] of v.encryptions.entries()) {
      if (e.sequence_number !== undefined && e.sequence_number !== i) break; // the RFC's text skips some
      const ct = await sender.seal(hex(e.pt).buffer, hex(e.aad).buffer);
      if (toHex(ct) !== e.ct) fail(`encryption ${i}`);
      const pt = await recipient.open(hex(e.ct).buffer, hex(e.aad).buffer);
      if (toHex(pt) !== e.pt) fail(`decryption ${i}`);
      n++;
    }
    if (n < 3) fail(`only ${n} encryptions in order`);
    for (const x of v.exports) {
      if (toHex(await sender.export(hex(x.exporter_context).buffer, x.L)) !== x.exported_value) fail(`sender export ${x.exporter_context}`);
      if (toHex(await recipient.export(hex(x.exporter_context).buffer, x.L)) !== x.exported_value) fail(`recipient export ${x.exporter_context}`);
    }
    // seal.js reads the vector's private key as a key file holds it.
    if (xwing) {
      const k = await S.parsePrivateKey(`xwing:${b64(hex(v.skRm))}`);
      if (k.publicKey !== `xwing:${b64(hex(v.pkRm))}`) fail('seal.js public key of skRm');
    }
    out.checked.push(name);
  }

  // X-Wing itself: draft-connolly-cfrg-xwing-kem's vectors.
  for (const [i, v] of (await get('/testdata/xwing-kem.json')).entries()) {
    const kem = new XWing();
    const kp = await kem.generateKeyPairDerand(hex(v.seed));
    const fail = (what) => out.failures.push(`X-Wing KEM vector ${i}: ${what}`);
    if (toHex(await kem.serializePublicKey(kp.publicKey)) !== v.pk) fail('public key');
    const r = await kem.encap({ recipientPublicKey: kp.publicKey, ekm: hex(v.eseed).buffer });
    if (toHex(r.enc) !== v.ct) fail('ciphertext');
    if (toHex(r.sharedSecret) !== v.ss) fail('shared secret');
    if (toHex(await kem.decap({ enc: hex(v.ct).buffer, recipientKey: kp })) !== v.ss) fail('decapsulation');
    const k = await S.parsePrivateKey(`xwing:${b64(hex(v.seed))}`);
    if (k.publicKey !== `xwing:${b64(hex(v.pk))}`) fail('seal.js public key');
    out.checked.push(`X-Wing KEM vector ${i}`);
  }
  return out;
}

// knownAnswers seals the vectors of testdata/vectors.json again with their
// fixed randomness, compares the bytes, and opens them.
async function knownAnswers() {
  const out = { checked: 0, failures: [] };
  for (const v of (await get('/testdata/vectors.json')).vectors) {
    const ctx = { origin: v.origin, kind: v.kind, channel: v.channel, sender: v.sender };
    const fail = (what) => out.failures.push(`${v.name}: ${what}`);
    const eseeds = {};
    for (const r of v.recipients) eseeds[r.public_key] = unb64(r.eseed);
    const rs = v.recipients.map((r) => ({ actor: r.actor, key: r.public_key })).reverse();
    const s = await S.sealWithRandomness(ctx, unb64(v.plaintext), rs, unb64(v.content_key), eseeds);
    if (JSON.stringify(s) !== v.sealed) fail('sealed again, other bytes');
    if (await S.digest(v.sealed) !== v.sealed_digest) fail('sealed digest');
    for (const r of v.recipients) {
      const k = await S.parsePrivateKey(r.private_key);
      if (k.publicKey !== r.public_key) fail(`public key of ${r.actor}`);
      if (b64(await S.openWith(ctx, v.sealed, r.actor, k)) !== v.plaintext) fail(`opened by ${r.actor}`);
    }
    if (v.rewrap) {
      const by = v.recipients.find((r) => r.actor === v.rewrap.by);
      const to = { actor: v.rewrap.to.actor, key: v.rewrap.to.public_key };
      const rw = await S.rewrapWithRandomness(ctx, v.sealed, by.actor, await S.parsePrivateKey(by.private_key), to, null, unb64(v.rewrap.to.eseed));
      if (JSON.stringify(rw) !== v.rewrap.rewrap) fail('re-wrapped again, other bytes');
      if (b64(await S.openRewrapped(ctx, v.sealed, v.rewrap.rewrap, await S.parsePrivateKey(v.rewrap.to.private_key))) !== v.plaintext) fail('opened by the later recipient');
    }
    out.checked++;
  }
  return out;
}

// refused reports whether opening throws a SealError.
async function refused(f) {
  try {
    await f();
    return false;
  } catch (e) {
    if (!(e instanceof S.SealError)) throw e;
    return true;
  }
}

// tamper flips bytes of every field of a sealed payload (each byte of the
// context, commit and ciphertext, every step-th byte of the wraps and of
// the recipients' keys), moves it to other contexts, and reports what a
// recipient still opened.
async function tamper(ctx, sealedText, actor, privText, step) {
  const key = await S.parsePrivateKey(privText);
  const opened = [];
  let tried = 0;
  const attempt = async (name, text, c = ctx) => {
    tried++;
    if (!await refused(() => S.openWith(c, text, actor, key))) opened.push(name);
  };
  const base = JSON.parse(sealedText);
  const flipB64 = (s, i) => { const b = unb64(s); b[i] ^= 0xff; return b64(b); };
  for (const f of ['context', 'commit', 'ciphertext']) {
    const n = unb64(base[f]).length;
    for (let i = 0; i < n; i++) {
      const o = JSON.parse(sealedText);
      o[f] = flipB64(o[f], i);
      await attempt(`${f}[${i}]`, JSON.stringify(o));
    }
  }
  for (const [j, r] of base.recipients.entries()) {
    for (let i = 0; i < unb64(r.wrap).length; i += step) {
      const o = JSON.parse(sealedText);
      o.recipients[j].wrap = flipB64(r.wrap, i);
      await attempt(`recipient ${j} wrap[${i}]`, JSON.stringify(o));
    }
    for (let i = 0; i < 32; i++) {
      const o = JSON.parse(sealedText);
      o.recipients[j].actor = flipB64(r.actor, i);
      await attempt(`recipient ${j} actor[${i}]`, JSON.stringify(o));
    }
    const [kem, raw] = r.key.split(':');
    for (let i = 0; i < unb64(raw).length; i += step) {
      const o = JSON.parse(sealedText);
      o.recipients[j].key = `${kem}:${flipB64(raw, i)}`;
      await attempt(`recipient ${j} key[${i}]`, JSON.stringify(o));
    }
  }
  // A recipient dropped, the rest as they were.
  const o = JSON.parse(sealedText);
  o.recipients = o.recipients.filter((r) => r.actor === actor);
  await attempt('a recipient dropped', JSON.stringify(o));
  for (const [name, c] of Object.entries({
    origin: { ...ctx, origin: 'parley.example.org/talks/other' },
    kind: { ...ctx, kind: 'statement.publish' },
    channel: { ...ctx, channel: 'party:gov' },
    sender: { ...ctx, sender: actor },
  })) {
    await attempt(`moved to another ${name}`, sealedText, c);
    tried++;
    if (!await refused(() => S.checkContext(sealedText, c))) opened.push(`checkContext accepted another ${name}`);
  }
  return { tried, opened };
}

// stored describes what IndexedDB keeps for an actor, to check that no
// private half can be read back.
async function stored(actor) {
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open('parley-seal', 1);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const rec = await new Promise((resolve, reject) => {
    const req = db.transaction('keys').objectStore('keys').get(actor);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  db.close();
  const out = { kem: rec.kem, members: Object.keys(rec).sort() };
  if (rec.wrapKey) {
    out.wrapKeyExtractable = rec.wrapKey.extractable;
    out.exportRefused = await refused(async () => {
      try { await crypto.subtle.exportKey('raw', rec.wrapKey); } catch { throw new S.SealError('refused'); }
    });
    out.sealedSeedBytes = rec.sealedSeed.length;
  }
  if (rec.privateKey) {
    out.privateKeyExtractable = rec.privateKey.extractable;
    out.exportRefused = await refused(async () => {
      try { await crypto.subtle.exportKey('pkcs8', rec.privateKey); } catch { throw new S.SealError('refused'); }
    });
  }
  return out;
}

// benchOpen opens the caucus messages at url as actor with the key kept in
// IndexedDB, loaded once, one after the other, and times it.
async function benchOpen(ctx, url, actor) {
  const messages = await get(url);
  const t0 = performance.now();
  const key = await S.loadKey(actor);
  const each = [];
  let bytes = 0;
  for (const m of messages) {
    const t = performance.now();
    bytes += (await S.openWith(ctx, m, actor, key)).length;
    each.push(performance.now() - t);
  }
  key.unload();
  const total = performance.now() - t0;
  each.sort((a, b) => a - b);
  return { n: messages.length, bytes, totalMs: total, medianMs: each[each.length >> 1], maxMs: each[each.length - 1] };
}

window.sealTest = {
  hpkeVectors,
  knownAnswers,
  tamper,
  stored,
  benchOpen,
  createKey: async (actor, kem) => (await S.createKey(actor, kem)).publicKey,
  importKeyFile: async (text) => (await S.importKeyFile(text)).publicKey,
  seal: async (ctx, textB64, recipients) => JSON.stringify(await S.seal(ctx, unb64(textB64), recipients)),
  open: async (ctx, sealedText, actor) => b64(await S.open(ctx, sealedText, actor)),
  openWith: async (ctx, sealedText, actor, privText) => b64(await S.openWith(ctx, sealedText, actor, await S.parsePrivateKey(privText))),
  rewrap: async (ctx, sealedText, actor, to) => {
    const key = await S.loadKey(actor);
    try {
      return JSON.stringify(await S.rewrap(ctx, sealedText, actor, key, to));
    } finally {
      key.unload();
    }
  },
  openRewrapped: async (ctx, sealedText, rwText, actor) => {
    const key = await S.loadKey(actor);
    try {
      return b64(await S.openRewrapped(ctx, sealedText, rwText, key));
    } finally {
      key.unload();
    }
  },
  recipients: (sealedText) => S.recipients(sealedText),
  refusedOpen: async (ctx, sealedText, actor) => refused(() => S.open(ctx, sealedText, actor)),
};
window.sealTestReady = true;
