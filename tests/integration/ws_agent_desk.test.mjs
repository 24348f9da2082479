// ws_agent_desk.test.mjs: the agent's desk over /ws/agent against the real binary and the
// demo database: booking from the assist panel (a taken window is refused), transfer,
// surge notices, the supervisor's stats, and one agent serving two businesses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

process.env.TANDEM_OFFER_TIMEOUT_MS = '20000';
const { serve, loginAs } = await import('./auth_lib.mjs');

const BIN = process.env.TANDEM_BIN;
const ENV = { ...process.env, TANDEM_PWHASH_FAST: '1' };
let dir, db, logins, server;
const peers = [];

function run(args, input) {
  const r = spawnSync(BIN, args, { env: ENV, input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

class Peer {
  constructor(url, headers) {
    this.ws = new WebSocket(url, { headers });
    this.seen = [];
    this.waiters = [];
    this.ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      this.seen.push(m);
      for (const w of [...this.waiters]) if (w.pred(m)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(m); }
    });
    this.opened = new Promise((resolve, reject) => { this.ws.once('open', resolve); this.ws.once('error', reject); });
    this.closed = new Promise((resolve) => this.ws.once('close', resolve));
    peers.push(this);
  }

  send(m) { this.ws.send(JSON.stringify(m)); }

  mark() { return this.seen.length; }

  next(pred, ms = 5000, from = 0) {
    const hit = this.seen.slice(from).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) { this.waiters.splice(i, 1); reject(new Error(`timed out; seen: ${JSON.stringify(this.seen.slice(-6))}`)); }
      }, ms);
    });
  }

  close() { this.ws.close(); return this.closed; }
}

const wsUrl = (p) => `${server.base.replace('http', 'ws')}${p}`;

async function agentPeer(email) {
  const c = await loginAs(server.base, email, logins[email]);
  const p = new Peer(wsUrl('/ws/agent'), { Cookie: c.cookie });
  await p.opened;
  p.hello = await p.next((m) => m.type === 'hello');
  return p;
}

async function status(p, s) {
  const from = p.mark();
  p.send({ type: 'status', status: s });
  await p.next((m) => m.type === 'state' && m.status === s, 5000, from);
}

async function customer(slug = 'demo') {
  const p = new Peer(wsUrl(`/ws/chat?tenant=${slug}`));
  await p.opened;
  p.send({ type: 'hello', lang: 'en' });
  p.welcome = await p.next((m) => m.type === 'welcome');
  p.conv = p.welcome.conversation;
  p.n = 0;
  return p;
}

async function say(p, text) {
  const client_id = `c-${p.conv}-${++p.n}`;
  const from = p.mark();
  p.send({ type: 'message', client_id, text });
  await p.next((m) => m.type === 'ack' && m.client_id === client_id, 10000, from);
  return from;
}

/** The agent accepts offer and hands the conversation straight back (leaves nothing queued). */
async function acceptAndHandBack(p, offer) {
  const from = p.mark();
  p.send({ type: 'accept', offer_id: offer.offer_id });
  await p.next((m) => m.type === 'assigned' && m.conversation === offer.conversation, 5000, from);
  p.send({ type: 'handback', conversation: offer.conversation });
  await p.next((m) => m.type === 'wrapup_draft' && m.conversation === offer.conversation, 5000, from);
}

/** An emergency from a new customer, offered to and accepted by agent p. */
async function takeEmergency(p, text, slug = 'demo') {
  const c = await customer(slug);
  await say(c, text);
  const offer = await p.next((m) => m.type === 'offer' && m.conversation === c.conv, 10000)
    .catch((e) => { throw new Error(`no offer; the customer saw ${JSON.stringify(c.seen)}`, { cause: e }); });
  const from = p.mark();
  p.send({ type: 'accept', offer_id: offer.offer_id });
  await p.next((m) => m.type === 'assigned' && m.conversation === c.conv, 5000, from);
  return { c, offer };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-desk-'));
  db = path.join(dir, 'tandem.db');
  const r = run(['init', '--db', db, '--demo']);
  assert.equal(r.status, 0, r.stderr);
  logins = {};
  for (const m of r.stdout.matchAll(/^logins: (\S+) (\S+) \(/gm)) logins[m[1]] = m[2];
  server = await serve(db);
});

