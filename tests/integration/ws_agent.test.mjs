// ws_agent.test.mjs: the agent console's protocol (/ws/agent) with a customer on /ws/chat,
// over real WebSockets against the real binary and a database seeded with the demo:
// offers with the handoff packet, acceptance, one owner at a time, the AI silent while a
// person owns the conversation, handback, offer expiry, no agent available, tenancy, and a
// restart mid-queue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { desk } from './lib/agent_desk.mjs';

// an offer nobody answers expires quickly in this test
process.env.TANDEM_OFFER_TIMEOUT_MS = '1500';
const d = desk('tandem-wsagent-');
const OTHER = { slug: 'acme', email: 'olive@acme.example', password: 'olive-password-1' };

before(async () => {
  await d.open();
  // a second business with its own agent
  const root = await d.login('platform@tandem.example');
  const t = await root.req('POST', '/api/v1/tenants', { slug: OTHER.slug, name: 'Acme Electric', timezone: 'America/Denver' });
  assert.equal(t.status, 201, t.text);
  const u = d.run(['user', 'add', '--db', d.db, '--email', OTHER.email, '--name', 'Olive Other', '--tenant', OTHER.slug,
    '--role', 'agent', '--password-stdin'], `${OTHER.password}\n`);
  assert.equal(u.status, 0, u.stderr);
});

after(() => d.close());

test('the handshake needs a session; hello says who the agent is', async () => {
  const anon = d.peer('/ws/agent');
  await assert.rejects(anon.opened, /handshake 401/);
  const a1 = await d.agent('agent1@brightline.example');
  assert.equal(a1.hello.agent.email, 'agent1@brightline.example');
  assert.deepEqual(a1.hello.tenants.map((t) => t.slug), ['demo']);
  assert.equal(a1.hello.status, 'offline');
  assert.ok(a1.hello.queues.length >= 1);
  a1.send({ type: 'status', status: 'sleeping' });
  const e = await a1.next((m) => m.type === 'error');
  assert.equal(e.code, 'validation_failed');
  await a1.close();
});

test('an emergency reaches an available agent with its packet; one owner; AI silent; handback', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.available(a1);
  const rival = await d.agent(OTHER.email, OTHER.password);
  await d.available(rival);

  const c = await d.customer();
  const from = await d.say(c, 'Water is pouring through my kitchen ceiling right now!');
  const queued = await c.next((m) => m.type === 'handoff' && m.state === 'queued', 10000, from);
  const offer = await a1.next((m) => m.type === 'offer' && m.conversation === c.conv, 5000);
  assert.ok(offer._t - queued._t < 1000, `the offer took ${offer._t - queued._t} ms`);
  assert.equal(offer.tenant.slug, 'demo');
  assert.ok(offer.packet && typeof offer.packet === 'object');
  assert.ok(JSON.stringify(offer.packet).length > 20, 'the packet has content');
  assert.match(offer.priority, /^P[12]$/);

  const before = c.mark();
  a1.send({ type: 'accept', offer_id: offer.offer_id });
  const assigned = await a1.next((m) => m.type === 'assigned' && m.conversation === c.conv);
  assert.ok(assigned.messages.some((m) => /pouring/.test(m.text)), 'the transcript so far');
  const notice = await c.next((m) => m.type === 'handoff' && m.state === 'assigned', 5000, before);
  assert.equal(notice.agent, 'Avery Agent');

  // the agent replies; the customer sees it
  const aFrom = a1.mark();
  a1.send({ type: 'message', conversation: c.conv, client_id: 'a-1', text: 'Hi, this is Avery. Shut off the main valve.' });
  const ack = await a1.next((m) => m.type === 'ack' && m.client_id === 'a-1', 5000, aFrom);
  const seen = await c.next((m) => m.type === 'message' && m.from === 'agent', 5000, before);
  assert.equal(seen.text, 'Hi, this is Avery. Shut off the main valve.');
  assert.equal(seen.seq, ack.seq);

  // the customer answers: the agent sees it with the assist panel; the AI says nothing
  const cFrom = await d.say(c, 'ok I shut it off, my address is 412 Elm Street 28203');
  const got = await a1.next((m) => m.type === 'message' && m.from === 'customer' && /Elm/.test(m.text), 5000, aFrom);
  assert.equal(got.conversation, c.conv);
  const assist = await a1.next((m) => m.type === 'assist' && m.conversation === c.conv, 5000, aFrom);
  assert.ok(Array.isArray(assist.suggestions) && assist.suggestions.length > 0);
  assert.equal(assist.form.zip, '28203');
  assert.ok(Array.isArray(assist.slots));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(c.seen.slice(cFrom).filter((m) => m.type === 'message' && m.from === 'ai').length, 0,
    'the AI stays silent while a person owns the conversation');

  // a second accept of the same offer loses
  a1.send({ type: 'accept', offer_id: offer.offer_id });
  await a1.next((m) => m.type === 'error' && m.ref === offer.offer_id, 5000, aFrom);

  // handback: the AI answers again
  const hb = c.mark();
  a1.send({ type: 'handback', conversation: c.conv });
  await c.next((m) => m.type === 'handoff' && m.state === 'ai', 5000, hb);
  const draft = await a1.next((m) => m.type === 'wrapup_draft' && m.conversation === c.conv, 5000, aFrom);
  assert.match(draft.summary, /pouring/);
  const after = await d.say(c, 'what are your hours on saturday?');
  const answer = await c.next((m) => m.type === 'message' && m.from === 'ai', 10000, after);
  assert.match(answer.text, /Saturday|8:00|8 AM/i, 'the AI answers the question again');
  a1.send({ type: 'wrapup', conversation: c.conv, summary: draft.summary, disposition: 'resolved' });
  await a1.next((m) => m.type === 'wrapped_up' && m.conversation === c.conv, 5000, aFrom);

  // the other business's agent saw none of it
  assert.equal(rival.seen.filter((m) => m.conversation === c.conv || m.type === 'offer' || m.type === 'assigned').length, 0,
    JSON.stringify(rival.seen));
  await a1.close();
  await rival.close();
});

