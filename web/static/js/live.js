// Live updates: the page follows the talks' server-sent events and, when
// something changes, fetches itself again and replaces the regions marked
// data-live, leaving alone a region in which someone is typing.

import { digits, page, t } from './util.js';

let running = false;
let again = false;
let timer = 0;
let lastIndex = -1;
// served holds each live region's HTML as the server last sent it: a
// region the page has since filled in (a sealed message opened here) is
// compared by what the server sent, not by what the page made of it.
const served = new WeakMap();

function status(text) {
  const el = document.getElementById('live');
  if (el) el.textContent = text;
}

// A region is busy while it holds the focus or a form being edited.
function busy(region) {
  if (region.contains(document.activeElement) && document.activeElement.matches('input, select, textarea')) return true;
  for (const el of region.querySelectorAll('input, textarea, select')) {
    if (el instanceof HTMLSelectElement) {
      if ([...el.options].some((o) => o.selected !== o.defaultSelected)) return true;
    } else if (el.type === 'checkbox' || el.type === 'radio') {
      if (el.checked !== el.defaultChecked) return true;
    } else if (el.value !== el.defaultValue) {
      return true;
    }
  }
  return false;
}

/** Fetches the page again and replaces its live regions. */
export async function refresh() {
  if (running) { again = true; return; }
  running = true;
  try {
    const r = await fetch(location.href, { cache: 'no-store', headers: { Accept: 'text/html' } });
    if (!r.ok) return;
    const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
    let changed = 0;
    for (const el of document.querySelectorAll('[data-live][id]')) {
      const fresh = doc.getElementById(el.id);
      if (!fresh || (served.get(el) ?? el.innerHTML) === fresh.innerHTML) continue;
      if (busy(el)) continue;
      el.innerHTML = fresh.innerHTML;
      served.set(el, fresh.innerHTML);
      changed++;
    }
    if (doc.body.dataset.after) document.body.dataset.after = doc.body.dataset.after;
    if (changed) document.dispatchEvent(new CustomEvent('parley:refreshed'));
  } finally {
    running = false;
    if (again) { again = false; refresh(); }
  }
}

function changed() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    status(lastIndex >= 0 ? t('Live · updated at #%s', digits(lastIndex)) : t('Live'));
    document.dispatchEvent(new CustomEvent('parley:update'));
  }, 50);
}

// A page whose statuses change at a time without any event (a step of a
// measure turning overdue) says when in data-refresh-at, inside a live
// region: it fetches itself again then.
let deadline = 0;
function followDeadline() {
  clearTimeout(deadline);
  const el = document.querySelector('[data-refresh-at]');
  if (!el) return;
  const wait = Date.parse(el.dataset.refreshAt) - Date.now();
  if (Number.isNaN(wait) || wait > 2 ** 31 - 1) return;
  deadline = setTimeout(() => document.dispatchEvent(new CustomEvent('parley:update')), Math.max(wait, 0) + 1000);
}

/** Follows the talks' stream, if the page is live. */
export function startLive() {
  const p = page();
  for (const el of document.querySelectorAll('[data-live][id]')) served.set(el, el.innerHTML);
  document.addEventListener('parley:update', () => refresh());
  if (!p.talks || !p.live || typeof EventSource === 'undefined') return;
  followDeadline();
  document.addEventListener('parley:refreshed', followDeadline);
  const es = new EventSource(`/api/v1/talks/${encodeURIComponent(p.talks)}/stream?after=${encodeURIComponent(p.after)}`);
  es.addEventListener('open', () => status(t('Live')));
  es.addEventListener('error', () => status(es.readyState === EventSource.CLOSED ? t('Not live: reload the page') : t('Reconnecting…')));
  const onMessage = (m) => {
    const i = parseInt(m.lastEventId, 10);
    if (!Number.isNaN(i)) lastIndex = Math.max(lastIndex, i);
    changed();
  };
  es.addEventListener('event', onMessage);
  es.addEventListener('agreement', onMessage);
  window.addEventListener('pagehide', () => es.close());
}
