// supervisor.js: the supervisor view: subscribes to `stats` over /ws/agent and redraws the
// live figures and charts (queue depth, longest wait, SLA, agents, AI vs humans, reasons).
import { el, fill, clock, duration, words, focusIsFree } from '/shared/dom.js';
import { logout, runSignedIn } from '/shared/session.js';
import { areaChart, barChart, donut } from '/supervisor/charts.js';

const $ = (id) => document.getElementById(id);
const ALL = '*';
const HISTORY_MS = 5 * 60 * 1000;
const COLORS = { P1: '#c62828', P2: '#e08a00', P3: '#3b6e9e' };
const AGENT_STATES = [
  ['available', 'Available', '#1a7f37'], ['busy', 'Busy', '#0b6bcb'], ['wrap_up', 'Wrap-up', '#6e56cf'],
  ['break', 'On break', '#e08a00'], ['offline', 'Offline', '#8a99a8'],
];

const state = {
  tenants: new Map(),   // slug -> {slug, name, role}
  latest: new Map(),    // slug -> last stats message
  history: new Map(),   // slug -> [{t, values: [P1, P2, P3], wait}]
  view: sessionStorage.getItem('tandem.supervisor.tenant') ?? ALL,
  lastAt: 0,
};
let socket = null;

function num(x) {
  const n = Number(x);
  return Number.isFinite(n) ? n : 0;
}

/** The figures of the chosen business, or all the signed-in user's businesses summed. */
function current() {
  const list = state.view === ALL ? [...state.latest.values()] : [state.latest.get(state.view)].filter(Boolean);
  if (!list.length) return null;
  const sum = { queues: [], sla: { attained: 0, breached: 0 }, agents: {}, conversations: { ai: 0, human: 0, waiting: 0 }, reasons: {}, at: null };
  for (const s of list) {
    for (const q of s.queues ?? []) sum.queues.push({ ...q, tenant: s.tenant });
    sum.sla.attained += num(s.sla?.attained);
    sum.sla.breached += num(s.sla?.breached);
    for (const [k] of AGENT_STATES) sum.agents[k] = num(sum.agents[k]) + num(s.agents?.[k]);
    for (const k of ['ai', 'human', 'waiting']) sum.conversations[k] += num(s.conversations?.[k]);
    for (const [r, n] of Object.entries(s.escalations_by_reason ?? {})) sum.reasons[r] = num(sum.reasons[r]) + num(n);
    if (!sum.at || s.at > sum.at) sum.at = s.at;
  }
  const judged = sum.sla.attained + sum.sla.breached;
  sum.sla.percent = list.length === 1 && Number.isFinite(Number(list[0].sla?.percent))
    ? Number(list[0].sla.percent) : judged ? (100 * sum.sla.attained) / judged : null;
  return sum;
}

function series() {
  return state.history.get(state.view) ?? [];
}

/** Records a sample of `figures` for `key` (a slug or ALL); samples closer than 500 ms
 * replace the previous one so the time axis holds about one point a second. */
function record(key, t, queues) {
  const h = state.history.get(key) ?? [];
  const sample = { t, values: ['P1', 'P2', 'P3'].map((p) => queues.reduce((a, q) => a + num(q.by_priority?.[p]), 0)),
    wait: Math.max(0, ...queues.map((q) => num(q.longest_wait_seconds))) };
  if (h.length && t - h[h.length - 1].t < 500) h[h.length - 1] = { ...sample, t: h[h.length - 1].t };
  else h.push(sample);
  while (h.length && h[0].t < t - HISTORY_MS) h.shift();
  state.history.set(key, h);
}

