// ws_chat_quick.test.mjs: quick replies over the customer's web chat against the real
// server: asking to book a tune-up at an address in the service area brings the offered
// windows as buttons with the reply; one sent back as text reaches the confirmation with
// yes/no; a reconnect replays them on the latest message only (not on an older page of
// history); "Yes" books the window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { agent, Chat, demoDb, demoServer, say, serve, startConversation } from './conv_lib.mjs';

let env, srv, c;

demoServer((w) => ({ env, srv, c } = w));

function checkLimits(list) {
  assert.ok(Array.isArray(list) && list.length >= 1 && list.length <= 5, JSON.stringify(list));
  for (const q of list) {
    assert.equal(typeof q, 'string');
    assert.ok([...q].length >= 1 && [...q].length <= 40, q);
  }
}

test('windows as quick replies, one sent back, yes/no at the confirmation, replayed after a reconnect', async () => {
  const a = new Chat(srv.base);
  await a.open();
  const w = await a.hello();
  const m1 = await a.message('I need an AC tune-up at 500 Oak Street, Charlotte 28205', 'q1');
  const windows = m1.reply.quick_replies;
  checkLimits(windows);
  assert.equal(windows.length, 3, m1.reply.text);
  for (const label of windows) assert.ok(m1.reply.text.includes(label), `${label} is phrased as in the reply`);

  const m2 = await a.message(windows[1], 'q2');
  assert.match(m2.reply.text, /To confirm/);
  assert.ok(m2.reply.text.includes(windows[1]), 'the window sent back is the one confirmed');
  assert.deepEqual(m2.reply.quick_replies, ['Yes', 'No']);
  const conversation = m2.ack.conversation ?? m1.ack.conversation;
  await a.close();

  // a reload: the replay shows the buttons again, on the latest message only
  const b = new Chat(srv.base);
  await b.open();
  const w2 = await b.hello({ visitor: w.visitor, conversation });
  assert.equal(w2.conversation, conversation);
  assert.deepEqual(w2.messages.map((m) => m.seq), [1, 2, 3, 4]);
  assert.deepEqual(w2.messages[3].quick_replies, ['Yes', 'No']);
  for (const m of w2.messages.slice(0, 3)) assert.equal(m.quick_replies, undefined, `seq ${m.seq}`);
  // an older page of history ends on the window offer: its buttons no longer apply
  const hfrom = b.got.length;
  b.send({ type: 'history', before: 3, limit: 2 });
  const h = await b.waitFor((m) => m.type === 'history', 5000, hfrom);
  assert.deepEqual(h.messages.map((m) => m.seq), [1, 2]);
  assert.ok(h.messages.every((m) => m.quick_replies === undefined), JSON.stringify(h.messages));

  const m3 = await b.message('Yes', 'q3');
  assert.match(m3.reply.text, /You're booked/);
  assert.match(m3.reply.text, /J-\d+/);
  assert.equal(m3.reply.quick_replies, undefined, 'nothing to choose after the booking');
  const conv = await c.req('GET', `/api/v1/conversations/${conversation}`);
  assert.equal(conv.status, 200, conv.text);
  assert.equal(conv.json.messages.length, 6);
  await b.close();

  // the replay after the booking offers nothing
  const d = new Chat(srv.base);
  await d.open();
  const w3 = await d.hello({ visitor: w.visitor, conversation });
  assert.ok(w3.messages.every((m) => m.quick_replies === undefined));
  await d.close();
});

test('Spanish: the windows and Sí/No in the customer language; the REST reply carries them too', async () => {
  const id = await startConversation(c);
  const r1 = await say(c, id, 'hola, necesito una cita para mi aire acondicionado en 500 Oak Street 28205', 'e1');
  assert.equal(r1.status, 200, r1.text);
  const windows = r1.json.reply.quick_replies;
  checkLimits(windows);
  for (const label of windows) assert.ok(r1.json.reply.text.includes(label), label);
  const r2 = await say(c, id, windows[0], 'e2');
  assert.equal(r2.status, 200, r2.text);
  assert.match(r2.json.reply.text, /Para confirmar/);
  assert.deepEqual(r2.json.reply.quick_replies, ['Sí', 'No']);
  const r3 = await say(c, id, 'No', 'e3');
  assert.equal(r3.status, 200, r3.text);
  assert.equal(r3.json.appointment, undefined, 'nothing booked');
  assert.deepEqual(r3.json.reply.quick_replies, ['Lo antes posible']);
  const r4 = await say(c, id, 'Lo antes posible', 'e4');
  assert.equal(r4.status, 200, r4.text);
  checkLimits(r4.json.reply.quick_replies);
  // a resent client id answers with the same quick replies (read back from the store)
  const again = await say(c, id, 'Lo antes posible', 'e4');
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.json.reply.quick_replies, r4.json.reply.quick_replies);
});

test('"Talk to a person" after a question the AI cannot help with hands the chat over', async () => {
  const a = new Chat(srv.base);
  await a.open();
  await a.hello();
  const m1 = await a.message('can you write me a poem about the ocean?', 'p1');
  checkLimits(m1.reply.quick_replies);
  assert.ok(m1.reply.quick_replies.includes('Talk to a person'), JSON.stringify(m1.reply));
  const from = a.got.length;
  const m2 = await a.message('Talk to a person', 'p2');
  assert.equal(m2.reply.quick_replies, undefined);
  await a.waitFor((m) => m.type === 'handoff' || m.type === 'callback', 10000, from);
  await a.close();
});
