// agent.js: the agent console: status, offers with the handoff packet, one queue across the
// agent's businesses, live chat over /ws/agent (acks, de-dup by seq, resend after
// reconnect), transfer, hand-back, wrap-up, callbacks and the AI assist panel.
import { el, fill, newClientId, clock, when, slotText, words, focusIsFree } from '/shared/dom.js';
import { logout, getForTenant, runSignedIn } from '/shared/session.js';

const $ = (id) => document.getElementById(id);

const state = {
  agent: null,            // {id, name, email}
  tenants: new Map(),     // slug -> {slug, name, role, settings}
  queues: [],             // [{id, tenant: slug, name?}] from hello
  status: 'offline',
  wanted: sessionStorage.getItem('tandem.agent.status'), // the status the agent chose
  offers: new Map(),      // offer_id -> offer message
  convs: new Map(),       // conversation id -> conversation (see upsert)
  pending: new Map(),     // client_id -> {conv, text, at, failed}
  bookings: new Map(),    // client_id -> conversation id
  callbacks: [],
  selected: null,         // the open conversation id
};
let socket = null;
let tick = null;

// ---------- small UI helpers ----------

function toast(text, kind = '') {
  const p = el('p', { class: kind }, text);
  $('toast').append(p);
  setTimeout(() => p.remove(), 6000);
}

/** Says text through the screen-reader announcer (assertive for offers). */
function announce(text, urgent = false) {
  const node = $(urgent ? 'announce-urgent' : 'announce');
  node.textContent = '';
  setTimeout(() => { node.textContent = text; }, 50);
}

function tenantOf(t) {
  if (!t) return { slug: '', name: 'Unknown business' };
  const known = state.tenants.get(t.slug);
  return { slug: t.slug, name: t.name ?? known?.name ?? t.slug };
}

function prioBadge(p) {
  const prio = ['P1', 'P2', 'P3'].includes(p) ? p : 'P3';
  const label = { P1: 'P1 emergency', P2: 'P2 escalated', P3: 'P3 routine' }[prio];
  return el('span', { class: `badge ${prio}` }, label);
}

function customerName(packet) {
  return packet?.customer?.name || 'Unidentified customer';
}

// ---------- the handoff packet ----------

function list(title, items, render) {
  if (!items || !items.length) return null;
  return el('div', { class: 'pk-block' }, el('h3', {}, title),
    el('ul', { class: 'pk-list' }, items.map((x) => el('li', {}, render(x)))));
}

function transcriptOf(packet) {
  const t = packet?.transcript ?? packet?.conversation?.transcript ?? packet?.messages;
  return Array.isArray(t) ? t : [];
}

/* Who wrote a message: `from` on the sockets, `sender` in a packet's transcript. */
function fromOf(m) {
  return m.from ?? m.sender ?? 'system';
}

function speaker(m) {
  const from = fromOf(m);
  if (from === 'customer') return 'Customer';
  if (from === 'ai') return 'AI';
  if (from === 'agent') return m.name || 'Agent';
  return 'System';
}

/** The packet as a read-only card (used in offers and in the open conversation). */
function packetView(packet, { transcript = true } = {}) {
  const p = packet ?? {};
  const c = p.customer ?? {};
  const reasons = Array.isArray(p.reasons) ? p.reasons : [];
  const urgency = p.urgency ?? '';
  const root = el('div', { class: 'packet' });
  root.append(
    el('p', { class: 'pk-summary' }, p.summary || 'No summary.'),
    el('dl', { class: 'pk-facts' },
      el('dt', {}, 'Escalation'), el('dd', { class: 'pk-reasons' },
        reasons.length ? reasons.map((r) => el('span', { class: 'badge reason' }, words(r))) : 'none'),
      el('dt', {}, 'Urgency'), el('dd', {}, prioBadge(p.priority), ' ', urgency !== '' ? `level ${urgency}` : ''),
      p.intent ? [el('dt', {}, 'Intent'), el('dd', {}, words(p.intent))] : null,
      p.sla_deadline ? [el('dt', {}, 'Answer by'), el('dd', {}, clock(p.sla_deadline))] : null,
      p.callback_promised_at ? [el('dt', {}, 'Callback promised'), el('dd', {}, when(p.callback_promised_at))] : null,
      p.channel ? [el('dt', {}, 'Channel'), el('dd', {}, [].concat(p.channels ?? p.channel).join(', '), p.language ? ` (${p.language})` : '')] : null),
    p.suggested_next_step ? el('p', { class: 'pk-next' }, el('strong', {}, 'Suggested next step: '), p.suggested_next_step) : null,
  );
  const jobs = Array.isArray(c.jobs) ? c.jobs : [];
  const appts = Array.isArray(c.appointments) ? c.appointments : [];
  root.append(el('section', { class: 'customer-card', 'aria-label': 'Customer' },
    el('h3', {}, 'Customer'),
    el('p', { class: 'cc-name' }, customerName(p), c.known === false ? el('span', { class: 'muted small' }, ' (not on file)') : null),
    el('dl', { class: 'pk-facts' },
      el('dt', {}, 'Phones'), el('dd', {}, (c.phones ?? []).join(', ') || '-'),
      el('dt', {}, 'Emails'), el('dd', {}, (c.emails ?? []).join(', ') || '-'),
      el('dt', {}, 'Address'), el('dd', {}, c.address || '-')),
    list('Past jobs and appointments', jobs.concat(appts), (j) => [
      el('span', {}, `${j.job ?? j.id ?? ''} ${words(j.service ?? '')}`.trim()), ' ',
      el('span', { class: 'muted' }, `${slotText(j.start, j.end)}${j.technician ? `, ${j.technician}` : ''}`), ' ',
      el('span', { class: 'badge' }, words(j.status ?? '')),
    ]) ?? el('p', { class: 'muted small' }, 'No past jobs on file.')));
  const slots = Array.isArray(p.open_slots) ? p.open_slots : (Array.isArray(p.slots) ? p.slots : []);
  root.append(list('Suggested slots', slots, (s) => `${s.label || slotText(s.start, s.end)}${s.technician ? `, ${s.technician}` : ''}`));
  const t = transcriptOf(p);
  if (transcript && t.length) {
    root.append(el('details', { class: 'pk-transcript', open: t.length <= 6 }, el('summary', {}, `Transcript (${t.length} messages)`),
      el('ol', { class: 'messages compact' }, t.map((m) => messageItem(m)))));
  }
  return root;
}

