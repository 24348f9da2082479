// admin_settings.test.mjs: the tenant administration API: settings validation (bad input
// is refused with 400 and changes nothing), technicians, articles and users.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, loginAs, seededDb, serve } from './auth_lib.mjs';

let env, srv, admin;
const ADMIN = 'admin@brightline.example';

before(async () => {
  env = seededDb();
  srv = await serve(env.db);
  admin = await loginAs(srv.base, ADMIN, env.logins[ADMIN]);
});

after(async () => {
  if (srv) {
    const r = await srv.stop();
    assert.equal(r.code, 0, `server exit: ${srv.logs().join('\n')}`);
  }
  env?.cleanup();
});

async function settings() {
  const r = await admin.req('GET', '/api/v1/settings');
  assert.equal(r.status, 200);
  return r.json;
}

test('settings come back in the seed shape', async () => {
  const s = await settings();
  assert.equal(s.timezone, 'America/New_York');
  assert.deepEqual(s.hours.mon, [['07:00', '18:00']]);
  assert.deepEqual(s.hours.sun, []);
  assert.deepEqual(s.service_zips, ['28105', '28173', '28202', '28203']);
  const call = s.services.find((x) => x.code === 'service_call');
  assert.equal(call.price, 89);
  assert.equal(call.price_kind, 'fixed');
  assert.equal(s.services.find((x) => x.code === 'panel_upgrade').price, null);
  assert.equal(s.escalation.sla_seconds.P1, 60);
  assert.deepEqual(s.holidays[0], { date: '2026-01-01', name: "New Year's Day" });
});

const invalid = [
  ['unknown time zone', { timezone: 'Mars/Olympus_Mons' }, /timezone/],
  ['time zone path trick', { timezone: '../../etc/passwd' }, /timezone/],
  ['overlapping hours', { hours: { mon: [['07:00', '12:00'], ['11:00', '18:00']] } }, /hours\.mon/],
  ['open after close', { hours: { tue: [['18:00', '07:00']] } }, /hours\.tue/],
  ['bad time', { hours: { wed: [['7am', '18:00']] } }, /hours\.wed/],
  ['unknown day', { hours: { funday: [] } }, /funday/],
  ['malformed ZIP', { service_zips: ['28202', '2820A'] }, /service_zips\[1\]/],
  ['short ZIP', { service_zips: ['2820'] }, /service_zips\[0\]/],
  ['negative price', { services: [{ code: 'x', name: 'X', trade: 'hvac', price: -5, price_kind: 'fixed', duration_windows: 1 }] }, /services\[0\]\.price/],
  ['missing price', { services: [{ code: 'x', name: 'X', trade: 'hvac', price_kind: 'from', duration_windows: 1 }] }, /price/],
  ['unknown trade', { services: [{ code: 'x', name: 'X', trade: 'roofing', price: 5, price_kind: 'fixed', duration_windows: 1 }] }, /trade/],
  ['zero windows', { services: [{ code: 'x', name: 'X', trade: 'hvac', price: 5, price_kind: 'fixed', duration_windows: 0 }] }, /duration_windows/],
  ['bad price kind', { services: [{ code: 'x', name: 'X', trade: 'hvac', price: 5, price_kind: 'cheap', duration_windows: 1 }] }, /price_kind/],
  ['invalid date', { holidays: [{ date: '2026-02-30', name: 'Nope' }] }, /holidays\[0\]\.date/],
  ['unknown field', { colour: 'blue' }, /colour/],
  ['escalation out of range', { escalation: { frustration_threshold: 7 } }, /frustration_threshold/],
  ['empty name', { name: '' }, /name/],
  ['bad phone', { phone: '704-555-0100' }, /phone/],
];

for (const [what, body, field] of invalid) {
  test(`settings: ${what} -> 400 validation_failed and nothing changes`, async () => {
    const before = await settings();
    for (const method of ['PATCH', 'PUT']) {
      const doc = method === 'PUT' ? { ...before, ...body } : body;
      const r = await admin.req(method, '/api/v1/settings', doc);
      assert.equal(r.status, 400, `${method}: ${r.text}`);
      assert.equal(r.json.error.code, 'validation_failed');
      assert.match(r.json.error.message, field);
    }
    assert.deepEqual(await settings(), before);
  });
}

