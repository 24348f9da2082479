// http_ws.test.mjs: WebSocket sessions: handshake, echo, pings, close handshake, size and
// UTF-8 limits, refused handshakes, and the sessions gauge.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { closedWithin, connect, parseResponses, startServer, waitFor } from './lib/server.mjs';

let srv;

before(async () => {
  srv = await startServer({
    env: { TANDEM_WS_ECHO: '1' },
    args: ['--max-ws-message', '4096', '--ws-ping-ms', '300', '--ws-ping-timeout-ms', '300'],
  });
});

after(async () => {
  const r = await srv.stop();
  assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)}`);
});

function open(path = '/ws/echo', opts = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}${path}`, opts);
    ws.closedWith = new Promise((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (req, res) => reject(new Error(`status ${res.statusCode}`)));
  });
}

function nextMessage(ws) {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data, isBinary })));
}

describe('WebSocket', () => {
  it('echoes text and binary messages', async () => {
    const ws = await open();
    let m = nextMessage(ws);
    ws.send('hello, café');
    let got = await m;
    assert.equal(got.isBinary, false);
    assert.equal(got.data.toString(), 'hello, café');
    m = nextMessage(ws);
    ws.send(Buffer.from([0, 1, 2, 255]));
    got = await m;
    assert.equal(got.isBinary, true);
    assert.deepEqual([...got.data], [0, 1, 2, 255]);
    ws.close(1000, 'bye');
    const c = await ws.closedWith;
    assert.equal(c.code, 1000);
  });

  it('answers pings with pongs', async () => {
    const ws = await open();
    const pong = new Promise((r) => ws.once('pong', (d) => r(d.toString())));
    ws.ping('are you there');
    assert.equal(await pong, 'are you there');
    ws.close();
    await ws.closedWith;
  });

  it('pings idle clients and drops those that never answer', async () => {
    const ws = await open();
    const ping = new Promise((r) => ws.once('ping', () => r(true)));
    assert.equal(await ping, true, 'server sent a ping');
    ws.close();
    await ws.closedWith;
    // A raw client that completes the handshake but never answers anything.
    const s = await connect(srv.port);
    s.write('GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
      + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    await waitFor(s, (x) => x.received.includes('\r\n\r\n'));
    assert.match(s.received.toString(), /^HTTP\/1\.1 101 /);
    assert.match(s.received.toString(), /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
    assert.equal(await closedWithin(s, 3000), true, 'dropped after the ping timeout');
  });

  it('closes with 1009 on a message over the limit', async () => {
    const ws = await open();
    ws.send('x'.repeat(5000));
    const c = await ws.closedWith;
    assert.equal(c.code, 1009);
  });

  it('closes with 1007 on invalid UTF-8 in a text message', async () => {
    const s = await connect(srv.port);
    s.write('GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
      + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    await waitFor(s, (x) => x.received.includes('\r\n\r\n'));
    const start = s.received.length;
    // a masked text frame with the bytes C3 28 (invalid UTF-8)
    const mask = [1, 2, 3, 4];
    const payload = [0xc3, 0x28].map((b, i) => b ^ mask[i % 4]);
    s.write(Buffer.from([0x81, 0x80 | 2, ...mask, ...payload]));
    await waitFor(s, (x) => x.received.length >= start + 4);
    const f = s.received.subarray(start);
    assert.equal(f[0], 0x88, 'a close frame');
    assert.equal(f.readUInt16BE(2), 1007);
    s.destroy();
  });

  it('applies back-pressure to a client that does not read (echo closes with 1013)', async () => {
    const slow = await startServer({
      env: { TANDEM_WS_ECHO: '1' },
      args: ['--max-ws-message', '4096', '--max-output', '65536', '--ws-ping-ms', '0'],
    });
    const ws = new WebSocket(`ws://127.0.0.1:${slow.port}/ws/echo`);
    const closed = new Promise((r) => ws.on('close', (code) => r(code)));
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    ws._socket.pause();
    const msg = 'z'.repeat(4000);
    for (let i = 0; i < 3000; i++) ws.send(msg);
    await new Promise((r) => setTimeout(r, 1500));
    ws._socket.resume();
    assert.equal(await closed, 1013);
    assert.equal((await slow.stop()).code, 0);
  });

  it('refuses bad handshakes', async () => {
    const cases = [
      ['no key', 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n', 400],
      ['bad key', 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n', 400],
      ['old version', 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n', 426],
      ['plain GET', '', 426],
    ];
    for (const [name, hdrs, status] of cases) {
      const s = await connect(srv.port);
      s.write(`GET /ws/echo HTTP/1.1\r\nHost: t\r\n${hdrs}\r\n`);
      await waitFor(s, (x) => parseResponses(x.received).length === 1);
      const rs = parseResponses(s.received);
      assert.equal(rs[0].status, status, name);
      assert.ok(JSON.parse(rs[0].body).error.code, name);
      s.destroy();
    }
    await assert.rejects(open('/ws/nowhere'), /status 404/);
  });

  it('counts open sessions in /metrics', async () => {
    const a = await open();
    const b = await open();
    const text = await (await fetch(`${srv.base}/metrics`)).text();
    assert.match(text, /^tandem_ws_sessions 2$/m);
    a.close();
    b.close();
    await a.closedWith;
    await b.closedWith;
    await new Promise((r) => setTimeout(r, 100));
    const text2 = await (await fetch(`${srv.base}/metrics`)).text();
    assert.match(text2, /^tandem_ws_sessions 0$/m);
  });
});