// ---------- offers ----------

function renderOffers() {
  const box = $('offers');
  const now = Date.now();
  for (const node of [...box.children]) if (!state.offers.has(node.dataset.offer)) node.remove();
  for (const [id, o] of state.offers) {
    let card = box.querySelector(`[data-offer="${CSS.escape(id)}"]`);
    if (!card) {
      const t = tenantOf(o.tenant);
      const accept = el('button', { class: 'big accept', type: 'button', 'aria-keyshortcuts': 'Alt+A', title: 'Accept (Alt+A)', onclick: () => acceptOffer(id) }, 'Accept');
      card = el('article', { class: `offer panel ${o.priority === 'P1' ? 'urgent' : ''}`, dataset: { offer: id },
        'aria-label': `Offer from ${t.name}, ${o.priority ?? ''}, ${customerName(o.packet)}` },
        el('header', { class: 'offer-head' },
          el('div', {}, el('span', { class: 'badge biz' }, t.name), ' ', prioBadge(o.priority),
            el('h2', {}, `Incoming: ${customerName(o.packet)}`)),
          el('div', { class: 'offer-actions' },
            el('span', { class: 'countdown', 'aria-label': 'time left to accept' }),
            accept,
            el('button', { class: 'secondary', type: 'button', onclick: () => declineOffer(id) }, 'Decline'))),
        packetView(o.packet));
      box.prepend(card);
      if (focusIsFree() || document.activeElement === $('idle')) accept.focus();
    }
    const left = Math.max(0, Math.ceil((Date.parse(o.expires_at) - now) / 1000));
    const cd = card.querySelector('.countdown');
    cd.textContent = Number.isNaN(left) ? '' : `${left} s left`;
    cd.classList.toggle('low', left <= 5);
  }
}

function acceptOffer(id) {
  const o = state.offers.get(id);
  if (!o) return;
  if (!socket.send({ type: 'accept', offer_id: o.offer_id })) {
    toast('Not connected: the offer cannot be accepted right now.', 'error');
    return;
  }
  o.accepted = true;
  state.selectNext = o.conversation;
  const b = $('offers').querySelector(`[data-offer="${CSS.escape(id)}"] .accept`);
  if (b) { b.disabled = true; b.textContent = 'Accepting...'; }
}

function declineOffer(id) {
  const o = state.offers.get(id);
  if (!o) return;
  socket.send({ type: 'decline', offer_id: o.offer_id });
  state.offers.delete(id);
  renderOffers();
}

// ---------- conversations ----------

function convId(x) {
  return String(x.conversation ?? x.id);
}

/** Adds or refreshes a conversation from hello's summaries or an `assigned` message. */
function upsert(src) {
  const id = convId(src);
  let c = state.convs.get(id);
  if (!c) {
    c = { id, raw: src.conversation ?? src.id, tenant: null, packet: {}, msgs: new Map(), assist: null, phase: 'live',
      typing: false, typingTimer: null, draft: '', edited: new Set(), wrapup: null, unread: 0 };
    state.convs.set(id, c);
  }
  if (src.tenant) c.tenant = src.tenant;
  if (src.packet) c.packet = src.packet;
  if (src.priority) c.priority = src.priority;
  if (src.assist) c.assist = src.assist;
  for (const m of src.messages ?? []) addMessage(c, m);
  return c;
}

function addMessage(c, m) {
  if (!Number.isFinite(m.seq) || c.msgs.has(m.seq)) return false; // de-dup by seq
  c.msgs.set(m.seq, m);
  if (m.client_id) state.pending.delete(m.client_id);
  return true;
}

