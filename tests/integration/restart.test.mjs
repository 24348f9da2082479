// restart.test.mjs: half a booking over /ws/chat, the server killed with SIGKILL,
// restarted on the same database: the same visitor resumes the same conversation, the
// booking completes, and nothing is lost or doubled.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADDRESS, agent, Chat, demoDb, serve } from './conv_lib.mjs';

let env, srv;

after(async () => {
  if (srv) await srv.stop();
  env?.cleanup();
});

test('a booking survives kill -9 in the middle', async () => {
  env = demoDb();
  srv = await serve(env.db);
  const a = new Chat(srv.base);
  await a.open();
  const w = await a.hello();
  // a conversation starts with its first message; the acknowledgement names it
  w.conversation = (await a.message('I need a furnace tune-up', 'r1')).ack.conversation;
  const offer = await a.message(ADDRESS, 'r2');
  assert.match(offer.reply.text, /\(1\)/, 'windows offered');
  // the next message is acknowledged (durable) just before the crash
  const pick = await a.message('the first one', 'r3');
  assert.match(pick.reply.text, /book it/i);
  const killed = await srv.stop('SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  await a.closed;

  srv = await serve(env.db);
  const b = new Chat(srv.base);
  await b.open();
  const w2 = await b.hello({ visitor: w.visitor, conversation: w.conversation, last_seq: 4 });
  assert.equal(w2.conversation, w.conversation);
  assert.deepEqual(w2.messages.map((m) => m.seq), [5, 6], 'the acknowledged turn survived');
  // a browser that missed the ack of r3 sends it again: it is not doubled
  const from = b.got.length;
  b.send({ type: 'message', client_id: 'r3', text: 'the first one' });
  const again = await b.waitFor((m) => m.type === 'ack' && m.client_id === 'r3', 5000, from);
  assert.equal(again.seq, 5);
  const yes = await b.message('yes', 'r4');
  assert.equal(yes.ack.seq, 7);
  assert.match(yes.reply.text, /J-\d+/, yes.reply.text);
  await b.close();

  const c = await agent(srv.base, env);
  const conv = await c.req('GET', `/api/v1/conversations/${w.conversation}`);
  assert.deepEqual(conv.json.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(conv.json.state.outcome, 'booked');
  const appts = (await c.req('GET', '/api/v1/appointments')).json.appointments.filter((x) => x.conversation_id === w.conversation);
  assert.equal(appts.length, 1);
  assert.equal(appts[0].address, ADDRESS);
  assert.equal(appts[0].status, 'scheduled');
});