test('malformed JSON and invalid UTF-8 -> 400 invalid_json and nothing changes', async () => {
  const before = await settings();
  for (const body of ['{"name": "x"', 'not json', '[1,2]', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])]) {
    const r = await admin.req('PATCH', '/api/v1/settings', body);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'invalid_json');
  }
  const dup = await admin.req('PATCH', '/api/v1/settings', '{"name":"A","name":"B"}');
  assert.equal(dup.status, 400);
  for (const p of ['/api/v1/technicians', '/api/v1/kb/articles', '/api/v1/users', '/api/v1/api-keys']) {
    const r = await admin.req('POST', p, '{oops');
    assert.equal(r.status, 400, p);
    assert.equal(r.json.error.code, 'invalid_json');
  }
  assert.deepEqual(await settings(), before);
});

test('PATCH changes only what it names; PUT replaces the whole document', async () => {
  const before = await settings();
  const p = await admin.req('PATCH', '/api/v1/settings',
    { timezone: 'America/Chicago', hours: { sun: [['10:00', '14:00']] } });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.timezone, 'America/Chicago');
  assert.deepEqual(p.json.hours.sun, [['10:00', '14:00']]);
  assert.deepEqual(p.json.hours.mon, [], 'hours is replaced as a whole week');
  assert.deepEqual(p.json.services, before.services);
  const after = await settings();
  assert.deepEqual(after, p.json, 'the response is what was stored');

  const doc = { ...before, service_zips: ['28202'], services: [...before.services,
    { code: 'drain', name: 'Drain cleaning', trade: 'plumbing', price: 149.5, price_kind: 'from', duration_windows: 1, description: 'from' }] };
  const put = await admin.req('PUT', '/api/v1/settings', doc);
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.json.service_zips, ['28202']);
  assert.equal(put.json.services.find((x) => x.code === 'drain').price, 149.5);
  assert.equal(put.json.timezone, 'America/New_York');
  const missing = await admin.req('PUT', '/api/v1/settings', { name: 'Only a name' });
  assert.equal(missing.status, 400);
  assert.match(missing.json.error.message, /timezone/);
  const restored = await admin.req('PUT', '/api/v1/settings', before);
  assert.equal(restored.status, 200);
  assert.deepEqual(await settings(), before);
});

test('technicians: create, read, replace, validate, delete', async () => {
  const bad = await admin.req('POST', '/api/v1/technicians', { name: 'Luis Ortega', phone: '7045550114' });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /phone/);
  const noName = await admin.req('POST', '/api/v1/technicians', { trades: ['hvac'] });
  assert.equal(noName.status, 400);
  assert.match(noName.json.error.message, /name/);
  assert.equal((await admin.req('POST', '/api/v1/technicians', { name: 'X', trades: ['roofing'] })).status, 400);
  assert.equal((await admin.req('POST', '/api/v1/technicians', { name: 'X', zips: ['123'] })).status, 400);

  const c = await admin.req('POST', '/api/v1/technicians', {
    name: 'Luis Ortega', trades: ['electrical'], phone: '+17045550114', email: 'luis@brightline.example',
    hours: { mon: [['08:00', '17:00']], fri: [['08:00', '12:00']] }, zips: ['28202', '28105'],
  });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.json.name, 'Luis Ortega');
  assert.deepEqual(c.json.trades, ['electrical']);
  assert.deepEqual(c.json.hours.fri, [['08:00', '12:00']]);
  assert.equal(c.json.active, true);
  const id = c.json.id;
  const g = await admin.req('GET', `/api/v1/technicians/${id}`);
  assert.deepEqual(g.json, c.json);

  const u = await admin.req('PUT', `/api/v1/technicians/${id}`, { name: 'Luis Ortega', trades: ['electrical', 'general'], active: false });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.active, false);
  assert.deepEqual(u.json.zips, []);
  assert.equal((await admin.req('PUT', `/api/v1/technicians/${id}`, { name: 'L', phone: 'x' })).status, 400);
  assert.equal((await admin.req('GET', `/api/v1/technicians/${id}`)).json.active, false);

  assert.equal((await admin.req('DELETE', `/api/v1/technicians/${id}`)).status, 204);
  assert.equal((await admin.req('GET', `/api/v1/technicians/${id}`)).status, 404);
  assert.equal((await admin.req('GET', '/api/v1/technicians/abc')).status, 404);
});

