// ws_agent_desk.test.mjs: the agent's desk over /ws/agent against the real binary and the
// demo database: booking from the assist panel (a taken window is refused), transfer,
// surge notices, the supervisor's stats, and one agent serving two businesses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { desk } from './lib/agent_desk.mjs';

process.env.TANDEM_OFFER_TIMEOUT_MS = '20000';
const d = desk('tandem-desk-');

/** The agent accepts offer and hands the conversation straight back (leaves nothing queued). */
async function acceptAndHandBack(p, offer) {
  const from = p.mark();
  p.send({ type: 'accept', offer_id: offer.offer_id });
  await p.next((m) => m.type === 'assigned' && m.conversation === offer.conversation, 5000, from);
  p.send({ type: 'handback', conversation: offer.conversation });
  await p.next((m) => m.type === 'wrapup_draft' && m.conversation === offer.conversation, 5000, from);
}

/** An emergency from a new customer, offered to and accepted by agent p. */
async function takeEmergency(p, text, slug = 'demo') {
  const c = await d.customer(slug);
  await d.say(c, text);
  const offer = await p.next((m) => m.type === 'offer' && m.conversation === c.conv, 10000)
    .catch((e) => { throw new Error(`no offer; the customer saw ${JSON.stringify(c.seen)}`, { cause: e }); });
  const from = p.mark();
  p.send({ type: 'accept', offer_id: offer.offer_id });
  await p.next((m) => m.type === 'assigned' && m.conversation === c.conv, 5000, from);
  return { c, offer };
}

before(() => d.open());

after(() => d.close());

test('booking from the assist panel; the same window cannot be booked twice', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.status(a1, 'available');
  const { c } = await takeEmergency(a1, 'My water heater is leaking all over the floor, water everywhere!');
  const from = a1.mark();
  await d.say(c, 'I am Linda Smith at 412 Elm Street 28203, phone 704-555-0182');
  const assist = await a1.next((m) => m.type === 'assist' && m.conversation === c.conv &&
    m.form.zip === '28203' && m.slots.length > 0, 5000, from);
  assert.equal(assist.form.phone, '+17045550182');
  const slot = assist.slots[0];
  const service = assist.form.service || 'water_heater_repair';
  const book = { type: 'book', conversation: c.conv, service, slot: { start: slot.start, technician_id: slot.technician_id },
    address: '412 Elm Street, Charlotte NC 28203' };
  a1.send({ ...book, client_id: 'b-1' });
  const booked = await a1.next((m) => m.type === 'booked' && m.client_id === 'b-1', 5000, from);
  assert.equal(booked.appointment.start, slot.start);
  assert.equal(booked.appointment.technician_id, slot.technician_id);
  assert.match(booked.appointment.job, /^J-\d+$/);
  // the appointment exists
  const admin = await d.login('admin@brightline.example');
  const list = await admin.req('GET', '/api/v1/appointments');
  assert.equal(list.status, 200, list.text);
  assert.ok(JSON.stringify(list.json).includes(booked.appointment.job));
  // the same window again: refused
  a1.send({ ...book, client_id: 'b-2' });
  const refused = await a1.next((m) => m.type === 'error' && m.ref === 'b-2', 5000, from);
  assert.equal(refused.code, 'conflict');
  // not the owner: refused
  const a2 = await d.agent('agent2@brightline.example');
  a2.send({ ...book, client_id: 'b-3' });
  const notMine = await a2.next((m) => m.type === 'error' && m.ref === 'b-3');
  assert.equal(notMine.code, 'forbidden');
  a1.send({ type: 'handback', conversation: c.conv });
  await a1.next((m) => m.type === 'wrapup_draft' && m.conversation === c.conv, 5000, from);
  await a1.close();
  await a2.close();
});

test('surge: a customer behind the staffing is told the honest wait and offered a callback', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.status(a1, 'available');
  const first = await d.customer();
  await d.say(first, 'Water is pouring through my ceiling right now!');
  const offer1 = await a1.next((m) => m.type === 'offer' && m.conversation === first.conv, 10000);
  // the only agent has an offer out: the next emergency waits behind it
  const second = await d.customer();
  const from = await d.say(second, 'Help, water is pouring through the ceiling in the hall!');
  const notice = await second.next((m) => m.type === 'handoff' && m.state === 'queued' && m.position >= 1, 10000, from);
  assert.equal(notice.position, 1);
  assert.ok(notice.wait_seconds > 60, `an honest wait: ${notice.wait_seconds}`);
  assert.equal(notice.surge, true);
  assert.ok(Date.parse(notice.callback_offer) > Date.now() + 60000, notice.callback_offer);
  // served in turn: nothing is left waiting
  const mark = a1.mark();
  await acceptAndHandBack(a1, offer1);
  const offer2 = await a1.next((m) => m.type === 'offer' && m.conversation === second.conv, 5000, mark);
  await acceptAndHandBack(a1, offer2);
  await a1.close();
});

