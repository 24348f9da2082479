// ws_chat_agent_input.test.mjs: what an agent types over /ws/agent is checked like what a
// customer types over /ws/chat: blank text (spaces, line breaks, invisible characters)
// gets invalid and text over 2,000 bytes too_long, each with the client id as ref, and
// neither is stored nor reaches the customer; text of exactly 2,000 bytes is stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { agent, Chat, demoDb, demoServer, serve } from './conv_lib.mjs';

let env, srv, c;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

demoServer((w) => ({ env, srv, c } = w));

/** The demo's first agent on /ws/agent, collecting what it receives. */
async function console_() {
  const ws = new WebSocket(`${srv.base.replace('http', 'ws')}/ws/agent`, { headers: { Cookie: c.cookie } });
  const seen = [];
  ws.on('message', (d) => seen.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const next = async (pred, ms = 10000, from = 0) => {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) {
      const m = seen.slice(from).find(pred);
      if (m) return m;
    }
    throw new Error(`timed out; agent saw ${JSON.stringify(seen.slice(-6))}`);
  };
  return { ws, seen, next, send: (m) => ws.send(JSON.stringify(m)) };
}

test("an agent's blank or overlong message is refused with its ref and stored nowhere", async () => {
  const a = await console_();
  await a.next((m) => m.type === 'hello');
  a.send({ type: 'status', status: 'available' });
  await a.next((m) => m.type === 'state' && m.status === 'available');

  const cust = new Chat(srv.base);
  await cust.open();
  await cust.hello();
  cust.send({ type: 'message', client_id: 'p1', text: 'I want to talk to a real person please' });
  const conv = (await cust.waitFor((m) => m.type === 'ack' && m.client_id === 'p1')).conversation;
  const offer = await a.next((m) => m.type === 'offer' && m.conversation === conv);
  a.send({ type: 'accept', offer_id: offer.offer_id });
  await a.next((m) => m.type === 'assigned' && m.conversation === conv);
  await cust.waitFor((m) => m.type === 'handoff' && m.state === 'assigned');
  const storedBefore = (await c.req('GET', `/api/v1/conversations/${conv}`)).json.messages;

  const bad = [
    ['blank-1', ' ', 'invalid'], ['blank-2', '\n\t \r\n', 'invalid'], ['blank-3', '\u00a0\u3000\u200b\ufeff', 'invalid'],
    ['long-1', 'x'.repeat(2001), 'too_long'], ['long-2', 'é'.repeat(1001), 'too_long'],
  ];
  for (const [cid, text, code] of bad) {
    const from = a.seen.length;
    a.send({ type: 'message', conversation: conv, client_id: cid, text });
    const e = await a.next((m) => (m.type === 'error' && m.ref === cid) || (m.type === 'ack' && m.client_id === cid), 5000, from);
    assert.equal(e.type, 'error', `${cid}: ${JSON.stringify(e)}`);
    assert.equal(e.code, code, `${cid}: ${JSON.stringify(e)}`);
    assert.ok(e.message.length > 0);
  }
  await sleep(300);
  assert.deepEqual((await c.req('GET', `/api/v1/conversations/${conv}`)).json.messages, storedBefore, 'nothing stored');
  assert.ok(!cust.got.some((m) => m.type === 'message' && m.from === 'agent'), 'nothing reached the customer');

  // exactly 2,000 bytes is fine, and a refused client id was not used up
  const max = 'a'.repeat(1998) + 'é';
  a.send({ type: 'message', conversation: conv, client_id: 'long-1', text: max });
  const ack = await a.next((m) => m.type === 'ack' && m.client_id === 'long-1');
  const got = await cust.waitFor((m) => m.type === 'message' && m.from === 'agent');
  assert.equal(got.seq, ack.seq);
  assert.equal(got.text, max);

  a.send({ type: 'status', status: 'offline' });
  a.ws.close();
  await cust.close();
});