function messageItem(m, pending = false) {
  const who = fromOf(m);
  return el('li', { class: `msg from-${who}${pending ? ' pending' : ''}${m.failed ? ' failed' : ''}`, dataset: m.seq ? { seq: m.seq } : {} },
    el('span', { class: 'msg-who' }, speaker(m)),
    el('span', { class: 'msg-text' }, m.text ?? ''),
    el('span', { class: 'msg-at muted' }, m.failed ? 'not sent' : pending ? 'sending...' : clock(m.at)));
}

function renderConvList() {
  const ul = $('convs');
  const items = [...state.convs.values()];
  $('convs-count').textContent = String(items.length);
  fill(ul, items.length ? items.map((c) => {
    const t = tenantOf(c.tenant);
    const last = [...c.msgs.values()].pop();
    return el('li', {}, el('button', { type: 'button', class: `conv-item${state.selected === c.id ? ' current' : ''}`,
      'aria-current': state.selected === c.id ? 'true' : null, onclick: () => select(c.id) },
      el('span', { class: 'ci-top' }, el('span', { class: 'badge biz' }, t.name), prioBadge(c.priority ?? c.packet.priority),
        c.phase === 'wrapup' ? el('span', { class: 'badge' }, 'wrap-up') : null,
        c.unread ? el('span', { class: 'badge unread', 'aria-label': `${c.unread} unread` }, String(c.unread)) : null),
      el('span', { class: 'ci-name' }, customerName(c.packet)),
      el('span', { class: 'ci-last muted small' }, last ? `${speaker(last)}: ${last.text ?? ''}` : (c.packet.summary ?? ''))));
  }) : el('li', { class: 'muted small' }, 'Nothing assigned to you.'));
}

function select(id) {
  const prev = state.convs.get(state.selected);
  if (prev) prev.draft = $('reply').value;
  if (typingConv && typingConv !== id) stopTyping();
  state.selected = id;
  const c = state.convs.get(id);
  if (c) c.unread = 0;
  $('reply').value = c?.draft ?? '';
  $('transfer-form').hidden = true;
  $('wrapup-summary').value = c?.wrapup?.summary ?? '';
  if (c) {
    showWrapup(c);
    renderTransfer(c);
  }
  renderConvList();
  renderConv();
  renderAssist();
  if (c) (c.phase === 'wrapup' ? $('wrapup-summary') : $('reply')).focus();
  else if (focusIsFree()) ($('offers').querySelector('.accept:not([disabled])') ?? $('idle')).focus();
}

function renderConv() {
  const c = state.convs.get(state.selected);
  $('conv').hidden = !c;
  $('idle').hidden = !!c || state.offers.size > 0;
  if (!c) return;
  const t = tenantOf(c.tenant);
  $('conv-biz').textContent = t.name;
  fill($('conv-prio'), prioBadge(c.priority ?? c.packet.priority));
  $('conv-title').textContent = customerName(c.packet);
  fill($('packet'), packetView(c.packet, { transcript: false }));
  fill($('facts'), factsView(c.tenant));
  renderMessages();
}

/* Updates the chat in place: new messages are appended (so the log region announces only
 * them), acknowledged replies replace their pending bubble, nothing is drawn twice. */
function renderMessages() {
  const c = state.convs.get(state.selected);
  if (!c) return;
  const ol = $('messages');
  const stick = ol.scrollTop + ol.clientHeight >= ol.scrollHeight - 30;
  if (ol.dataset.conv !== c.id) {
    ol.replaceChildren();
    ol.dataset.conv = c.id;
  }
  const want = [...c.msgs.values()].sort((a, b) => a.seq - b.seq)
    .map((m) => ({ key: `s${m.seq}`, node: () => messageItem(m) }));
  for (const [cid, p] of state.pending) {
    if (p.conv !== c.id) continue;
    want.push({ key: `p${cid}${p.failed ? '!' : ''}`,
      node: () => messageItem({ from: 'agent', name: state.agent?.name, text: p.text, failed: p.failed }, true) });
  }
  const keys = new Set(want.map((w) => w.key));
  for (const li of [...ol.children]) if (!keys.has(li.dataset.key)) li.remove();
  let at = ol.firstElementChild;
  for (const w of want) {
    if (at && at.dataset.key === w.key) {
      at = at.nextElementSibling;
      continue;
    }
    const existing = ol.querySelector(`:scope > [data-key="${CSS.escape(w.key)}"]`);
    const li = existing ?? w.node();
    li.dataset.key = w.key;
    ol.insertBefore(li, at);
  }
  $('typing').textContent = c.typing ? 'The customer is typing...' : '';
  if (stick) ol.scrollTop = ol.scrollHeight;
}