function render() {
  const s = current();
  if (!s) return;
  const depth = s.queues.reduce((a, q) => a + num(q.depth), 0);
  const byP = ['P1', 'P2', 'P3'].map((p) => s.queues.reduce((a, q) => a + num(q.by_priority?.[p]), 0));
  const wait = Math.max(0, ...s.queues.map((q) => num(q.longest_wait_seconds)));
  $('k-depth').textContent = String(depth);
  $('k-depth').classList.toggle('bad', byP[0] > 0);
  $('k-depth-sub').textContent = `P1 ${byP[0]} · P2 ${byP[1]} · P3 ${byP[2]}`;
  $('k-wait').textContent = depth ? duration(wait) : '-';
  const pct = s.sla.percent;
  $('k-sla').textContent = pct === null || pct === undefined ? '-' : `${Math.round(pct)}%`;
  $('k-sla').classList.toggle('bad', pct !== null && pct < 80);
  $('k-sla-sub').textContent = `${s.sla.attained} in time, ${s.sla.breached} breached`;
  $('k-agents').textContent = String(s.agents.available);
  $('k-agents-sub').textContent = `${s.agents.busy} busy · ${s.agents.wrap_up} wrap-up · ${s.agents.break} on break`;
  $('k-conv').textContent = `${s.conversations.ai} / ${s.conversations.human}`;
  $('k-conv-sub').textContent = `${s.conversations.waiting} waiting for a human`;
  $('updated').textContent = s.at ? `updated ${clock(s.at)}` : '';

  const pts = series();
  areaChart($('c-depth'), pts, [{ name: 'P1', color: COLORS.P1 }, { name: 'P2', color: COLORS.P2 }, { name: 'P3', color: COLORS.P3 }],
    { label: `Queue depth over the last 5 minutes; now ${depth} waiting (P1 ${byP[0]}, P2 ${byP[1]}, P3 ${byP[2]})`, span: HISTORY_MS });
  areaChart($('c-wait'), pts.map((p) => ({ t: p.t, values: [p.wait] })), [{ name: 'wait', color: '#b35c00' }],
    { label: `Longest wait over the last 5 minutes; now ${duration(wait)}`, span: HISTORY_MS, format: (v) => (v >= 60 ? `${Math.round(v / 60)}m` : `${Math.round(v)}s`) });
  donut($('c-sla'), [{ name: 'in time', value: s.sla.attained, color: '#1a7f37' }, { name: 'breached', value: s.sla.breached, color: '#c62828' }],
    { label: `SLA attainment ${pct === null ? 'not measured yet' : `${Math.round(pct)} percent`}: ${s.sla.attained} answered in time, ${s.sla.breached} breached`,
      center: pct === null || pct === undefined ? '-' : `${Math.round(pct)}%`, sub: 'in time' });
  const cv = s.conversations;
  donut($('c-conv'), [{ name: 'AI', value: cv.ai, color: '#6e56cf' }, { name: 'human', value: cv.human, color: '#0b6bcb' }, { name: 'waiting', value: cv.waiting, color: '#e08a00' }],
    { label: `Conversations: ${cv.ai} with the AI, ${cv.human} with a human, ${cv.waiting} waiting`, center: String(cv.ai + cv.human + cv.waiting), sub: 'open' });
  const agents = AGENT_STATES.map(([k, name, color]) => ({ name, value: num(s.agents[k]), color }));
  barChart($('c-agents'), agents, { label: `Agents by state: ${agents.map((a) => `${a.value} ${a.name}`).join(', ')}` });
  const reasons = Object.entries(s.reasons).map(([r, n]) => ({ name: words(r), value: n, color: '#8a1c1c' })).sort((a, b) => b.value - a.value);
  barChart($('c-esc'), reasons, { label: `Escalations by reason: ${reasons.map((r) => `${r.value} ${r.name}`).join(', ') || 'none'}`, empty: 'No escalations yet.' });
  fill($('queues'), s.queues.length ? s.queues.map((q) => el('tr', {},
    el('th', { scope: 'row' }, q.name ?? `Queue ${q.id}`),
    el('td', {}, q.tenant?.name ?? ''),
    el('td', {}, String(num(q.depth))),
    el('td', { class: num(q.by_priority?.P1) ? 'p1' : '' }, String(num(q.by_priority?.P1))),
    el('td', {}, String(num(q.by_priority?.P2))),
    el('td', {}, String(num(q.by_priority?.P3))),
    el('td', {}, num(q.depth) ? duration(q.longest_wait_seconds) : '-')))
    : el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No queues.')));
}

function notice(text) {
  $('notice').hidden = !text;
  $('notice').textContent = text ?? '';
}

function setTenants(tenants) {
  state.tenants = new Map((tenants ?? []).map((t) => [t.slug, t]));
  const sel = $('tenant');
  const opts = [...state.tenants.values()].map((t) => el('option', { value: t.slug }, t.name ?? t.slug));
  fill(sel, state.tenants.size > 1 ? el('option', { value: ALL }, 'All my businesses') : null, opts);
  if (state.view !== ALL && !state.tenants.has(state.view)) state.view = ALL;
  if (state.view === ALL && state.tenants.size === 1) state.view = [...state.tenants.keys()][0];
  sel.value = state.view;
  $('tenant-label').hidden = state.tenants.size < 1;
  const allowed = [...state.tenants.values()].some((t) => t.role === 'supervisor' || t.role === 'admin');
  notice(allowed ? 'Waiting for the first figures...' : 'The supervisor view needs a supervisor or admin role in a business.');
}

const handlers = {
  hello(m) {
    setTenants(m.tenants);
    socket.send({ type: 'subscribe', topic: 'supervisor' });
  },
  stats(m) {
    const slug = m.tenant?.slug;
    if (!slug) return;
    if (!state.tenants.has(slug)) state.tenants.set(slug, m.tenant);
    state.latest.set(slug, m);
    const t = Date.now();
    record(slug, t, m.queues ?? []);
    record(ALL, t, [...state.latest.values()].flatMap((x) => x.queues ?? []));
    state.lastAt = Date.now();
    notice(null);
    if (state.view === ALL || state.view === slug) render();
  },
  error(m) {
    notice(m.message ?? m.code ?? 'The server refused the request.');
  },
};

/* Signed in, with the socket about to connect. */
function start(account, live) {
  socket = live;
  // the figures are what the supervisor came for: the focus goes to them, not to the page
  if (focusIsFree()) $('board').focus();
}

$('tenant').addEventListener('change', (ev) => {
  state.view = ev.target.value;
  sessionStorage.setItem('tandem.supervisor.tenant', state.view);
  render();
});
$('logout').addEventListener('click', async () => {
  socket?.stop();
  socket = null;
  await logout();
  location.reload();
});
let resizeTimer = null;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(render, 150);
});
setInterval(() => {
  if (socket?.open && state.lastAt && Date.now() - state.lastAt > 5000) notice('No figures for a few seconds; waiting for the server...');
}, 1000);
runSignedIn({
  login: $('login-view'), form: $('login-form'), error: $('login-error'), who: $('who'), conn: $('conn'),
  show: [$('board'), $('logout')],
  hide: [$('board'), $('logout'), $('tenant-label')],
  labels: { open: 'live', connecting: 'connecting...', reconnecting: 'reconnecting...', closed: 'offline' },
}, { onStart: start, onMessage: (m) => handlers[m.type]?.(m) });
