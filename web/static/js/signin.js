// Keys and sign-in: the keys this browser holds, making and importing
// keys, signing in by signing the server's challenge, signing out, and in
// demo mode acting as a demo actor.

import * as keys from './keys.js';
import * as seal from './seal.js';
import { api, b64decode, b64encode, esc, markup, page, say, slot, t } from './util.js';

/** Signs in with a key this browser holds. */
export async function signIn(pub) {
  const rec = await keys.get(pub);
  if (!rec) throw new Error(t('This browser does not hold that key.'));
  const ch = await api('POST', '/api/v1/auth/challenge', { key: pub });
  const sig = await keys.sign(rec, b64decode(ch.message));
  await api('POST', '/api/v1/auth/session', { key: pub, challenge: ch.challenge, signature: b64encode(sig) });
}

export async function signOut() {
  await api('DELETE', '/api/v1/auth/session');
}

export async function actAs(id) {
  if (!id) return signOut();
  await api('POST', '/api/v1/demo/session', { as: id });
}

async function renderKeys(ul, status) {
  const viewer = page().viewer;
  let list;
  try {
    list = await keys.list();
  } catch (e) {
    ul.innerHTML = `<li>${esc(t('This browser cannot keep keys here (%s). A private window may forbid it.', e.message))}</li>`;
    return;
  }
  if (list.length === 0) {
    ul.innerHTML = `<li>${esc(t('No key in this browser yet: make one or import one below.'))}</li>`;
    return;
  }
  list.sort((a, b) => a.created - b.created);
  const enc = {};
  for (const k of list) {
    try { enc[k.key] = await seal.getKey(k.key); } catch { enc[k.key] = undefined; }
  }
  const encLine = (k) => (enc[k.key]
    ? markup(t('encryption key %[1]s (%[2]s), kept here: publish it from the workspace of each talks', slot(0), enc[k.key].kem),
      `<code class="hash" data-enc-of="${esc(k.key)}">${esc(enc[k.key].publicKey.slice(0, 24))}…</code>`)
    : markup(t('no encryption key here: %s or import your key file, which holds one', slot(0)),
      `<button type="button" class="secondary" data-make-enc="${esc(k.key)}">${esc(t('Make one'))}</button>`));
  ul.innerHTML = list.map((k) => `<li><strong dir="auto">${esc(k.label || t('Key'))}</strong>${k.key === viewer ? ` <em>${esc(t('(signed in)'))}</em>` : ''}<br>${markup(t('public key %s', slot(0)), `<code class="hash">${esc(k.key)}</code>`)}<br>${encLine(k)}<br><button type="button" data-signin-key="${esc(k.key)}">${esc(t('Sign in with this key'))}</button> <button type="button" class="secondary" data-forget="${esc(k.key)}">${esc(t('Forget it'))}</button></li>`).join('');
  for (const b of ul.querySelectorAll('[data-make-enc]')) {
    b.addEventListener('click', async () => {
      try {
        const rec = await seal.createKey(b.dataset.makeEnc);
        say(status, t('Made an encryption key (%s), kept in this browser. Publish it from the workspace of each talks, so that what is sealed to you is sealed to it.', rec.kem));
        renderKeys(ul, status);
      } catch (e) {
        say(status, t('This browser could not make an encryption key: %s', e.message), true);
      }
    });
  }
  for (const b of ul.querySelectorAll('[data-signin-key]')) {
    b.addEventListener('click', async () => {
      say(status, t('Signing the challenge…'));
      try {
        await signIn(b.dataset.signinKey);
        say(status, t('Signed in.'));
        location.href = document.querySelector('[data-signin]').dataset.next || '/';
      } catch (e) {
        say(status, e.message, true);
      }
    });
  }
  for (const b of ul.querySelectorAll('[data-forget]')) {
    b.addEventListener('click', async () => {
      if (!b.dataset.sure) {
        b.dataset.sure = '1';
        b.textContent = t('Click again to forget it: this browser will no longer hold it');
        return;
      }
      await keys.remove(b.dataset.forget);
      renderKeys(ul, status);
    });
  }
}

/** Wires the sign-in page and the header's controls. */
export function initSignin() {
  for (const b of document.querySelectorAll('[data-signout]')) {
    b.hidden = false;
    b.addEventListener('click', async () => {
      await signOut();
      location.reload();
    });
  }
  const sw = document.querySelector('form[data-demo-switch]');
  if (sw) {
    sw.hidden = false;
    sw.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await actAs(sw.elements.namedItem('as').value);
        location.reload();
      } catch (e) {
        alertLive(e.message);
      }
    });
  }
  for (const b of document.querySelectorAll('button[data-demo-as]')) {
    b.addEventListener('click', async () => {
      await actAs(b.dataset.demoAs);
      location.href = document.querySelector('[data-signin]')?.dataset.next || '/';
    });
  }
  const box = document.querySelector('[data-signin]');
  if (!box) return;
  const ul = document.getElementById('key-list');
  const status = box.querySelector('.act-status');
  renderKeys(ul, status);
  box.querySelector('form[data-keygen]').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    try {
      const rec = await keys.generate(form.elements.namedItem('label').value.trim());
      await seal.createKey(rec.key);
      say(status, t('Made a key, with an encryption key beside it. Its public key is %s: give it to the mediator, then publish the encryption key from the workspace.', rec.key));
      form.reset();
      renderKeys(ul, status);
    } catch (e) {
      say(status, t('This browser could not make an Ed25519 key: %s', e.message), true);
    }
  });
  box.querySelector('form[data-keyimport]').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    try {
      const file = form.elements.namedItem('file').files[0];
      const text = file ? await file.text() : form.elements.namedItem('text').value;
      const rec = await keys.importKeyFile(text, form.elements.namedItem('label').value.trim());
      if (/^\s*encryption-private-key:/m.test(text)) {
        await seal.importKeyFile(text, rec.key);
        say(status, t('Imported the key %s and its encryption key.', rec.key));
      } else {
        say(status, t('Imported the key %[1]s. The file holds no encryption key: make one here, or add one to the file with “%[2]s” and import it again.', rec.key, 'parley keygen --add-encryption'));
      }
      form.reset();
      renderKeys(ul, status);
    } catch (e) {
      say(status, e.message, true);
    }
  });
}

function alertLive(message) {
  const el = document.getElementById('live');
  if (el) el.textContent = message;
}