test('surge: the customer takes the callback instead of waiting', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.status(a1, 'available');
  const first = await d.customer();
  await d.say(first, 'Water is pouring through my ceiling right now!');
  const offer1 = await a1.next((m) => m.type === 'offer' && m.conversation === first.conv, 10000);
  const second = await d.customer();
  // before any conversation, or while not waiting: refused, nothing changes
  second.send({ type: 'callback', client_id: 'cb-early' });
  assert.equal((await second.next((m) => m.type === 'error' && m.ref === 'cb-early')).code, 'conflict');
  const from = await d.say(second, 'Help, water is pouring through the ceiling in the hall!');
  const notice = await second.next((m) => m.type === 'handoff' && m.state === 'queued' && m.surge === true, 10000, from);
  // no phone on file and none given: asked for one; a number that is not one: invalid
  second.send({ type: 'callback', client_id: 'cb-1' });
  assert.equal((await second.next((m) => m.type === 'error' && m.ref === 'cb-1')).code, 'phone_required');
  second.send({ type: 'callback', client_id: 'cb-2', phone: 'tomorrow' });
  assert.equal((await second.next((m) => m.type === 'error' && m.ref === 'cb-2')).code, 'invalid');
  assert.equal(d.sql(`SELECT COUNT(*) FROM callbacks WHERE conversation_id = ${second.conv}`), '0');
  // with a number written the usual way
  const mark = second.mark();
  second.send({ type: 'callback', client_id: 'cb-3', phone: '(704) 555-0142' });
  const cb = await second.next((m) => m.type === 'callback', 5000, mark);
  assert.equal(cb.requested, true);
  assert.equal(cb.phone, '+17045550142');
  assert.ok(Math.abs(Date.parse(cb.due) - Date.parse(notice.callback_offer)) <= 120000,
    `due ${cb.due} is the time offered, ${notice.callback_offer}`);
  const row = d.sql(`SELECT status || '|' || phone || '|' || reason FROM callbacks WHERE conversation_id = ${second.conv}`);
  assert.equal(row, 'pending|+17045550142|the customer asked for a callback');
  assert.equal(d.sql(`SELECT status FROM queue_entries WHERE conversation_id = ${second.conv} ORDER BY id DESC LIMIT 1`), 'done');
  assert.ok(d.events(second.conv).includes('callback_queued'));
  // asking again: it no longer waits
  second.send({ type: 'callback', client_id: 'cb-4', phone: '+17045550142' });
  assert.equal((await second.next((m) => m.type === 'error' && m.ref === 'cb-4', 5000, mark)).code, 'conflict');
  // the agent is not offered the conversation that left the line
  const aMark = a1.mark();
  await acceptAndHandBack(a1, offer1);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(a1.seen.slice(aMark).filter((m) => m.type === 'offer' && m.conversation === second.conv).length, 0);
  await a1.close();
});

test('transfer to another queue of the business', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.status(a1, 'available');
  const queues = a1.hello.queues.filter((q) => q.tenant === 'demo');
  assert.ok(queues.length >= 1);
  const { c } = await takeEmergency(a1, 'Water is pouring through the ceiling of my garage!');
  const from = a1.mark();
  a1.send({ type: 'transfer', conversation: c.conv, queue: 999999 });
  const bad = await a1.next((m) => m.type === 'error', 5000, from);
  assert.equal(bad.code, 'not_found');
  const cFrom = c.mark();
  a1.send({ type: 'transfer', conversation: c.conv, queue: queues[0].id });
  // back to the AI while it waits, and offered again
  await c.next((m) => m.type === 'handoff' && m.state === 'ai', 5000, cFrom);
  const again = await a1.next((m) => m.type === 'offer' && m.conversation === c.conv, 10000, from);
  assert.ok(again.offer_id);
  await acceptAndHandBack(a1, again);
  await a1.close();
});

