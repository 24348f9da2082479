// hardening_ws.test.mjs: hostile use of /ws/chat: blank text, malformed hello fields,
// another tenant's conversation and visitor token, one visitor's token used on another
// visitor's conversation, replay bounds, sockets closed or reset in the middle of a
// turn, many visitors from many addresses or through one proxy, one client id sent at
// once from two tabs, and a typing flood. Every refusal is checked to change nothing,
// and the server's stderr to hold no sanitizer report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { agent, Chat, demoDb, serve } from './conv_lib.mjs';
import { loginAs } from './auth_lib.mjs';

let env, srv, c;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function assertNoSanitizerReport() {
  const text = srv.logs().join('\n');
  assert.doesNotMatch(text, /AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer/,
    text.slice(-4000));
}

before(async () => {
  env = demoDb();
  srv = await serve(env.db);
  c = await agent(srv.base, env);
  const root = await loginAs(srv.base, 'platform@tandem.example', env.logins['platform@tandem.example']);
  const t = await root.req('POST', '/api/v1/tenants', {
    slug: 'acme', name: 'Acme Electric', timezone: 'America/Denver', admin_email: 'agent2@brightline.example',
  });
  assert.equal(t.status, 201, t.text);
});

after(async () => {
  if (srv) {
    const r = await srv.stop();
    assertNoSanitizerReport();
    assert.equal(r.code, 0, `server exit ${r.signal}: ${srv.logs().join('\n')}`);
  }
  env?.cleanup();
});

async function stored(id) {
  const g = await c.req('GET', `/api/v1/conversations/${id}`);
  assert.equal(g.status, 200, g.text);
  return g.json.messages;
}

test('blank or whitespace-only text gets invalid and stores nothing', async () => {
  const a = new Chat(srv.base);
  await a.open();
  const w = await a.hello();
  assert.equal(w.conversation, null);
  for (const [i, text] of [' ', '\t\n', '\u00a0 \u3000', '\u200b'].entries()) {
    a.send({ type: 'message', client_id: `blank-${i}`, text });
    const e = await a.waitFor((m) => m.type === 'error' && m.ref === `blank-${i}`);
    assert.equal(e.code, 'invalid', JSON.stringify(e));
  }
  await sleep(200);
  assert.ok(!a.got.some((m) => m.type === 'ack'));
  // the id was not used up, and nothing came before this message
  const { ack } = await a.message('do you service heat pumps?', 'blank-0');
  assert.equal(ack.seq, 1);
  assert.deepEqual((await stored(ack.conversation)).map((m) => m.from), ['customer', 'ai']);
  await a.close();
});

test('malformed hello and message fields get errors and change nothing', async () => {
  const a = new Chat(srv.base);
  await a.open();
  const bad = [
    { visitor: 5 }, { visitor: ['x'] }, { conversation: '1' }, { conversation: 1.5 }, { conversation: {} },
    { last_seq: -1 }, { last_seq: 1.5 }, { last_seq: '3' }, { last_seq: null }, { last_seq: true },
  ];
  for (const h of bad) {
    const from = a.got.length;
    a.send({ type: 'hello', ...h });
    const e = await a.waitFor((m) => m.type === 'error' || m.type === 'welcome', 5000, from);
    assert.equal(e.type, 'error', `${JSON.stringify(h)}: ${JSON.stringify(e)}`);
    assert.equal(e.code, 'invalid');
  }
  a.send({ type: 7 });
  await a.waitFor((m) => m.type === 'error' && m.code === 'invalid');
  a.ws.send('[1,2]');
  await a.waitFor((m) => m.type === 'error' && m.code === 'invalid_json');
  a.ws.send('{"type":"hello","type":"message"}');
  await a.waitFor((m) => m.type === 'error' && m.code === 'invalid_json' && a.got.filter((x) => x.code === 'invalid_json').length === 2);
  // a hello with a huge last_seq still opens a session (nothing to replay)
  // (and last_seq past int64 is a JSON error)
  a.ws.send('{"type":"hello","last_seq":9223372036854775808}');
  await a.waitFor((m) => m.type === 'error' && m.code === 'invalid_json' && a.got.filter((x) => x.code === 'invalid_json').length === 3);
  const from = a.got.length;
  a.ws.send('{"type":"hello","last_seq":9223372036854775807}');
  const w = await a.waitFor((m) => m.type === 'welcome', 10000, from);
  assert.deepEqual(w.messages, []);
  assert.equal(w.conversation, null);
  const badMsgs = [
    { client_id: 7, text: 'hi' }, { client_id: '', text: 'hi' }, { client_id: 'c'.repeat(65), text: 'hi' },
    { client_id: ['a'], text: 'hi' }, { client_id: 'ok', text: 42 }, { client_id: 'ok', text: ['hi'] },
    { client_id: 'ok', text: { t: 'hi' } }, { client_id: 'ok', text: '' }, { client_id: 'ok' },
  ];
  for (const m of badMsgs) {
    const from = a.got.length;
    a.send({ type: 'message', ...m });
    const e = await a.waitFor((x) => x.type === 'error' || x.type === 'ack', 5000, from);
    assert.equal(e.type, 'error', `${JSON.stringify(m)}: ${JSON.stringify(e)}`);
    assert.equal(e.code, 'invalid');
  }
  // broken UTF-8 closes the socket with 1007 and stores nothing
  a.ws.send(Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), { binary: false });
  assert.equal(await a.closed, 1007);
  assert.ok(!a.got.some((m) => m.type === 'ack'), 'no refused message started a conversation');
});