test('knowledge base: create, read, update, delete', async () => {
  const c = await admin.req('POST', '/api/v1/kb/articles', { title: 'Warranty', body: 'One year on labor.', tags: ['warranty'] });
  assert.equal(c.status, 201, c.text);
  const id = c.json.id;
  assert.deepEqual(c.json.tags, ['warranty']);
  assert.equal((await admin.req('POST', '/api/v1/kb/articles', { title: 'No body' })).status, 400);
  assert.equal((await admin.req('POST', '/api/v1/kb/articles', { title: 'T', body: 'B', tags: 'x' })).status, 400);
  const u = await admin.req('PUT', `/api/v1/kb/articles/${id}`, { title: 'Warranty', body: 'Two years on labor.', tags: [] });
  assert.equal(u.status, 200);
  assert.equal(u.json.body, 'Two years on labor.');
  const list = await admin.req('GET', '/api/v1/kb/articles');
  assert.ok(list.json.articles.some((a) => a.id === id && a.body === 'Two years on labor.'));
  assert.equal((await admin.req('DELETE', `/api/v1/kb/articles/${id}`)).status, 204);
  assert.equal((await admin.req('GET', `/api/v1/kb/articles/${id}`)).status, 404);
  assert.equal((await admin.req('PUT', `/api/v1/kb/articles/${id}`, { title: 'a', body: 'b' })).status, 404);
});

test('users: add a new user (password shown once), change role, remove', async () => {
  const bad = await admin.req('POST', '/api/v1/users', { email: 'casey@brightline.example', name: 'Casey', role: 'owner' });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /role/);
  const c = await admin.req('POST', '/api/v1/users', { email: 'Casey@Brightline.example', name: 'Casey Jones', role: 'agent' });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.json.user.email, 'casey@brightline.example');
  assert.equal(c.json.user.role, 'agent');
  const pw = c.json.password;
  assert.match(pw, /^[A-Za-z0-9]{16}$/);
  const again = await admin.req('POST', '/api/v1/users', { email: 'casey@brightline.example', role: 'agent' });
  assert.equal(again.status, 409);

  const casey = await loginAs(srv.base, 'casey@brightline.example', pw);
  assert.equal((await casey.req('GET', '/api/v1/users')).status, 403);
  const list = await admin.req('GET', '/api/v1/users');
  assert.ok(!list.text.includes(pw));
  assert.ok(!list.text.includes('argon2'));
  const id = list.json.users.find((x) => x.email === 'casey@brightline.example').id;

  const r = await admin.req('PUT', `/api/v1/users/${id}`, { role: 'supervisor' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.role, 'supervisor');
  assert.equal((await casey.req('GET', '/api/v1/users')).status, 200);
  assert.equal((await admin.req('PUT', `/api/v1/users/${id}`, { role: 'root' })).status, 400);

  const chosen = await admin.req('POST', '/api/v1/users', { email: 'drew@brightline.example', name: 'Drew', role: 'agent', password: 'drew-chooses-this' });
  assert.equal(chosen.status, 201);
  assert.equal(chosen.json.password, undefined, 'a chosen password is not echoed');
  assert.equal((await new Client(srv.base).login('drew@brightline.example', 'drew-chooses-this')).status, 200);

  assert.equal((await admin.req('DELETE', `/api/v1/users/${id}`)).status, 204);
  const gone = await casey.req('GET', '/api/v1/settings');
  assert.equal(gone.status, 400, 'no tenant left to act in');
  assert.equal((await admin.req('DELETE', `/api/v1/users/${id}`)).status, 404);
});

test('users: the last admin of a tenant cannot be demoted or removed', async () => {
  const me = (await admin.req('GET', '/api/v1/auth/me')).json.user.id;
  const demote = await admin.req('PUT', `/api/v1/users/${me}`, { role: 'agent' });
  assert.equal(demote.status, 409);
  assert.match(demote.json.error.message, /last admin/);
  assert.equal((await admin.req('DELETE', `/api/v1/users/${me}`)).status, 409);
  const other = await admin.req('POST', '/api/v1/users', { email: 'owner2@brightline.example', name: 'Second Owner', role: 'admin' });
  assert.equal(other.status, 201);
  const ok = await admin.req('PUT', `/api/v1/users/${other.json.user.id}`, { role: 'supervisor' });
  assert.equal(ok.status, 200);
  const back = await admin.req('PUT', `/api/v1/users/${other.json.user.id}`, { role: 'admin' });
  assert.equal(back.status, 200);
  // With two admins one may step down.
  const down = await admin.req('PUT', `/api/v1/users/${other.json.user.id}`, { role: 'agent' });
  assert.equal(down.status, 200);
  assert.equal((await admin.req('GET', '/api/v1/settings')).status, 200);
});
