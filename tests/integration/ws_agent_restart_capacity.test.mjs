// ws_agent_restart_capacity.test.mjs: an agent's chat capacity survives a restart. An
// agent who holds as many chats as they can take (3) when the server restarts gets them
// back on reconnecting, and the router counts them: a new customer in the queue is not
// offered to them while they are full; once they release one they are offered it. The
// conversations they had before the restart are released, wrapped up and transferred
// through the router like any other (their chat count follows), over real WebSockets
// against the real binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { desk, sleep, until } from './lib/agent_desk.mjs';

process.env.TANDEM_OFFER_TIMEOUT_MS = '30000';
const d = desk('tandem-capacity-');
const CAPACITY = 3;  /* a chat agent's capacity (docs/internals/acd.md, "Agents") */

before(() => d.open());

after(() => d.close());

const isOffer = (c) => (m) => m.type === 'offer' && m.conversation === c.conv;
const entryStatus = (c) => d.sql(`SELECT status FROM queue_entries WHERE conversation_id = ${c.conv} ORDER BY id DESC LIMIT 1`);

/** A customer who asks for a person; resolves once they wait in the queue. */
async function asksForPerson() {
  const c = await d.customer();
  await d.say(c, 'I want to talk to a real person please');
  await c.next((m) => m.type === 'handoff' && m.state === 'queued', 10000);
  return c;
}

/** The agent's latest state message after index from that matches pred. */
const stateAfter = (p, from, pred) => p.next((m) => m.type === 'state' && pred(m), 5000, from);

test('after a restart an agent full of chats is not offered more until they release one', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.available(a1);
  const held = [];
  for (let i = 0; i < CAPACITY; i++) {
    const c = await asksForPerson();
    const offer = await a1.next(isOffer(c), 10000);
    const from = a1.mark();
    a1.send({ type: 'accept', offer_id: offer.offer_id });
    await a1.next((m) => m.type === 'assigned' && m.conversation === c.conv, 5000, from);
    held.push(c);
  }
  for (const c of held) assert.equal(await until(() => entryStatus(c) === 'assigned' && 'assigned'), 'assigned');
  await a1.close();
  await d.restart();

  // the agent comes back: their conversations, and the router counts them
  const back = await d.agent('agent1@brightline.example');
  assert.deepEqual(back.hello.conversations.map((c) => c.conversation).sort(),
    held.map((c) => c.conv).sort());
  let from = back.mark();
  back.send({ type: 'status', status: 'available' });
  const st = await stateAfter(back, from, (m) => m.status === 'available');
  assert.equal(st.chats, CAPACITY, JSON.stringify(st));
  assert.equal(st.state, 'busy');

  // a new customer waits: the full agent is not offered them
  const extra = await asksForPerson();
  await sleep(2000);
  assert.equal(back.seen.filter(isOffer(extra)).length, 0,
    `no offer beyond capacity; seen ${JSON.stringify(back.seen.filter((m) => m.type === 'offer'))}`);
  assert.equal(entryStatus(extra), 'waiting');

  // releasing one conversation from before the restart frees a place: the offer comes
  from = back.mark();
  back.send({ type: 'release', conversation: held[0].conv });
  await back.next((m) => m.type === 'wrapup_draft' && m.conversation === held[0].conv, 5000, from);
  const offer = await back.next(isOffer(extra), 5000, from);
  assert.equal(await until(() => entryStatus(held[0]) === 'done' && 'done'), 'done');
  from = back.mark();
  back.send({ type: 'accept', offer_id: offer.offer_id });
  await back.next((m) => m.type === 'assigned' && m.conversation === extra.conv, 5000, from);
  assert.equal((await stateAfter(back, from, () => true)).chats, CAPACITY);

  // a wrap-up of another one goes through the router too: one place free again
  from = back.mark();
  back.send({ type: 'wrapup', conversation: held[1].conv, summary: 'Asked for a person; answered.', disposition: 'resolved' });
  await back.next((m) => m.type === 'wrapped_up' && m.conversation === held[1].conv, 5000, from);
  assert.equal((await stateAfter(back, from, () => true)).chats, CAPACITY - 1);

  // a transfer of the last one releases it and queues it again: it comes back as an offer
  const queue = back.hello.queues[0].id;
  from = back.mark();
  back.send({ type: 'transfer', conversation: held[2].conv, queue });
  const again = await back.next(isOffer(held[2]), 10000, from);
  assert.equal(again.conversation, held[2].conv);
  const states = back.seen.slice(from).filter((m) => m.type === 'state');
  assert.ok(states.some((m) => m.chats === CAPACITY - 2), `the transfer released it: ${JSON.stringify(states)}`);
  await back.close();
});
