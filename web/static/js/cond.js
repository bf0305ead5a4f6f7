// The condition builder: a conditional stance's condition, typed or put
// together from buttons, parsed by the server as the record will parse it
// and shown in its canonical form and in words before it is signed.

import { esc, markup, page, slot, t } from './util.js';

/** Parses a condition on the server: {ok, canonical, words, error}. */
export async function preview(text) {
  const p = page();
  const r = await fetch(`/talks/${encodeURIComponent(p.talks)}/condition?c=${encodeURIComponent(text)}`, { cache: 'no-store' });
  if (!r.ok) return { ok: false, error: t('The server could not parse the condition (%s).', r.status) };
  return r.json();
}

function show(out, res) {
  if (!out) return;
  out.classList.toggle('good', !!res.ok);
  out.classList.toggle('bad', !res.ok);
  if (res.ok) {
    out.innerHTML = markup(t('Will be signed as %[1]s: the support holds when %[2]s.', slot(0), res.words), `<code dir="ltr">${esc(res.canonical)}</code>`);
  } else {
    out.textContent = res.error || t('The condition does not parse.');
  }
}

/** Checks the condition of a form and shows the result; returns it. */
export async function check(form) {
  const input = form.querySelector('[data-cond-input], input[name="condition"]');
  const out = form.querySelector('.cond-preview');
  if (!input) return { ok: true };
  const res = await preview(input.value);
  show(out, res);
  return res;
}

function toggle(form) {
  const sel = form.querySelector('[data-stance-select]');
  const field = form.querySelector('[data-cond-field]');
  if (!sel || !field) return;
  field.hidden = sel.value !== 'conditional';
}

// Puts text at the caret of an input.
function insert(input, t) {
  const s = input.selectionStart ?? input.value.length;
  const e = input.selectionEnd ?? s;
  input.value = input.value.slice(0, s) + t + input.value.slice(e);
  input.focus();
  input.setSelectionRange(s + t.length, s + t.length);
}

/** Wires the stance selects, condition inputs and insert buttons. */
export function initConditions(root = document) {
  for (const sel of root.querySelectorAll('[data-stance-select]')) {
    const form = sel.form;
    if (!form || form.dataset.condReady) continue;
    form.dataset.condReady = '1';
    toggle(form);
    sel.addEventListener('change', () => {
      toggle(form);
      if (sel.value === 'conditional' && form.querySelector('[data-cond-input]')) check(form);
    });
    const input = form.querySelector('[data-cond-input]');
    if (!input) continue;
    let timer;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => check(form), 200);
    });
    for (const b of form.querySelectorAll('[data-insert]')) {
      b.addEventListener('click', () => {
        insert(input, b.dataset.insert);
        check(form);
      });
    }
    const pick = form.querySelector('[data-cond-item]');
    const add = form.querySelector('[data-insert-item]');
    if (pick && add) {
      add.addEventListener('click', () => {
        const id = pick.value.trim();
        if (!id) { pick.focus(); return; }
        insert(input, `agreed(${id})`);
        check(form);
      });
    }
    if (sel.value === 'conditional' && input.value) check(form);
  }
}
