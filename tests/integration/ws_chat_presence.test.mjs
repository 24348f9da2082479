// ws_chat_presence.test.mjs: /ws/chat tells the routing queue whether the customer is
// still there, counting every open session of the conversation: closing one of two tabs
// changes nothing, closing the last one starts the abandon grace, and a session that
// opens again within it keeps the customer's place.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { desk, sleep, until } from './lib/agent_desk.mjs';

const GRACE_MS = 1500;
process.env.TANDEM_ABANDON_GRACE_MS = String(GRACE_MS);
process.env.TANDEM_OFFER_TIMEOUT_MS = '60000';
const d = desk('tandem-presence-');

before(() => d.open());

after(() => d.close());

const entryStatus = (conv) =>
  d.sql(`SELECT status FROM queue_entries WHERE conversation_id = ${conv} ORDER BY id DESC LIMIT 1`);

/** Another tab of customer c (the same visitor), following the same conversation. */
async function tab(c) {
  const p = d.peer('/ws/chat?tenant=demo');
  await p.opened;
  p.send({ type: 'hello', visitor: c.welcome.visitor, conversation: c.conv, last_seq: 0 });
  const w = await p.next((m) => m.type === 'welcome');
  assert.equal(w.conversation, c.conv);
  return p;
}

test('the customer leaves only when the last of their tabs closes', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.available(a1);
  const c = await d.customer();
  await d.say(c, 'I want to talk to a real person please');
  const offer = await a1.next((m) => m.type === 'offer' && m.conversation === c.conv, 10000);
  const second = await tab(c);
  const third = await tab(c);

  // two of three tabs close: the customer is still there well past the grace
  await c.close();
  await second.close();
  await sleep(GRACE_MS + 1000);
  assert.equal(a1.seen.filter((m) => m.type === 'offer_gone' && m.offer_id === offer.offer_id).length, 0,
    'the offer is still out');
  assert.equal(entryStatus(c.conv), 'offered');

  // the last one closes: after the grace the customer has left the queue
  await third.close();
  const gone = await a1.next((m) => m.type === 'offer_gone' && m.offer_id === offer.offer_id, GRACE_MS + 5000);
  assert.equal(gone.reason, 'withdrawn');
  assert.equal(await until(() => entryStatus(c.conv) === 'abandoned' && entryStatus(c.conv)), 'abandoned');
  await a1.close();
});

test('a page view that never wrote has no conversation and tells the queue nothing', async () => {
  const a1 = await d.agent('agent1@brightline.example');
  await d.available(a1);
  const c = await d.customer();
  await d.say(c, 'I want to talk to a real person please');
  const offer = await a1.next((m) => m.type === 'offer' && m.conversation === c.conv, 10000);
  // the same visitor in a tab that leaves, then comes back within the grace
  await c.close();
  await sleep(GRACE_MS / 3);
  const back = await tab(c);
  // other visitors come and go without writing
  for (let i = 0; i < 5; i++) {
    const v = await d.customer();
    assert.equal(v.conv, null);
    await v.close();
  }
  await sleep(GRACE_MS + 1000);
  assert.equal(a1.seen.filter((m) => m.type === 'offer_gone' && m.offer_id === offer.offer_id).length, 0);
  assert.equal(entryStatus(c.conv), 'offered');
  await back.close();
  await a1.close();
});