function greetingFor(c) {
  const t = state.tenants.get(c.tenant?.slug);
  if (t?.settings?.greeting) return t.settings.greeting;
  const first = (c.packet.customer?.name ?? '').split(/\s+/)[0];
  const me1 = (state.agent?.name ?? '').split(/\s+/)[0];
  return `Hi${first ? ` ${first}` : ''}, this is ${me1 || 'a team member'} at ${tenantOf(c.tenant).name}. ` +
    "I've read your conversation and I'm taking it from here.";
}

function hoursText(hours) {
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  return days.map((d) => `${d[0].toUpperCase()}${d.slice(1)} ${(hours?.[d] ?? []).map((i) => i.join('-')).join(', ') || 'closed'}`).join(' · ');
}

function factsView(tenant) {
  const t = state.tenants.get(tenant?.slug);
  const s = t?.settings;
  if (!s) return el('p', { class: 'muted small' }, 'Business facts are not available.');
  const money = (x) => (x.price === null || x.price === undefined ? 'by estimate'
    : `${x.price_kind === 'from' ? 'from ' : ''}$${x.price}${x.price_kind === 'monthly' ? '/month' : ''}`);
  return el('dl', { class: 'pk-facts' },
    el('dt', {}, 'Business'), el('dd', {}, s.name ?? t.name),
    s.greeting ? [el('dt', {}, 'Greeting'), el('dd', {}, s.greeting)] : null,
    el('dt', {}, 'Phone'), el('dd', {}, s.phone ?? '-'),
    el('dt', {}, 'Hours'), el('dd', {}, `${hoursText(s.hours)} (${s.timezone ?? ''})`),
    el('dt', {}, 'Service area'), el('dd', {}, (s.service_zips ?? []).join(', ') || '-'),
    el('dt', {}, 'Services'), el('dd', {}, el('ul', { class: 'pk-list' },
      (s.services ?? []).map((x) => el('li', {}, `${x.name}: ${money(x)}`)))),
    s.brands?.length ? [el('dt', {}, 'Brands'), el('dd', {}, s.brands.join(', '))] : null,
    s.portal_url ? [el('dt', {}, 'Portal'), el('dd', {}, s.portal_url)] : null);
}

/* The agent's typing indicator for the customer: on at the first keystroke, off after a
 * pause, a send or a switch to another conversation. */
let typingConv = null;
let typingTimer = null;
function stopTyping() {
  clearTimeout(typingTimer);
  const c = state.convs.get(typingConv);
  if (c) socket?.send({ type: 'typing', conversation: c.raw, on: false });
  typingConv = null;
}

function sendReply(text) {
  const c = state.convs.get(state.selected);
  if (!c || !text.trim()) return;
  stopTyping();
  const cid = newClientId();
  state.pending.set(cid, { conv: c.id, text, at: Date.now() });
  socket.send({ type: 'message', conversation: c.raw, client_id: cid, text });
  renderMessages();
}

/** Sends again every reply that has no ack yet (same client_id: stored once). */
function resendPending() {
  for (const [cid, p] of state.pending) {
    const c = state.convs.get(p.conv);
    if (!c || p.failed) continue;
    socket.send({ type: 'message', conversation: c.raw, client_id: cid, text: p.text });
  }
}

function release(c) {
  state.convs.delete(c.id);
  for (const [cid, p] of state.pending) if (p.conv === c.id) state.pending.delete(cid);
  if (state.selected === c.id) select([...state.convs.keys()][0] ?? null);
  else renderConvList();
}

// ---------- AI assist ----------

const FORM_FIELDS = ['name', 'phone', 'email', 'equipment', 'address', 'zip', 'preferred'];

function meter(label, value, max = 1) {
  const v = Number(value);
  const known = Number.isFinite(v);
  const pct = known ? Math.max(0, Math.min(100, Math.round((Math.abs(v) / max) * 100))) : 0;
  const text = known ? (max === 1 ? v.toFixed(2) : String(v)) : '-';
  const level = pct >= 66 ? 'high' : pct >= 33 ? 'mid' : 'low';
  return el('div', { class: 'meter' }, el('span', { class: 'meter-label' }, label),
    el('span', { class: `meter-bar ${level}`, role: 'meter', 'aria-label': label, 'aria-valuemin': max === 1 && label === 'Sentiment' ? -1 : 0,
      'aria-valuemax': max, 'aria-valuenow': known ? v : 0 }, el('span', { style: `width:${pct}%` })),
    el('span', { class: 'meter-value' }, text));
}