test('the supervisor receives stats once a second; an agent may not subscribe', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  a1.send({ type: 'subscribe', topic: 'supervisor' });
  const denied = await a1.next((m) => m.type === 'error');
  assert.equal(denied.code, 'forbidden');
  const sup = await d.agent('admin@brightline.example');
  sup.send({ type: 'subscribe', topic: 'supervisor' });
  const s1 = await sup.next((m) => m.type === 'stats', 3000);
  const s2 = await sup.next((m) => m.type === 'stats' && m.at !== s1.at, 3000, sup.seen.indexOf(s1) + 1);
  assert.ok(Date.parse(s2.at) > Date.parse(s1.at));
  assert.equal(s1.tenant.slug, 'demo');
  assert.ok(Array.isArray(s1.queues) && s1.queues.length >= 1);
  for (const k of ['available', 'busy', 'wrap_up', 'break', 'offline']) assert.equal(typeof s1.agents[k], 'number');
  for (const k of ['ai', 'human', 'waiting']) assert.equal(typeof s1.conversations[k], 'number');
  assert.ok(s1.conversations.ai >= 1, JSON.stringify(s1.conversations));
  assert.ok(s1.escalations_by_reason.property_emergency >= 1, JSON.stringify(s1.escalations_by_reason));
  assert.ok(Object.keys(s1.escalations_by_reason).length >= 1, JSON.stringify(s1.escalations_by_reason));
  assert.equal(typeof s1.sla.percent, 'number');
  // the same figures for monitoring
  const metrics = await (await fetch(`${d.server.base}/metrics`)).text();
  assert.match(metrics, /^tandem_acd_waiting\{tenant="demo"\} \d+$/m);
  assert.match(metrics, /^tandem_acd_agents\{status="offline"\} [1-9]\d*$/m, 'the two connected sessions are offline');
  await a1.close();
  await sup.close();
});

test('one agent, two businesses: one queue, each conversation labelled with its business', async () => {
  const root = await d.login('platform@tandem.example');
  const t = await root.req('POST', '/api/v1/tenants', { slug: 'acme', name: 'Acme Electric', timezone: 'America/Denver' });
  assert.equal(t.status, 201, t.text);
  const u = d.run(['user', 'add', '--db', d.db, '--email', 'agent2@brightline.example', '--name', 'Blake Agent',
    '--tenant', 'acme', '--role', 'agent']);
  assert.equal(u.status, 0, u.stderr);
  const a2 = await d.agent('agent2@brightline.example');
  assert.deepEqual(a2.hello.tenants.map((x) => x.slug).sort(), ['acme', 'demo']);
  await d.status(a2, 'available');
  const demo = await takeEmergency(a2, 'Water is pouring through the kitchen ceiling!', 'demo');
  const acme = await takeEmergency(a2, 'Water is pouring through the ceiling, it is flooding!', 'acme');
  assert.equal(demo.offer.tenant.slug, 'demo');
  assert.equal(acme.offer.tenant.slug, 'acme');
  assert.equal(acme.offer.tenant.name, 'Acme Electric');
  const assigned = a2.seen.filter((m) => m.type === 'assigned');
  assert.deepEqual(assigned.map((m) => m.tenant.slug).sort(), ['acme', 'demo']);
  assert.deepEqual(a2.seen.filter((m) => m.type === 'state').map((m) => m.chats).pop(), 2, 'both held at once');
  await a2.close();
});

test('with language skills on record, a Spanish chat goes to the agent who speaks Spanish', async () => {
  const ids = (email) => Number(d.sql(`SELECT id FROM users WHERE email = '${email}'`));
  const a1id = ids('agent1@brightline.example');
  const a2id = ids('agent2@brightline.example');
  d.sql(`INSERT INTO agent_skills (tenant_id, user_id, skill, level) VALUES
    (1, ${a2id}, 'es', 8), (1, ${a2id}, 'plumbing', 5), (1, ${a1id}, 'en', 7), (1, ${a1id}, 'plumbing', 5)`);
  const a1 = await d.agent('agent1@brightline.example');
  const a2 = await d.agent('agent2@brightline.example');
  // only the agent without Spanish is available at first
  await d.status(a1, 'available');
  const es = await d.customer('demo', 'es');
  await d.say(es, '¡Está cayendo mucha agua del techo de la cocina! Es una emergencia');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(a1.seen.filter((m) => m.type === 'offer' && m.conversation === es.conv).length, 0,
    'the agent without Spanish is not offered it');
  await d.status(a2, 'available');
  const offer = await a2.next((m) => m.type === 'offer' && m.conversation === es.conv, 10000);
  assert.equal(offer.packet.language, 'es');
  await acceptAndHandBack(a2, offer);
  await a1.close();
  await a2.close();
});
