// auth_csrf_apikeys.test.mjs: CSRF refusal, API keys (shown once, hashed, revocable) and
// tenant isolation (another tenant's objects answer 404 and never leak data).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, loginAs, seededDb, serve } from './auth_lib.mjs';

let env, srv, admin, root;
const ADMIN = 'admin@brightline.example';
const PLATFORM = 'platform@tandem.example';

before(async () => {
  env = seededDb();
  srv = await serve(env.db);
  admin = await loginAs(srv.base, ADMIN, env.logins[ADMIN]);
  root = await loginAs(srv.base, PLATFORM, env.logins[PLATFORM]);
});

after(async () => {
  if (srv) {
    const r = await srv.stop();
    assert.equal(r.code, 0, `server exit: ${srv.logs().join('\n')}`);
  }
  env?.cleanup();
});

test('a cookie request that changes state without X-CSRF-Token is refused and changes nothing', async () => {
  const before = await admin.req('GET', '/api/v1/kb/articles');
  assert.equal(before.status, 200);
  const n = before.json.articles.length;
  const r = await admin.req('POST', '/api/v1/kb/articles', { title: 'Sneaky', body: 'forged' }, { csrf: false });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'csrf_failed');
  const wrong = await admin.req('POST', '/api/v1/kb/articles', { title: 'Sneaky', body: 'forged' },
    { csrf: false, headers: { 'X-CSRF-Token': admin.csrf.slice(0, -1) + (admin.csrf.endsWith('A') ? 'B' : 'A') } });
  assert.equal(wrong.status, 403);
  const del = await admin.req('DELETE', '/api/v1/technicians/1', undefined, { csrf: false });
  assert.equal(del.status, 403);
  const patch = await admin.req('PATCH', '/api/v1/settings', { name: 'Forged' }, { csrf: false });
  assert.equal(patch.status, 403);
  const after = await admin.req('GET', '/api/v1/kb/articles');
  assert.equal(after.json.articles.length, n);
  assert.ok(!after.text.includes('Sneaky'));
  assert.equal((await admin.req('GET', '/api/v1/technicians/1')).status, 200);
  assert.equal((await admin.req('GET', '/api/v1/settings')).json.name, 'Brightline Heating, Cooling & Plumbing');
  // With the token the same request goes through.
  const ok = await admin.req('POST', '/api/v1/kb/articles', { title: 'Allowed', body: 'with token' });
  assert.equal(ok.status, 201);
});

test('API keys: shown once, work without CSRF, listed without the secret, revocable', async () => {
  const created = await admin.req('POST', '/api/v1/api-keys', { name: 'crm sync' });
  assert.equal(created.status, 201, created.text);
  const key = created.json.key;
  assert.match(key, /^tk_[A-Za-z0-9_-]{51}$/);
  assert.equal(key.slice(3, 11), created.json.prefix);

  const bot = new Client(srv.base, { apiKey: key });
  const s = await bot.req('GET', '/api/v1/settings');
  assert.equal(s.status, 200);
  assert.equal(s.json.slug, 'demo');
  const w = await bot.req('POST', '/api/v1/kb/articles', { title: 'From the CRM', body: 'synced' });
  assert.equal(w.status, 201);

  const list = await admin.req('GET', '/api/v1/api-keys');
  assert.equal(list.status, 200);
  assert.ok(!list.text.includes(key.slice(11)), 'the secret is never listed');
  const row = list.json.api_keys.find((k) => k.id === created.json.id);
  assert.equal(row.name, 'crm sync');
  assert.equal(row.prefix, created.json.prefix);

  const forged = new Client(srv.base, { apiKey: key.slice(0, -2) + (key.endsWith('AA') ? 'BB' : 'AA') });
  assert.equal((await forged.req('GET', '/api/v1/settings')).status, 401);
  const garbage = new Client(srv.base, { apiKey: 'tk_nonsense' });
  assert.equal((await garbage.req('GET', '/api/v1/settings')).status, 401);

  const rev = await admin.req('DELETE', `/api/v1/api-keys/${created.json.id}`);
  assert.equal(rev.status, 204);
  const after = await bot.req('GET', '/api/v1/settings');
  assert.equal(after.status, 401);
  assert.equal(after.json.error.code, 'unauthorized');
  assert.equal((await admin.req('DELETE', `/api/v1/api-keys/${created.json.id}`)).status, 404);
  const listed = (await admin.req('GET', '/api/v1/api-keys')).json.api_keys.find((k) => k.id === created.json.id);
  assert.ok(listed.revoked_at > 0);
});