test("a hello naming another tenant's conversation or visitor opens nothing of theirs", async () => {
  const theirs = new Chat(srv.base, 'acme');
  await theirs.open();
  const tw = await theirs.hello();
  tw.conversation = (await theirs.message('my name is Kim, my email is kim@example.com', 't1')).ack.conversation;
  await theirs.close();
  const x = new Chat(srv.base, 'demo');
  await x.open();
  const xw = await x.hello({ visitor: tw.visitor, conversation: tw.conversation, last_seq: 0 });
  // the token is only a new visitor here: it opens nothing of the other business
  assert.equal(xw.conversation, null);
  assert.deepEqual(xw.messages, []);
  assert.equal(xw.business.name, 'Brightline Heating, Cooling & Plumbing');
  const xm = await x.message('what are your hours?', 'x1');
  assert.notEqual(xm.ack.conversation, tw.conversation);
  assert.equal(xm.ack.seq, 1);
  await x.close();
  // their conversation is unchanged
  const other = await loginAs(srv.base, 'agent2@brightline.example', env.logins['agent2@brightline.example'], 'acme');
  const g = await other.req('GET', `/api/v1/conversations/${tw.conversation}`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.messages.length, 2);
  assert.ok(!g.json.messages.some((m) => /hours/.test(m.text)));
});

test("one visitor's token never opens another visitor's conversation", async () => {
  const a = new Chat(srv.base);
  await a.open();
  const wa = await a.hello();
  wa.conversation = (await a.message('my furnace will not start', 'a1')).ack.conversation;
  await a.close();
  const b = new Chat(srv.base);
  await b.open();
  const wb = await b.hello();
  wb.conversation = (await b.message('what are your hours?', 'b1')).ack.conversation;
  await b.close();
  // b's token with a's conversation id: b gets b's own conversation back
  const b2 = new Chat(srv.base);
  await b2.open();
  const w = await b2.hello({ visitor: wb.visitor, conversation: wa.conversation, last_seq: 0 });
  assert.equal(w.conversation, wb.conversation);
  assert.ok(!w.messages.some((m) => /furnace/.test(m.text)), JSON.stringify(w.messages));
  // and a message sent now lands in b's conversation only
  await b2.message('thanks', 'b2');
  await b2.close();
  assert.equal((await stored(wa.conversation)).length, 2);
  assert.equal((await stored(wb.conversation)).length, 4);
});