function renderAssist() {
  const c = state.convs.get(state.selected);
  $('assist').hidden = !c;
  if (!c) return;
  const a = c.assist ?? {};
  const p = c.packet;
  const sentiment = a.sentiment ?? p.sentiment;
  fill($('meters'),
    meter('Sentiment', typeof sentiment === 'string' ? NaN : sentiment),
    typeof sentiment === 'string' ? el('p', { class: 'small' }, `Sentiment: ${sentiment}`) : null,
    meter('Frustration', a.frustration ?? p.frustration),
    meter('Urgency', a.urgency ?? p.urgency, 3),
    a.trend || a.human_request ? el('p', { class: 'small mood-note' },
      a.trend ? `Mood ${a.trend}` : '', a.trend && a.human_request ? ' · ' : '',
      a.human_request ? el('strong', {}, 'asked for a person') : '') : null);
  const sugg = a.suggestions ?? [];
  fill($('suggestions'), sugg.length ? sugg.map((s) => el('li', {},
    el('button', { type: 'button', class: 'suggestion', title: 'Insert into the reply (not sent)',
      onclick: () => insertReply(s.text) },
    el('span', { class: 'badge' }, s.source === 'kb' ? 'KB' : 'Template'), ' ', s.text)))
    : el('li', { class: 'muted small' }, 'No suggestions yet.'));
  const kb = a.kb ?? [];
  fill($('kb'), kb.length ? kb.map((k) => el('li', {},
    el('strong', {}, k.title ?? ''), el('p', { class: 'small' }, k.snippet ?? ''),
    el('button', { type: 'button', class: 'secondary small', onclick: () => insertReply(k.snippet ?? '') }, 'Insert')))
    : el('li', { class: 'muted small' }, 'No matching articles.'));
  renderBooking(c);
}

function insertReply(text) {
  const r = $('reply');
  const at = r.selectionStart ?? r.value.length;
  const before = r.value.slice(0, at);
  const sep = before && !/\s$/.test(before) ? ' ' : '';
  r.value = before + sep + text + r.value.slice(r.selectionEnd ?? at);
  r.focus();
  r.selectionStart = r.selectionEnd = (before + sep + text).length;
}

function renderBooking(c) {
  const a = c.assist ?? {};
  const form = a.form ?? {};
  const cust = c.packet.customer ?? {};
  const fallback = { name: cust.name, phone: cust.phones?.[0], email: cust.emails?.[0], address: cust.address };
  for (const f of FORM_FIELDS) {
    const input = $(`bk-${f}`);
    if (!c.edited.has(f)) input.value = form[f] || fallback[f] || '';
    input.classList.toggle('ai-filled', !c.edited.has(f) && !!input.value);
  }
  // services: the tenant's list; the AI's choice selected unless the agent picked one
  const svc = $('bk-service');
  const services = state.tenants.get(c.tenant?.slug)?.settings?.services ?? [];
  const keep = c.edited.has('service') ? svc.value : (form.service ?? '');
  fill(svc, el('option', { value: '' }, 'Choose a service...'),
    services.map((s) => el('option', { value: s.code }, s.name)),
    keep && !services.some((s) => s.code === keep) ? el('option', { value: keep }, words(keep)) : null);
  svc.value = keep;
  const slots = a.slots ?? c.packet.open_slots ?? [];
  const chosen = c.slotChoice;
  fill($('bk-slots'), slots.length ? slots.map((s, i) => el('label', { class: 'slot' },
    el('input', { type: 'radio', name: 'slot', value: String(i), checked: chosen ? chosen === `${s.start}|${s.technician_id}` : i === 0,
      onchange: () => { c.slotChoice = `${s.start}|${s.technician_id}`; } }),
    ` ${s.label || slotText(s.start, s.end)}${s.technician ? ` · ${s.technician}` : ''}`))
    : el('p', { class: 'muted small' }, 'No free slots known yet.'));
  c.slots = slots;
}

function book(ev) {
  ev.preventDefault();
  const c = state.convs.get(state.selected);
  if (!c) return;
  const result = $('bk-result');
  const service = $('bk-service').value;
  const i = Number(new FormData($('book-form')).get('slot'));
  const slot = c.slots?.[i];
  if (!service) { result.className = 'error'; result.textContent = 'Choose a service.'; $('bk-service').focus(); return; }
  if (!slot) { result.className = 'error'; result.textContent = 'Choose a slot.'; return; }
  const cid = newClientId();
  const msg = { type: 'book', conversation: c.raw, client_id: cid, service,
    slot: { start: slot.start, technician_id: slot.technician_id } };
  const address = [$('bk-address').value.trim(), $('bk-zip').value.trim()].filter(Boolean).join(' ');
  if (address) msg.address = address;
  const notes = [
    $('bk-notes').value.trim(),
    ...['name', 'phone', 'email', 'equipment', 'preferred'].map((f) => {
      const v = $(`bk-${f}`).value.trim();
      return v ? `${f}: ${v}` : '';
    }),
  ].filter(Boolean).join('\n');
  if (notes) msg.notes = notes;
  if (!socket.send(msg)) { result.className = 'error'; result.textContent = 'Not connected; try again in a moment.'; return; }
  state.bookings.set(cid, c.id);
  $('bk-submit').disabled = true;
  result.className = '';
  result.textContent = 'Booking...';
}

// ---------- callbacks ----------