test("tenant B's key cannot read, change or delete tenant A's objects", async () => {
  // Tenant B with the platform admin as its admin, and a key for B.
  const t = await root.req('POST', '/api/v1/tenants',
    { slug: 'acme', name: 'Acme Electric', timezone: 'America/Denver', admin_email: PLATFORM });
  assert.equal(t.status, 201, t.text);
  const bkey = await root.req('POST', '/api/v1/api-keys', { name: 'acme key' }, { headers: { 'X-Tenant': 'acme' } });
  assert.equal(bkey.status, 201, bkey.text);
  const b = new Client(srv.base, { apiKey: bkey.json.key });

  const techs = (await admin.req('GET', '/api/v1/technicians')).json.technicians;
  const dana = techs.find((x) => x.name === 'Dana Whitfield');
  assert.ok(dana);
  const article = (await admin.req('GET', '/api/v1/kb/articles')).json.articles[0];

  const r = await b.req('GET', `/api/v1/technicians/${dana.id}`);
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'not_found');
  for (const leak of ['Dana', 'Whitfield', '+17045550111', 'brightline']) {
    assert.ok(!r.text.includes(leak), `response leaks ${leak}`);
  }
  const unknown = await b.req('GET', '/api/v1/technicians/999999');
  assert.deepEqual(r.json, unknown.json, 'another tenant\'s id looks like an unknown id');

  const put = await b.req('PUT', `/api/v1/technicians/${dana.id}`, { name: 'Taken Over' });
  assert.equal(put.status, 404);
  const del = await b.req('DELETE', `/api/v1/technicians/${dana.id}`);
  assert.equal(del.status, 404);
  assert.equal((await b.req('GET', `/api/v1/kb/articles/${article.id}`)).status, 404);
  assert.equal((await b.req('DELETE', `/api/v1/kb/articles/${article.id}`)).status, 404);
  const blist = await b.req('GET', '/api/v1/technicians');
  assert.deepEqual(blist.json.technicians, []);
  const bkb = await b.req('GET', '/api/v1/kb/articles');
  assert.ok(!bkb.text.includes(article.title));
  // The key cannot borrow another tenant's name either.
  const other = await b.req('GET', '/api/v1/settings', undefined, { headers: { 'X-Tenant': 'demo' } });
  assert.equal(other.status, 404);
  assert.ok(!other.text.includes('Brightline'));

  const still = await admin.req('GET', `/api/v1/technicians/${dana.id}`);
  assert.equal(still.status, 200);
  assert.equal(still.json.name, 'Dana Whitfield');
  assert.equal((await admin.req('GET', `/api/v1/kb/articles/${article.id}`)).status, 200);

  // Users and keys are per tenant too.
  const demoUsers = await admin.req('GET', '/api/v1/users');
  assert.ok(!demoUsers.text.includes(PLATFORM));
  assert.equal((await b.req('PUT', '/api/v1/users/1', { role: 'agent' })).status, 404);
  assert.equal((await b.req('DELETE', '/api/v1/users/2')).status, 404);
  const keysA = (await admin.req('GET', '/api/v1/api-keys')).json.api_keys;
  assert.equal((await b.req('DELETE', `/api/v1/api-keys/${keysA[0].id}`)).status, 404);
});

test('platform-only endpoints refuse tenant admins and API keys', async () => {
  assert.equal((await admin.req('GET', '/api/v1/tenants')).status, 403);
  const key = await admin.req('POST', '/api/v1/api-keys', { name: 'k2' });
  const bot = new Client(srv.base, { apiKey: key.json.key });
  assert.equal((await bot.req('GET', '/api/v1/tenants')).status, 403);
  assert.equal((await bot.req('POST', '/api/v1/tenants', { slug: 'x', name: 'x', timezone: 'UTC' })).status, 403);
});