after(async () => {
  for (const p of peers) p.ws.terminate();
  if (server) {
    const { code } = await server.stop();
    assert.equal(code, 0, server.logs().slice(-40).join('\n'));
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('booking from the assist panel; the same window cannot be booked twice', async () => {
  const a1 = await agentPeer('agent1@brightline.example');
  await status(a1, 'available');
  const { c } = await takeEmergency(a1, 'My water heater is leaking all over the floor, water everywhere!');
  const from = a1.mark();
  await say(c, 'I am Linda Smith at 412 Elm Street 28203, phone 704-555-0182');
  const assist = await a1.next((m) => m.type === 'assist' && m.conversation === c.conv &&
    m.form.zip === '28203' && m.slots.length > 0, 5000, from);
  assert.equal(assist.form.phone, '+17045550182');
  const slot = assist.slots[0];
  const service = assist.form.service || 'water_heater_repair';
  const book = { type: 'book', conversation: c.conv, service, slot: { start: slot.start, technician_id: slot.technician_id },
    address: '412 Elm Street, Charlotte NC 28203' };
  a1.send({ ...book, client_id: 'b-1' });
  const booked = await a1.next((m) => m.type === 'booked' && m.client_id === 'b-1', 5000, from);
  assert.equal(booked.appointment.start, slot.start);
  assert.equal(booked.appointment.technician_id, slot.technician_id);
  assert.match(booked.appointment.job, /^J-\d+$/);
  // the appointment exists
  const admin = await loginAs(server.base, 'admin@brightline.example', logins['admin@brightline.example']);
  const list = await admin.req('GET', '/api/v1/appointments');
  assert.equal(list.status, 200, list.text);
  assert.ok(JSON.stringify(list.json).includes(booked.appointment.job));
  // the same window again: refused
  a1.send({ ...book, client_id: 'b-2' });
  const refused = await a1.next((m) => m.type === 'error' && m.ref === 'b-2', 5000, from);
  assert.equal(refused.code, 'conflict');
  // not the owner: refused
  const a2 = await agentPeer('agent2@brightline.example');
  a2.send({ ...book, client_id: 'b-3' });
  const notMine = await a2.next((m) => m.type === 'error' && m.ref === 'b-3');
  assert.equal(notMine.code, 'forbidden');
  a1.send({ type: 'handback', conversation: c.conv });
  await a1.next((m) => m.type === 'wrapup_draft' && m.conversation === c.conv, 5000, from);
  await a1.close();
  await a2.close();
});

test('surge: a customer behind the staffing is told the honest wait and offered a callback', async () => {
  const a1 = await agentPeer('agent1@brightline.example');
  await status(a1, 'available');
  const first = await customer();
  await say(first, 'Water is pouring through my ceiling right now!');
  const offer1 = await a1.next((m) => m.type === 'offer' && m.conversation === first.conv, 10000);
  // the only agent has an offer out: the next emergency waits behind it
  const second = await customer();
  const from = await say(second, 'Help, water is pouring through the ceiling in the hall!');
  const notice = await second.next((m) => m.type === 'handoff' && m.state === 'queued' && m.position >= 1, 10000, from);
  assert.equal(notice.position, 1);
  assert.ok(notice.wait_seconds > 60, `an honest wait: ${notice.wait_seconds}`);
  assert.equal(notice.surge, true);
  assert.ok(Date.parse(notice.callback_offer) > Date.now() + 60000, notice.callback_offer);
  // served in turn: nothing is left waiting
  const mark = a1.mark();
  await acceptAndHandBack(a1, offer1);
  const offer2 = await a1.next((m) => m.type === 'offer' && m.conversation === second.conv, 5000, mark);
  await acceptAndHandBack(a1, offer2);
  await a1.close();
});

test('transfer to another queue of the business', async () => {
  const a1 = await agentPeer('agent1@brightline.example');
  await status(a1, 'available');
  const queues = a1.hello.queues.filter((q) => q.tenant === 'demo');
  assert.ok(queues.length >= 1);
  const { c } = await takeEmergency(a1, 'Water is pouring through the ceiling of my garage!');
  const from = a1.mark();
  a1.send({ type: 'transfer', conversation: c.conv, queue: 999999 });
  const bad = await a1.next((m) => m.type === 'error', 5000, from);
  assert.equal(bad.code, 'not_found');
  const cFrom = c.mark();
  a1.send({ type: 'transfer', conversation: c.conv, queue: queues[0].id });
  // back to the AI while it waits, and offered again
  await c.next((m) => m.type === 'handoff' && m.state === 'ai', 5000, cFrom);
  const again = await a1.next((m) => m.type === 'offer' && m.conversation === c.conv, 10000, from);
  assert.ok(again.offer_id);
  await acceptAndHandBack(a1, again);
  await a1.close();
});

test('the supervisor receives stats once a second; an agent may not subscribe', async () => {
  const a1 = await agentPeer('agent1@brightline.example');
  a1.send({ type: 'subscribe', topic: 'supervisor' });
  const denied = await a1.next((m) => m.type === 'error');
  assert.equal(denied.code, 'forbidden');
  const sup = await agentPeer('admin@brightline.example');
  sup.send({ type: 'subscribe', topic: 'supervisor' });
  const s1 = await sup.next((m) => m.type === 'stats', 3000);
  const s2 = await sup.next((m) => m.type === 'stats' && m.at !== s1.at, 3000, sup.seen.indexOf(s1) + 1);
  assert.ok(Date.parse(s2.at) > Date.parse(s1.at));
  assert.equal(s1.tenant.slug, 'demo');
  assert.ok(Array.isArray(s1.queues) && s1.queues.length >= 1);
  for (const k of ['available', 'busy', 'wrap_up', 'break', 'offline']) assert.equal(typeof s1.agents[k], 'number');
  for (const k of ['ai', 'human', 'waiting']) assert.equal(typeof s1.conversations[k], 'number');
  assert.ok(s1.conversations.ai >= 1, JSON.stringify(s1.conversations));
  assert.ok(s1.escalations_by_reason.property_emergency >= 1, JSON.stringify(s1.escalations_by_reason));
  assert.ok(Object.keys(s1.escalations_by_reason).length >= 1, JSON.stringify(s1.escalations_by_reason));
  assert.equal(typeof s1.sla.percent, 'number');
  // the same figures for monitoring
  const metrics = await (await fetch(`${server.base}/metrics`)).text();
  assert.match(metrics, /^tandem_acd_waiting\{tenant="demo"\} \d+$/m);
  assert.match(metrics, /^tandem_acd_agents\{status="offline"\} [1-9]\d*$/m, 'the two connected sessions are offline');
  await a1.close();
  await sup.close();
});

test('one agent, two businesses: one queue, each conversation labelled with its business', async () => {
  const root = await loginAs(server.base, 'platform@tandem.example', logins['platform@tandem.example']);
  const t = await root.req('POST', '/api/v1/tenants', { slug: 'acme', name: 'Acme Electric', timezone: 'America/Denver' });
  assert.equal(t.status, 201, t.text);
  const u = run(['user', 'add', '--db', db, '--email', 'agent2@brightline.example', '--name', 'Blake Agent',
    '--tenant', 'acme', '--role', 'agent']);
  assert.equal(u.status, 0, u.stderr);
  const a2 = await agentPeer('agent2@brightline.example');
  assert.deepEqual(a2.hello.tenants.map((x) => x.slug).sort(), ['acme', 'demo']);
  await status(a2, 'available');
  const demo = await takeEmergency(a2, 'Water is pouring through the kitchen ceiling!', 'demo');
  const acme = await takeEmergency(a2, 'Water is pouring through the ceiling, it is flooding!', 'acme');
  assert.equal(demo.offer.tenant.slug, 'demo');
  assert.equal(acme.offer.tenant.slug, 'acme');
  assert.equal(acme.offer.tenant.name, 'Acme Electric');
  const assigned = a2.seen.filter((m) => m.type === 'assigned');
  assert.deepEqual(assigned.map((m) => m.tenant.slug).sort(), ['acme', 'demo']);
  assert.deepEqual(a2.seen.filter((m) => m.type === 'state').map((m) => m.chats).pop(), 2, 'both held at once');
  await a2.close();
});

test('with language skills on record, a Spanish chat goes to the agent who speaks Spanish', async () => {
  const sql = (q) => spawnSync('sqlite3', [db, q], { encoding: 'utf8' });
  const ids = (email) => Number(sql(`SELECT id FROM users WHERE email = '${email}'`).stdout.trim());
  const a1id = ids('agent1@brightline.example');
  const a2id = ids('agent2@brightline.example');
  const ins = sql(`INSERT INTO agent_skills (tenant_id, user_id, skill, level) VALUES
    (1, ${a2id}, 'es', 8), (1, ${a2id}, 'plumbing', 5), (1, ${a1id}, 'en', 7), (1, ${a1id}, 'plumbing', 5)`);
  assert.equal(ins.status, 0, ins.stderr);
  const a1 = await agentPeer('agent1@brightline.example');
  const a2 = await agentPeer('agent2@brightline.example');
  // only the agent without Spanish is available at first
  await status(a1, 'available');
  const es = new Peer(wsUrl('/ws/chat?tenant=demo'));
  await es.opened;
  es.send({ type: 'hello', lang: 'es' });
  es.conv = (await es.next((m) => m.type === 'welcome')).conversation;
  es.n = 0;
  await say(es, '¡Está cayendo mucha agua del techo de la cocina! Es una emergencia');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(a1.seen.filter((m) => m.type === 'offer' && m.conversation === es.conv).length, 0,
    'the agent without Spanish is not offered it');
  await status(a2, 'available');
  const offer = await a2.next((m) => m.type === 'offer' && m.conversation === es.conv, 10000);
  assert.equal(offer.packet.language, 'es');
  await acceptAndHandBack(a2, offer);
  await a1.close();
  await a2.close();
});
