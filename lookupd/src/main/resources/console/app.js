// Beacon console: plain JavaScript, no libraries, no outside fetches. Reads lookupd's
// /console/api/* every REFRESH_MS and redraws the current view.
'use strict';

const REFRESH_MS = 1500;
const CHART_WINDOW_MS = 5 * 60 * 1000;
const API = 'api/';
const SVG = 'http://www.w3.org/2000/svg';

const state = {
  paused: false,
  lastOk: 0,
  history: {},       // node key -> [[t, inMsgs/s, outMsgs/s, inBytes/s, outBytes/s], ...]
  historySince: 0,
  clockOffset: 0,    // lookupd's clock minus the browser's
  overview: null,
  connz: { offset: 0, limit: 50, sort: 'cid', state: 'open' },
  timer: null,
  seq: 0,
};

// ---- small helpers -----------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === 'text') el.textContent = v;
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c) el.append(c);
  return el;
}

function num(x, digits) {
  if (x === null || x === undefined || Number.isNaN(x)) return '';
  if (digits !== undefined) return Number(x).toFixed(digits);
  return Number(x).toLocaleString('en-US');
}

function rate(x) {
  if (!x) return '0/s';
  if (x >= 1e6) return (x / 1e6).toFixed(2) + 'M/s';
  if (x >= 1e3) return (x / 1e3).toFixed(1) + 'k/s';
  return (x >= 10 ? x.toFixed(0) : x.toFixed(1)) + '/s';
}

function bytes(x, perSecond) {
  const suffix = perSecond ? '/s' : '';
  if (!x) return '0 B' + suffix;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return (i === 0 ? x.toFixed(0) : x.toFixed(1)) + ' ' + units[i] + suffix;
}

function pill(status) {
  return h('span', { class: 'pill ' + status, 'data-field': 'status' }, status);
}

function toast(text, isError) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = isError ? 'err' : '';
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, isError ? 8000 : 4000);
}

async function getJson(path) {
  const r = await fetch(API + path, { cache: 'no-store' });
  const body = await r.json().catch(() => ({ error: 'HTTP ' + r.status }));
  if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
  return body;
}

async function post(path) {
  const r = await fetch(API + path, { method: 'POST', headers: { 'X-Beacon-Confirm': 'yes' } });
  const body = await r.json().catch(() => ({ error: 'HTTP ' + r.status }));
  if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
  return body;
}

function q(params) {
  return Object.entries(params).map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&');
}

