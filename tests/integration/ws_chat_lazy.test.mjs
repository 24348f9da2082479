// ws_chat_lazy.test.mjs: a new visitor of /ws/chat costs nothing in the store until they
// write: hello and welcome store no customer, identity or conversation; the first message
// writes them (once, even from two tabs at once) and messages sent while that write is in
// flight are stored in the order sent; the visitor token is kept while it has no
// customer; and one address can create at most 30 customers in 10 minutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import WebSocket from 'ws';
import { agent, Chat, demoDb, demoServer, serve } from './conv_lib.mjs';

let env, srv, c;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function count(table, where = '1') {
  const r = spawnSync('sqlite3', [env.db, `SELECT count(*) FROM ${table} WHERE ${where}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

function counts() {
  return {
    customers: count('customers'),
    identities: count('customer_identities', "kind = 'chat'"),
    conversations: count('conversations'),
    started: count('events', "kind = 'conversation_started'"),
  };
}

demoServer((w) => ({ env, srv, c } = w));

/** A /ws/chat session from the address a reverse proxy on loopback names. */
class ProxiedChat extends Chat {
  constructor(base, addr) {
    super(base);
    this.addr = addr;
  }

  open() {
    this.ws = new WebSocket(this.url, { headers: { 'X-Forwarded-For': this.addr } });
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
    this.ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      this.got.push(m);
      this.waiters = this.waiters.filter((w) => !w(m));
    });
    return new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
  }
}

test('page views store nothing; the token is kept until the first message writes it all', async () => {
  const before0 = counts();
  const views = [];
  for (let i = 0; i < 20; i++) {
    const v = new Chat(srv.base);
    await v.open();
    const w = await v.hello();
    assert.equal(w.conversation, null);
    assert.deepEqual(w.messages, []);
    assert.equal(w.owner, 'ai');
    views.push(v);
  }
  const w0 = views[0].got.find((m) => m.type === 'welcome');
  // typing before any message reaches nobody and stores nothing
  views[0].send({ type: 'typing', on: true });
  await Promise.all(views.map((v) => v.close()));
  await sleep(200);
  assert.deepEqual(counts(), before0, 'twenty page views wrote nothing');

  // the same browser comes back: its token is kept (no new one), still nothing stored
  const back = new Chat(srv.base);
  await back.open();
  const w1 = await back.hello({ visitor: w0.visitor });
  assert.equal(w1.visitor, w0.visitor, 'a well-formed token without a customer is kept');
  assert.equal(w1.conversation, null);
  assert.deepEqual(counts(), before0);

  // the first message writes customer, identity, conversation and its start event
  const first = await back.message('do you install tankless water heaters?', 'l1');
  assert.equal(first.ack.seq, 1);
  const conv = first.ack.conversation;
  assert.ok(conv > 0);
  const after1 = counts();
  assert.deepEqual(after1, {
    customers: before0.customers + 1, identities: before0.identities + 1,
    conversations: before0.conversations + 1, started: before0.started + 1,
  });
  const second = await back.message('and what do they cost?', 'l2');
  assert.equal(second.ack.conversation, conv);
  assert.deepEqual(counts(), after1, 'later messages start nothing');
  await back.close();

  // the token now resumes that conversation
  const again = new Chat(srv.base);
  await again.open();
  const w2 = await again.hello({ visitor: w0.visitor });
  assert.equal(w2.conversation, conv);
  assert.deepEqual(w2.messages.map((m) => m.seq), [1, 2, 3, 4]);
  await again.close();

  // a malformed token is replaced
  for (const bad of ['short', 'A'.repeat(42) + '*', 'A'.repeat(44)]) {
    const x = new Chat(srv.base);
    await x.open();
    const wx = await x.hello({ visitor: bad });
    assert.match(wx.visitor, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(wx.visitor, bad);
    await x.close();
  }
  assert.deepEqual(counts(), after1);
});

test('messages sent while the conversation is being started are stored in order, each acked once', async () => {
  const a = new Chat(srv.base);
  await a.open();
  await a.hello();
  const texts = ['hi', 'my AC is blowing warm air', 'can someone come out?', 'thanks'];
  texts.forEach((text, i) => a.send({ type: 'message', client_id: `o${i}`, text }));
  const acks = [];
  for (let i = 0; i < texts.length; i++) acks.push(await a.waitFor((m) => m.type === 'ack' && m.client_id === `o${i}`));
  const conv = acks[0].conversation;
  assert.ok(acks.every((k) => k.conversation === conv), JSON.stringify(acks));
  for (let i = 1; i < acks.length; i++) assert.ok(acks[i].seq > acks[i - 1].seq, JSON.stringify(acks));
  const g = await c.req('GET', `/api/v1/conversations/${conv}`);
  assert.equal(g.status, 200, g.text);
  assert.deepEqual(g.json.messages.filter((m) => m.from === 'customer').map((m) => m.text), texts);
  // the session follows the conversation it started: the AI's replies came live
  assert.ok(a.got.some((m) => m.type === 'message' && m.from === 'ai'));
  assert.equal(a.got.filter((m) => m.type === 'ack').length, texts.length);
  await a.close();
});

test('two tabs of a new visitor writing at once share one customer and one conversation', async () => {
  const a = new Chat(srv.base);
  await a.open();
  const w = await a.hello();
  const b = new Chat(srv.base);
  await b.open();
  const wb = await b.hello({ visitor: w.visitor });
  assert.equal(wb.visitor, w.visitor);
  const before0 = counts();
  a.send({ type: 'message', client_id: 'tab-a', text: 'what are your hours?' });
  b.send({ type: 'message', client_id: 'tab-b', text: 'do you work on saturdays?' });
  const ka = await a.waitFor((m) => m.type === 'ack' && m.client_id === 'tab-a');
  const kb = await b.waitFor((m) => m.type === 'ack' && m.client_id === 'tab-b');
  assert.equal(ka.conversation, kb.conversation);
  const now = counts();
  assert.equal(now.customers, before0.customers + 1);
  assert.equal(now.conversations, before0.conversations + 1);
  await a.close();
  await b.close();
});

test('one address creates at most 30 customers in 10 minutes; returning ones still write', async () => {
  const addr = '198.51.100.23';
  const sessions = [];
  for (let i = 0; i < 30; i++) {
    const x = new ProxiedChat(srv.base, addr);
    await x.open();
    await x.hello();
    x.send({ type: 'message', client_id: `cap-${i}`, text: 'what are your hours?' });
    sessions.push(x);
  }
  for (const [i, x] of sessions.entries()) {
    const k = await x.waitFor((m) => (m.type === 'ack' || m.type === 'error') && (m.client_id === `cap-${i}` || m.ref === `cap-${i}`));
    assert.equal(k.type, 'ack', JSON.stringify(k));
  }
  const before0 = counts();
  const over = new ProxiedChat(srv.base, addr);
  await over.open();
  await over.hello();
  over.send({ type: 'message', client_id: 'cap-over', text: 'what are your hours?' });
  const e = await over.waitFor((m) => m.type === 'error' || m.type === 'ack');
  assert.equal(e.type, 'error');
  assert.equal(e.code, 'rate_limited');
  assert.equal(e.ref, 'cap-over');
  await sleep(200);
  assert.deepEqual(counts(), before0, 'nothing stored');
  // a visitor with a customer already writes on, from the same address
  const known = sessions[0];
  const more = await known.message('and on sunday?', 'cap-known');
  assert.ok(more.ack.seq > 0);
  // another address is not affected
  const other = new ProxiedChat(srv.base, '198.51.100.24');
  await other.open();
  await other.hello();
  const ok = await other.message('what are your hours?', 'cap-other');
  assert.ok(ok.ack.conversation > 0);
  await Promise.all([...sessions, over, other].map((x) => x.close()));
});
