// server.mjs: start the real tandem binary for integration tests and talk raw HTTP to it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const DEFAULT_INDEX = '<!doctype html><title>tandem</title><h1>tandem</h1>\n';

/**
 * Starts `tandem serve --port 0` with a temporary database and web root.
 * options.args: extra command-line arguments; options.env: extra environment;
 * options.files: {relative path: contents} written into the web root (index.html by default);
 * options.init: run `tandem init --db` first.
 * Resolves once the bound port is logged and /readyz answers 200.
 */
export async function startServer(options = {}) {
  const bin = process.env.TANDEM_BIN;
  if (!bin) throw new Error('TANDEM_BIN is not set (the tests run from ctest)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-test-'));
  const root = path.join(dir, 'web');
  fs.mkdirSync(root);
  const files = options.files ?? { 'index.html': DEFAULT_INDEX };
  for (const [name, body] of Object.entries(files)) {
    const p = path.join(root, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, body);
  }
  const db = path.join(dir, 'tandem.db');
  const env = { ...process.env, ...(options.env ?? {}) };
  if (options.init) await run(bin, ['init', '--db', db], env);
  const args = ['serve', '--port', '0', '--db', db, '--web-root', root, ...(options.args ?? [])];
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let partial = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; log:\n${lines.join('\n')}`)), 15000);
    const onData = (chunk) => {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop();
      for (const line of parts) {
        lines.push(line);
        const m = /listening on http:\/\/[^"\s]*:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      }
    };
    child.stderr.on('data', onData);
    child.stdout.on('data', onData);
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`tandem exited with ${code} before listening; log:\n${lines.join('\n')}`));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const r = await fetch(`${base}/readyz`).catch(() => null);
    if (r && r.status === 200) break;
    if (i > 100) throw new Error('/readyz never became 200');
    await new Promise((r2) => setTimeout(r2, 50));
  }
  let stopped = null;
  return {
    port,
    base,
    dir,
    root,
    child,
    logs: () => lines.slice(),
    /** Sends signal (SIGTERM) and resolves to {code, signal} when the process exits. */
    stop(signal = 'SIGTERM') {
      if (!stopped) {
        child.kill(signal);
        stopped = exited.then((r) => {
          fs.rmSync(dir, { recursive: true, force: true });
          return r;
        });
      }
      return stopped;
    },
    exited,
  };
}

function run(bin, args, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')}: ${code} ${err}`))));
  });
}

/** Opens a raw TCP connection. Resolves to a socket that collects everything it reads. */
export function connect(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.received = Buffer.alloc(0);
    sock.whenClosed = new Promise((r) => sock.on('close', () => r()));
    sock.on('data', (d) => { sock.received = Buffer.concat([sock.received, d]); });
    sock.on('error', () => {});
    sock.once('connect', () => resolve(sock));
    sock.once('error', reject);
  });
}

/**
 * Splits raw bytes into HTTP responses (Content-Length framed, or without a body for
 * 1xx/204/304). Returns [{status, headers (lower-case names; arrays for repeats), body}].
 */
export function parseResponses(buf, headRequests = 0) {
  const out = [];
  let at = 0;
  while (at < buf.length) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = buf.subarray(at, end).toString('latin1').split('\r\n');
    const status = Number(head[0].split(' ')[1]);
    const headers = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      const k = line.slice(0, i).trim().toLowerCase();
      const v = line.slice(i + 1).trim();
      if (k in headers) headers[k] = [].concat(headers[k], v);
      else headers[k] = v;
    }
    let len = Number(headers['content-length'] ?? 0);
    if (status < 200 || status === 204 || status === 304 || out.length < headRequests) len = 0;
    if (end + 4 + len > buf.length) break;
    out.push({ status, headers, body: buf.subarray(end + 4, end + 4 + len).toString() });
    at = end + 4 + len;
  }
  return out;
}

/** Waits until pred(socket) is true or the socket closes, at most ms. */
export async function waitFor(sock, pred, ms = 5000) {
  const t0 = Date.now();
  while (!pred(sock)) {
    if (sock.destroyed || Date.now() - t0 > ms) return pred(sock);
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Waits for the socket to close; resolves to true if it closed within ms. */
export function closedWithin(sock, ms) {
  return Promise.race([sock.whenClosed.then(() => true), new Promise((r) => setTimeout(() => r(false), ms))]);
}
