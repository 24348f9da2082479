// ws_chat.test.mjs: the customer's web chat over a real WebSocket: hello and welcome,
// message, ack (naming the conversation the first message started) and the AI's reply,
// reconnecting with last_seq replays exactly what was missed, a resent client id is not
// doubled, and the limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { agent, Chat, demoDb, demoServer, serve } from './conv_lib.mjs';

let env, srv, c;

demoServer((w) => ({ env, srv, c } = w));

test('hello, message, ack and the AI reply; reconnect replays exactly the missed messages', async () => {
  const a = new Chat(srv.base);
  await a.open();
  const w = await a.hello();
  assert.match(w.visitor, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(w.conversation, null, 'no conversation before the first message');
  assert.equal(w.business.name, 'Brightline Heating, Cooling & Plumbing');
  assert.equal(w.business.phone, '+17045550100');
  assert.equal(w.owner, 'ai');
  assert.deepEqual(w.messages, []);

  const m1 = await a.message('hi, do you install tankless water heaters?', 'k1');
  assert.equal(m1.ack.seq, 1);
  assert.ok(m1.ack.conversation > 0, 'the first ack names the new conversation');
  w.conversation = m1.ack.conversation;
  assert.equal(m1.reply.seq, 2);
  assert.match(m1.reply.text, /AI/);
  const own = a.got.find((m) => m.type === 'message' && m.seq === 1);
  assert.equal(own.from, 'customer');
  assert.equal(own.client_id, 'k1');
  assert.ok(a.got.some((m) => m.type === 'typing' && m.from === 'ai' && m.on === true));
  await a.close();

  // while away, the conversation moves on over REST (e.g. another device)
  const r = await c.req('POST', `/api/v1/conversations/${w.conversation}/messages`, { text: 'what are your hours?', client_id: 'k2' });
  assert.equal(r.status, 200, r.text);

  const b = new Chat(srv.base);
  await b.open();
  const w2 = await b.hello({ visitor: w.visitor, conversation: w.conversation, last_seq: 2 });
  assert.equal(w2.conversation, w.conversation);
  assert.equal(w2.visitor, w.visitor);
  assert.deepEqual(w2.messages.map((m) => m.seq), [3, 4], 'exactly the missing messages');
  assert.equal(w2.messages[0].text, 'what are your hours?');
  assert.equal(w2.messages[1].from, 'ai');

  // the same client id again: the same ack, nothing stored twice
  const from = b.got.length;
  b.send({ type: 'message', client_id: 'k1', text: 'hi, do you install tankless water heaters?' });
  const dup = await b.waitFor((m) => m.type === 'ack' && m.client_id === 'k1', 5000, from);
  assert.equal(dup.seq, 1);
  const m3 = await b.message('thanks, that is all', 'k3');
  assert.equal(m3.ack.seq, 5, 'the duplicate took no seq');
  const got = await c.req('GET', `/api/v1/conversations/${w.conversation}`);
  assert.deepEqual(got.json.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
  assert.equal(got.json.messages.filter((m) => m.client_id === 'k1').length, 1);
  await b.close();

  // a visitor alone resumes its open conversation, replaying from the start
  const d = new Chat(srv.base);
  await d.open();
  const w3 = await d.hello({ visitor: w.visitor });
  assert.equal(w3.conversation, w.conversation);
  assert.equal(w3.messages.length, 6);
  await d.close();
});

test('two tabs of one visitor both see every message', async () => {
  const a = new Chat(srv.base);
  await a.open();
  const w = await a.hello();
  const first = await a.message('hi there', 't0');
  const b = new Chat(srv.base);
  await b.open();
  await b.hello({ visitor: w.visitor, conversation: first.ack.conversation, last_seq: 0 });
  const m = await a.message('how much is a service call?', 't1');
  await b.waitFor((x) => x.type === 'message' && x.seq === m.reply.seq);
  assert.ok(b.got.some((x) => x.type === 'message' && x.seq === m.ack.seq && x.client_id === 't1'));
  await a.close();
  await b.close();
});

test('a stranger cannot resume a conversation without its visitor token', async () => {
  const a = new Chat(srv.base);
  await a.open();
  const w = await a.hello();
  w.conversation = (await a.message('my name is Lee and my phone is 704 555 0100', 's1')).ack.conversation;
  await a.close();
  const x = new Chat(srv.base);
  await x.open();
  const wx = await x.hello({ visitor: 'A'.repeat(43), conversation: w.conversation, last_seq: 0 });
  assert.equal(wx.conversation, null);
  assert.deepEqual(wx.messages, []);
  await x.close();
});

test('unknown tenant closes 1008; bad messages get errors; limits hold', async () => {
  const u = new Chat(srv.base, 'no-such-business');
  await u.open();
  assert.equal(await u.closed, 1008);

  const a = new Chat(srv.base);
  await a.open();
  a.send({ type: 'message', client_id: 'early', text: 'hi' });
  await a.waitFor((m) => m.type === 'error' && m.code === 'hello_required');
  a.ws.send('not json');
  await a.waitFor((m) => m.type === 'error' && m.code === 'invalid_json');
  await a.hello();
  a.send({ type: 'message', client_id: 'long', text: 'x'.repeat(2001) });
  const tooLong = await a.waitFor((m) => m.type === 'error' && m.ref === 'long');
  assert.equal(tooLong.code, 'too_long');
  a.send({ type: 'message', text: 'no id' });
  await a.waitFor((m) => m.type === 'error' && m.code === 'invalid');
  a.send({ type: 'dance' });
  await a.waitFor((m) => m.type === 'error' && m.code === 'unknown_type');
  // a burst over the per-session rate is refused, not stored
  for (let i = 0; i < 30; i++) a.send({ type: 'message', client_id: `burst-${i}`, text: 'hello?' });
  await a.waitFor((m) => m.type === 'error' && m.code === 'rate_limited');
  const limited = new Set();
  const acked = new Set();
  const deadline = Date.now() + 5000;
  while (limited.size + acked.size < 30 && Date.now() < deadline) {
    for (const m of a.got) {
      if (m.type === 'error' && m.code === 'rate_limited') limited.add(m.ref);
      if (m.type === 'ack' && m.client_id?.startsWith('burst-')) acked.add(m.client_id);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(limited.size + acked.size, 30);
  assert.ok(limited.size >= 15, `limited ${limited.size}`);
  const conv = a.got.find((m) => m.type === 'ack').conversation;
  const got = await c.req('GET', `/api/v1/conversations/${conv}`);
  assert.equal(got.json.messages.filter((m) => m.from === 'customer').length, acked.size);
  await a.close();
});

test('more than 50 chat sessions from one address are refused at the handshake', async () => {
  const open = [];
  for (let i = 0; i < 50; i++) {
    const x = new Chat(srv.base);
    await x.open();
    open.push(x);
  }
  const extra = new Chat(srv.base);
  await assert.rejects(extra.open(), /429/);
  await open[0].close();
  // a slot is free again once a session ends
  let ok = false;
  for (let i = 0; i < 40 && !ok; i++) {
    const y = new Chat(srv.base);
    try { await y.open(); ok = true; open.push(y); } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  assert.ok(ok);
  await Promise.all(open.slice(1).map((x) => x.close()));
});
