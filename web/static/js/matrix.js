// The dashboard: the parties × items matrix rendered from compact data
// (the page itself carries only a first page of it), and explanations
// loaded into the page without leaving it.

import { esc, textHTML } from './util.js';

const WORD = { s: 'support', a: 'ad referendum', b: 'abstain', r: 'reserve', o: 'oppose', c: 'conditional' };
const STATUS = {
  agreed: 'agreed', agreed_ad_referendum: 'agreed ad referendum', contested: 'contested',
  not_agreed: 'not agreed', oscillating: 'oscillating',
};
const CHUNK = 50;

let loading = null;
let pending = false;

function explainURL(talks, at, item) {
  const q = new URLSearchParams();
  if (at >= 0) q.set('at', String(at));
  q.set('item', item);
  return `/talks/${encodeURIComponent(talks)}/dashboard?${q}#explain`;
}

function cellHTML(d, code, i, j) {
  const blocks = code === ':' || (code >= 'A' && code <= 'Z');
  const k = code === ':' ? '.' : code.toLowerCase();
  const key = `${i}.${j}`;
  const old = d.old[key];
  let cls = k === '.' ? 'st-none' : `st-${k}`;
  let inner = k === '.' ? '<span aria-hidden="true">·</span><span class="sr">no stance</span>' : WORD[k];
  if (k === 'c') inner += ` <code class="cond">${esc(d.cond[key] || '')}</code>`;
  if (old) { cls += ' old'; inner += ` <span class="ver">on v${old}, not the latest</span>`; }
  if (blocks) { cls += ' blk'; inner += '<span class="sr">, blocking</span>'; }
  return `<td class="${cls}">${inner}</td>`;
}

function render(box, d) {
  const talks = document.body.dataset.talks;
  const current = new URLSearchParams(location.search).get('item');
  const head = d.parties.map(([id, name]) => `<th scope="col"><abbr title="${esc(name)}">${esc(id)}</abbr></th>`).join('');
  const parts = [`<table class="matrix"><caption>Stances on the latest version of each item: all ${d.items.length} items, ${d.parties.length} parties at the table</caption><thead><tr><th scope="col">Item</th><th scope="col">Status</th>${head}</tr></thead>`];
  for (let c = 0; c < d.items.length; c += CHUNK) {
    parts.push(c === 0 ? '<tbody>' : '<tbody class="chunk">');
    for (let i = c; i < Math.min(c + CHUNK, d.items.length); i++) {
      const [id, title, status] = d.items[i];
      const codes = d.cells[i];
      let row = `<tr${id === current ? ' class="current"' : ''}><th scope="row"><a href="${esc(explainURL(talks, d.at, id))}" data-explain="${esc(id)}">${esc(id)}</a> <span class="ititle" dir="auto">${textHTML(title)}</span></th><td><span class="badge s-${esc(status)}">${STATUS[status] || esc(status)}</span></td>`;
      for (let j = 0; j < codes.length; j++) row += cellHTML(d, codes[j], i, j);
      parts.push(row + '</tr>');
    }
    parts.push('</tbody>');
  }
  parts.push('</table>');
  const { scrollTop, scrollLeft } = box;
  box.innerHTML = parts.join('');
  box.scrollTop = scrollTop;
  box.scrollLeft = scrollLeft;
  box.dataset.size = String(d.size);
  for (const nav of document.querySelectorAll('nav.pager')) nav.hidden = true;
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
  const target = (new URL(url, location.href).hash === '#impact' && region.querySelector('#impact')) || region.querySelector('h2');
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
