// ws_agent_queue.test.mjs: what happens to a conversation while it waits in the queue, over
// real WebSockets against the real binary: a customer who leaves the chat is abandoned
// after the grace (or called back when a phone is on file), one who comes back in time
// keeps their place, a conversation needs an agent of its trade, an emergency reported
// while waiting raises the entry, the supervisor's escalation counts survive a restart,
// and after a restart a chat customer who never reconnects leaves the queue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { desk, sleep, until } from './lib/agent_desk.mjs';

const GRACE_MS = 1500;
process.env.TANDEM_ABANDON_GRACE_MS = String(GRACE_MS);
process.env.TANDEM_OFFER_TIMEOUT_MS = '30000';
const d = desk('tandem-queue-');

before(() => d.open());

after(() => d.close());

const isOffer = (c) => (m) => m.type === 'offer' && m.conversation === c.conv;
const entryStatus = (c) => d.sql(`SELECT status FROM queue_entries WHERE conversation_id = ${c.conv} ORDER BY id DESC LIMIT 1`);
const eventData = (c, kind) => {
  const out = d.sql(`SELECT data FROM events WHERE conversation_id = ${c.conv} AND kind = '${kind}' ORDER BY id`);
  return out ? out.split('\n').map((l) => JSON.parse(l)) : [];
};

/** A customer who asks for a person; resolves once agent p has the offer. */
async function waiting(p, text = 'I want to talk to a real person please') {
  const c = await d.customer();
  await d.say(c, text);
  const offer = await p.next(isOffer(c), 10000);
  return { c, offer };
}

/** The agent takes the offer and hands the conversation back (leaves nothing queued). */
async function takeAndHandBack(p, offer) {
  const from = p.mark();
  p.send({ type: 'accept', offer_id: offer.offer_id });
  const assigned = await p.next((m) => m.type === 'assigned' && m.conversation === offer.conversation, 5000, from);
  p.send({ type: 'handback', conversation: offer.conversation });
  await p.next((m) => m.type === 'wrapup_draft' && m.conversation === offer.conversation, 5000, from);
  return assigned;
}

test('a customer who leaves while waiting is abandoned after the grace; the offer is withdrawn', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.available(a1);
  const sup = await d.agent('admin@brightline.example');
  sup.send({ type: 'subscribe', topic: 'supervisor' });
  const { c, offer } = await waiting(a1);
  assert.equal(await until(() => entryStatus(c) === 'offered' && 'offered'), 'offered');  /* its record follows the offer */
  const left = Date.now();
  await c.close();
  // still there within the grace
  await sleep(GRACE_MS / 3);
  assert.equal(a1.seen.filter((m) => m.type === 'offer_gone' && m.offer_id === offer.offer_id).length, 0);
  const gone = await a1.next((m) => m.type === 'offer_gone' && m.offer_id === offer.offer_id, GRACE_MS + 4000);
  assert.equal(gone.reason, 'withdrawn');
  assert.ok(gone._t - left >= GRACE_MS - 100, `withdrawn ${gone._t - left} ms after the customer left`);
  assert.equal(await until(() => entryStatus(c) === 'abandoned' && entryStatus(c)), 'abandoned');
  const ev = await until(() => eventData(c, 'abandoned')[0]);
  assert.ok(ev, `an abandoned event in ${d.events(c.conv).join(', ')}`);
  assert.ok(ev.wait_seconds >= 1 && ev.wait_seconds < 60, JSON.stringify(ev));
  assert.equal(ev.priority, 'P2');
  const stats = await sup.next((m) => m.type === 'stats' && m.tenant.slug === 'demo' && m.sla.abandoned >= 1, 5000);
  assert.equal(stats.queues.reduce((n, q) => n + q.abandoned, 0), stats.sla.abandoned);
  // no callback was made: there is no phone on file
  assert.equal(d.sql(`SELECT COUNT(*) FROM callbacks WHERE conversation_id = ${c.conv}`), '0');
  await a1.close();
  await sup.close();
});

test('a customer who comes back within the grace keeps their place', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.available(a1);
  const { c, offer } = await waiting(a1);
  await c.close();
  await sleep(GRACE_MS / 3);
  const back = d.peer('/ws/chat?tenant=demo');
  await back.opened;
  back.send({ type: 'hello', visitor: c.welcome.visitor, conversation: c.conv, last_seq: 0 });
  const w = await back.next((m) => m.type === 'welcome');
  assert.equal(w.conversation, c.conv);
  await sleep(GRACE_MS + 1000);
  assert.equal(a1.seen.filter((m) => m.type === 'offer_gone' && m.offer_id === offer.offer_id).length, 0,
    'the offer is still out');
  assert.equal(entryStatus(c), 'offered');
  assert.equal(eventData(c, 'abandoned').length, 0);
  await takeAndHandBack(a1, offer);
  await back.close();
  await a1.close();
});

test('a customer with a phone on file who leaves while waiting is called back instead', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.available(a1);
  const { c, offer } = await waiting(a1);
  const cust = d.sql(`SELECT customer_id FROM conversations WHERE id = ${c.conv}`);
  d.sql(`INSERT INTO customer_identities (tenant_id, kind, value, customer_id) VALUES (1, 'phone', '+17045550199', ${cust})`);
  const from = a1.mark();
  await c.close();
  await a1.next((m) => m.type === 'offer_gone' && m.offer_id === offer.offer_id && m.reason === 'withdrawn', GRACE_MS + 4000, from);
  const list = await a1.next((m) => m.type === 'callbacks' && m.items.some((i) => i.conversation === c.conv), 5000, from);
  const item = list.items.find((i) => i.conversation === c.conv);
  assert.equal(item.phone, '+17045550199');
  assert.equal(item.status, 'pending');
  assert.equal(item.reason, 'the customer left the chat');
  assert.equal(await until(() => entryStatus(c) === 'done' && entryStatus(c)), 'done');
  assert.equal(eventData(c, 'abandoned').length, 0, 'a callback, not an abandonment');
  assert.ok(d.events(c.conv).includes('callback_queued'));
  await a1.close();
});

