// ws_agent_sla.test.mjs: a handoff nobody accepts never fails silently: it is re-offered,
// raised in priority at the SLA, and ends as a callback the customer is told about, with
// every step in the event log. Real binary, demo database with short answer times.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { desk } from './lib/agent_desk.mjs';

process.env.TANDEM_OFFER_TIMEOUT_MS = '1000';
const d = desk('tandem-sla-');

before(async () => {
  await d.open();
  // short answer times, read by the router at start-up
  const admin = await d.login('admin@brightline.example');
  const s = await admin.req('GET', '/api/v1/settings');
  const escalation = { ...s.json.escalation, sla_seconds: { P1: 2, P2: 2, P3: 2 } };
  const p = await admin.req('PATCH', '/api/v1/settings', { escalation });
  assert.equal(p.status, 200, p.text);
  await d.restart();
});

after(() => d.close());

test('re-offered, raised at the SLA, then a callback the customer is told about; all in the log', async () => {
  const agent = await d.agent('agent1@brightline.example');
  await d.available(agent);

  const customer = await d.customer();
  await d.say(customer, 'I want to talk to a real person please, my number is 704-555-0182');
  const conv = customer.conv;
  await customer.next((m) => m.type === 'handoff' && m.state === 'queued', 10000);

  // offered, not answered, offered again
  const first = await agent.next((m) => m.type === 'offer' && m.conversation === conv, 5000);
  assert.equal(first.priority, 'P2');
  await agent.next((m) => m.type === 'offer_gone' && m.offer_id === first.offer_id && m.reason === 'expired', 5000);
  const offers = () => agent.seen.filter((m) => m.type === 'offer' && m.conversation === conv);
  await agent.next((m) => m.type === 'offer' && m.conversation === conv && offers().length >= 2, 5000);

  // nobody took it: the customer is told about the callback
  const cb = await customer.next((m) => m.type === 'callback', 20000);
  assert.ok(Date.parse(cb.due) > Date.now(), cb.due);
  const list = await agent.next((m) => m.type === 'callbacks' && m.items.some((i) => i.conversation === conv), 5000);
  assert.equal(list.items.find((i) => i.conversation === conv).status, 'pending');

  // every step is an event
  const kinds = d.events(conv);
  const order = ['handoff', 'queued', 'offered', 'offer_expired', 'offered', 'sla_breach', 'priority_raised', 'callback_queued'];
  let at = -1;
  for (const k of order) {
    const i = kinds.indexOf(k, at + 1);
    assert.ok(i > at, `${k} after the previous steps in ${kinds.join(', ')}`);
    at = i;
  }
  assert.equal(d.sql(`SELECT status FROM queue_entries WHERE conversation_id = ${conv}`), 'done');

  // when the callback is due it is offered to an agent like any request
  const due = await agent.next((m) => m.type === 'offer' && m.conversation === conv && m.callback, 15000);
  assert.ok(due.callback.id > 0);
  assert.equal(due.packet.callback.id, due.callback.id);
  agent.send({ type: 'accept', offer_id: due.offer_id });
  await agent.next((m) => m.type === 'assigned' && m.conversation === conv && m.packet.callback, 5000);
  const status = () => d.sql(`SELECT status FROM callbacks WHERE id = ${due.callback.id}`);
  for (let i = 0; i < 50 && status() !== 'in_progress'; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(status(), 'in_progress');
  agent.send({ type: 'wrapup', conversation: conv, summary: 'Called back; booked a visit.', disposition: 'callback_done' });
  await agent.next((m) => m.type === 'wrapped_up' && m.conversation === conv, 5000);
  for (let i = 0; i < 50 && status() !== 'done'; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(status(), 'done');
});

// A settings write tells the router once it has committed (acd_tenant_changed).
test('a changed answer time applies at once, to waiting entries too', async () => {
  const admin = await d.login('admin@brightline.example');
  const patch = async (secs) => {
    const s = await admin.req('GET', '/api/v1/settings');
    const escalation = { ...s.json.escalation, sla_seconds: { P1: secs, P2: secs, P3: secs } };
    const p = await admin.req('PATCH', '/api/v1/settings', { escalation });
    assert.equal(p.status, 200, p.text);
  };
  const agent = await d.agent('agent1@brightline.example');
  await d.available(agent);
  await patch(3600);
  const customer = await d.customer();
  await d.say(customer, 'I want to talk to a real person please');
  await agent.next((m) => m.type === 'offer' && m.conversation === customer.conv, 10000);
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(d.events(customer.conv).filter((k) => k === 'sla_breach').length, 0,
    `an hour to answer now: ${d.events(customer.conv).join(', ')}`);
  // back to two seconds: the clock already running (started over 4 s ago) is past it
  await patch(2);
  for (let i = 0; i < 50 && !d.events(customer.conv).includes('sla_breach'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(d.events(customer.conv).includes('sla_breach'), d.events(customer.conv).join(', '));
  await agent.close();
});
