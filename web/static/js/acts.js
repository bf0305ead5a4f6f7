// Forms that sign acts. Each form names its act in data-act; a builder
// turns the form into the events to sign, which are signed in order.

import { act } from './sign.js';
import { sealedCaucus } from './caucus.js';
import { check } from './cond.js';
import { digits, say, t } from './util.js';

function val(form, name) {
  const el = form.elements.namedItem(name);
  return el ? String(el.value).trim() : '';
}

function int(form, name) {
  return parseInt(val(form, name), 10);
}

// A paragraph is one line: line breaks typed in a box become spaces.
function oneLine(s) {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function lines(s) {
  return s.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
}

function withOptional(payload, form, ...names) {
  for (const n of names) {
    const v = val(form, n);
    if (v) payload[n] = v;
  }
  return payload;
}

const builders = {
  async 'stance.set'(form) {
    const stance = val(form, 'stance');
    const payload = { item: val(form, 'item'), version: int(form, 'version'), party: val(form, 'party'), stance };
    if (stance === 'conditional') {
      const res = await check(form);
      if (!res.ok) throw new Error(res.error || t('Write a condition that parses before signing.'));
      payload.condition = res.canonical;
    }
    return [{ kind: 'stance.set', payload: withOptional(payload, form, 'reason') }];
  },
  'amendment.propose'(form) {
    const changes = [];
    for (const ta of form.querySelectorAll('textarea[data-para]')) {
      const n = parseInt(ta.dataset.para, 10);
      const text = oneLine(ta.value);
      if (text === '') changes.push({ op: 'delete', paragraph: n });
      else if (text !== oneLine(ta.defaultValue)) changes.push({ op: 'replace', paragraph: n, text });
    }
    const add = form.querySelector('textarea[data-para-new]');
    if (add && oneLine(add.value) !== '') {
      changes.push({ op: 'insert', paragraph: parseInt(add.dataset.paraNew, 10), text: oneLine(add.value) });
    }
    if (changes.length === 0) throw new Error(t('Change, empty or add at least one paragraph first.'));
    const payload = { item: val(form, 'item'), amendment: val(form, 'amendment'), version: int(form, 'version'), party: val(form, 'party'), changes };
    // lang: the language of the text amended, in talks with official
    // languages (the document view's form says it).
    return [{ kind: 'amendment.propose', payload: withOptional(payload, form, 'lang', 'reason') }];
  },
  async 'caucus.message'(form) {
    // Sealed here, before it is signed, unless a recipient has no key yet
    // (the form then says it will not be sealed, and why).
    return [{ kind: 'caucus.message', payload: await sealedCaucus(form, val(form, 'party'), val(form, 'text')) }];
  },
  'statement.publish'(form) {
    return [{ kind: 'statement.publish', payload: withOptional({ text: val(form, 'text') }, form, 'lang', 'round') }];
  },
  'round.plan'(form) {
    const round = val(form, 'round');
    const out = [{ kind: 'round.plan', payload: { round, title: val(form, 'title'), starts: val(form, 'starts'), ends: val(form, 'ends'), venue: val(form, 'venue') } }];
    for (const cb of form.querySelectorAll('input[name="invite"]:checked')) {
      out.push({ kind: 'invitation.send', payload: { round, party: cb.value } });
    }
    if (form.querySelector('input[name="open"]:checked')) out.push({ kind: 'round.open', payload: { round } });
    return out;
  },
  'round.open'(form) {
    return [{ kind: 'round.open', payload: { round: val(form, 'round') } }];
  },
  'round.close'(form) {
    return [{ kind: 'round.close', payload: withOptional({ round: val(form, 'round') }, form, 'note') }];
  },
  'invitation.answer'(form, submitter) {
    const kind = submitter && submitter.value === 'decline' ? 'invitation.decline' : 'invitation.accept';
    return [{ kind, payload: withOptional({ round: val(form, 'round'), party: val(form, 'party') }, form, 'reason') }];
  },
  'item.add'(form) {
    const item = val(form, 'item');
    return [
      { kind: 'item.add', payload: { item, title: val(form, 'title'), kind: val(form, 'kind') } },
      { kind: 'version.table', payload: { item, version: 1, paragraphs: lines(form.elements.namedItem('paragraphs').value) } },
    ];
  },
  'version.table'(form) {
    const payload = { item: val(form, 'item'), version: int(form, 'version'), paragraphs: lines(form.elements.namedItem('paragraphs').value) };
    const ams = [...form.querySelectorAll('input[name="amendments"]:checked')].map((cb) => cb.value);
    if (ams.length) payload.amendments = ams;
    return [{ kind: 'version.table', payload: withOptional(payload, form, 'note') }];
  },
};

// Acts after which the page's forms no longer fit the state: the page
// reloads.
const reloads = new Set(['round.plan', 'round.open', 'round.close', 'invitation.answer', 'item.add', 'version.table']);

// Makes the form's current values its defaults, so that it no longer
// counts as being edited.
function commitDefaults(form) {
  for (const el of form.elements) {
    if (el instanceof HTMLSelectElement) {
      for (const o of el.options) o.defaultSelected = o.selected;
    } else if (el.type === 'checkbox' || el.type === 'radio') {
      el.defaultChecked = el.checked;
    } else if ('defaultValue' in el) {
      el.defaultValue = el.value;
    }
  }
}

/** Wires every form with data-act. */
export function initActs() {
  document.addEventListener('submit', async (ev) => {
    const form = ev.target.closest('form[data-act]');
    if (!form) return;
    ev.preventDefault();
    const name = form.dataset.act;
    const status = form.querySelector('.act-status');
    const buttons = [...form.querySelectorAll('button[type="submit"], button:not([type])')];
    buttons.forEach((b) => { b.disabled = true; });
    say(status, t('Signing…'));
    try {
      const events = await builders[name](form, ev.submitter);
      let rec;
      for (const [k, e] of events.entries()) {
        if (events.length > 1) say(status, t('Signing %[1]s of %[2]s: %[3]s…', digits(k + 1), digits(events.length), e.kind));
        rec = await act(e.kind, e.payload, e.vis);
      }
      const n = events.length;
      say(status, n > 1 ? t('Signed and recorded %[1]d events, the last as #%[2]s.', n, digits(rec.index)) : t('Signed and recorded as event #%s.', digits(rec.index)));
      if (name === 'caucus.message' || name === 'statement.publish') form.reset();
      else commitDefaults(form);
      if (reloads.has(name)) {
        setTimeout(() => location.reload(), 600);
        return;
      }
      document.dispatchEvent(new CustomEvent('parley:update'));
    } catch (e) {
      say(status, e.message, true);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}
