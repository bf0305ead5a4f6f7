// The dashboard: the parties × items matrix rendered from compact data
// (the page itself carries only a first page of it), and explanations
// loaded into the page without leaving it.

import { digits, esc, t, textHTML } from './util.js';

// The names of the stances, by their code in the data, and of the
// statuses, in the page's language.
const WORD = {
  s: () => t('support'), a: () => t('ad referendum'), b: () => t('abstain'),
  r: () => t('reserve'), o: () => t('oppose'), c: () => t('conditional'),
};
const STATUS = {
  agreed: () => t('agreed'), agreed_ad_referendum: () => t('agreed ad referendum'), contested: () => t('contested'),
  not_agreed: () => t('not agreed'), oscillating: () => t('oscillating'),
};
let words = null;
function word(k) {
  words ??= Object.fromEntries(Object.entries(WORD).map(([c, f]) => [c, esc(f())]));
  return words[k];
}
let statuses = null;
function statusName(s) {
  statuses ??= Object.fromEntries(Object.entries(STATUS).map(([c, f]) => [c, esc(f())]));
  return statuses[s] || esc(s);
}
let cellText = null;
function texts() {
  cellText ??= { none: esc(t('no stance')), blocking: esc(t(', blocking')) };
  return cellText;
}

let loading = null;
let pending = false;

function explainURL(talks, at, item) {
  const q = new URLSearchParams();
  if (at >= 0) q.set('at', String(at));
  q.set('item', item);
  return `/talks/${encodeURIComponent(talks)}/dashboard?${q}#explain`;
}

// The dashboard explaining an item with the viewer's stance form.
function stanceURL(talks, item) {
  return `/talks/${encodeURIComponent(talks)}/dashboard?${new URLSearchParams({ item })}#my-stance`;
}

function cellHTML(d, code, i, j) {
  const blocks = code === ':' || (code >= 'A' && code <= 'Z');
  const k = code === ':' ? '.' : code.toLowerCase();
  const key = `${i}.${j}`;
  const old = d.old[key];
  let cls = k === '.' ? 'st-none' : `st-${k}`;
  let inner = k === '.' ? `<span aria-hidden="true">·</span><span class="sr">${texts().none}</span>` : word(k);
  if (k === 'c') inner += ` <code class="cond">${esc(d.cond[key] || '')}</code>`;
  if (old) { cls += ' old'; inner += ` <span class="ver">${esc(t('on v%s, not the latest', digits(old)))}</span>`; }
  if (blocks) { cls += ' blk'; inner += `<span class="sr">${texts().blocking}</span>`; }
  const title = k === 'c' ? ` title="${esc(t('if %s', d.cond[key] || ''))}"` : '';
  // The viewer's own party's cells lead to its stance form.
  if (j === d.me) inner = `<a href="${esc(stanceURL(document.body.dataset.talks, d.items[i][0]))}" data-explain="${esc(d.items[i][0])}" class="mine-cell">${inner}</a>`;
  return `<td class="${cls}" aria-colindex="${j + 3}"${title}>${inner}</td>`;
}

// Past this many cells the matrix renders only the rows in view: a table
// of a hundred thousand cells takes seconds to lay out.
const VIRTUAL_CELLS = 20000;
const ROW_PX = 40;
const OVERSCAN = 12;

// rowHTML renders row i with the cells of the parties c0 to c1 (all by
// default); gap cells stand for the others.
function rowHTML(d, i, talks, current, c0 = 0, c1 = d.parties.length) {
  const [id, title, status, , kind, label, since] = d.items[i];
  const codes = d.cells[i];
  let row = `<tr aria-rowindex="${i + 2}"${id === current ? ' class="current"' : ''}><th scope="row"><a href="${esc(explainURL(talks, d.at, id))}" data-explain="${esc(id)}">${esc(id)}</a> <span class="ititle" dir="auto">${textHTML(title)}</span></th><td><span class="badge s-${esc(kind || status)}"${since ? ` title="${esc(since)}"` : ''}>${label ? esc(label) : statusName(status)}</span></td>`;
  if (c0 > 0) row += `<td colspan="${c0}" class="gap" aria-hidden="true"></td>`;
  for (let j = c0; j < c1; j++) row += cellHTML(d, codes[j], i, j);
  if (c1 < codes.length) row += `<td colspan="${codes.length - c1}" class="gap" aria-hidden="true"></td>`;
  return row + '</tr>';
}

function spacer(cols, px) {
  const tr = document.createElement('tr');
  tr.className = 'spacer';
  tr.setAttribute('aria-hidden', 'true');
  const td = document.createElement('td');
  td.colSpan = cols;
  td.style.height = `${px}px`;
  tr.append(td);
  return tr;
}