test('sockets closed in the middle of a turn leak nothing and break nothing', async () => {
  const first = new Chat(srv.base);
  await first.open();
  const w = await first.hello();
  w.conversation = (await first.message('hello', 'mid-first')).ack.conversation;
  await first.close();
  for (let i = 0; i < 24; i++) {
    const x = new Chat(srv.base);
    await x.open();
    x.ws.on('error', () => {}); // a reset of the abandoned socket is expected
    x.send({ type: 'hello', visitor: w.visitor, conversation: w.conversation });
    if (i % 3) await x.waitFor((m) => m.type === 'welcome');
    x.send({ type: 'message', client_id: `mid-${i}`, text: 'my AC is blowing warm air' });
    x.send({ type: 'typing', on: true });
    if (i % 4 === 1) {
      // reset (RST) while the AI's turn is in flight: the server's next write hits a dead peer
      await x.waitFor((m) => m.type === 'typing' && m.on, 10000).catch(() => {});
      x.ws._socket.resetAndDestroy();
    } else if (i % 2) x.ws.terminate(); else x.ws.close();
    await x.closed;
  }
  // the conversation carries on with no gaps
  const y = new Chat(srv.base);
  await y.open();
  const yw = await y.hello({ visitor: w.visitor, conversation: w.conversation, last_seq: 0 });
  assert.equal(yw.conversation, w.conversation);
  const { ack } = await y.message('what are your hours?', 'after');
  const msgs = await stored(w.conversation);
  assert.deepEqual(msgs.map((m) => m.seq), msgs.map((_, i) => i + 1));
  assert.ok(ack.seq >= 1);
  await y.close();
  assertNoSanitizerReport();
});

test('more than 1,024 visitors from distinct addresses are all served', async () => {
  const url = `${srv.base.replace('http', 'ws')}/ws/chat?tenant=demo`;
  const socks = [];
  const open = (i) => new Promise((resolve) => {
    const ws = new WebSocket(url, { localAddress: `127.2.${Math.floor(i / 250)}.${1 + (i % 250)}` });
    ws.once('open', () => resolve({ ws, ok: true }));
    ws.once('error', (e) => resolve({ ws, ok: false, e }));
  });
  const n = 1100;
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, k) => open(i + k)));
    socks.push(...batch);
  }
  const refused = socks.filter((s) => !s.ok);
  assert.equal(refused.length, 0, `${refused.length} refused: ${refused[0]?.e}`);
  await Promise.all(socks.map((s) => new Promise((resolve) => {
    if (s.ws.readyState === WebSocket.CLOSED) return resolve();
    s.ws.once('close', resolve);
    s.ws.close();
  })));
  // the per-address cap still holds for one address
  const same = [];
  for (let i = 0; i < 50; i++) {
    const x = new Chat(srv.base);
    await x.open();
    same.push(x);
  }
  const extra = new Chat(srv.base);
  await assert.rejects(extra.open(), /429/);
  await Promise.all(same.map((x) => x.close()));
});

test('behind the reverse proxy each visitor is counted by the address the proxy saw', async () => {
  const url = `${srv.base.replace('http', 'ws')}/ws/chat?tenant=demo`;
  const open = (xff) => new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { 'X-Forwarded-For': xff } });
    ws.once('open', () => resolve({ ws, ok: true }));
    ws.once('error', (e) => resolve({ ws, ok: false, e }));
  });
  // 120 visitors through one proxy on loopback: more than 50, all served
  const many = await Promise.all(Array.from({ length: 120 }, (_, i) => open(`203.0.113.${i + 1}`)));
  assert.equal(many.filter((s) => !s.ok).length, 0, String(many.find((s) => !s.ok)?.e));
  // one visitor cannot dodge its own limit by putting made-up addresses first
  const one = [];
  for (let i = 0; i < 50; i++) one.push(await open(`10.9.${i}.1, 198.51.100.7`));
  assert.equal(one.filter((s) => !s.ok).length, 0);
  const extra = await open('10.10.10.10, 198.51.100.7');
  assert.equal(extra.ok, false);
  assert.match(String(extra.e), /429/);
  // a header that is not an address is not trusted: the peer address counts
  const junk = await open('not-an-address');
  assert.equal(junk.ok, true);
  await Promise.all([...many, ...one, junk].map((s) => new Promise((resolve) => {
    if (s.ws.readyState === WebSocket.CLOSED) return resolve();
    s.ws.once('close', resolve);
    s.ws.close();
  })));
});