test('an unanswered offer expires and goes to the next agent', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  const a2 = await d.agent('agent2@brightline.example');
  await d.available(a1);
  await d.available(a2);
  const c = await d.customer();
  await d.say(c, 'There is water pouring through the ceiling, please help');
  const isOffer = (m) => m.type === 'offer' && m.conversation === c.conv;
  const first = await Promise.any([a1.next(isOffer, 10000), a2.next(isOffer, 10000)]);
  const [mine, other] = a1.seen.includes(first) ? [a1, a2] : [a2, a1];
  const gone = await mine.next((m) => m.type === 'offer_gone' && m.offer_id === first.offer_id, 5000);
  assert.equal(gone.reason, 'expired');
  const second = await other.next(isOffer, 5000);
  assert.equal(second.offer_id, first.offer_id);
  // the second agent declines: back to the first
  other.send({ type: 'decline', offer_id: second.offer_id });
  await other.next((m) => m.type === 'offer_gone' && m.reason === 'declined', 5000);
  await a1.close();
  await a2.close();
});

test('with no agent available the customer is told and a callback is queued', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  const from0 = a1.mark();
  a1.send({ type: 'status', status: 'break' });
  await a1.next((m) => m.type === 'state' && m.status === 'break', 5000, from0);
  const c = await d.customer();
  const from = await d.say(c, 'Water is pouring through my ceiling!! I need someone now. My number is 704-555-0182');
  const cb = await c.next((m) => m.type === 'callback', 10000, from);
  assert.ok(cb.due);
  assert.equal(c.seen.filter((m) => m.type === 'handoff' && m.state === 'assigned').length, 0);
  a1.send({ type: 'callbacks' });
  const list = await a1.next((m) => m.type === 'callbacks' && m.items.some((i) => i.conversation === c.conv), 5000, from0);
  const item = list.items.find((i) => i.conversation === c.conv);
  assert.equal(item.tenant.slug, 'demo');
  assert.equal(item.status, 'pending');
  await a1.close();
});

test('restart mid-queue: the entry is still queued and offered after the restart', async () => {
  const a2 = await d.agent('agent2@brightline.example');
  await d.available(a2);
  const c = await d.customer();
  await d.say(c, 'Water is pouring through the ceiling in my basement!');
  const offer = await a2.next((m) => m.type === 'offer' && m.conversation === c.conv, 10000);
  // the agent leaves without answering: the entry waits
  await a2.close();
  c.ws.terminate();
  await d.restart();
  const back = await d.agent('agent2@brightline.example');
  await d.available(back);
  const again = await back.next((m) => m.type === 'offer' && m.conversation === c.conv, 12000);
  assert.equal(again.offer_id, offer.offer_id);
  back.send({ type: 'accept', offer_id: again.offer_id });
  const assigned = await back.next((m) => m.type === 'assigned' && m.conversation === c.conv, 5000);
  assert.ok(assigned.messages.some((m) => /basement/.test(m.text)));
  await back.close();
});

test('restart while a person owns a conversation: the owner gets it back, the AI stays silent', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.available(a1);
  const c = await d.customer();
  await d.say(c, 'Water is pouring through the ceiling of the bedroom!');
  const offer = await a1.next((m) => m.type === 'offer' && m.conversation === c.conv, 10000);
  a1.send({ type: 'accept', offer_id: offer.offer_id });
  await a1.next((m) => m.type === 'assigned' && m.conversation === c.conv, 5000);
  await c.next((m) => m.type === 'handoff' && m.state === 'assigned', 5000);
  await a1.close();
  c.ws.terminate();
  await d.restart();

  const back = await d.agent('agent1@brightline.example');
  assert.ok(back.hello.conversations.some((s) => s.conversation === c.conv), JSON.stringify(back.hello.conversations));
  const again = await back.next((m) => m.type === 'assigned' && m.conversation === c.conv, 5000);
  assert.ok(again.messages.some((m) => /bedroom/.test(m.text)));
  // the customer comes back to the same conversation; the AI says nothing, the agent hears it
  const c2 = d.peer('/ws/chat?tenant=demo');
  await c2.opened;
  c2.send({ type: 'hello', visitor: c.welcome.visitor, conversation: c.conv, last_seq: 0 });
  const w = await c2.next((m) => m.type === 'welcome');
  assert.equal(w.conversation, c.conv);
  assert.equal(w.owner, 'human');
  c2.conv = c.conv;
  c2.n = 10;
  const from = await d.say(c2, 'are you still there?');
  await back.next((m) => m.type === 'message' && m.conversation === c.conv && /still there/.test(m.text), 5000);
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(c2.seen.slice(from).filter((m) => m.type === 'message' && m.from === 'ai').length, 0);
  // and can hand it back
  back.send({ type: 'handback', conversation: c.conv });
  await c2.next((m) => m.type === 'handoff' && m.state === 'ai', 5000, from);
  await back.close();
});