/** Asks in the page's dialog; resolves true on Confirm. */
function confirmAction(text) {
  const dlg = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  return new Promise(resolve => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
    dlg.returnValue = '';
    dlg.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}

async function action(text, path, done) {
  if (!(await confirmAction(text))) return;
  try {
    await post(path);
    toast(done);
    refreshSoon();
  } catch (e) {
    toast(e.message, true);
  }
}

// ---- charts ----------------------------------------------------------------------------------

function mergeHistory(hist) {
  for (const [key, samples] of Object.entries(hist || {})) {
    const list = state.history[key] || (state.history[key] = []);
    for (const sample of samples) {
      if (!list.length || sample[0] > list[list.length - 1][0]) list.push(sample);
      state.historySince = Math.max(state.historySince, sample[0]);
    }
    const cut = serverNow() - CHART_WINDOW_MS;
    while (list.length && list[0][0] < cut) list.shift();
  }
}

/** The time span a chart shows: its samples' own span, at least MIN_SPAN_MS, at most CHART_WINDOW_MS. */
const MIN_SPAN_MS = 30 * 1000;
function span(samples) {
  const first = samples.length ? samples[0][0] : serverNow();
  return Math.min(CHART_WINDOW_MS, Math.max(MIN_SPAN_MS, serverNow() - first));
}

/** lookupd's clock (the samples' timestamps are lookupd's), from the offset seen in the last answer. */
function serverNow() {
  return Date.now() + state.clockOffset;
}

function spanText(ms) {
  return ms >= 60000 ? Math.round(ms / 60000) + ' min' : Math.round(ms / 1000) + ' s';
}

/** A polyline of one series over the chart's span; max is the top of the y axis. */
function series(samples, idx, w, hgt, max, cls) {
  const now = serverNow();
  const width = span(samples);
  const pts = samples.map(sm => {
    const x = w - ((now - sm[0]) / width) * w;
    const y = hgt - 1 - (max > 0 ? (sm[idx] / max) * (hgt - 2) : 0);
    return x.toFixed(1) + ',' + y.toFixed(1);
  });
  return s('polyline', { class: cls, points: pts.join(' ') });
}

function sparkline(key) {
  const samples = state.history[key] || [];
  const w = 120, hgt = 26;
  const max = Math.max(1, ...samples.map(x => Math.max(x[1], x[2])));
  return s('svg', { class: 'spark', width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, role: 'img',
    'aria-label': 'messages per second in and out, recent minutes' },
    s('title', { text: `msgs/s in (blue) and out (orange), last ${spanText(span(samples))}; peak ${rate(max)}` }),
    series(samples, 1, w, hgt, max, 'in'), series(samples, 2, w, hgt, max, 'out'));
}

function chart(samples, inIdx, outIdx, fmt, label) {
  const w = 560, hgt = 140, pad = 4;
  const max = Math.max(1, ...samples.map(x => Math.max(x[inIdx], x[outIdx])));
  return h('figure', {},
    s('svg', { class: 'chart', width: w, height: hgt + 16, viewBox: `0 0 ${w} ${hgt + 16}`, role: 'img', 'aria-label': label },
      s('line', { class: 'axis', x1: 0, y1: hgt, x2: w, y2: hgt }),
      s('text', { x: pad, y: 12, text: fmt(max) }),
      s('text', { x: pad, y: hgt + 13, text: '-' + spanText(span(samples)) }),
      s('text', { x: w - 30, y: hgt + 13, text: 'now' }),
      series(samples, inIdx, w, hgt, max, 'in'), series(samples, outIdx, w, hgt, max, 'out')),
    h('figcaption', {}, label + ': ', h('span', { class: 'legend-in' }, 'in'), ' / ', h('span', { class: 'legend-out' }, 'out')));
}

// ---- views -----------------------------------------------------------------------------------

const views = {
  overview: { path: () => 'overview?since=' + state.historySince, render: renderOverview },
  mesh: { path: () => 'mesh', render: renderMesh },
  subjects: { path: () => 'subjects?' + q({ q: subjectQuery() }), render: renderSubjects, setup: setupSubjects },
  broker: {
    path: p => 'broker?' + q({ node: p }),
    render: renderBroker,
    extra: p => 'connz?' + q(Object.assign({ node: p }, state.connz)),
  },
};

function route() {
  const hash = location.hash.replace(/^#\/?/, '') || 'overview';
  const slash = hash.indexOf('/');
  const name = slash < 0 ? hash : hash.slice(0, slash);
  const param = slash < 0 ? '' : decodeURIComponent(hash.slice(slash + 1));
  return views[name] ? { name, param } : { name: 'overview', param: '' };
}

let current = null;

function navigate() {
  const r = route();
  const changed = !current || current.name !== r.name || current.param !== r.param;
  current = r;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.view === r.name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (changed) {
    const main = document.getElementById('view');
    main.replaceChildren();
    main.dataset.view = r.name;
    if (r.name === 'broker') state.connz.offset = 0;
    if (views[r.name].setup) views[r.name].setup(main, r.param);
    main.append(h('div', { id: 'content' }, h('p', { class: 'muted' }, 'loading…')));
    main.focus({ preventScroll: true });
  }
  refreshSoon();
}

function refreshSoon() {
  clearTimeout(state.timer);
  state.timer = setTimeout(refresh, 0);
}

async function refresh() {
  clearTimeout(state.timer);
  const r = current;
  const seq = ++state.seq;
  try {
    const view = views[r.name];
    const tasks = [getJson(view.path(r.param))];
    if (view.extra) tasks.push(getJson(view.extra(r.param)).catch(e => ({ error: e.message })));
    // The overview feeds the problem banner and the charts whatever the view.
    if (r.name !== 'overview') tasks.push(getJson(views.overview.path()));
    const results = await Promise.all(tasks);
    if (seq !== state.seq || r !== current) return;
    const ov = r.name === 'overview' ? results[0] : results[results.length - 1];
    state.overview = ov;
    state.clockOffset = ov.now - Date.now();
    mergeHistory(ov.history);
    problems(ov);
    redraw(() => view.render(results[0], r.param, view.extra ? results[1] : null));
    state.lastOk = Date.now();
    setStatus();
  } catch (e) {
    if (seq === state.seq) setStatus(e.message);
  } finally {
    if (seq === state.seq && !state.paused) state.timer = setTimeout(refresh, REFRESH_MS);
  }
}

/** Replaces #content, keeping keyboard focus on the element with the same data-fid. */
function redraw(build) {
  const content = document.getElementById('content');
  const active = document.activeElement;
  const fid = active && content.contains(active) ? active.getAttribute('data-fid') : null;
  const fresh = h('div', { id: 'content' }, build());
  content.replaceWith(fresh);
  if (fid) {
    const again = fresh.querySelector(`[data-fid="${CSS.escape(fid)}"]`);
    if (again) again.focus({ preventScroll: true });
  }
}

function setStatus(error) {
  const el = document.getElementById('status');
  if (error) {
    el.textContent = 'refresh failed: ' + error;
    el.className = 'stale';
  } else {
    el.textContent = (state.paused ? 'paused · ' : 'live · ') + 'updated ' + new Date(state.lastOk).toLocaleTimeString();
    el.className = '';
  }
}

function problems(ov) {
  const el = document.getElementById('problems');
  const bad = ov.nodes.filter(n => n.unhealthy);
  if (!bad.length) { el.hidden = true; el.replaceChildren(); return; }
  el.hidden = false;
  el.replaceChildren(h('span', {}, bad.length === 1 ? '1 node needs attention' : bad.length + ' nodes need attention'),
    h('ul', {}, bad.map(n => h('li', {}, `${n.kind} ${n.name || n.key} (${n.key}): ${problemText(n)}`))));
}

function problemText(n) {
  const parts = [n.status === 'unknown' ? 'not fetched yet' : n.status];
  if (n.error) parts.push(n.error);
  if (!n.registered) parts.push('no longer registered with lookupd');
  else if (!n.active) parts.push('no PING to lookupd within its inactive timeout');
  return parts.join('; ');
}

function statusOf(n) {
  if (n.status === 'up' && n.registered && !n.active) return 'inactive';
  return n.status;
}

function nodeLink(n) {
  if (n.kind === 'broker' || n.kind === 'nats-server') {
    return h('a', { href: '#/broker/' + encodeURIComponent(n.key), 'data-fid': 'link-' + n.key }, n.name || n.key);
  }
  return h('span', {}, n.name || n.key);
}

function renderOverview(ov) {
  const brokers = ov.nodes.filter(n => n.kind === 'broker' || n.kind === 'nats-server');
  const nsqd = ov.nodes.filter(n => n.kind === 'nsqd');
  const other = ov.nodes.filter(n => n.kind === 'unknown');
  const out = [h('h1', {}, 'Overview')];
  out.push(h('h2', {}, 'lookupd'), h('table', { id: 'lookupds' },
    h('thead', {}, h('tr', {}, ['host', 'version', 'uptime', 'nodes', 'topics', 'channels', 'TCP conns', 'HTTP conns']
      .map(t => h('th', {}, t)))),
    h('tbody', {}, ov.lookupds.map(l => h('tr', {},
      h('td', {}, l.hostname + ' (this one, ' + location.host + ')'), h('td', {}, l.version), h('td', {}, l.uptime),
      h('td', { class: 'num' }, num(l.nodes)), h('td', { class: 'num' }, num(l.topics)),
      h('td', { class: 'num' }, num(l.channels)), h('td', { class: 'num' }, num(l.tcp_connections)),
      h('td', { class: 'num' }, num(l.http_connections)))))));
  out.push(h('h2', {}, `Brokers (${brokers.length})`));
  out.push(brokers.length ? h('table', { id: 'brokers' },
    h('thead', {}, h('tr', {}, ['name', 'address', 'version', 'status', 'uptime', 'conns', 'routes', 'subs',
      'msgs in', 'msgs out', 'bytes in', 'bytes out', 'slow', 'memory', 'msgs/s recently', ''].map(t => h('th', {}, t)))),
    h('tbody', {}, brokers.map(n => h('tr', { class: n.unhealthy ? 'bad' : (n.status === 'ldm' ? 'warn' : null), 'data-key': n.key, 'data-name': n.name || '' },
      h('td', {}, nodeLink(n)), h('td', {}, n.key), h('td', {}, n.version), h('td', {}, pill(statusOf(n)),
        n.error ? h('div', { class: 'err' }, n.error) : null),
      h('td', {}, n.uptime || ''), h('td', { class: 'num' }, num(n.connections)), h('td', { class: 'num' }, num(n.routes)),
      h('td', { class: 'num' }, num(n.subscriptions)),
      h('td', { class: 'num', 'data-field': 'in_msgs_rate', 'data-value': n.rates.in_msgs }, rate(n.rates.in_msgs)),
      h('td', { class: 'num', 'data-field': 'out_msgs_rate', 'data-value': n.rates.out_msgs }, rate(n.rates.out_msgs)),
      h('td', { class: 'num' }, bytes(n.rates.in_bytes, true)), h('td', { class: 'num' }, bytes(n.rates.out_bytes, true)),
      h('td', { class: 'num' }, num(n.slow_consumers)), h('td', { class: 'num' }, n.mem ? bytes(n.mem) : ''),
      h('td', {}, sparkline(n.key)), h('td', {}, lameDuckButton(n)))))) : h('p', { class: 'muted' }, 'No broker is registered.'));
  out.push(h('h2', {}, `nsqd nodes (${nsqd.length})`));
  out.push(nsqd.length ? h('table', { id: 'nsqds' },
    h('thead', {}, h('tr', {}, ['host', 'address', 'version', 'status', 'uptime', 'conns', 'depth', 'msgs in', 'msgs out',
      'bytes in', 'memory', 'topics', 'msgs/s recently'].map(t => h('th', {}, t)))),
    h('tbody', {}, nsqd.map(n => h('tr', { class: n.unhealthy ? 'bad' : null, 'data-key': n.key },
      h('td', {}, n.name || n.hostname), h('td', {}, n.key), h('td', {}, n.version),
      h('td', {}, pill(statusOf(n)), n.error ? h('div', { class: 'err' }, n.error) : null), h('td', {}, n.uptime || ''),
      h('td', { class: 'num' }, num(n.connections)), h('td', { class: 'num' }, num(n.depth)),
      h('td', { class: 'num', 'data-field': 'in_msgs_rate' }, rate(n.rates.in_msgs)), h('td', { class: 'num' }, rate(n.rates.out_msgs)),
      h('td', { class: 'num' }, bytes(n.rates.in_bytes, true)), h('td', { class: 'num' }, n.mem ? bytes(n.mem) : ''),
      h('td', { class: 'num' }, num(n.topics)), h('td', {}, sparkline(n.key)))))) : h('p', { class: 'muted' }, 'No nsqd is registered.'));
  if (other.length) {
    out.push(h('h2', {}, `Other nodes (${other.length})`), h('table', { id: 'others' },
      h('thead', {}, h('tr', {}, ['host', 'address', 'version', 'status'].map(t => h('th', {}, t)))),
      h('tbody', {}, other.map(n => h('tr', { class: n.unhealthy ? 'bad' : null, 'data-key': n.key },
        h('td', {}, n.name || n.hostname), h('td', {}, n.key), h('td', {}, n.version),
        h('td', {}, pill(statusOf(n)), n.error ? h('div', { class: 'err' }, n.error) : null))))));
  }
  if (ov.unmonitored) out.push(h('p', { class: 'err' }, ov.unmonitored + ' more registered nodes are not monitored (over the console\'s node limit).'));
  out.push(h('p', { class: 'muted' }, `Nodes are fetched by lookupd at most every ${ov.cache_ms} ms, each within ${ov.fetch_timeout_ms} ms.`));
  return out;
}

function lameDuckButton(n) {
  if (n.kind !== 'broker' || n.status !== 'up') return null;
  const label = n.name || n.key;
  return h('button', { type: 'button', class: 'danger', 'data-fid': 'ldm-' + n.key, 'data-action': 'lameduck',
    onclick: () => action(`Put broker ${label} (${n.key}) into lame duck mode? It stops accepting clients, closes its clients gradually and then shuts down.`,
      'lameduck?' + q({ node: n.key }), `Broker ${label} is entering lame duck mode.`) }, 'Lame duck');
}

function renderMesh(mesh) {
  const nodes = mesh.nodes;
  const w = 640, hgt = 420, cx = w / 2, cy = hgt / 2, radius = nodes.length > 1 ? 150 : 0;
  const pos = {};
  nodes.forEach((n, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, nodes.length);
    pos[n.key] = [cx + radius * Math.cos(a), cy + radius * Math.sin(a)];
  });
  const svg = s('svg', { class: 'mesh', id: 'mesh-graph', width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, role: 'img',
    'aria-label': `${nodes.length} brokers, ${mesh.routes_up} routes up, ${mesh.routes_missing} missing` });
  for (const e of mesh.edges) {
    const [x1, y1] = pos[e.a], [x2, y2] = pos[e.b];
    svg.append(s('line', { class: 'edge ' + e.state, x1, y1, x2, y2, 'data-a': e.a, 'data-b': e.b },
      s('title', { text: e.state === 'up' ? 'route up' + (e.uptime ? ' for ' + e.uptime : '') : 'missing: ' + e.reason })));
  }
  for (const n of nodes) {
    const [x, y] = pos[n.key];
    const cls = n.unhealthy ? 'bad' : (n.status === 'ldm' ? 'ldm' : 'up');
    svg.append(s('a', { href: '#/broker/' + encodeURIComponent(n.key), 'data-fid': 'mesh-' + n.key },
      s('g', { class: 'node ' + cls, 'data-key': n.key, 'data-status': n.status },
        s('title', { text: `${n.name} (${n.key}): ${n.status}${n.error ? ' – ' + n.error : ''}` }),
        s('circle', { cx: x, cy: y, r: 30 }),
        s('text', { x, y: y + 48, text: n.name }),
        s('text', { x, y: y + 5, text: n.status }))));
  }
  const missing = mesh.edges.filter(e => e.state === 'missing');
  const byKey = Object.fromEntries(nodes.map(n => [n.key, n.name]));
  return [h('h1', {}, 'Route mesh'),
    h('p', {}, `${nodes.length} brokers · ${mesh.routes_up} routes up · `,
      h('span', { class: missing.length ? 'err' : null }, `${missing.length} missing`),
      nodes.length > 1 ? ` (a full mesh has ${nodes.filter(n => !n.unhealthy).length * (nodes.filter(n => !n.unhealthy).length - 1) / 2} among the healthy ones)` : ''),
    nodes.length ? svg : h('p', { class: 'muted' }, 'No broker is registered.'),
    h('h2', {}, 'Routes'),
    mesh.edges.length ? h('table', { id: 'edges' },
      h('thead', {}, h('tr', {}, ['between', 'and', 'state', 'detail'].map(t => h('th', {}, t)))),
      h('tbody', {}, mesh.edges.map(e => h('tr', { class: e.state === 'missing' ? 'bad' : null },
        h('td', {}, byKey[e.a]), h('td', {}, byKey[e.b]), h('td', {}, pill(e.state)),
        h('td', { class: 'wrap' }, e.state === 'up' ? `up ${e.uptime || ''}${e.reason ? '; ' + e.reason : ''}` : e.reason)))))
      : h('p', { class: 'muted' }, 'No route between answering brokers.'),
    nodes.some(n => n.unhealthy) ? h('p', { class: 'err' }, 'Brokers that do not answer are drawn red, without edges: '
      + nodes.filter(n => n.unhealthy).map(n => `${n.name} (${n.error || n.status})`).join(', ')) : null];
}

function subjectQuery() {
  const input = document.getElementById('subject-search');
  return input ? input.value.trim() : '';
}

function setupSubjects(main) {
  const input = h('input', { type: 'search', id: 'subject-search', placeholder: 'subject or topic contains…',
    'aria-label': 'Search subjects and topics by name' });
  let t = null;
  input.addEventListener('input', () => { clearTimeout(t); t = setTimeout(refreshSoon, 200); });
  main.append(h('h1', {}, 'Subjects and topics'), h('p', {}, input));
}

function renderSubjects(data) {
  if (!data.subjects.length) return h('p', { class: 'muted' }, data.q ? `Nothing matches “${data.q}”.` : 'No subject or topic yet.');
  return [h('table', { id: 'subjects' },
    h('thead', {}, h('tr', {}, ['subject / topic', 'brokers with subscribers', 'delivered', 'nsqd nodes', 'registered producers',
      'channels / queue groups', ''].map(t => h('th', {}, t)))),
    h('tbody', {}, data.subjects.map(sj => h('tr', { 'data-subject': sj.name },
      h('td', {}, h('strong', {}, sj.name)),
      h('td', { class: 'wrap', 'data-field': 'brokers' }, h('ul', { class: 'list' }, sj.brokers.map(b =>
        h('li', { 'data-node': b.node }, h('a', { href: '#/broker/' + encodeURIComponent(b.node), 'data-fid': 'sb-' + sj.name + b.node }, b.name),
          ` ${b.subs} sub${b.subs === 1 ? '' : 's'}`,
          b.queues.length ? ' · queues ' + b.queues.map(qg => `${qg.name} (${qg.subs})`).join(', ') : '')))),
      h('td', { class: 'num' }, rate(sj.brokers.reduce((a, b) => a + b.rate, 0) + sj.nsqd.reduce((a, b) => a + b.rate, 0))),
      h('td', { class: 'wrap' }, h('ul', { class: 'list' }, sj.nsqd.map(n =>
        h('li', {}, `${n.name}: depth ${num(n.depth)}, ${rate(n.rate)}`,
          n.channels.length ? ' · ' + n.channels.map(c => `${c.name} depth ${num(c.depth)} (${c.clients} clients)`).join(', ') : '')))),
      h('td', { class: 'wrap' }, h('ul', { class: 'list' }, sj.producers.map(p =>
        h('li', { 'data-producer': p.node }, `${p.name} `, p.tombstoned ? h('span', { class: 'pill ldm' }, 'tombstoned')
          : (p.visible ? '' : h('span', { class: 'pill inactive' }, 'inactive')), ' ',
          p.tombstoned ? null : h('button', { type: 'button', class: 'danger', 'data-action': 'tombstone', 'data-fid': 'ts-' + sj.name + p.node,
            onclick: () => action(`Tombstone producer ${p.name} (${p.node}) of topic ${sj.name}? lookupd stops listing it in /lookup for its tombstone lifetime.`,
              'tombstone?' + q({ topic: sj.name, node: p.node }), `Tombstoned ${p.node} for ${sj.name}.`) }, 'Tombstone'))))),
      h('td', { class: 'wrap' }, h('ul', { class: 'list' }, sj.channels.map(c =>
        h('li', {}, c.name + ' ', h('button', { type: 'button', class: 'danger', 'data-action': 'delete-channel', 'data-fid': 'dc-' + sj.name + c.name,
          onclick: () => action(`Delete channel ${c.name} of topic ${sj.name} from the registry?`,
            'channel/delete?' + q({ topic: sj.name, channel: c.name }), `Deleted channel ${c.name}.`) }, 'Delete'))))),
      h('td', {}, sj.registered ? h('button', { type: 'button', class: 'danger', 'data-action': 'delete-topic', 'data-fid': 'dt-' + sj.name,
        onclick: () => action(`Delete topic ${sj.name} and its channels from the registry? Producers register it again at their next change.`,
          'topic/delete?' + q({ topic: sj.name }), `Deleted topic ${sj.name}.`) }, 'Delete topic') : h('span', { class: 'muted' }, 'not in the registry')))))),
  data.truncated ? h('p', { class: 'err' }, 'More match: narrow the search.') : null];
}

const CONNZ_COLUMNS = [  // label, /connz sort key (null: not sortable), numeric
  ['cid', 'cid', true], ['address', null], ['name', null], ['lang', null], ['uptime', 'start'], ['idle', 'idle'],
  ['subs', 'subs', true], ['pending', 'pending', true], ['msgs in', 'msgs_from', true], ['msgs out', 'msgs_to', true],
  ['bytes in', 'bytes_from', true], ['bytes out', 'bytes_to', true],
];

function renderBroker(b, key, connz) {
  const n = b.node;
  const v = b.varz || {};
  const out = [h('h1', {}, `Broker ${n.name || n.key} `, pill(statusOf(n)))];
  if (n.error) out.push(h('p', { class: 'err' }, n.error));
  out.push(h('div', { class: 'cards' }, [
    ['address', n.key], ['server id', v.server_id], ['version', n.version], ['uptime', n.uptime],
    ['connections', num(n.connections)], ['routes', num(n.routes)], ['subscriptions', num(n.subscriptions)],
    ['msgs in', rate(n.rates.in_msgs)], ['msgs out', rate(n.rates.out_msgs)], ['slow consumers', num(n.slow_consumers)],
    ['memory', n.mem ? bytes(n.mem) : ''], ['cluster', v.cluster ? `${v.cluster.name} @ ${v.cluster.addr}:${v.cluster.cluster_port}` : ''],
  ].map(([k, val]) => h('div', { class: 'card' }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, val === undefined ? '' : val)))));
  out.push(h('p', {}, lameDuckButton(n)));
  const hist = b.history || [];
  out.push(h('div', { class: 'cards' }, chart(hist, 1, 2, rate, 'messages per second'), chart(hist, 3, 4, x => bytes(x, true), 'bytes per second')));

  out.push(h('h2', {}, 'Connections'));
  if (!connz || connz.error) {
    out.push(h('p', { class: 'err' }, 'connections: ' + ((connz && connz.error) || 'no answer')));
  } else {
    const c = state.connz;
    out.push(h('div', { class: 'pager' },
      h('button', { type: 'button', 'data-fid': 'prev', disabled: c.offset === 0 ? true : null,
        onclick: () => { c.offset = Math.max(0, c.offset - c.limit); refreshSoon(); } }, '← previous'),
      h('span', {}, `${connz.total === 0 ? 0 : c.offset + 1}–${c.offset + connz.connections.length} of ${connz.total}`),
      h('button', { type: 'button', 'data-fid': 'next', disabled: c.offset + c.limit >= connz.total ? true : null,
        onclick: () => { c.offset += c.limit; refreshSoon(); } }, 'next →'),
      h('label', {}, ' show ', h('select', { 'data-fid': 'state', onchange: e => { c.state = e.target.value; c.offset = 0; refreshSoon(); } },
        ['open', 'closed', 'any'].map(x => h('option', { value: x, selected: x === c.state ? true : null }, x))))));
    out.push(h('table', { id: 'connz' },
      h('thead', {}, h('tr', {}, CONNZ_COLUMNS.map(([label, sort, numeric]) => h('th', { class: numeric ? 'num' : null }, sort
        ? h('button', { type: 'button', class: 'sort', 'data-fid': 'sort-' + sort, 'aria-sort': c.sort === sort ? 'descending' : null,
          title: 'sort by ' + label, onclick: () => { c.sort = sort; c.offset = 0; refreshSoon(); } }, label + (c.sort === sort ? ' ▾' : ''))
        : label)))),
      h('tbody', {}, connz.connections.map(x => h('tr', { 'data-cid': x.cid },
        h('td', { class: 'num' }, x.cid), h('td', {}, `${x.ip}:${x.port}`), h('td', {}, x.name || ''), h('td', {}, `${x.lang || ''} ${x.version || ''}`),
        h('td', {}, x.uptime), h('td', {}, x.idle), h('td', { class: 'num' }, num(x.subscriptions)), h('td', { class: 'num' }, bytes(x.pending_bytes)),
        h('td', { class: 'num' }, num(x.in_msgs)), h('td', { class: 'num' }, num(x.out_msgs)),
        h('td', { class: 'num' }, bytes(x.in_bytes)), h('td', { class: 'num' }, bytes(x.out_bytes)))))));
  }

  out.push(h('h2', {}, `Subscriptions (${num(b.subscriptions_total)})`));
  out.push(b.subscriptions.length ? h('table', { id: 'subs' },
    h('thead', {}, h('tr', {}, ['subject', 'queue group', 'sid', 'client (cid)', 'delivered'].map(t => h('th', {}, t)))),
    h('tbody', {}, b.subscriptions.map(x => h('tr', {}, h('td', {}, x.subject), h('td', {}, x.qgroup || ''),
      h('td', {}, x.sid || ''), h('td', { class: 'num' }, x.sid ? x.cid : 'from a route'), h('td', { class: 'num' }, num(x.msgs))))))
    : h('p', { class: 'muted' }, 'No subscription.'));
  if (b.subscriptions.length < b.subscriptions_total) out.push(h('p', { class: 'muted' }, `First ${b.subscriptions.length} shown.`));

  out.push(h('h2', {}, `Routes (${b.routes.length})`));
  out.push(b.routes.length ? h('table', { id: 'routes' },
    h('thead', {}, h('tr', {}, ['rid', 'remote', 'address', 'solicited', 'uptime', 'idle', 'subs', 'msgs in', 'msgs out', 'pending']
      .map(t => h('th', {}, t)))),
    h('tbody', {}, b.routes.map(r => h('tr', {}, h('td', { class: 'num' }, r.rid), h('td', {}, r.remote_name || r.remote_id),
      h('td', {}, `${r.ip}:${r.port}`), h('td', {}, r.did_solicit ? 'yes' : 'no'), h('td', {}, r.uptime), h('td', {}, r.idle),
      h('td', { class: 'num' }, num(r.subscriptions)), h('td', { class: 'num' }, num(r.in_msgs)), h('td', { class: 'num' }, num(r.out_msgs)),
      h('td', { class: 'num' }, bytes(r.pending_size))))))
    : h('p', { class: 'muted' }, 'No route.'));
  return out;
}

// ---- keyboard and start ------------------------------------------------------------------------

document.addEventListener('keydown', e => {
  const t = e.target;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) {
    if (e.key === 'Escape') t.blur();
    return;
  }
  if (document.getElementById('confirm').open) return;
  const go = { '1': '#/overview', '2': '#/mesh', '3': '#/subjects' }[e.key];
  if (go) { location.hash = go; e.preventDefault(); }
  else if (e.key === '/') {
    if (current.name !== 'subjects') location.hash = '#/subjects';
    setTimeout(() => { const i = document.getElementById('subject-search'); if (i) i.focus(); }, 0);
    e.preventDefault();
  } else if (e.key === 'p') {
    document.getElementById('pause').click();
  }
});

document.getElementById('pause').addEventListener('click', e => {
  state.paused = !state.paused;
  e.target.setAttribute('aria-pressed', String(state.paused));
  e.target.textContent = state.paused ? 'Resume' : 'Pause';
  if (!state.paused) refreshSoon(); else clearTimeout(state.timer);
  setStatus();
});

window.addEventListener('hashchange', navigate);
navigate();
