// conv_lib.mjs: helpers for the conversation, appointment and web chat tests: a database
// with the full demo business, a signed-in client, and a /ws/chat client that collects
// what the server sends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs, serve, tandem } from './auth_lib.mjs';

export { serve } from './auth_lib.mjs';

/** A temporary database with the demo business (`tandem init --demo`).
 * Returns {dir, db, logins, cleanup()}. */
export function demoDb() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-conv-'));
  const db = path.join(dir, 'tandem.db');
  const r = tandem(['init', '--db', db, '--demo']);
  if (r.status !== 0) throw new Error(`init failed: ${r.stderr}`);
  const logins = {};
  for (const m of r.stdout.matchAll(/^logins: (\S+) (\S+) \(/gm)) logins[m[1]] = m[2];
  return { dir, db, logins, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const AGENT = 'agent1@brightline.example';
export const ADDRESS = '1420 providence rd charlotte 28207';

/** The demo's first agent, signed in. */
export function agent(base, env) {
  return loginAs(base, AGENT, env.logins[AGENT]);
}

/** Starts a conversation; returns its id. */
export async function startConversation(c, body = { channel: 'chat' }) {
  const r = await c.req('POST', '/api/v1/conversations', body);
  if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
  return r.json.id;
}

/** Sends a customer message; resolves to the response {status, json}. */
export function say(c, id, text, clientId) {
  const body = clientId ? { text, client_id: clientId } : { text };
  return c.req('POST', `/api/v1/conversations/${id}/messages`, body);
}

/** A /ws/chat session that records every message. */
export class Chat {
  constructor(base, tenant = 'demo') {
    this.url = `${base.replace('http', 'ws')}/ws/chat?tenant=${tenant}`;
    this.got = [];
    this.waiters = [];
  }

  open() {
    this.ws = new WebSocket(this.url);
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

  send(m) { this.ws.send(JSON.stringify(m)); }

  /** Resolves with the first message (already received or coming) matching pred. */
  waitFor(pred, ms = 10000, from = 0) {
    const seen = this.got.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(this.got)}`)), ms);
      this.waiters.push((m) => {
        if (!pred(m)) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      });
    });
  }

  async hello(h = {}) {
    const from = this.got.length;
    this.send({ type: 'hello', ...h });
    return this.waitFor((m) => m.type === 'welcome', 10000, from);
  }

  /** Sends a message and waits for its ack and the AI's reply after it. */
  async message(text, clientId) {
    const from = this.got.length;
    this.send({ type: 'message', client_id: clientId, text });
    const ack = await this.waitFor((m) => m.type === 'ack' && m.client_id === clientId, 10000, from);
    const reply = await this.waitFor((m) => m.type === 'message' && m.from === 'ai' && m.seq === ack.seq + 1, 10000, from);
    return { ack, reply };
  }

  close() { this.ws.close(); return this.closed; }
}

/**
 * One test file's server: a fresh demo database, the server on it and a signed-in agent
 * client, made in before() and handed to set({env, srv, c}); in after() the server must
 * exit cleanly with no sanitizer report, and the files are removed.
 */
export function demoServer(set) {
  let env, srv;
  before(async () => {
    env = demoDb();
    srv = await serve(env.db);
    set({ env, srv, c: await agent(srv.base, env) });
  });
  after(async () => {
    if (srv) {
      const r = await srv.stop();
      assert.doesNotMatch(srv.logs().join('\n'), /AddressSanitizer|LeakSanitizer|runtime error:/);
      assert.equal(r.code, 0, `server exit: ${srv.logs().join('\n')}`);
    }
    env?.cleanup();
  });
}
