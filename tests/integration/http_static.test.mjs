// http_static.test.mjs: static files from the web root: types, ETag/304, directories,
// traversal refused (plain, encoded, symlinks), large files, changes picked up.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closedWithin, connect, parseResponses, startServer } from './lib/server.mjs';

let srv;
const big = Buffer.alloc(1024 * 1024 + 123);
for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;

before(async () => {
  srv = await startServer({
    args: ['--max-output', '262144'],
    files: {
      'index.html': '<h1>home</h1>',
      'app.js': 'console.log(1);',
      'style.css': 'body{}',
      'data.json': '{"a":1}',
      'logo.svg': '<svg/>',
      'docs/index.html': '<h1>docs</h1>',
      'blob.bin': big,
      'medium.bin': Buffer.alloc(100 * 1024, 97),
    },
  });
  fs.writeFileSync(path.join(srv.dir, 'secret.txt'), 'top secret');
  fs.symlinkSync(path.join(srv.dir, 'secret.txt'), path.join(srv.root, 'link.txt'));
});

after(async () => {
  const r = await srv.stop();
  assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)}`);
});

async function raw(req) {
  const s = await connect(srv.port);
  s.write(req);
  await closedWithin(s, 3000);
  return parseResponses(s.received);
}

describe('static files', () => {
  it('serves index.html for / with type and validators', async () => {
    const r = await fetch(`${srv.base}/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(r.headers.get('etag'), /^"[0-9a-f-]+"$/);
    assert.ok(r.headers.get('last-modified').endsWith('GMT'));
    assert.ok(r.headers.get('cache-control'));
    assert.equal(await r.text(), '<h1>home</h1>');
  });

  it('sets the content type by extension', async () => {
    const want = {
      '/app.js': 'text/javascript; charset=utf-8',
      '/style.css': 'text/css; charset=utf-8',
      '/data.json': 'application/json',
      '/logo.svg': 'image/svg+xml',
      '/blob.bin': 'application/octet-stream',
    };
    for (const [p, type] of Object.entries(want)) {
      const r = await fetch(srv.base + p);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers.get('content-type'), type, p);
      await r.arrayBuffer();
    }
  });

  it('serves a directory through its index.html', async () => {
    for (const p of ['/docs/', '/docs']) {
      const r = await fetch(srv.base + p);
      assert.equal(r.status, 200, p);
      assert.equal(await r.text(), '<h1>docs</h1>');
    }
  });

  it('answers 304 to a matching If-None-Match, 200 otherwise', async () => {
    const r = await fetch(`${srv.base}/app.js`);
    const etag = r.headers.get('etag');
    await r.text();
    const r2 = await fetch(`${srv.base}/app.js`, { headers: { 'If-None-Match': etag } });
    assert.equal(r2.status, 304);
    assert.equal(await r2.text(), '');
    const r3 = await fetch(`${srv.base}/app.js`, { headers: { 'If-None-Match': '"other"' } });
    assert.equal(r3.status, 200);
    assert.equal(await r3.text(), 'console.log(1);');
  });

  it('notices a changed file', async () => {
    const r = await fetch(`${srv.base}/style.css`);
    const etag = r.headers.get('etag');
    assert.equal(await r.text(), 'body{}');
    await new Promise((res) => setTimeout(res, 20));
    fs.writeFileSync(path.join(srv.root, 'style.css'), 'body{color:red}');
    const r2 = await fetch(`${srv.base}/style.css`, { headers: { 'If-None-Match': etag } });
    assert.equal(r2.status, 200);
    assert.notEqual(r2.headers.get('etag'), etag);
    assert.equal(await r2.text(), 'body{color:red}');
  });

  it('streams a large file intact', async () => {
    const r = await fetch(`${srv.base}/blob.bin`);
    assert.equal(r.status, 200);
    assert.equal(Number(r.headers.get('content-length')), big.length);
    const got = Buffer.from(await r.arrayBuffer());
    assert.ok(got.equals(big));
  });

  it('answers a missing file with the 404 JSON error', async () => {
    const r = await fetch(`${srv.base}/missing.png`);
    assert.equal(r.status, 404);
    assert.equal((await r.json()).error.code, 'not_found');
  });

  it('refuses path traversal, plain and encoded', async () => {
    for (const p of ['/../secret.txt', '/docs/../../secret.txt', '/%2e%2e/secret.txt',
      '/docs/%2E%2E/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const rs = await raw(`GET ${p} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
      assert.ok(rs.length === 1, p);
      assert.ok([400, 403, 404].includes(rs[0].status), `${p} -> ${rs[0].status}`);
      assert.ok(!rs[0].body.includes('top secret'), p);
    }
  });

  it('refuses a symlink that leads out of the root', async () => {
    const r = await fetch(`${srv.base}/link.txt`);
    assert.equal(r.status, 404);
    assert.ok(!(await r.text()).includes('top secret'));
  });

  it('cuts a pipelining client that does not read its responses', async () => {
    const s = await connect(srv.port);
    s.pause();
    const n = 300;
    s.write('GET /medium.bin HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(n));
    await new Promise((r) => setTimeout(r, 1500));
    s.resume();
    await closedWithin(s, 5000);
    assert.ok(s.destroyed || s.readableEnded, 'connection was closed by the server');
    const got = parseResponses(s.received).length;
    assert.ok(got < n, `only part of the ${n} responses arrived (got ${got})`);
  });

  it('does not serve static files for other methods', async () => {
    const r = await fetch(`${srv.base}/app.js`, { method: 'POST', body: 'x' });
    assert.equal(r.status, 404);
    await r.text();
  });
});
