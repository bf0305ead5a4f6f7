// The packages page of a mediator (web/packages.go): the page reads the
// item's issues and the parties' sealed preferences from the record
// (GET /api/v1/talks/{id}/items/{item}/preferences, filtered for the
// viewer), opens each with the mediator's encryption key kept in this
// browser (seal.js), or takes the preferences the mediator pastes or
// loads from a file; it gives them, in the interchange format of
// docs/PACKAGES.md, to the Go of package bargain compiled to WebAssembly
// (cmd/parley-wasm, run by Go's wasm_exec.js), and shows the result.
// Nothing about the preferences leaves the browser: the page only reads
// from the server, and never sends what it opened or computed. In demo
// mode alone, the page holds (data-demo) the preferences the demo server
// opened with the demo actor's key it holds, which a real host cannot.

import * as seal from './seal.js';
import { api, esc, page, say, t } from './util.js';

const KIND = 'preferences.give';

let loaded;

const root = document.querySelector('[data-packages]');
if (root) init(root);

/** Loads the WebAssembly once and returns its parleyPackages function. */
function wasm(url) {
  loaded ??= (async () => {
    if (typeof WebAssembly !== 'object' || typeof globalThis.Go !== 'function') {
      throw new Error(t('This browser cannot run WebAssembly: compute the packages with parley packages instead.'));
    }
    const go = new globalThis.Go();
    const ready = new Promise((resolve) => addEventListener('parley-wasm-ready', resolve, { once: true }));
    const r = await fetch(url);
    if (!r.ok) throw new Error(t('The server answered %[1]s %[2]s.', r.status, r.statusText));
    const { instance } = await WebAssembly.instantiateStreaming(r, go.importObject);
    go.run(instance);
    await ready;
    return globalThis.parleyPackages;
  })();
  loaded.catch(() => { loaded = undefined; });
  return loaded;
}

function init(root) {
  const $ = (id) => document.getElementById(id);
  const status = $('packages-status');
  $('packages-file').addEventListener('change', async (ev) => {
    const f = ev.target.files?.[0];
    if (!f) return;
    $('packages-json').value = await f.text();
    say(status, t('%s read in this browser.', f.name));
  });
  $('packages-run').addEventListener('click', () => run(root, $, status));
  $('packages-record').addEventListener('click', () => fromRecord(root, $));
  fromRecord(root, $);
}

/**
 * Reads the item's issues and the parties' preferences from the record,
 * opens the preferences with the viewer's key, puts the instance in the
 * page and computes it.
 */
async function fromRecord(root, $) {
  const out = $('packages-record-status');
  if (root.dataset.demo) {
    await fromDemo(root, $, out);
    return;
  }
  const p = page();
  const item = root.dataset.item;
  let pv;
  try {
    pv = await api('GET', `/api/v1/talks/${encodeURIComponent(p.talks)}/items/${encodeURIComponent(item)}/preferences`);
  } catch (e) {
    say(out, e.message, true);
    return;
  }
  if (!pv.definition) {
    say(out, t('No issues are defined for this item in the record yet (parley issues defines them). You may give issues and preferences below.'));
    return;
  }
  const texts = [];
  const ids = [];
  const notes = [];
  const keys = new Map();
  try {
    for (const pp of pv.parties) {
      if (!pp.current) {
        notes.push(t('%s gave its preferences over an earlier definition of the issues: they are left out until it gives them again.', pp.party));
        continue;
      }
      try {
        texts.push(await openPreferences(p, item, pp, pv.rewraps, keys));
        ids.push(pp.party);
      } catch (e) {
        notes.push(t('The preferences of %[1]s do not open here: %[2]s', pp.party, e.message));
      }
    }
  } finally {
    for (const k of keys.values()) if (k && !(k instanceof Error)) k.unload?.();
  }
  if (texts.length === 0) {
    say(out, [t('No party has given preferences over this item that open here.'), ...notes].join(' '), notes.length > 0);
    return;
  }
  // The opened texts go in as they are, so that the computation reads
  // exactly what each party sealed.
  $('packages-json').value = `{"issues": ${JSON.stringify(pv.definition.issues)},\n "parties": [\n${texts.join(',\n')}]}`;
  if (pv.definition.current) $('packages-current').value = JSON.stringify(pv.definition.current);
  say(out, [t('Opened in this browser: the preferences of %s.', ids.join(', ')), ...notes].join(' '), notes.length > 0);
  await run(root, $, $('packages-status'));
}

