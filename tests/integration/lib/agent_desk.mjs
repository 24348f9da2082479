// agent_desk.mjs: what the /ws/agent tests share: a demo database with its logins, the
// real server on it (restartable), WebSocket peers that record every message, agents
// signed in on /ws/agent and customers on /ws/chat.
//
// Set any TANDEM_* variable the server should see (offer timeout, abandon grace) in
// process.env before calling desk().open(): the server inherits the environment as it is
// when auth_lib.mjs is first loaded, which happens there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

/** A WebSocket that records every message (with its arrival time in _t) and waits for
 * the ones a test wants. */
export class Peer {
  constructor(url, headers, registry) {
    this.ws = new WebSocket(url, { headers });
    this.seen = [];
    this.waiters = [];
    this.ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      m._t = Date.now();
      this.seen.push(m);
      for (const w of [...this.waiters]) if (w.pred(m)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(m); }
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => this.ws.once('close', resolve));
    registry?.push(this);
  }

  send(m) { this.ws.send(JSON.stringify(m)); }

  /** The first message (already seen after index `from`, or future) matching pred. */
  next(pred, ms = 5000, from = 0) {
    const hit = this.seen.slice(from).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) { this.waiters.splice(i, 1); reject(new Error(`timed out; seen: ${JSON.stringify(this.seen.slice(-8))}`)); }
      }, ms);
    });
  }

  mark() { return this.seen.length; }

  close() { this.ws.close(); return this.closed; }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn() until it returns something truthy (or ms pass); returns the last value. */
export async function until(fn, ms = 5000) {
  let v = fn();
  for (let t = 0; !v && t < ms; t += 100) {
    await sleep(100);
    v = fn();
  }
  return v;
}

/** One test file's world: call open() in before() and close() in after(). */
export function desk(prefix = 'tandem-desk-') {
  const d = { dir: null, db: null, logins: {}, server: null, peers: [], lib: null };
  const env = () => ({ ...process.env, TANDEM_PWHASH_FAST: '1' });

  /** Runs the tandem binary: {status, stdout, stderr}. */
  d.run = (args, input) => {
    const r = spawnSync(process.env.TANDEM_BIN, args, { env: env(), input, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  /** One SQL statement on the test database through the sqlite3 shell: its output. */
  d.sql = (q) => {
    const r = spawnSync('sqlite3', [d.db, q], { encoding: 'utf8' });
    assert.ifError(r.error);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };

  /** A fresh demo database and the server on it. */
  d.open = async () => {
    d.lib = await import('../auth_lib.mjs');
    d.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    d.db = path.join(d.dir, 'tandem.db');
    const r = d.run(['init', '--db', d.db, '--demo']);
    assert.equal(r.status, 0, r.stderr);
    for (const m of r.stdout.matchAll(/^logins: (\S+) (\S+) \(/gm)) d.logins[m[1]] = m[2];
    d.server = await d.lib.serve(d.db);
  };

  /** Stops the server (it must exit cleanly, sanitizers included) and removes the files. */
  d.close = async () => {
    for (const p of d.peers) p.ws.terminate();
    if (d.server) {
      const { code } = await d.server.stop();
      assert.equal(code, 0, `the server exits cleanly:\n${d.server.logs().slice(-40).join('\n')}`);
    }
    if (d.dir) fs.rmSync(d.dir, { recursive: true, force: true });
  };

  /** Stops the server cleanly and starts it again on the same database. */
  d.restart = async () => {
    const { code } = await d.server.stop();
    assert.equal(code, 0, d.server.logs().slice(-40).join('\n'));
    d.server = await d.lib.serve(d.db);
  };

  d.wsUrl = (p) => `${d.server.base.replace('http', 'ws')}${p}`;
  d.login = (email, password = d.logins[email], tenant) => d.lib.loginAs(d.server.base, email, password, tenant);

  /** A peer on path (not yet open). */
  d.peer = (p, headers) => new Peer(d.wsUrl(p), headers, d.peers);

  /** An agent signed in on /ws/agent, with its hello in .hello. */
  d.agent = async (email, password = d.logins[email]) => {
    const c = await d.login(email, password);
    const p = d.peer('/ws/agent', { Cookie: c.cookie });
    await p.opened;
    p.hello = await p.next((m) => m.type === 'hello');
    return p;
  };

  /** Sets the agent's status and waits for the state that confirms it. */
  d.status = async (p, s) => {
    const from = p.mark();
    p.send({ type: 'status', status: s });
    await p.next((m) => m.type === 'state' && m.status === s, 5000, from);
  };
  d.available = (p) => d.status(p, 'available');

  /** A customer on /ws/chat. The conversation (.conv) exists from the first message on:
   * say() fills it in from the acknowledgement. */
  d.customer = async (slug = 'demo', lang = 'en') => {
    const p = d.peer(`/ws/chat?tenant=${slug}`);
    await p.opened;
    p.send({ type: 'hello', lang });
    p.welcome = await p.next((m) => m.type === 'welcome');
    p.conv = p.welcome.conversation ?? null;
    p.n = 0;
    return p;
  };

  /** The customer says text; resolves to the index of the first message after it. */
  d.say = async (p, text) => {
    const client_id = `c-${p.conv ?? 'new'}-${++p.n}-${Math.random().toString(36).slice(2, 8)}`;
    const from = p.mark();
    p.send({ type: 'message', client_id, text });
    const ack = await p.next((m) => m.type === 'ack' && m.client_id === client_id, 10000, from);
    if (ack.conversation) p.conv = ack.conversation;
    return from;
  };

  /** The kinds of the conversation's events, oldest first. */
  d.events = (conv) => d.sql(`SELECT kind FROM events WHERE conversation_id = ${Number(conv)} ORDER BY id`)
    .split('\n').filter(Boolean);

  return d;
}
