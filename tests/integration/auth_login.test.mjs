// auth_login.test.mjs: sign-in, sessions, rate limiting, tenant choice, roles, and the
// 'tandem init' / 'tandem user' commands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, loginAs, seededDb, serve, tandem, SEED } from './auth_lib.mjs';

let env, srv;
const ADMIN = 'admin@brightline.example';
const AGENT = 'agent1@brightline.example';
const PLATFORM = 'platform@tandem.example';

before(async () => {
  env = seededDb();
  srv = await serve(env.db);
});

after(async () => {
  if (srv) {
    const r = await srv.stop();
    assert.equal(r.code, 0, `server exit: ${srv.logs().join('\n')}`);
  }
  env?.cleanup();
});

test('init prints one login per demo account', () => {
  for (const e of [ADMIN, AGENT, 'agent2@brightline.example', PLATFORM]) {
    assert.match(env.logins[e] ?? '', /^[A-Za-z0-9]{16}$/, e);
  }
});

test('login with the right password sets an HttpOnly SameSite=Strict session cookie', async () => {
  const c = new Client(srv.base);
  const r = await c.login(ADMIN, env.logins[ADMIN]);
  assert.equal(r.status, 200);
  assert.equal(r.json.user.email, ADMIN);
  assert.deepEqual(r.json.tenants.map((t) => [t.slug, t.role]), [['demo', 'admin']]);
  assert.match(r.json.csrf_token, /^[A-Za-z0-9_-]{43}$/);
  assert.match(c.setCookie, /^tandem_session=[A-Za-z0-9_-]{43};/);
  assert.match(c.setCookie, /HttpOnly/);
  assert.match(c.setCookie, /SameSite=Strict/);
  assert.match(c.setCookie, /Path=\//);
  assert.ok(!('password_hash' in r.json.user));
  const me = await c.req('GET', '/api/v1/auth/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.user.email, ADMIN);
  assert.equal(me.json.tenant, 'demo');
  assert.equal(me.json.role, 'admin');
  assert.equal(me.json.csrf_token, c.csrf);
});

test('login is case-insensitive on the email', async () => {
  const c = new Client(srv.base);
  const r = await c.login('Agent2@BrightLine.example', env.logins['agent2@brightline.example']);
  assert.equal(r.status, 200);
});

test('a wrong password and an unknown email get the same 401', async () => {
  const c = new Client(srv.base);
  const a = await c.req('POST', '/api/v1/auth/login', { email: AGENT, password: 'wrong-password' });
  const b = await c.req('POST', '/api/v1/auth/login', { email: 'nobody@brightline.example', password: 'wrong-password' });
  assert.equal(a.status, 401);
  assert.equal(b.status, 401);
  assert.deepEqual(a.json, b.json);
  assert.equal(a.json.error.code, 'unauthorized');
  assert.equal(a.headers.get('set-cookie'), null);
});

test('login validates its body', async () => {
  const c = new Client(srv.base);
  const r1 = await c.req('POST', '/api/v1/auth/login', '{"email": ');
  assert.equal(r1.status, 400);
  assert.equal(r1.json.error.code, 'invalid_json');
  const r2 = await c.req('POST', '/api/v1/auth/login', { password: 'x' });
  assert.equal(r2.status, 400);
  assert.equal(r2.json.error.code, 'validation_failed');
  assert.match(r2.json.error.message, /email/);
});

test('requests without a session or with a made-up one get 401', async () => {
  const c = new Client(srv.base);
  assert.equal((await c.req('GET', '/api/v1/auth/me')).status, 401);
  assert.equal((await c.req('GET', '/api/v1/settings')).status, 401);
  c.cookie = 'tandem_session=' + 'A'.repeat(43);
  const r = await c.req('GET', '/api/v1/settings');
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'unauthorized');
});

test('logout ends the session', async () => {
  const c = await loginAs(srv.base, AGENT, env.logins[AGENT]);
  assert.equal((await c.req('GET', '/api/v1/auth/me')).status, 200);
  const noCsrf = await c.req('POST', '/api/v1/auth/logout', undefined, { csrf: false });
  assert.equal(noCsrf.status, 403);
  assert.equal((await c.req('GET', '/api/v1/auth/me')).status, 200);
  const out = await c.req('POST', '/api/v1/auth/logout');
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
  assert.equal((await c.req('GET', '/api/v1/auth/me')).status, 401);
});

test('five failures lock an email+address out with 429 and Retry-After', async () => {
  const email = 'agent2@brightline.example';
  const c = new Client(srv.base);
  for (let i = 0; i < 5; i++) {
    const r = await c.req('POST', '/api/v1/auth/login', { email, password: `nope-${i}-xxxxx` });
    assert.equal(r.status, 401, `attempt ${i + 1}`);
  }
  const locked = await c.req('POST', '/api/v1/auth/login', { email, password: 'still-wrong' });
  assert.equal(locked.status, 429);
  assert.equal(locked.json.error.code, 'rate_limited');
  const wait = Number(locked.headers.get('retry-after'));
  assert.ok(wait > 800 && wait <= 900, `Retry-After ${wait}`);
  // Even the right password is refused while locked out.
  const right = await c.req('POST', '/api/v1/auth/login', { email, password: env.logins[email] });
  assert.equal(right.status, 429);
  // Another account from the same address is not affected.
  assert.equal((await c.login(ADMIN, env.logins[ADMIN])).status, 200);
});

test('roles: agents read settings but cannot change them or list users', async () => {
  const agent = await loginAs(srv.base, AGENT, env.logins[AGENT]);
  assert.equal((await agent.req('GET', '/api/v1/settings')).status, 200);
  assert.equal((await agent.req('GET', '/api/v1/technicians')).status, 200);
  const put = await agent.req('PATCH', '/api/v1/settings', { name: 'Hijacked' });
  assert.equal(put.status, 403);
  assert.equal(put.json.error.code, 'forbidden');
  assert.equal((await agent.req('GET', '/api/v1/users')).status, 403);
  assert.equal((await agent.req('POST', '/api/v1/kb/articles', { title: 't', body: 'b' })).status, 403);
  assert.equal((await agent.req('GET', '/api/v1/tenants')).status, 403);
  const s = await agent.req('GET', '/api/v1/settings');
  assert.equal(s.json.name, 'Brightline Heating, Cooling & Plumbing');
});

test('tenants: platform admin creates one; X-Tenant picks among several; others 404', async () => {
  const root = await loginAs(srv.base, PLATFORM, env.logins[PLATFORM]);
  const bad = await root.req('POST', '/api/v1/tenants', { slug: 'Bad Slug', name: 'x', timezone: 'UTC' });
  assert.equal(bad.status, 400);
  const t = await root.req('POST', '/api/v1/tenants',
    { slug: 'acme', name: 'Acme Plumbing', timezone: 'America/Chicago', admin_email: ADMIN });
  assert.equal(t.status, 201, t.text);
  assert.equal(t.json.slug, 'acme');
  const dup = await root.req('POST', '/api/v1/tenants', { slug: 'acme', name: 'Again', timezone: 'UTC' });
  assert.equal(dup.status, 409);
  const list = await root.req('GET', '/api/v1/tenants');
  assert.deepEqual(list.json.tenants.map((x) => x.slug).sort(), ['acme', 'demo']);

  const admin = await loginAs(srv.base, ADMIN, env.logins[ADMIN]);
  const none = await admin.req('GET', '/api/v1/settings');
  assert.equal(none.status, 400);
  const demo = await admin.req('GET', '/api/v1/settings', undefined, { headers: { 'X-Tenant': 'demo' } });
  assert.equal(demo.status, 200);
  assert.equal(demo.json.slug, 'demo');
  const acme = await admin.req('GET', '/api/v1/settings', undefined, { headers: { 'X-Tenant': 'acme' } });
  assert.equal(acme.json.name, 'Acme Plumbing');
  // The agent belongs to demo only: acme and a tenant that does not exist look the same.
  const agent = await loginAs(srv.base, AGENT, env.logins[AGENT]);
  const a1 = await agent.req('GET', '/api/v1/settings', undefined, { headers: { 'X-Tenant': 'acme' } });
  const a2 = await agent.req('GET', '/api/v1/settings', undefined, { headers: { 'X-Tenant': 'no-such' } });
  assert.equal(a1.status, 404);
  assert.equal(a2.status, 404);
  assert.deepEqual(a1.json, a2.json);
  assert.ok(!a1.text.includes('Acme'));
});

test('tandem user add / list / passwd', async () => {
  const add = tandem(['user', 'add', '--db', env.db, '--email', 'Sam@Brightline.example',
    '--name', 'Sam Supervisor', '--tenant', 'demo', '--role', 'supervisor']);
  assert.equal(add.status, 0, add.stderr);
  const pw = /password: (\S+)/.exec(add.stdout)[1];
  const sam = await loginAs(srv.base, 'sam@brightline.example', pw);
  assert.equal((await sam.req('GET', '/api/v1/users')).status, 200);
  assert.equal((await sam.req('PATCH', '/api/v1/settings', { name: 'x' })).status, 403);

  const list = tandem(['user', 'list', '--db', env.db, '--tenant', 'demo']);
  assert.equal(list.status, 0);
  assert.match(list.stdout, /sam@brightline\.example\tSam Supervisor\tsupervisor/);

  const pass = tandem(['user', 'passwd', '--db', env.db, '--email', 'sam@brightline.example',
    '--password-stdin'], 'a brand new password\n');
  assert.equal(pass.status, 0, pass.stderr);
  assert.ok(!pass.stdout.includes('a brand new password'));
  // The old session is gone and the old password no longer works.
  assert.equal((await sam.req('GET', '/api/v1/auth/me')).status, 401);
  assert.equal((await new Client(srv.base).login('sam@brightline.example', pw)).status, 401);
  assert.equal((await new Client(srv.base).login('sam@brightline.example', 'a brand new password')).status, 200);

  const dup = tandem(['user', 'add', '--db', env.db, '--email', 'sam@brightline.example', '--name', 'Sam']);
  assert.equal(dup.status, 1);
  const bad = tandem(['user', 'add', '--db', env.db, '--email', 'not-an-email', '--name', 'X']);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.equal(tandem(['user', 'add', '--db', env.db, '--bogus']).status, 2);
  assert.equal(tandem(['user', 'frobnicate']).status, 2);
  assert.equal(tandem(['user', '--help']).status, 0);
  const short = tandem(['user', 'add', '--db', env.db, '--email', 'x@y.example', '--name', 'X', '--password', 'short']);
  assert.equal(short.status, 2);
});

test('tandem init is idempotent and rejects bad usage', () => {
  const again = tandem(['init', '--db', env.db, '--demo', '--seed', SEED]);
  assert.equal(again.status, 0);
  assert.match(again.stdout, /already exists; nothing changed/);
  assert.ok(!/logins:/.test(again.stdout));
  assert.equal(tandem(['init', '--help']).status, 0);
  const bad = tandem(['init', '--frob']);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

test('init --demo seeds the built-in demo business from any directory', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-demo-'));
  try {
    const db = path.join(dir, 'sub', 'demo.db');
    const run = (args) => spawnSync(process.env.TANDEM_BIN, args,
      { cwd: dir, encoding: 'utf8', env: { ...process.env, TANDEM_PWHASH_FAST: '1' } });
    const r = run(['init', '--demo', '--db', db]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Brightline Heating, Cooling & Plumbing/);
    const logins = [...r.stdout.matchAll(/^logins: (\S+) (\S+) \(([^)]+)\)/gm)].map((m) => [m[1], m[3]]);
    assert.deepEqual(logins, [
      ['admin@brightline.example', 'admin'],
      ['agent1@brightline.example', 'agent'],
      ['agent2@brightline.example', 'agent'],
      ['platform@tandem.example', 'platform admin'],
    ]);
    const again = run(['init', '--demo', '--db', db]);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /already exists; nothing changed/);
    const list = run(['user', 'list', '--db', db]);
    assert.equal(list.stdout.trim().split('\n').length, 4);
    // TANDEM_DB is honoured when --db is absent.
    const viaEnv = spawnSync(process.env.TANDEM_BIN, ['user', 'list'],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, TANDEM_DB: db } });
    assert.equal(viaEnv.stdout, list.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tandem user add: platform admins, usage errors', async () => {
  const add = tandem(['user', 'add', '--db', env.db, '--email', 'ops@tandem.example', '--name', 'Ops',
    '--platform-admin', '--password', 'ops-password-1']);
  assert.equal(add.status, 0, add.stderr);
  assert.match(add.stdout, /platform admin/);
  assert.ok(!add.stdout.includes('ops-password-1'));
  const ops = await loginAs(srv.base, 'ops@tandem.example', 'ops-password-1');
  assert.equal((await ops.req('GET', '/api/v1/tenants')).status, 200);
  // A platform admin sees a tenant's data only as a member of it.
  assert.equal((await ops.req('GET', '/api/v1/settings', undefined, { headers: { 'X-Tenant': 'demo' } })).status, 404);
  const roleNoTenant = tandem(['user', 'add', '--db', env.db, '--email', 'z@tandem.example', '--name', 'Z', '--role', 'agent']);
  assert.equal(roleNoTenant.status, 2);
  const badRole = tandem(['user', 'add', '--db', env.db, '--email', 'z@tandem.example', '--name', 'Z', '--tenant', 'demo', '--role', 'boss']);
  assert.equal(badRole.status, 2);
  const noTenant = tandem(['user', 'add', '--db', env.db, '--email', 'z@tandem.example', '--name', 'Z', '--tenant', 'nowhere']);
  assert.equal(noTenant.status, 1);
  const both = tandem(['user', 'passwd', '--db', env.db, '--email', 'ops@tandem.example', '--password', 'x-password-2', '--password-stdin']);
  assert.equal(both.status, 2);
  const unknown = tandem(['user', 'passwd', '--db', env.db, '--email', 'ghost@tandem.example']);
  assert.equal(unknown.status, 1);
});