function renderCallbacks() {
  const items = state.callbacks;
  $('cb-count').textContent = String(items.length);
  fill($('callbacks'), items.length ? items.map((cb) => {
    const t = tenantOf(typeof cb.tenant === 'string' ? { slug: cb.tenant } : cb.tenant);
    const cust = typeof cb.customer === 'object' && cb.customer ? cb.customer.name
      : typeof cb.customer === 'number' ? `Customer #${cb.customer}` : cb.customer;
    return el('li', { class: 'callback' },
      el('span', { class: 'badge biz' }, t.name), ' ', el('span', { class: 'badge' }, words(cb.status ?? '')),
      el('p', {}, el('strong', {}, cust || 'Customer'), cb.phone ? ` · ${cb.phone}` : ''),
      el('p', { class: 'small muted' }, `Due ${when(cb.due)}${cb.reason ? ` · ${words(cb.reason)}` : ''}`));
  }) : el('li', { class: 'muted small' }, 'No callbacks.'));
}

// ---------- status ----------

function renderState(msg) {
  state.status = msg.status ?? state.status;
  $('status').value = state.status;
  const s = $('state');
  s.hidden = false;
  s.dataset.state = msg.state ?? '';
  s.textContent = `${words(msg.state ?? state.status)}${msg.since ? ` since ${clock(msg.since)}` : ''}`;
}

// ---------- the socket ----------

async function loadTenants(tenants) {
  const names = (tenants ?? []).map((t) => t.name ?? t.slug);
  $('businesses').textContent = names.length > 1
    ? `One queue across the ${names.length} businesses you answer for: ${names.join(', ')}.`
    : names.length ? `Answering for ${names[0]}.` : 'You answer for no business yet.';
  for (const t of tenants ?? []) {
    const prev = state.tenants.get(t.slug);
    state.tenants.set(t.slug, { ...t, settings: prev?.settings ?? null });
  }
  await Promise.all((tenants ?? []).map(async (t) => {
    const s = await getForTenant('/api/v1/settings', t.slug).catch(() => null);
    if (s) state.tenants.get(t.slug).settings = s;
  }));
  renderConv();
  renderAssist();
}

function setQueues(queues) {
  state.queues = Array.isArray(queues) ? queues : [];
}

/* The transfer choices: the queues of the open conversation's business. */
function renderTransfer(c) {
  const slug = c?.tenant?.slug;
  const mine = state.queues.filter((q) => (typeof q.tenant === 'object' ? q.tenant?.slug : q.tenant) === slug);
  fill($('transfer-queue'), mine.map((q) => el('option', { value: q.id }, q.name ?? `Queue ${q.id}`)));
  $('transfer-queue').hidden = !mine.length;
  $('transfer-queue-id').hidden = !!mine.length;
}

/* Wrap-up phase: the customer is back with the AI (or in another queue); the form with
 * the AI's draft stays until the agent saves it. */
function showWrapup(c) {
  const live = c.phase !== 'wrapup';
  $('composer').hidden = !live;
  $('btn-transfer').hidden = !live;
  $('btn-handback').hidden = !live;
  $('btn-wrapup').hidden = !live;
  if (!live) $('transfer-form').hidden = true;
  $('wrapup-form').hidden = live;
  if (!live) {
    if (!c.wrapup) c.wrapup = { summary: c.packet.summary ?? '', edited: false };
    if ($('wrapup-summary').value !== c.wrapup.summary) $('wrapup-summary').value = c.wrapup.summary;
  }
}

/* Ends the agent's hold (release, handback or transfer): the server answers with the
 * wrap-up draft; the conversation stays listed until the wrap-up is saved. */
function endChat(c, msg, note) {
  if (typingConv === c.id) stopTyping();
  if (!socket.send(msg)) { toast('Not connected.', 'error'); return; }
  c.phase = 'wrapup';
  if (note) toast(note);
  renderConvList();
  showWrapup(c);
  $('wrapup-summary').focus();
}

