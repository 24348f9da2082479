// http_shutdown.test.mjs: graceful shutdown on SIGTERM: requests in flight finish,
// WebSockets get 1001, idle connections close, new connections are refused, exit 0;
// and the command line refuses bad usage.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { closedWithin, connect, parseResponses, startServer, waitFor } from './lib/server.mjs';

describe('graceful shutdown', () => {
  it('finishes an in-flight request, closes WebSockets with 1001 and exits 0', async () => {
    const srv = await startServer({ env: { TANDEM_TEST_ROUTES: '1', TANDEM_WS_ECHO: '1' } });
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws/echo`);
    const wsClosed = new Promise((r) => ws.on('close', (code) => r(code)));
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    const idle = await connect(srv.port);
    const inflight = fetch(`${srv.base}/test/delay?ms=600`);
    await new Promise((r) => setTimeout(r, 150));
    const t0 = Date.now();
    const stopped = srv.stop('SIGTERM');
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { delayed: true });
    assert.equal(r.headers.get('connection'), 'close');
    assert.equal(await wsClosed, 1001);
    assert.equal(await closedWithin(idle, 2000), true, 'idle connection closed');
    const exit = await stopped;
    assert.equal(exit.code, 0);
    assert.ok(Date.now() - t0 >= 300, 'waited for the request');
    await assert.rejects(fetch(`${srv.base}/healthz`));
  });

  it('answers a request begun before the signal, with /readyz 503', async () => {
    const srv = await startServer({ env: { TANDEM_TEST_ROUTES: '1' } });
    const s = await connect(srv.port);
    s.write('GET /readyz HTTP/1.1\r\nHost: t\r\n');
    await new Promise((r) => setTimeout(r, 100));
    srv.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 150));
    s.write('\r\n');
    assert.equal(await closedWithin(s, 3000), true);
    const text = s.received.toString();
    assert.match(text, /^HTTP\/1\.1 503 /);
    assert.match(text, /Connection: close/);
    assert.match(text, /"not ready"/);
    assert.equal((await srv.exited).code, 0);
  });
});

describe('connection limit', () => {
  it('closes connections beyond --max-connections and counts them', async () => {
    const srv = await startServer({ args: ['--max-connections', '3', '--keepalive-ms', '1000'] });
    await new Promise((r) => setTimeout(r, 1300)); // the start-up probe's connection closes
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await connect(srv.port));
    await new Promise((r) => setTimeout(r, 50));
    const extra = await connect(srv.port);
    assert.equal(await closedWithin(extra, 2000), true, 'the connection over the limit is closed');
    assert.equal(extra.received.length, 0);
    held[0].write('GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n');
    await waitFor(held[0], (x) => parseResponses(x.received).length === 1);
    assert.match(parseResponses(held[0].received)[0].body, /^tandem_http_connections_rejected_total [1-9]\d*$/m);
    for (const s of held) s.destroy();
    assert.equal((await srv.stop()).code, 0);
  });
});

describe('command line', () => {
  const bin = process.env.TANDEM_BIN;
  it('prints help', () => {
    const r = spawnSync(bin, ['serve', '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--port/);
    assert.match(r.stdout, /--web-root/);
  });
  it('refuses bad usage with one line and status 2', () => {
    for (const args of [['--port', 'x'], ['--port', '70000'], ['--bogus'], ['--port'], ['--max-body', '-1']]) {
      const r = spawnSync(bin, ['serve', ...args], { encoding: 'utf8' });
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, args.join(' '));
    }
  });
  it('checks TANDEM_PORT like --port', () => {
    const r = spawnSync(bin, ['serve'], { encoding: 'utf8', env: { ...process.env, TANDEM_PORT: 'eighty' } });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /bad value 'eighty' for --port/);
  });
  it('fails to start on a missing web root', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-test-'));
    const r = spawnSync(bin, ['serve', '--port', '0', '--db', path.join(dir, 't.db'),
      '--web-root', '/nonexistent/dir'], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /web root/);
  });
});
