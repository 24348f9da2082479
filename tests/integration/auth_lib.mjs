// auth_lib.mjs: helpers for the account and administration API tests: a seeded database,
// a server on a chosen database (restartable, killable), and a small cookie-aware client.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BIN = process.env.TANDEM_BIN;
const SRC = process.env.TANDEM_SOURCE_DIR ?? path.resolve(import.meta.dirname, '../..');
export const SEED = path.join(SRC, 'tests/data/auth/seed_small.json');
// Minimum argon2id limits so tests under sanitizers stay fast.
export const ENV = { ...process.env, TANDEM_PWHASH_FAST: '1' };

/** Runs the tandem binary synchronously: {status, stdout, stderr}. */
export function tandem(args, input) {
  if (!BIN) throw new Error('TANDEM_BIN is not set (the tests run from ctest)');
  const r = spawnSync(BIN, args, { env: ENV, input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temporary directory with a database seeded from the small demo copy.
 * Returns {dir, db, logins: {email: password}, cleanup()}. */
export function seededDb() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-auth-'));
  const db = path.join(dir, 'tandem.db');
  const r = tandem(['init', '--db', db, '--demo', '--seed', SEED]);
  if (r.status !== 0) throw new Error(`init failed: ${r.stderr}`);
  const logins = {};
  for (const m of r.stdout.matchAll(/^logins: (\S+) (\S+) \(/gm)) logins[m[1]] = m[2];
  return { dir, db, logins, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `tandem serve --port 0 --db db`; resolves once /readyz answers 200.
 * Returns {base, child, stop(signal), exited}. The database is left in place. */
export async function serve(db) {
  const child = spawn(BIN, ['serve', '--port', '0', '--db', db, '--no-access-log'],
    { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let partial = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line:\n${lines.join('\n')}`)), 20000);
    const onData = (chunk) => {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop();
      for (const line of parts) {
        lines.push(line);
        const m = /listening on http:\/\/[^"\s]*:(\d+)/.exec(line);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`exited ${code}:\n${lines.join('\n')}`)); });
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const r = await fetch(`${base}/readyz`).catch(() => null);
    if (r && r.status === 200) break;
    if (i > 200) throw new Error('/readyz never became 200');
    await new Promise((r2) => setTimeout(r2, 50));
  }
  return {
    base,
    child,
    exited,
    logs: () => lines.slice(),
    stop(signal = 'SIGTERM') { child.kill(signal); return exited; },
  };
}

/** A client that keeps the session cookie and CSRF token, or uses an API key. */
export class Client {
  constructor(base, { apiKey, tenant } = {}) {
    this.base = base;
    this.cookie = null;
    this.csrf = null;
    this.apiKey = apiKey ?? null;
    this.tenant = tenant ?? null;
  }

  /** method, path, body (object, string or Buffer), options {csrf: bool, headers}.
   * Resolves to {status, headers, json, text}. */
  async req(method, p, body, opts = {}) {
    const headers = { ...(opts.headers ?? {}) };
    if (this.cookie) headers.Cookie = this.cookie;
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    if (this.tenant && !('X-Tenant' in headers)) headers['X-Tenant'] = this.tenant;
    if (this.csrf && opts.csrf !== false && method !== 'GET') headers['X-CSRF-Token'] = this.csrf;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(this.base + p, { method, headers, body: payload });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { status: r.status, headers: r.headers, json, text };
  }

  async login(email, password) {
    const r = await this.req('POST', '/api/v1/auth/login', { email, password });
    if (r.status === 200) {
      const sc = r.headers.get('set-cookie');
      this.cookie = sc.split(';')[0];
      this.csrf = r.json.csrf_token;
      this.setCookie = sc;
    }
    return r;
  }
}

/** Logs in and returns the client; throws unless 200. */
export async function loginAs(base, email, password, tenant) {
  const c = new Client(base, { tenant });
  const r = await c.login(email, password);
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${r.text}`);
  return c;
}
