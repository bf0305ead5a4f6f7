// Signing acts. An event is encoded once, here, as the JSON that the
// server decodes strictly, and signed over
// "parley/v1/event\n" + origin + "\n" + bytes. The exact bytes and the
// signature go to the server, which stores them as they are.

import { page, api, b64encode, concat, t, utf8 } from './util.js';
import * as keys from './keys.js';

/** The bytes of a new event. */
export function encodeEvent(talks, kind, actor, payload, vis) {
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  const e = { v: 1, talks, kind, actor, time: new Date().toISOString(), nonce: b64encode(nonce) };
  if (vis) e.vis = vis;
  e.payload = payload;
  return utf8.encode(JSON.stringify(e));
}

/** The message an actor signs for event bytes in the log of an origin. */
export function signedMessage(origin, bytes) {
  return concat(utf8.encode('parley/v1/event\n' + origin + '\n'), bytes);
}

/**
 * Signs and records an act by the signed-in actor, with the key this
 * browser holds for it; in demo mode, for a demo actor, the server signs.
 * Returns the receipt.
 */
export async function act(kind, payload, vis) {
  const p = page();
  if (!p.viewer) throw new Error(t('Sign in first: every act is signed with your key.'));
  const rec = await keys.get(p.viewer);
  if (rec) {
    const bytes = encodeEvent(p.talks, kind, p.viewer, payload, vis);
    const sig = await keys.sign(rec, signedMessage(p.origin, bytes));
    return api('POST', `/api/v1/talks/${encodeURIComponent(p.talks)}/events`, { event: b64encode(bytes), sig: b64encode(sig) });
  }
  if (p.demoAs) {
    const body = { as: p.demoAs, talks: p.talks, kind, payload };
    if (vis) body.vis = vis;
    return api('POST', '/api/v1/demo/sign', body);
  }
  throw new Error(t('This browser does not hold the key you are signed in with. Import the key file on the Keys page, or sign in with a key kept here.'));
}