function render(box, d) {
  const talks = document.body.dataset.talks;
  const current = new URLSearchParams(location.search).get('item');
  const n = d.items.length;
  const virtual = n * d.parties.length > VIRTUAL_CELLS;
  const head = d.parties.map(([id, name]) => `<th scope="col"><abbr title="${esc(name)}">${esc(id)}</abbr></th>`).join('');
  const cols = virtual ? `<colgroup><col class="c-item"><col class="c-status"><col span="${d.parties.length}" class="c-party"></colgroup>` : '';
  const parties = t('%d parties at the table', d.parties.length);
  const caption = virtual
    ? t('Stances on the latest version of each item: all %[1]d items, %[2]s; the rows render as you scroll', n, parties)
    : t('Stances on the latest version of each item: all %[1]d items, %[2]s', n, parties);
  const top = `<table class="matrix${virtual ? ' virtual' : ''}" aria-rowcount="${n + 1}" aria-colcount="${d.parties.length + 2}">${cols}<caption>${esc(caption)}</caption><thead><tr aria-rowindex="1"><th scope="col">${esc(t('Item'))}</th><th scope="col">${esc(t('Status'))}</th>${head}</tr></thead><tbody></tbody></table>`;
  const { scrollTop, scrollLeft } = box;
  box.innerHTML = top;
  const tbody = box.querySelector('tbody');
  if (virtual) {
    // A fixed layout takes the widths from the columns, not from every
    // cell: the rows lay out in one pass as they scroll in.
    box.querySelector('table').style.width = `${16 + 8 + 7 * d.parties.length}rem`;
  }
  if (!virtual) {
    const rows = [];
    for (let i = 0; i < n; i++) rows.push(rowHTML(d, i, talks, current));
    tbody.innerHTML = rows.join('');
  } else {
    const cols = d.parties.length + 2;
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    let shown = '';
    const paint = () => {
      const headPx = box.querySelector('thead').offsetHeight + box.querySelector('caption').offsetHeight;
      const first = Math.max(0, Math.floor((box.scrollTop - headPx) / ROW_PX) - OVERSCAN);
      const last = Math.min(n, first + Math.ceil(box.clientHeight / ROW_PX) + 2 * OVERSCAN);
      // Columns too: only the parties in view, and a few beyond.
      const c0 = Math.max(0, Math.floor(Math.max(0, Math.abs(box.scrollLeft) - 24 * rem) / (7 * rem)) - 2);
      const c1 = Math.min(d.parties.length, c0 + Math.ceil(box.clientWidth / (7 * rem)) + 4);
      const key = `${first}:${last}:${c0}:${c1}`;
      if (key === shown) return;
      shown = key;
      const rows = [];
      for (let i = first; i < last; i++) rows.push(rowHTML(d, i, talks, current, c0, c1));
      tbody.innerHTML = rows.join('');
      if (first > 0) tbody.prepend(spacer(cols, first * ROW_PX));
      if (last < n) tbody.append(spacer(cols, (n - last) * ROW_PX));
    };
    let frame = 0;
    box.onscroll = () => {
      if (!frame) frame = requestAnimationFrame(() => { frame = 0; paint(); });
    };
    paint();
  }
  box.scrollTop = scrollTop;
  box.scrollLeft = scrollLeft;
  box.dataset.size = String(d.size);
  for (const nav of document.querySelectorAll('nav.pager')) nav.hidden = true;
  performance.mark('parley:matrix');
}

async function load(box) {
  if (loading) { pending = true; return loading; }
  loading = (async () => {
    try {
      const r = await fetch(box.dataset.src, { cache: 'no-store' });
      if (!r.ok) return;
      render(box, await r.json());
    } finally {
      loading = null;
      if (pending) { pending = false; load(box); }
    }
  })();
  return loading;
}

/** Loads a page's region from another URL of the same page. */
export async function loadRegion(url, id, push = true) {
  const region = document.getElementById(id);
  if (!region) return false;
  const r = await fetch(url, { cache: 'no-store', headers: { Accept: 'text/html' } });
  if (!r.ok) return false;
  const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
  const fresh = doc.getElementById(id);
  if (!fresh) return false;
  region.innerHTML = fresh.innerHTML;
  if (push) history.pushState({ region: id }, '', url);
  document.dispatchEvent(new CustomEvent('parley:refreshed'));
  const hash = new URL(url, location.href).hash;
  const target = ((hash === '#impact' || hash === '#my-stance') && region.querySelector(hash)) || region.querySelector('h2');
  if (target) {
    target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: 'start' });
  }
  const item = new URL(url, location.href).searchParams.get('item');
  for (const tr of document.querySelectorAll('table.matrix tr.current')) tr.classList.remove('current');
  if (item) {
    const a = document.querySelector(`table.matrix a[data-explain="${CSS.escape(item)}"]`);
    if (a) a.closest('tr').classList.add('current');
  }
  return true;
}

/** Wires the dashboard, if the page is one. */
export function initDashboard() {
  const box = document.getElementById('matrix');
  if (!box) return;
  load(box);
  document.addEventListener('parley:update', () => load(box));
  document.addEventListener('click', async (ev) => {
    const a = ev.target.closest('a[data-explain]');
    if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    if (new URL(a.href, location.href).pathname !== location.pathname) return;
    ev.preventDefault();
    if (!(await loadRegion(a.href, 'explain'))) location.href = a.href;
  });
  document.addEventListener('submit', async (ev) => {
    const form = ev.target.closest('form[data-fragment]');
    if (!form) return;
    ev.preventDefault();
    const url = new URL(form.action, location.href);
    url.search = new URLSearchParams(new FormData(form)).toString();
    if (!(await loadRegion(url.href, 'explain'))) location.href = url.href;
  });
  window.addEventListener('popstate', () => loadRegion(location.href, 'explain', false));
}
