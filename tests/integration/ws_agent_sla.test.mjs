// ws_agent_sla.test.mjs: a handoff nobody accepts never fails silently: it is re-offered,
// raised in priority at the SLA, and ends as a callback the customer is told about, with
// every step in the event log. Real binary, demo database with short answer times.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

process.env.TANDEM_OFFER_TIMEOUT_MS = '1000';
const { serve, loginAs } = await import('./auth_lib.mjs');

const BIN = process.env.TANDEM_BIN;
const ENV = { ...process.env, TANDEM_PWHASH_FAST: '1' };
let dir, db, logins, server;
const sockets = [];

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { env: ENV, input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

function collect(url, headers) {
  const ws = new WebSocket(url, { headers });
  sockets.push(ws);
  const seen = [];
  const waiters = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    seen.push(m);
    for (const w of [...waiters]) if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
  });
  const next = (pred, ms = 5000) => {
    const hit = seen.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      waiters.push(w);
      setTimeout(() => { if (waiters.includes(w)) reject(new Error(`timed out; seen ${JSON.stringify(seen.slice(-6))}`)); }, ms);
    });
  };
  const opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return { ws, seen, next, opened, send: (m) => ws.send(JSON.stringify(m)) };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-sla-'));
  db = path.join(dir, 'tandem.db');
  const r = run(BIN, ['init', '--db', db, '--demo']);
  assert.equal(r.status, 0, r.stderr);
  logins = {};
  for (const m of r.stdout.matchAll(/^logins: (\S+) (\S+) \(/gm)) logins[m[1]] = m[2];
  // short answer times, read by the router at start-up
  server = await serve(db);
  const admin = await loginAs(server.base, 'admin@brightline.example', logins['admin@brightline.example']);
  const s = await admin.req('GET', '/api/v1/settings');
  const escalation = { ...s.json.escalation, sla_seconds: { P1: 2, P2: 2, P3: 2 } };
  const p = await admin.req('PATCH', '/api/v1/settings', { escalation });
  assert.equal(p.status, 200, p.text);
  await server.stop();
  server = await serve(db);
});

after(async () => {
  for (const ws of sockets) ws.terminate();
  if (server) {
    const { code } = await server.stop();
    assert.equal(code, 0, server.logs().slice(-40).join('\n'));
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('re-offered, raised at the SLA, then a callback the customer is told about; all in the log', async () => {
  const login = await loginAs(server.base, 'agent1@brightline.example', logins['agent1@brightline.example']);
  const agent = collect(`${server.base.replace('http', 'ws')}/ws/agent`, { Cookie: login.cookie });
  await agent.opened;
  await agent.next((m) => m.type === 'hello');
  agent.send({ type: 'status', status: 'available' });
  await agent.next((m) => m.type === 'state' && m.status === 'available');

  const customer = collect(`${server.base.replace('http', 'ws')}/ws/chat?tenant=demo`);
  await customer.opened;
  customer.send({ type: 'hello', lang: 'en' });
  const welcome = await customer.next((m) => m.type === 'welcome');
  const conv = welcome.conversation;
  customer.send({ type: 'message', client_id: 'x1', text: 'I want to talk to a real person please, my number is 704-555-0182' });
  await customer.next((m) => m.type === 'handoff' && m.state === 'queued', 10000);

  // offered, not answered, offered again
  const first = await agent.next((m) => m.type === 'offer' && m.conversation === conv, 5000);
  assert.equal(first.priority, 'P2');
  await agent.next((m) => m.type === 'offer_gone' && m.offer_id === first.offer_id && m.reason === 'expired', 5000);
  const offers = () => agent.seen.filter((m) => m.type === 'offer' && m.conversation === conv);
  await agent.next((m) => m.type === 'offer' && m.conversation === conv && offers().length >= 2, 5000);

  // nobody took it: the customer is told about the callback
  const cb = await customer.next((m) => m.type === 'callback', 20000);
  assert.ok(Date.parse(cb.due) > Date.now(), cb.due);
  const list = await agent.next((m) => m.type === 'callbacks' && m.items.some((i) => i.conversation === conv), 5000);
  assert.equal(list.items.find((i) => i.conversation === conv).status, 'pending');

  // every step is an event
  const q = run('sqlite3', [db, `SELECT kind FROM events WHERE conversation_id = ${conv} ORDER BY id`]);
  assert.ifError(q.error);
  assert.equal(q.status, 0, q.stderr);
  const kinds = q.stdout.trim().split('\n');
  const order = ['handoff', 'queued', 'offered', 'offer_expired', 'offered', 'sla_breach', 'priority_raised', 'callback_queued'];
  let at = -1;
  for (const k of order) {
    const i = kinds.indexOf(k, at + 1);
    assert.ok(i > at, `${k} after the previous steps in ${kinds.join(', ')}`);
    at = i;
  }
  const entry = run('sqlite3', [db, `SELECT status FROM queue_entries WHERE conversation_id = ${conv}`]);
  assert.equal(entry.stdout.trim(), 'done');

  // when the callback is due it is offered to an agent like any request
  const due = await agent.next((m) => m.type === 'offer' && m.conversation === conv && m.callback, 15000);
  assert.ok(due.callback.id > 0);
  assert.equal(due.packet.callback.id, due.callback.id);
  agent.send({ type: 'accept', offer_id: due.offer_id });
  await agent.next((m) => m.type === 'assigned' && m.conversation === conv && m.packet.callback, 5000);
  const status = () => run('sqlite3', [db, `SELECT status FROM callbacks WHERE id = ${due.callback.id}`]).stdout.trim();
  for (let i = 0; i < 50 && status() !== 'in_progress'; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(status(), 'in_progress');
  agent.send({ type: 'wrapup', conversation: conv, summary: 'Called back; booked a visit.', disposition: 'callback_done' });
  await agent.next((m) => m.type === 'wrapped_up' && m.conversation === conv, 5000);
  for (let i = 0; i < 50 && status() !== 'done'; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(status(), 'done');
});