test('an emergency reported while waiting raises the entry to P1', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.available(a1);
  const { c, offer } = await waiting(a1);
  assert.equal(offer.priority, 'P2');
  await d.say(c, 'Now water is pouring through the ceiling, it is an emergency!');
  const raised = await until(() => eventData(c, 'priority_raised').find((e) => e.why === 'escalated'));
  assert.ok(raised, `raised in ${d.events(c.conv).join(', ')}`);
  assert.equal(raised.priority, 'P1');
  // the raised class is stored with the entry, so a restart keeps it
  const stored = () => d.sql(`SELECT priority FROM queue_entries WHERE conversation_id = ${c.conv} ORDER BY id DESC LIMIT 1`);
  assert.equal(await until(() => stored() === '1' && stored()), '1');
  const assigned = await takeAndHandBack(a1, offer);
  assert.equal(assigned.priority, 'P1', 'the agent sees the raised class');
  assert.deepEqual(assigned.packet.reasons.includes('property_emergency'), true, 'and the newer packet');
  await a1.close();
});

test('a conversation needs an agent of its trade', async () => {
  const ids = (email) => Number(d.sql(`SELECT id FROM users WHERE email = '${email}'`));
  const hvac = ids('agent1@brightline.example');
  const plumber = ids('agent2@brightline.example');
  d.sql(`INSERT INTO agent_skills (tenant_id, user_id, skill, level) VALUES
    (1, ${hvac}, 'hvac', 9), (1, ${hvac}, 'en', 5), (1, ${plumber}, 'plumbing', 6), (1, ${plumber}, 'en', 5)`);
  try {
    const a1 = await d.agent('agent1@brightline.example');
    const a2 = await d.agent('agent2@brightline.example');
    await d.available(a1);
    const c = await d.customer();
    await d.say(c, 'My toilet is overflowing and water is pouring on the bathroom floor!');
    await c.next((m) => m.type === 'handoff' && m.state === 'queued', 10000);
    const trade = d.sql(`SELECT json_extract(state, '$.trade') FROM conversations WHERE id = ${c.conv}`);
    assert.equal(trade, 'plumbing');
    await sleep(1500);
    assert.equal(a1.seen.filter(isOffer(c)).length, 0, 'the HVAC agent is not offered a plumbing chat');
    await d.available(a2);
    const offer = await a2.next(isOffer(c), 10000);
    await takeAndHandBack(a2, offer);
    await a1.close();
    await a2.close();
  } finally {
    d.sql('DELETE FROM agent_skills');
  }
});

test('the escalations by reason of today survive a restart', async () => {
  const sup = await d.agent('admin@brightline.example');
  sup.send({ type: 'subscribe', topic: 'supervisor' });
  const before = (await sup.next((m) => m.type === 'stats' && m.tenant.slug === 'demo', 5000)).escalations_by_reason;
  assert.ok(before.human_request >= 3, JSON.stringify(before));
  await sup.close();
  await d.restart();
  const again = await d.agent('admin@brightline.example');
  again.send({ type: 'subscribe', topic: 'supervisor' });
  const after = (await again.next((m) => m.type === 'stats' && m.tenant.slug === 'demo', 5000)).escalations_by_reason;
  assert.deepEqual(after, before);
  // the rebuild is one query on the (tenant, kind, at) index
  const plan = d.sql("EXPLAIN QUERY PLAN SELECT data FROM events WHERE tenant_id = 1 AND kind = 'handoff' AND at >= 0");
  assert.match(plan, /USING INDEX events_kind/, plan);
  await again.close();
});

test('a customer who closes the chat during the turn that asks for a person is abandoned after the grace', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.available(a1);
  const c = await d.customer();
  await d.say(c, 'What are your hours?');  /* the conversation exists from here on */
  c.send({ type: 'message', client_id: 'leaving', text: 'I want to talk to a real person please' });
  c.ws.close();  /* gone before the AI's turn hands off */
  const offer = await a1.next(isOffer(c), 10000);
  const gone = await a1.next((m) => m.type === 'offer_gone' && m.offer_id === offer.offer_id, GRACE_MS + 5000);
  assert.equal(gone.reason, 'withdrawn');
  assert.equal(await until(() => entryStatus(c) === 'abandoned' && 'abandoned'), 'abandoned');
  await a1.close();
});

test('after a restart, a waiting chat customer who never comes back leaves the queue; one who reconnects keeps their place', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.available(a1);
  const { c: stays } = await waiting(a1);
  const gone = await d.customer();
  await d.say(gone, 'I want to talk to a real person please');
  await gone.next((m) => m.type === 'handoff' && m.state === 'queued', 10000);
  await a1.close();
  await d.restart();
  const back = d.peer('/ws/chat?tenant=demo');
  await back.opened;
  back.send({ type: 'hello', visitor: stays.welcome.visitor, conversation: stays.conv, last_seq: 0 });
  assert.equal((await back.next((m) => m.type === 'welcome')).conversation, stays.conv);
  assert.equal(await until(() => entryStatus(gone) === 'abandoned' && 'abandoned', GRACE_MS + 5000), 'abandoned');
  assert.equal(eventData(gone, 'abandoned').length, 1);
  assert.equal(entryStatus(stays), 'waiting', 'the customer who came back still waits');
  assert.equal(eventData(stays, 'abandoned').length, 0);
  await back.close();
});