const handlers = {
  hello(m) {
    state.agent = m.agent;
    $('who').textContent = m.agent?.name ? `${m.agent.name}` : '';
    loadTenants(m.tenants);
    setQueues(m.queues);
    state.offers.clear();
    for (const s of m.conversations ?? []) upsert(s);
    const owned = new Set((m.conversations ?? []).map(convId));
    for (const id of [...state.convs.keys()]) if (!owned.has(id)) state.convs.delete(id);
    state.callbacks = m.callbacks ?? [];
    renderState({ status: m.status, state: m.state });
    if (state.wanted && state.wanted !== m.status) socket.send({ type: 'status', status: state.wanted });
    resendPending();
    if (!state.convs.has(state.selected)) state.selected = [...state.convs.keys()][0] ?? null;
    renderOffers();
    renderCallbacks();
    select(state.selected);
  },
  state: renderState,
  offer(m) {
    if (!state.offers.has(String(m.offer_id)))
      announce(`New ${m.priority ?? ''} offer from ${tenantOf(m.tenant).name}: ${customerName(m.packet)}. ${m.packet?.summary ?? ''}`, true);
    state.offers.set(String(m.offer_id), m);
    renderOffers();
    $('idle').hidden = true;
  },
  offer_gone(m) {
    const o = state.offers.get(String(m.offer_id));
    state.offers.delete(String(m.offer_id));
    renderOffers();
    renderConv();
    if (o && !o.accepted) toast(`Offer ${m.reason === 'taken' ? 'taken by another agent' : m.reason === 'expired' ? 'expired' : 'withdrawn'}.`);
  },
  assigned(m) {
    for (const [id, o] of state.offers) if (String(o.conversation) === convId(m)) state.offers.delete(id);
    renderOffers();
    const known = state.convs.has(convId(m));
    const c = upsert(m);
    c.phase = 'live';
    if (!state.selected || state.selectNext === c.raw || String(state.selectNext) === c.id) select(c.id);
    else {
      if (!known) c.unread++;
      renderConvList();
      if (state.selected === c.id) renderConv();
    }
    state.selectNext = null;
  },
  message(m) {
    const c = state.convs.get(convId(m));
    if (!c || !addMessage(c, m)) return;
    if (m.from === 'customer') c.typing = false;
    if (state.selected === c.id) renderMessages();
    else {
      c.unread++;
      if (m.from === 'customer') announce(`New message from ${customerName(c.packet)} (${tenantOf(c.tenant).name}).`);
    }
    renderConvList();
  },
  ack(m) {
    const p = state.pending.get(m.client_id);
    if (!p) return;
    state.pending.delete(m.client_id);
    const c = state.convs.get(p.conv);
    if (c) addMessage(c, { seq: m.seq, from: 'agent', name: state.agent?.name, text: p.text, at: new Date().toISOString() });
    if (state.selected === p.conv) renderMessages();
    renderConvList();
  },
  typing(m) {
    const c = state.convs.get(convId(m));
    if (!c) return;
    c.typing = !!m.on;
    clearTimeout(c.typingTimer);
    if (c.typing) c.typingTimer = setTimeout(() => { c.typing = false; if (state.selected === c.id) renderMessages(); }, 8000);
    if (state.selected === c.id) renderMessages();
  },
  assist(m) {
    const c = state.convs.get(convId(m));
    if (!c) return;
    c.assist = m;
    if (state.selected === c.id) renderAssist();
  },
  booked(m) {
    const id = state.bookings.get(m.client_id) ?? convId(m);
    state.bookings.delete(m.client_id);
    if (state.selected !== id) { toast('Appointment booked.'); return; }
    const a = m.appointment ?? {};
    $('bk-submit').disabled = false;
    const r = $('bk-result');
    r.className = 'ok';
    r.textContent = `Booked${a.job_number || a.job ? ` ${a.job_number ?? a.job}` : ''}: ${words(a.service ?? '')} ${a.start ? slotText(a.start, a.end) : ''}${a.technician ? ` with ${a.technician}` : ''}.`;
  },
  wrapup_draft(m) {
    const c = state.convs.get(convId(m));
    if (!c) return;
    const edited = c.wrapup?.edited;
    c.wrapup = { summary: edited ? c.wrapup.summary : m.summary, edited };
    c.phase = 'wrapup';
    if (state.selected === c.id) showWrapup(c);
    renderConvList();
  },
  wrapped_up(m) {
    const c = state.convs.get(convId(m));
    if (!c) return;
    toast(`Wrapped up ${customerName(c.packet)}.`);
    release(c);
  },
  callbacks(m) {
    state.callbacks = m.items ?? [];
    renderCallbacks();
  },
  error(m) {
    if (m.ref && state.bookings.has(m.ref)) {
      state.bookings.delete(m.ref);
      $('bk-submit').disabled = false;
      const r = $('bk-result');
      r.className = 'error';
      r.textContent = `Not booked: ${m.message ?? m.code}`;
      return;
    }
    if (m.ref && state.pending.has(m.ref)) {
      state.pending.get(m.ref).failed = true;
      renderMessages();
    }
    const offer = m.ref !== undefined ? state.offers.get(String(m.ref)) : null;
    if (offer) {
      if (['expired', 'not_found', 'conflict'].includes(m.code)) state.offers.delete(String(m.ref));
      else offer.accepted = false;
      const b = $('offers').querySelector(`[data-offer="${CSS.escape(String(m.ref))}"] .accept`);
      if (b) { b.disabled = false; b.textContent = 'Accept'; }
      renderOffers();
      renderConv();
    }
    toast(m.message ?? m.code ?? 'The server refused that.', 'error');
  },
};

// ---------- start-up ----------

/* Signed in, with the socket about to connect. */
function start(account, live) {
  socket = live;
  $('status').value = state.status;
  // the first thing to do after signing in is to choose a status
  if (focusIsFree()) $('status').focus();
  clearInterval(tick);
  tick = setInterval(() => {
    const now = Date.now();
    let gone = false;
    for (const [id, o] of state.offers) {
      if (Date.parse(o.expires_at) < now - 2000) {
        state.offers.delete(id);
        gone = true;
      }
    }
    renderOffers();
    if (gone) renderConv();
  }, 250);
}

