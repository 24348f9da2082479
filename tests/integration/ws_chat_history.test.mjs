// ws_chat_history.test.mjs: a long conversation over /ws/chat comes back in pages:
// welcome replays at most the latest 200 messages after last_seq and says when some were
// left out ("more"), and {"type":"history","before":SEQ,"limit":N} returns the page just
// before SEQ, oldest first, with "more" when older ones exist; bad requests get invalid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { agent, Chat, demoDb, serve } from './conv_lib.mjs';

let env, srv, c, visitor, conv, last;

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

before(async () => {
  env = demoDb();
  srv = await serve(env.db);
  c = await agent(srv.base, env);
  const a = new Chat(srv.base);
  await a.open();
  visitor = (await a.hello()).visitor;
  conv = (await a.message('hi there', 'h0')).ack.conversation;
  await a.close();
  // the conversation goes on over REST until it is longer than one page
  for (let i = 1; i <= 110; i++) {
    const r = await c.req('POST', `/api/v1/conversations/${conv}/messages`, { text: `what are your hours? (${i})`, client_id: `h${i}` });
    assert.equal(r.status, 200, r.text);
  }
  const g = await c.req('GET', `/api/v1/conversations/${conv}`);
  last = g.json.messages.at(-1).seq;
  assert.deepEqual(g.json.messages.map((m) => m.seq), range(1, last));
  assert.ok(last > 220, `a conversation of ${last} messages`);
});

after(async () => {
  if (srv) {
    const r = await srv.stop();
    assert.doesNotMatch(srv.logs().join('\n'), /AddressSanitizer|LeakSanitizer|runtime error:/);
    assert.equal(r.code, 0, `server exit: ${srv.logs().join('\n')}`);
  }
  env?.cleanup();
});

async function session(hello) {
  const x = new Chat(srv.base);
  await x.open();
  const w = await x.hello(hello);
  return { x, w };
}

async function history(x, req) {
  const from = x.got.length;
  x.send({ type: 'history', ...req });
  return x.waitFor((m) => m.type === 'history' || m.type === 'error', 5000, from);
}

test('welcome replays the latest 200 and says older ones were left out; history pages back', async () => {
  const { x, w } = await session({ visitor, conversation: conv, last_seq: 0 });
  assert.equal(w.conversation, conv);
  assert.deepEqual(w.messages.map((m) => m.seq), range(last - 199, last));
  assert.equal(w.more, true);

  const h1 = await history(x, { before: last - 199, limit: 200 });
  assert.equal(h1.type, 'history', JSON.stringify(h1));
  assert.deepEqual(h1.messages.map((m) => m.seq), range(1, last - 200));
  assert.equal(h1.more, false, 'nothing before seq 1');
  assert.equal(h1.messages[0].text, 'hi there');
  assert.equal(h1.messages[0].from, 'customer');

  const h2 = await history(x, { before: 50, limit: 10 });
  assert.deepEqual(h2.messages.map((m) => m.seq), range(40, 49));
  assert.equal(h2.more, true);
  assert.equal(h2.before, 50);

  const h3 = await history(x, { before: 3 });
  assert.deepEqual(h3.messages.map((m) => m.seq), [1, 2]);
  assert.equal(h3.more, false);

  const h4 = await history(x, { before: 1 });
  assert.deepEqual(h4.messages, []);
  assert.equal(h4.more, false);

  // a "before" past the end is the latest page
  const h5 = await history(x, { before: 9007199254740991, limit: 5 });
  assert.deepEqual(h5.messages.map((m) => m.seq), range(last - 4, last));
  assert.equal(h5.more, true);
  await x.close();
});

test('a reconnect replays what it missed, at most 200, with more when some were left out', async () => {
  const near = await session({ visitor, conversation: conv, last_seq: last - 5 });
  assert.deepEqual(near.w.messages.map((m) => m.seq), range(last - 4, last));
  assert.equal(near.w.more, false);
  await near.x.close();

  const far = await session({ visitor, conversation: conv, last_seq: 10 });
  assert.deepEqual(far.w.messages.map((m) => m.seq), range(last - 199, last));
  assert.equal(far.w.more, true, 'seqs 11 to the first replayed one are left out');
  const gap = await history(far.x, { before: last - 199, limit: last - 210 });
  assert.deepEqual(gap.messages.map((m) => m.seq), range(11, last - 200));
  await far.x.close();

  const exact = await session({ visitor, conversation: conv, last_seq: last - 200 });
  assert.equal(exact.w.messages.length, 200);
  assert.equal(exact.w.more, false);
  await exact.x.close();
});

test('history requests that make no sense get invalid; before a conversation there is none', async () => {
  const { x } = await session({ visitor, conversation: conv, last_seq: last });
  for (const bad of [{}, { before: 0 }, { before: -3 }, { before: '5' }, { before: 1.5 }, { before: 5, limit: 0 },
    { before: 5, limit: 201 }, { before: 5, limit: '10' }, { before: 5, limit: null }]) {
    const e = await history(x, bad);
    assert.equal(e.type, 'error', JSON.stringify(bad));
    assert.equal(e.code, 'invalid');
  }
  await x.close();

  const fresh = await session();
  assert.equal(fresh.w.more, false);
  const h = await history(fresh.x, { before: 10 });
  assert.deepEqual(h.messages, []);
  assert.equal(h.more, false);
  await fresh.x.close();

  const early = new Chat(srv.base);
  await early.open();
  early.send({ type: 'history', before: 5 });
  await early.waitFor((m) => m.type === 'error' && m.code === 'hello_required');
  await early.close();
});