/**
 * Puts in the page the preferences the demo server opened for the demo
 * actor one acts as, and computes them here.
 */
async function fromDemo(root, $, out) {
  const d = JSON.parse(root.dataset.demo);
  if (!d.instance) {
    say(out, [t('No party has given preferences over this item that open here.'), ...d.notes].join(' '), d.notes.length > 0);
    return;
  }
  $('packages-json').value = d.instance;
  if (d.current) $('packages-current').value = JSON.stringify(d.current);
  say(out, [t("Opened by the demo server, which holds this demo actor's keys: the preferences of %s. A real host cannot open them.", d.opened.join(', ')), ...d.notes].join(' '), d.notes.length > 0);
  await run(root, $, $('packages-status'));
}

/** Opens one party's sealed preferences and returns their JSON text. */
async function openPreferences(p, item, pp, rewraps, keys) {
  const ctx = { origin: p.origin, kind: KIND, channel: `preferences:${item}:${pp.party}`, sender: pp.event.actor };
  const sealed = pp.sealed;
  const mine = seal.recipients(sealed).find((r) => r.actor === p.viewer);
  const rw = rewraps.find((r) => r.of === pp.index && r.actor === p.viewer);
  if (!mine && !rw) throw new Error(t('they are not sealed to you, and no recipient has wrapped their key for you.'));
  const want = mine ? mine.key : rw.key;
  if (!keys.has(want)) {
    try {
      keys.set(want, await seal.loadKeyFor(p.viewer, want));
    } catch (e) {
      keys.set(want, e);
    }
  }
  const key = keys.get(want);
  if (key instanceof Error) throw key;
  const bytes = mine ? await seal.openWith(ctx, sealed, p.viewer, key) : await seal.openRewrapped(ctx, sealed, rw.rewrap, key);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const o = JSON.parse(text);
  if (!o || typeof o !== 'object' || Array.isArray(o) || o.id !== pp.party) {
    throw new Error(t('they open, but are not the preferences of %s.', pp.party));
  }
  return text;
}

/** Runs the computation on what the page holds and shows the result. */
async function run(root, $, status) {
  const text = $('packages-json').value;
  if (!text.trim()) {
    say(status, t('Give the issues and preferences first.'), true);
    return;
  }
  say(status, t('Computing…'));
  $('packages-run').disabled = true;
  try {
    const compute = await wasm(root.dataset.wasm);
    const start = performance.now();
    const r = compute(text, {
      current: $('packages-current').value,
      proposal: $('packages-proposal').value,
      lang: document.documentElement.lang,
      names: JSON.parse(root.dataset.names || '{}'),
    });
    const ms = performance.now() - start;
    root.dataset.ms = String(ms);
    if (r.error) {
      $('packages-out').hidden = true;
      say(status, r.error, true);
      return;
    }
    show($, JSON.parse(text), JSON.parse(r.result), r.result, r.svg);
    say(status, t('Computed in this browser in %s ms.', ms.toFixed(1)));
  } catch (e) {
    say(status, e.message, true);
  } finally {
    $('packages-run').disabled = false;
  }
}