function wire() {
  $('status').addEventListener('change', (ev) => {
    state.wanted = ev.target.value;
    sessionStorage.setItem('tandem.agent.status', state.wanted);
    if (!socket?.send({ type: 'status', status: state.wanted })) toast('Not connected: your status will be set when the connection is back.');
  });
  $('logout').addEventListener('click', async () => {
    if (state.convs.size && !confirm('You still own conversations. Sign out anyway?')) return;
    socket?.send({ type: 'status', status: 'offline' });
    socket?.stop();
    socket = null;
    sessionStorage.removeItem('tandem.agent.status');
    await logout();
    location.reload();
  });
  $('composer').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('reply').value;
    if (!text.trim()) return;
    sendReply(text);
    $('reply').value = '';
    $('reply').focus();
  });
  $('reply').addEventListener('input', () => {
    const c = state.convs.get(state.selected);
    if (!c || c.phase !== 'live') return;
    if (typingConv !== c.id) {
      stopTyping();
      if (socket?.send({ type: 'typing', conversation: c.raw, on: true })) typingConv = c.id;
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 4000);
  });
  $('reply').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $('composer').requestSubmit();
    }
  });
  $('btn-greet').addEventListener('click', () => {
    const c = state.convs.get(state.selected);
    if (c) insertReply(greetingFor(c));
  });
  const toggle = (btn, form) => {
    const open = form.hidden;
    form.hidden = !open;
    btn.setAttribute('aria-expanded', String(open));
    if (open) form.querySelector('select:not([hidden]), input:not([hidden]), textarea')?.focus();
  };
  $('btn-transfer').addEventListener('click', () => toggle($('btn-transfer'), $('transfer-form')));
  $('btn-wrapup').addEventListener('click', () => {
    const c = state.convs.get(state.selected);
    if (c) endChat(c, { type: 'release', conversation: c.raw });
  });
  // Cancel, or Escape anywhere in the form, closes it and gives the focus back to the
  // button that opened it
  const closeForm = (f) => {
    const opener = document.querySelector(`[aria-controls="${f.id}"]`);
    f.hidden = true;
    opener?.setAttribute('aria-expanded', 'false');
    opener?.focus();
  };
  for (const b of document.querySelectorAll('[data-cancel]')) b.addEventListener('click', () => closeForm(b.closest('form')));
  $('transfer-form').addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.preventDefault();
    closeForm($('transfer-form'));
  });
  $('wrapup-summary').addEventListener('input', () => {
    const c = state.convs.get(state.selected);
    if (c) c.wrapup = { summary: $('wrapup-summary').value, edited: true };
  });
  $('transfer-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const c = state.convs.get(state.selected);
    const q = Number($('transfer-queue').hidden ? $('transfer-queue-id').value : $('transfer-queue').value);
    if (!c || !Number.isInteger(q) || q <= 0) { toast('Choose a queue.', 'error'); return; }
    endChat(c, { type: 'transfer', conversation: c.raw, queue: q }, `Transferred ${customerName(c.packet)}.`);
  });
  $('btn-handback').addEventListener('click', () => {
    const c = state.convs.get(state.selected);
    if (c) endChat(c, { type: 'handback', conversation: c.raw }, `${customerName(c.packet)} is back with the AI.`);
  });
  $('wrapup-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const c = state.convs.get(state.selected);
    if (!c) return;
    const summary = $('wrapup-summary').value.trim();
    const disposition = $('wrapup-disposition').value;
    if (!summary || !disposition) return;
    if (!socket.send({ type: 'wrapup', conversation: c.raw, summary, disposition })) { toast('Not connected.', 'error'); return; }
    $('wrapup-disposition').value = '';
  });
  // Alt+A accepts the most urgent offer, then the oldest
  document.addEventListener('keydown', (ev) => {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || ev.key.toLowerCase() !== 'a') return;
    const open = [...state.offers.entries()].filter(([, o]) => !o.accepted)
      .sort(([, x], [, y]) => String(x.priority).localeCompare(String(y.priority)) || Date.parse(x.expires_at) - Date.parse(y.expires_at));
    if (!open.length) return;
    ev.preventDefault();
    acceptOffer(open[0][0]);
  });
  $('book-form').addEventListener('submit', book);
  $('book-form').addEventListener('input', (ev) => {
    const c = state.convs.get(state.selected);
    const name = ev.target.name;
    if (c && name && name !== 'slot' && name !== 'notes') {
      c.edited.add(name);
      ev.target.classList.remove('ai-filled');
    }
  });
}

wire();
runSignedIn({
  login: $('login-view'), form: $('login-form'), error: $('login-error'), who: $('who'), conn: $('conn'),
  show: [$('console'), $('status-label'), $('logout')],
  hide: [$('console'), $('status-label'), $('state'), $('logout')],
  labels: { open: 'connected', connecting: 'connecting...', reconnecting: 'reconnecting...', closed: 'offline' },
}, { onStart: start, onMessage: (m) => handlers[m.type]?.(m) });
