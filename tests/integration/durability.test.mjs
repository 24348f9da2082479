// durability.test.mjs: every write acknowledged with 2xx survives a kill -9 of the server.
// Many concurrent article writes are fired, the server is killed mid-stream, restarted on
// the same database, and every acknowledged article must be there with its id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, loginAs, seededDb, serve } from './auth_lib.mjs';

const ADMIN = 'admin@brightline.example';

test('acknowledged writes survive kill -9', async () => {
  const env = seededDb();
  let srv = await serve(env.db);
  try {
    const admin = await loginAs(srv.base, ADMIN, env.logins[ADMIN]);
    const k = await admin.req('POST', '/api/v1/api-keys', { name: 'durability' });
    assert.equal(k.status, 201);
    const key = k.json.key;
    const bot = new Client(srv.base, { apiKey: key });

    const acked = new Map();  // title -> id
    let failed = 0;
    let killed = false;
    const TOTAL = 600;
    const IN_FLIGHT = 24;
    const KILL_AFTER = 150;
    let next = 0;

    async function worker() {
      while (next < TOTAL) {
        const i = next++;
        const title = `durable article ${i}`;
        try {
          const r = await bot.req('POST', '/api/v1/kb/articles', { title, body: `body ${i}`, tags: ['durability'] });
          if (r.status === 201 && r.json && r.json.title === title) acked.set(title, r.json.id);
          else failed++;
        } catch {
          failed++;  // the connection died with the server: not acknowledged
        }
        if (!killed && acked.size >= KILL_AFTER) {
          killed = true;
          srv.child.kill('SIGKILL');
        }
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const exit = await srv.exited;
    assert.equal(exit.signal, 'SIGKILL', 'the server was killed mid-stream');
    assert.ok(acked.size >= KILL_AFTER, `acknowledged ${acked.size}`);
    assert.ok(failed > 0, 'some writes were cut off by the kill');

    srv = await serve(env.db);
    const after = new Client(srv.base, { apiKey: key });
    const list = await after.req('GET', '/api/v1/kb/articles');
    assert.equal(list.status, 200);
    const stored = new Map(list.json.articles.map((a) => [a.title, a.id]));
    const missing = [...acked.keys()].filter((t) => stored.get(t) !== acked.get(t));
    assert.deepEqual(missing, [], `${missing.length} of ${acked.size} acknowledged writes were lost`);
    // Nothing is duplicated either.
    const titles = list.json.articles.map((a) => a.title);
    assert.equal(new Set(titles).size, titles.length);
  } finally {
    if (srv.child.exitCode === null && srv.child.signalCode === null) {
      const r = await srv.stop();
      assert.equal(r.code, 0);
    }
    env.cleanup();
  }
});

test('the store writer reports jobs, commits and checkpoints on /metrics', async () => {
  const env = seededDb();
  const srv = await serve(env.db);
  try {
    const admin = await loginAs(srv.base, ADMIN, env.logins[ADMIN]);
    const k = await admin.req('POST', '/api/v1/api-keys', { name: 'metrics' });
    const bot = new Client(srv.base, { apiKey: k.json.key });
    const read = async () => {
      const text = await (await fetch(`${srv.base}/metrics`)).text();
      const num = (name) => {
        const m = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
        assert.ok(m, `${name} is on /metrics`);
        return Number(m[1]);
      };
      return { jobs: num('tandem_store_jobs_total'), commits: num('tandem_store_commits_total'),
               failed: num('tandem_store_failed_total'), ckpt: num('tandem_store_checkpoints_total') };
    };
    const before = await read();
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      bot.req('POST', '/api/v1/kb/articles', { title: `metrics ${i}`, body: 'b', tags: [] })));
    assert.ok(rs.every((r) => r.status === 201));
    const after = await read();
    assert.ok(after.jobs - before.jobs >= 30, `jobs ${before.jobs} -> ${after.jobs}`);
    assert.ok(after.commits > before.commits && after.commits - before.commits <= after.jobs - before.jobs);
    assert.equal(after.failed, before.failed);
    assert.ok(after.ckpt >= 0);
  } finally {
    await srv.stop();
    env.cleanup();
  }
});