/** Shows a result: the picture, the solutions, the assessments. */
function show($, inst, res, text, svg) {
  const issues = inst.issues.map((i) => i.id);
  const parties = res.parties;
  const pkg = (p) => issues.map((i) => `${esc(i)}: ${esc(p[i])}`).join(', ');
  const head = (first) => `<tr><th scope="col">${first}</th>${parties.map((p) => `<th scope="col">${esc(p)}</th>`).join('')}</tr>`;
  const row = (label, values) => `<tr><th scope="row">${label}</th>${parties.map((p) => `<td dir="ltr">${esc(values[p] ?? '')}</td>`).join('')}</tr>`;
  const entries = (list) => `<ul>${list.map((e) => `<li><span dir="ltr">${pkg(e.package)}</span> → <span dir="ltr">${parties.map((p) => `${esc(p)} ${esc(e.utilities[p])}`).join(', ')}</span>${e.ties ? ' ' + esc(t('(tied packages: %s)', e.ties)) : ''}</li>`).join('')}</ul>`;

  $('packages-summary').textContent = t('Packages on the frontier: %[1]s, at %[2]s distinct utility vectors.', res.packages, res.points)
    + (res.truncated ? ' ' + t('Some tied packages are counted but not listed.') : '');
  $('packages-picture').innerHTML = svg || `<p class="meta">${esc(t('The picture is drawn for two parties only.'))}</p>`;

  const reasons = {
    'no package gives every party more than its reservation': t('no package gives every party more than its reservation'),
    'no package gives every party at least its reservation': t('no package gives every party at least its reservation'),
  };
  const sols = [
    ['nash', t('Nash (greatest product of the gains)'), 'nash_product'],
    ['kalai_smorodinsky', t('Kalai–Smorodinsky (greatest smallest share of the possible gain)'), 'kalai_smorodinsky_share'],
    ['maximin', t('Maximin (greatest smallest gain)'), 'maximin_gain'],
  ];
  $('packages-solutions').innerHTML = `<dl class="solutions">${sols.map(([k, label, v]) => {
    const list = res[k];
    const body = list.length
      ? `<p class="meta">${esc(t('value: %s', res.solution_values[v]))}</p>${entries(list)}`
      : `<p>${esc(reasons[res.reasons?.[k]] ?? res.reasons?.[k] ?? '')}</p>`;
    return `<dt>${esc(label)}</dt><dd data-solution="${k}">${body}</dd>`;
  }).join('')}</dl>`;

  const cur = res.current;
  $('packages-current-out').innerHTML = cur ? `<h2>${esc(t('The current package'))}</h2>
<p dir="ltr">${pkg(cur.package)}</p>
<div class="scroll"><table>${head(esc(t('Party')))}${row(esc(t('Utility')), cur.utilities)}${row(esc(t('Gain over the reservation')), cur.gains)}</table></div>
<p>${esc(cur.pareto_optimal ? t('It is Pareto optimal: no package makes a party better off without making another worse off.') : t('It is not Pareto optimal: some package makes a party better off and none worse off.'))}</p>
<h3>${esc(t('Packages better for every party'))}</h3>
${cur.improvements.length ? `<p>${esc(t('Frontier packages that give every party more than the current one: %[1]s, at %[2]s distinct utility vectors.', cur.improvement_packages, cur.improvement_points))}</p>${entries(cur.improvements)}` : `<p>${esc(t('None: no package gives every party more than the current one.'))}</p>`}` : '';

  const prop = res.proposal;
  $('packages-proposal-out').innerHTML = prop ? `<h2>${esc(t('The proposal'))}</h2>
<p dir="ltr">${pkg(prop.package)}</p>
<div class="scroll"><table>${head(esc(t('Party')))}${row(esc(t('Utility')), prop.utilities)}${row(esc(t('Gain over the reservation')), prop.gains)}${row(esc(t('Short of its best')), prop.from_best)}${row(esc(t('Share of its range given up')), prop.share_of_range)}</table></div>
<p>${esc(prop.pareto_optimal ? t('It is Pareto optimal: no package makes a party better off without making another worse off.') : t('It is not Pareto optimal: some package makes a party better off and none worse off.'))}</p>` : '';

  $('packages-result').textContent = text;
  $('packages-out').hidden = false;
}
