// http_server.test.mjs: HTTP/1.1 behaviour of the real server over real sockets:
// keep-alive, pipelining, limits, timeouts, routing errors, async responses, metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closedWithin, connect, parseResponses, startServer, waitFor } from './lib/server.mjs';

let srv;

before(async () => {
  srv = await startServer({
    env: { TANDEM_TEST_ROUTES: '1' },
    args: ['--max-body', '65536', '--max-header', '4096', '--header-timeout-ms', '400',
      '--read-timeout-ms', '400', '--keepalive-ms', '1500'],
  });
});

after(async () => {
  const r = await srv.stop();
  assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)}\n${srv.logs().slice(-20).join('\n')}`);
});

const GET = (p) => `GET ${p} HTTP/1.1\r\nHost: t\r\n\r\n`;

describe('connections', () => {
  it('serves two requests on one keep-alive connection', async () => {
    const s = await connect(srv.port);
    s.write(GET('/healthz'));
    await waitFor(s, (x) => parseResponses(x.received).length === 1);
    s.write(GET('/test/items/7'));
    await waitFor(s, (x) => parseResponses(x.received).length === 2);
    const rs = parseResponses(s.received);
    assert.equal(rs.length, 2);
    assert.deepEqual(JSON.parse(rs[0].body), { status: 'ok' });
    assert.deepEqual(JSON.parse(rs[1].body), { id: '7' });
    assert.ok(!s.destroyed, 'connection stays open');
    assert.notEqual(rs[0].headers['x-request-id'], rs[1].headers['x-request-id']);
    assert.match(rs[0].headers['x-request-id'], /^[0-9a-f]{16}$/);
    s.destroy();
  });

  it('answers three pipelined requests in order, the first answered late', async () => {
    const s = await connect(srv.port);
    s.write(GET('/test/delay?ms=150') + GET('/test/items/2') + GET('/healthz'));
    await waitFor(s, (x) => parseResponses(x.received).length === 3);
    const rs = parseResponses(s.received);
    assert.equal(rs.length, 3);
    assert.deepEqual(JSON.parse(rs[0].body), { delayed: true });
    assert.deepEqual(JSON.parse(rs[1].body), { id: '2' });
    assert.deepEqual(JSON.parse(rs[2].body), { status: 'ok' });
    s.destroy();
  });

  it('closes an idle keep-alive connection after the timeout', async () => {
    const s = await connect(srv.port);
    s.write(GET('/healthz'));
    await waitFor(s, (x) => parseResponses(x.received).length === 1);
    assert.equal(await closedWithin(s, 500), false, 'still open soon after');
    assert.equal(await closedWithin(s, 3000), true, 'closed after the idle timeout');
  });

  it('honours Connection: close', async () => {
    const s = await connect(srv.port);
    s.write('GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    assert.equal(await closedWithin(s, 2000), true);
    const rs = parseResponses(s.received);
    assert.equal(rs[0].status, 200);
    assert.equal(rs[0].headers.connection, 'close');
  });

  it('keeps HTTP/1.0 keep-alive when asked', async () => {
    const s = await connect(srv.port);
    s.write('GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await waitFor(s, (x) => parseResponses(x.received).length === 1);
    assert.equal(parseResponses(s.received)[0].headers.connection, 'keep-alive');
    s.write('GET /healthz HTTP/1.0\r\n\r\n');
    assert.equal(await closedWithin(s, 2000), true, 'plain HTTP/1.0 closes');
    assert.equal(parseResponses(s.received).length, 2);
  });
});

describe('limits and malformed input', () => {
  it('refuses an oversized header with 431', async () => {
    const s = await connect(srv.port);
    s.write(`GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(6000)}\r\n\r\n`);
    assert.equal(await closedWithin(s, 3000), true);
    const rs = parseResponses(s.received);
    assert.equal(rs[0].status, 431);
    assert.equal(JSON.parse(rs[0].body).error.code, 'headers_too_large');
  });

  it('refuses an oversized body by Content-Length with 413 and closes', async () => {
    const s = await connect(srv.port);
    s.write('POST /test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n');
    s.write('x'.repeat(20000));
    assert.equal(await closedWithin(s, 4000), true);
    const rs = parseResponses(s.received);
    assert.equal(rs[0].status, 413);
    assert.equal(JSON.parse(rs[0].body).error.code, 'too_large');
  });

  it('refuses an oversized chunked body with 413 while reading', async () => {
    const s = await connect(srv.port);
    s.write('POST /test/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = 'y'.repeat(16384);
    for (let i = 0; i < 5; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    assert.equal(await closedWithin(s, 4000), true);
    assert.equal(parseResponses(s.received)[0].status, 413);
  });

  it('reads a chunked body', async () => {
    const s = await connect(srv.port);
    s.write('POST /test/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n'
      + '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    await waitFor(s, (x) => parseResponses(x.received).length === 1);
    const body = JSON.parse(parseResponses(s.received)[0].body);
    assert.equal(body.body, 'hello world');
    assert.equal(body.length, 11);
    s.destroy();
  });

  it('answers a malformed chunked body with 400 and closes', async () => {
    const s = await connect(srv.port);
    s.write('POST /test/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n');
    assert.equal(await closedWithin(s, 3000), true);
    const rs = parseResponses(s.received);
    assert.equal(rs[0].status, 400);
    assert.equal(JSON.parse(rs[0].body).error.code, 'bad_request');
  });

  it('answers a garbage request line with 400', async () => {
    const s = await connect(srv.port);
    s.write('HELLO THERE\r\n\r\n');
    assert.equal(await closedWithin(s, 3000), true);
    assert.equal(parseResponses(s.received)[0].status, 400);
  });

  it('cuts a client that sends its header too slowly with 408', async () => {
    const s = await connect(srv.port);
    s.write('GET /healthz HTTP/1.1\r\nHo');
    const t0 = Date.now();
    const timer = setInterval(() => { if (!s.destroyed) s.write('x'); }, 100);
    const closed = await closedWithin(s, 3000);
    clearInterval(timer);
    assert.equal(closed, true);
    assert.ok(Date.now() - t0 >= 300, 'not before the timeout');
    const rs = parseResponses(s.received);
    assert.equal(rs[0].status, 408);
    assert.equal(JSON.parse(rs[0].body).error.code, 'timeout');
  });

  it('cuts a client whose body stalls with 408', async () => {
    const s = await connect(srv.port);
    s.write('POST /test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc');
    assert.equal(await closedWithin(s, 3000), true);
    assert.equal(parseResponses(s.received)[0].status, 408);
  });

  it('sends 100 Continue when asked', async () => {
    const s = await connect(srv.port);
    s.write('POST /test/echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n');
    await waitFor(s, (x) => x.received.toString().startsWith('HTTP/1.1 100'));
    assert.match(s.received.toString(), /^HTTP\/1\.1 100 Continue\r\n\r\n/);
    s.write('abc');
    await waitFor(s, (x) => parseResponses(x.received).length === 2);
    assert.equal(JSON.parse(parseResponses(s.received)[1].body).body, 'abc');
    s.destroy();
  });
});

describe('routing', () => {
  it('answers an unknown route with a 404 JSON error', async () => {
    const r = await fetch(`${srv.base}/api/v1/nothing-here`);
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type'), /application\/json/);
    assert.deepEqual(await r.json(), { error: { code: 'not_found', message: 'no such resource' } });
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const r = await fetch(`${srv.base}/test/echo`, { method: 'DELETE' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST, PUT');
    assert.equal((await r.json()).error.code, 'method_not_allowed');
  });

  it('decodes path parameters and query strings', async () => {
    const r = await fetch(`${srv.base}/test/echo?q=caf%C3%A9+au+lait&x=1`, { method: 'POST', body: '{}' });
    const body = await r.json();
    assert.equal(body.q, 'café au lait');
    const r2 = await fetch(`${srv.base}/test/items/a%20b`);
    assert.deepEqual(await r2.json(), { id: 'a b' });
  });

  it('sends repeated Set-Cookie headers', async () => {
    const r = await fetch(`${srv.base}/test/items/1`);
    assert.deepEqual(r.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
  });

  it('answers HEAD with headers only', async () => {
    const s = await connect(srv.port);
    s.write('HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n' + GET('/healthz'));
    await waitFor(s, (x) => parseResponses(x.received, 1).length === 2);
    const rs = parseResponses(s.received, 1);
    assert.equal(rs[0].status, 200);
    assert.equal(rs[0].headers['content-length'], '15');
    assert.equal(rs[0].body, '');
    assert.equal(rs[1].body, '{"status":"ok"}');
    s.destroy();
  });
});

describe('health and metrics', () => {
  it('reports healthz, readyz and Prometheus metrics', async () => {
    assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
    const ready = await fetch(`${srv.base}/readyz`);
    assert.equal(ready.status, 200);
    await fetch(`${srv.base}/no/such/page`);
    const m = await fetch(`${srv.base}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type'), /^text\/plain/);
    const text = await m.text();
    assert.match(text, /^tandem_http_requests_total\{route="healthz",status="200"\} [1-9]\d*$/m);
    assert.match(text, /^tandem_http_requests_total\{route="not_found",status="404"\} [1-9]\d*$/m);
    assert.match(text, /^tandem_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+$/m);
    assert.match(text, /^tandem_http_request_duration_seconds_count \d+$/m);
    assert.match(text, /^tandem_http_connections [1-9]\d*$/m);
    assert.match(text, /^tandem_ws_sessions 0$/m);
  });

  it('writes one access log line per request', async () => {
    const r = await fetch(`${srv.base}/test/items/logme`);
    const id = r.headers.get('x-request-id');
    await r.text();
    await new Promise((res) => setTimeout(res, 100));
    const line = srv.logs().find((l) => l.includes(id));
    assert.ok(line, 'access log line present');
    const o = JSON.parse(line);
    assert.equal(o.method, 'GET');
    assert.equal(o.path, '/test/items/logme');
    assert.equal(o.status, 200);
    assert.equal(o.remote, '127.0.0.1');
    assert.ok(o.bytes > 0 && o.duration_us >= 0 && o.ts);
  });
});