test('the same client id sent at once from two tabs, or again with other text, is stored once', async () => {
  const a = new Chat(srv.base);
  await a.open();
  const w = await a.hello();
  const b = new Chat(srv.base);
  await b.open();
  await b.hello({ visitor: w.visitor, conversation: w.conversation });
  for (let i = 0; i < 3; i++) {
    a.send({ type: 'message', client_id: 'dup', text: 'what are your hours?' });
    b.send({ type: 'message', client_id: 'dup', text: 'what are your hours?' });
  }
  b.send({ type: 'message', client_id: 'dup', text: 'cancel all my appointments' });
  const acks = async (x, n) => {
    for (let t = 0; t < 100 && x.got.filter((m) => m.type === 'ack').length < n; t++) await sleep(50);
    return x.got.filter((m) => m.type === 'ack');
  };
  const ackA = await acks(a, 3);
  const ackB = await acks(b, 4);
  assert.equal(ackA.length, 3);
  assert.equal(ackB.length, 4);
  assert.equal(new Set([...ackA, ...ackB].map((m) => m.seq)).size, 1, 'every ack names the one stored message');
  // both tabs started the visitor's first conversation at once: there is one
  assert.equal(new Set([...ackA, ...ackB].map((m) => m.conversation)).size, 1);
  const msgs = await stored(ackA[0].conversation);
  assert.equal(msgs.filter((m) => m.from === 'customer').length, 1);
  assert.equal(msgs[0].text, 'what are your hours?');
  await a.close();
  await b.close();
});

test("a customer's typing flood reaches the agent as a few indicators, ending off", async () => {
  const agentWs = new WebSocket(`${srv.base.replace('http', 'ws')}/ws/agent`, { headers: { Cookie: c.cookie } });
  const seen = [];
  const waitAgent = (pred, ms = 10000) => new Promise((resolve, reject) => {
    const hit = seen.find(pred);
    if (hit) return resolve(hit);
    const timer = setTimeout(() => reject(new Error(`timed out; agent saw ${JSON.stringify(seen.slice(-6))}`)), ms);
    agentWs.on('message', function onMsg() {
      const m = seen.find(pred);
      if (m) { clearTimeout(timer); agentWs.off('message', onMsg); resolve(m); }
    });
  });
  agentWs.on('message', (d) => seen.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => { agentWs.once('open', resolve); agentWs.once('error', reject); });
  await waitAgent((m) => m.type === 'hello');
  agentWs.send(JSON.stringify({ type: 'status', status: 'available' }));
  await waitAgent((m) => m.type === 'state' && m.status === 'available');
  const a = new Chat(srv.base);
  await a.open();
  const w = await a.hello();
  a.send({ type: 'message', client_id: 'urgent', text: 'Water is pouring through my kitchen ceiling right now!' });
  w.conversation = (await a.waitFor((m) => m.type === 'ack' && m.client_id === 'urgent')).conversation;
  const offer = await waitAgent((m) => m.type === 'offer' && m.conversation === w.conversation);
  agentWs.send(JSON.stringify({ type: 'accept', offer_id: offer.offer_id }));
  await waitAgent((m) => m.type === 'assigned' && m.conversation === w.conversation);
  await a.waitFor((m) => m.type === 'handoff' && m.state === 'assigned');
  for (let i = 0; i < 400; i++) a.send({ type: 'typing', on: i % 2 === 0 });
  a.send({ type: 'typing', on: false });
  a.send({ type: 'message', client_id: 'after-typing', text: 'are you there?' });
  await waitAgent((m) => m.type === 'message' && m.conversation === w.conversation && m.client_id === 'after-typing');
  const typing = seen.filter((m) => m.type === 'typing' && m.conversation === w.conversation);
  assert.ok(typing.length >= 2 && typing.length <= 10, `the agent got ${typing.length} typing events`);
  assert.equal(typing[0].on, true);
  assert.equal(typing.at(-1).on, false, 'the indicator is not left on');
  agentWs.send(JSON.stringify({ type: 'status', status: 'offline' }));
  agentWs.close();
  await a.close();
});
