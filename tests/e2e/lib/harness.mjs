// harness.mjs: browser tests' harness. Starts the real tandem binary on a free port with a
// temporary demo database and the repository's web/ folder, drives Debian's Chromium
// through playwright-core, saves screenshots to tests/e2e/artifacts/, stops everything.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const SOURCE_DIR = process.env.TANDEM_SOURCE_DIR ?? path.resolve(here, '../../..');
export const ARTIFACTS = path.join(SOURCE_DIR, 'tests', 'e2e', 'artifacts');
export const CHROMIUM = process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Resolves after ms milliseconds. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function run(bin, args, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`tandem ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

/**
 * Parses the `logins: EMAIL PASSWORD (ROLE)` lines `tandem init --demo` prints.
 * Returns [{email, password, role}] in the printed order.
 */
export function parseLogins(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^logins:\s+(\S+)\s+(\S+)\s+\(([^)]+)\)\s*$/.exec(line.trim());
    if (m) out.push({ email: m[1], password: m[2], role: m[3] });
  }
  return out;
}

/* Spawns `tandem serve` on port (0: any free one); resolves to {child, exited, port} once
 * the server logs the port it listens on. Log lines are appended to lines. */
function serve(bin, db, port, env, lines) {
  const args = ['serve', '--port', String(port), '--db', db, '--web-root', path.join(SOURCE_DIR, 'web')];
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let partial = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tandem never said it was listening:\n${lines.join('\n')}`)), 20000);
    const onData = (chunk) => {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop();
      for (const line of parts) {
        lines.push(line);
        const m = /listening on http:\/\/[^"\s]*:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ child, exited, port: Number(m[1]) });
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`tandem exited (${code ?? signal}) before listening:\n${lines.join('\n')}`));
    });
  });
}

/* SIGTERM (SIGKILL after 10 s); resolves to {code, signal}. */
function terminate(proc) {
  const { child, exited } = proc;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  return Promise.race([exited, sleep(10000).then(() => { child.kill('SIGKILL'); return exited; })]);
}

async function waitReady(base) {
  for (let i = 0; ; i++) {
    const r = await fetch(`${base}/readyz`).catch(() => null);
    if (r && r.status === 200) return;
    if (i > 200) throw new Error('/readyz never answered 200');
    await sleep(50);
  }
}

/**
 * Starts `tandem serve` (env TANDEM_BIN) on a free port with a fresh database seeded by
 * `tandem init --demo` and the repository's web/ folder as the web root. Resolves once
 * /readyz answers 200 to {base, port, logins, login(role or email), api(), logs(), stop()}.
 * options.env: extra environment for both commands.
 */
export async function startTandem(options = {}) {
  const bin = process.env.TANDEM_BIN;
  if (!bin) throw new Error('TANDEM_BIN is not set (the browser tests run from ctest)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-'));
  const db = path.join(dir, 'tandem.db');
  /* password hashing at its minimum cost: the test binary runs under sanitizers */
  const env = { ...process.env, TANDEM_PWHASH_FAST: '1', ...(options.env ?? {}) };
  const logins = parseLogins(await run(bin, ['init', '--demo', '--db', db], env));
  if (!logins.length) throw new Error('tandem init --demo printed no logins');

  const lines = [];
  let proc = await serve(bin, db, 0, env, lines);
  const port = proc.port;
  const base = `http://127.0.0.1:${port}`;
  await waitReady(base);

  let stopping = null;
  const server = {
    base,
    port,
    dir,
    db,
    logins,
    get child() { return proc.child; },
    get exited() { return proc.exited; },
    /** The server's log lines so far. */
    logs: () => lines.slice(),
    /** The first account with that role ("admin", "agent", ...) or that email. */
    account(which) {
      const a = logins.find((l) => l.email === which) ?? logins.find((l) => l.role === which);
      if (!a) throw new Error(`no demo login for ${which}`);
      return a;
    },
    /**
     * Signs in over the REST API. Resolves to a session {cookie, csrf, user, tenants}
     * for api(); throws on anything but 200.
     */
    async login(which) {
      const a = server.account(which);
      const r = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: a.email, password: a.password }),
      });
      const body = await r.json().catch(() => ({}));
      if (r.status !== 200) throw new Error(`login ${a.email}: ${r.status} ${JSON.stringify(body)}`);
      const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
      return { cookie, csrf: body.csrf_token, user: body.user, tenants: body.tenants };
    },
    /** One REST call with a session from login(). Resolves to {status, body (parsed JSON or text)}. */
    async api(session, method, p, body) {
      const headers = { Cookie: session.cookie };
      if (method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const r = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      let parsed = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      return { status: r.status, body: parsed };
    },
    /**
     * Stops the server (SIGTERM) and resolves to its {code, signal} once it has exited;
     * the database stays. Then restart() serves it again on the same port.
     */
    halt: () => terminate(proc),
    /** Serves the same database on the same port again; resolves once /readyz is 200. */
    async restart() {
      await terminate(proc);
      for (let i = 0; ; i++) {
        try {
          proc = await serve(bin, db, port, env, lines);
          break;
        } catch (e) {
          if (i > 20) throw e;    /* the port may linger for a moment */
          await sleep(250);
        }
      }
      await waitReady(base);
    },
    /** SIGTERM, wait for the exit, remove the temporary files. Resolves to {code, signal}. */
    stop() {
      if (!stopping) {
        stopping = terminate(proc).then((r) => {
          fs.rmSync(dir, { recursive: true, force: true });
          return r;
        });
      }
      return stopping;
    },
  };
  return server;
}

/**
 * Launches headless Chromium with a fresh profile (never downloads a browser). Resolves
 * to {context, page, newPage(), errors, close()}; errors collects uncaught page errors
 * and console errors of every page, for assertions and failure messages.
 * options.viewport: {width, height} (default 1280x800).
 */
export async function launchBrowser(options = {}) {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/deps.sh test`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    timeout: 30000,
  });
  context.setDefaultTimeout(options.timeout ?? 10000);
  const errors = [];
  const watch = (page) => {
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  };
  context.on('page', watch);
  const page = context.pages()[0] ?? await context.newPage();
  watch(page);
  let closed = null;
  return {
    context,
    page,
    errors,
    newPage: () => context.newPage(),
    /** Closes the browser and removes its profile. */
    close() {
      if (!closed) {
        closed = context.close().catch(() => {}).then(() => fs.rmSync(profile, { recursive: true, force: true }));
      }
      return closed;
    },
  };
}

/** Saves a full-window PNG of page as tests/e2e/artifacts/NAME.png; resolves to its path. */
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Signs a browser context in (the session cookie lands in the context's cookie jar, as
 * when a person uses the login form). Resolves to the login response's body.
 */
export async function signInBrowser(context, server, which) {
  const a = server.account(which);
  const r = await context.request.post(`${server.base}/api/v1/auth/login`, { data: { email: a.email, password: a.password } });
  if (r.status() !== 200) throw new Error(`login ${a.email}: ${r.status()} ${await r.text()}`);
  return r.json();
}

/** Polls fn (sync or async) until it returns a truthy value; resolves to it, or throws after ms. */
export async function eventually(fn, ms = 5000, what = 'condition') {
  const t0 = Date.now();
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}
