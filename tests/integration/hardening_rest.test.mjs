// hardening_rest.test.mjs: hostile input to the conversation and appointment REST API:
// blank text, client ids with NUL, times past any calendar, a technician of the wrong
// trade, another tenant's ids through an API key, cookies without the CSRF token, an
// agent doing admin things, and a request abandoned mid-turn. Every refusal is checked
// to change nothing, and the server's stderr to hold no sanitizer report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADDRESS, agent, demoDb, say, serve, startConversation } from './conv_lib.mjs';
import { Client, loginAs } from './auth_lib.mjs';

let env, srv, c, other, bot, customerId, techs;

function assertNoSanitizerReport() {
  const text = srv.logs().join('\n');
  assert.doesNotMatch(text, /AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer/,
    text.slice(-4000));
}

/** "YYYY-MM-DDTHH:00:00" (business-local) of the n-th weekday from ten days ahead, so
 * each test books on a day of its own. */
function localWindow(n, hour) {
  const d = new Date(Date.now() + 10 * 86400000);
  for (let k = -1; k < n;) {
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) k++;
    if (k < n) d.setUTCDate(d.getUTCDate() + 1);
  }
  return `${d.toISOString().slice(0, 10)}T${String(hour).padStart(2, '0')}:00:00`;
}

before(async () => {
  env = demoDb();
  srv = await serve(env.db);
  c = await agent(srv.base, env);
  const r = await c.req('POST', '/api/v1/conversations', { customer: { name: 'Pat Roe', phone: '+17045550188' } });
  assert.equal(r.status, 201, r.text);
  customerId = r.json.customer_id;
  techs = (await c.req('GET', '/api/v1/technicians')).json.technicians;
  // a second business, with its own admin and API key
  const root = await loginAs(srv.base, 'platform@tandem.example', env.logins['platform@tandem.example']);
  const t = await root.req('POST', '/api/v1/tenants', {
    slug: 'acme', name: 'Acme Electric', timezone: 'America/Denver', admin_email: 'agent2@brightline.example',
  });
  assert.equal(t.status, 201, t.text);
  other = await loginAs(srv.base, 'agent2@brightline.example', env.logins['agent2@brightline.example'], 'acme');
  const k = await other.req('POST', '/api/v1/api-keys', { name: 'hardening' });
  assert.equal(k.status, 201, k.text);
  bot = new Client(srv.base, { apiKey: k.json.key });
});

after(async () => {
  if (srv) {
    const r = await srv.stop();
    assertNoSanitizerReport();
    assert.equal(r.code, 0, `server exit ${r.signal}: ${srv.logs().join('\n')}`);
  }
  env?.cleanup();
});

async function messages(client, id) {
  const g = await client.req('GET', `/api/v1/conversations/${id}`);
  assert.equal(g.status, 200, g.text);
  return g.json.messages;
}

async function appointmentCount() {
  return (await c.req('GET', '/api/v1/appointments')).json.appointments.length;
}

test('blank or whitespace-only text is refused and stores nothing', async () => {
  const id = await startConversation(c);
  for (const text of [' ', '   \t\n ', '\u00a0\u2003', '\r\n']) {
    const r = await say(c, id, text, 'blank');
    assert.equal(r.status, 400, `${JSON.stringify(text)}: ${r.text}`);
    assert.equal(r.json.error.code, 'validation_failed');
  }
  assert.deepEqual(await messages(c, id), []);
  // the client id was not used up: a real message with it goes through
  const ok = await say(c, id, 'what are your hours?', 'blank');
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.message.text, 'what are your hours?');
});

test('a client id with a NUL byte is refused, so two ids never collide', async () => {
  const id = await startConversation(c);
  for (const cid of ['a\u0000b', '\u0000', 'x\u0000']) {
    const r = await say(c, id, 'hello there', cid);
    assert.equal(r.status, 400, `${JSON.stringify(cid)}: ${r.text}`);
    assert.ok(r.json.error.code && r.json.error.message, r.text);
  }
  assert.deepEqual(await messages(c, id), []);
});

test('wrong types and odd bodies are refused with clear errors and change nothing', async () => {
  const id = await startConversation(c);
  const convs = (await c.req('GET', '/api/v1/conversations?limit=1000')).json.conversations.length;
  const appts = await appointmentCount();
  const hvac = techs.find((t) => t.trades.includes('hvac'));
  const start = localWindow(1, 10);
  const good = { customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start, address: ADDRESS };
  const badAppts = [
    { ...good, customer_id: String(customerId) },
    { ...good, customer_id: customerId + 0.5 },
    { ...good, customer_id: -customerId },
    { ...good, customer_id: [customerId] },
    { ...good, customer_id: { id: customerId } },
    { ...good, customer_id: null },
    { ...good, technician_id: String(hvac.id) },
    { ...good, technician_id: -1 },
    { ...good, service: ['ac_tune_up'] },
    { ...good, start: ['x'] },
    { ...good, start: -5 },
    { ...good, address: 7 },
    { ...good, notes: { a: 1 } },
    { ...good, address: 'x'.repeat(301) },
  ];
  for (const body of badAppts) {
    const r = await c.req('POST', '/api/v1/appointments', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.ok(r.json.error.code && r.json.error.message, r.text);
  }
  // numbers past int64, broken UTF-8 and duplicate keys never reach the handlers
  const raw = [
    `{"customer_id":9223372036854775808,"service":"ac_tune_up","technician_id":${hvac.id},"start":"${start}"}`,
    Buffer.from([...Buffer.from('{"text":"caf'), 0xc3, 0x28, ...Buffer.from('"}')]),
    '{"text":"hi","text":"again"}',
    '{"text":"\\ud800"}',
    '"just a string"',
    '',
  ];
  for (const body of raw) {
    const r = await c.req('POST', '/api/v1/appointments', body);
    assert.equal(r.status, 400, `${body}: ${r.text}`);
    const m = await c.req('POST', `/api/v1/conversations/${id}/messages`, body);
    assert.equal(m.status, 400, `${body}: ${m.text}`);
    assert.equal(m.json.error.code, 'invalid_json', m.text);
  }
  for (const body of [{ customer: { name: '' } }, { customer: { phone: 17045550100 } }, { channel: ['chat'] },
    { customer: { name: 'A', nickname: 'B' } }, { customer: { email: 'A@B.example' } }, { channel: null }]) {
    const r = await c.req('POST', '/api/v1/conversations', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
  }
  // ids in the path: negative, zero, past int64, not numbers
  for (const p of ['-1', '0', '9223372036854775808', '99999999999999999999', '1e3', '0x10', '%20']) {
    assert.equal((await c.req('GET', `/api/v1/conversations/${p}`)).status, 404, p);
    assert.equal((await c.req('GET', `/api/v1/appointments/${p}`)).status, 404, p);
    assert.equal((await c.req('PATCH', `/api/v1/appointments/${p}`, { status: 'en_route' })).status, 404, p);
    assert.equal((await say(c, p, 'hi')).status, 404, p);
  }
  for (const q of ['limit=0', 'limit=-1', 'limit=1001', 'limit=9223372036854775808', 'limit=abc', 'limit=']) {
    assert.equal((await c.req('GET', `/api/v1/conversations?${q}`)).status, 400, q);
  }
  for (const q of ['technician_id=-1', 'customer_id=9223372036854775808', 'from=yesterday', 'status=lost']) {
    assert.equal((await c.req('GET', `/api/v1/appointments?${q}`)).status, 400, q);
  }
  assert.deepEqual(await messages(c, id), []);
  assert.equal((await c.req('GET', '/api/v1/conversations?limit=1000')).json.conversations.length, convs);
  assert.equal(await appointmentCount(), appts);
});

test('times past any calendar are refused (no overflow) and change nothing', async () => {
  const hvac = techs.find((t) => t.trades.includes('hvac'));
  const appts = await appointmentCount();
  for (const start of [9223372036854775807, -9223372036854775808, 9007199254740991, 253402300800, '275760-09-13T10:00:00', '9999-12-31T10:00:00', '2999-01-06T10:00:00']) {
    const r = await c.req('POST', '/api/v1/appointments',
      `{"customer_id":${customerId},"service":"ac_tune_up","technician_id":${hvac.id},"start":${JSON.stringify(start)}}`);
    assert.equal(r.status, 400, `${start}: ${r.text}`);
  }
  assert.equal(await appointmentCount(), appts);
  const a = await c.req('POST', '/api/v1/appointments', {
    customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start: localWindow(2, 8), address: ADDRESS,
  });
  assert.equal(a.status, 201, a.text);
  for (const body of ['{"start":9223372036854775807}', '{"start":9223372036854775000}', '{"start":9007199254740991}',
    '{"status":"en_route","eta":9223372036854775807}', '{"status":"en_route","eta":-1}']) {
    const r = await c.req('PATCH', `/api/v1/appointments/${a.json.id}`, body);
    assert.equal(r.status, 400, `${body}: ${r.text}`);
  }
  const got = await c.req('GET', `/api/v1/appointments/${a.json.id}`);
  assert.equal(got.json.start_at, a.json.start_at);
  assert.equal(got.json.status, 'scheduled');
  assert.equal(got.json.eta, a.json.eta);
});

test('a reschedule cannot hand a job to a technician of another trade', async () => {
  const hvac = techs.find((t) => t.trades.includes('hvac'));
  const plumber = techs.find((t) => !t.trades.includes('hvac'));
  const a = await c.req('POST', '/api/v1/appointments', {
    customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start: localWindow(3, 8), address: ADDRESS,
  });
  assert.equal(a.status, 201, a.text);
  const r = await c.req('PATCH', `/api/v1/appointments/${a.json.id}`, { start: localWindow(3, 12), technician_id: plumber.id });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.code, 'validation_failed');
  const got = await c.req('GET', `/api/v1/appointments/${a.json.id}`);
  assert.equal(got.json.technician_id, hvac.id);
  assert.equal(got.json.start_at, a.json.start_at);
});

test("another tenant's API key reaches none of this tenant's records", async () => {
  const id = await startConversation(c);
  assert.equal((await say(c, id, 'what are your hours?', 'h1')).status, 200);
  const hvac = techs.find((t) => t.trades.includes('hvac'));
  const a = await c.req('POST', '/api/v1/appointments', {
    customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start: localWindow(4, 8), address: ADDRESS,
  });
  assert.equal(a.status, 201, a.text);
  const appts = await appointmentCount();
  // reads
  const g = await bot.req('GET', `/api/v1/conversations/${id}`);
  assert.equal(g.status, 404);
  assert.doesNotMatch(g.text, /hours/);
  assert.equal((await bot.req('GET', `/api/v1/appointments/${a.json.id}`)).status, 404);
  assert.equal((await bot.req('GET', `/api/v1/technicians/${hvac.id}/calendar.ics`)).status, 404);
  assert.deepEqual((await bot.req('GET', `/api/v1/appointments?customer_id=${customerId}`)).json.appointments, []);
  assert.deepEqual((await bot.req('GET', `/api/v1/appointments?technician_id=${hvac.id}`)).json.appointments, []);
  assert.ok(!(await bot.req('GET', '/api/v1/conversations')).json.conversations.some((x) => x.id === id));
  // writes
  assert.equal((await say(bot, id, 'cancel everything', 'evil')).status, 404);
  assert.equal((await bot.req('PATCH', `/api/v1/appointments/${a.json.id}`, { status: 'cancelled' })).status, 404);
  assert.equal((await bot.req('DELETE', `/api/v1/appointments/${a.json.id}`)).status, 404);
  // booking for this tenant's customer or technician from the other business
  const cross = await bot.req('POST', '/api/v1/appointments', {
    customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start: localWindow(4, 12),
  });
  assert.ok(cross.status === 400 || cross.status === 404, cross.text);
  // a phone on file here names nobody there: the other business gets its own customer
  const theirs = await bot.req('POST', '/api/v1/conversations', { customer: { phone: '+17045550188' } });
  assert.equal(theirs.status, 201, theirs.text);
  assert.notEqual(theirs.json.customer_id, customerId);
  assert.equal((await c.req('GET', `/api/v1/conversations/${theirs.json.id}`)).status, 404);
  // nothing changed here
  const msgs = await messages(c, id);
  assert.equal(msgs.length, 2);
  assert.ok(!msgs.some((m) => /cancel everything/.test(m.text)));
  const still = await c.req('GET', `/api/v1/appointments/${a.json.id}`);
  assert.equal(still.json.status, 'scheduled');
  assert.equal(await appointmentCount(), appts);
});

test('a session cookie without X-CSRF-Token changes nothing (403)', async () => {
  const id = await startConversation(c);
  const hvac = techs.find((t) => t.trades.includes('hvac'));
  const a = await c.req('POST', '/api/v1/appointments', {
    customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start: localWindow(5, 8), address: ADDRESS,
  });
  assert.equal(a.status, 201, a.text);
  const convs = (await c.req('GET', '/api/v1/conversations?limit=1000')).json.conversations.length;
  const appts = await appointmentCount();
  const attempts = [
    ['POST', '/api/v1/conversations', { channel: 'chat' }],
    ['POST', `/api/v1/conversations/${id}/messages`, { text: 'forged', client_id: 'f1' }],
    ['POST', '/api/v1/appointments', { customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start: localWindow(5, 12) }],
    ['PATCH', `/api/v1/appointments/${a.json.id}`, { status: 'en_route' }],
    ['DELETE', `/api/v1/appointments/${a.json.id}`, undefined],
  ];
  for (const [method, p, body] of attempts) {
    for (const headers of [{}, { 'X-CSRF-Token': 'not-the-token' }, { 'X-CSRF-Token': '' }]) {
      const r = await c.req(method, p, body, { csrf: false, headers });
      assert.equal(r.status, 403, `${method} ${p} ${JSON.stringify(headers)}: ${r.text}`);
      assert.equal(r.json.error.code, 'csrf_failed');
    }
  }
  assert.deepEqual(await messages(c, id), []);
  assert.equal((await c.req('GET', '/api/v1/conversations?limit=1000')).json.conversations.length, convs);
  assert.equal(await appointmentCount(), appts);
  assert.equal((await c.req('GET', `/api/v1/appointments/${a.json.id}`)).json.status, 'scheduled');
});

test('an agent cannot do what only an admin may', async () => {
  const settings = (await c.req('GET', '/api/v1/settings')).json;
  const attempts = [
    ['PATCH', '/api/v1/settings', { name: 'Hijacked' }],
    ['POST', '/api/v1/technicians', { name: 'Ghost', trades: ['hvac'] }],
    ['DELETE', `/api/v1/technicians/${techs[0].id}`, undefined],
    ['POST', '/api/v1/api-keys', { name: 'mine now' }],
    ['POST', '/api/v1/users', { email: 'evil@example.com', name: 'Evil', role: 'admin' }],
    ['POST', '/api/v1/tenants', { slug: 'evil', name: 'Evil', timezone: 'UTC', admin_email: 'evil@example.com' }],
  ];
  for (const [method, p, body] of attempts) {
    const r = await c.req(method, p, body);
    assert.equal(r.status, 403, `${method} ${p}: ${r.text}`);
  }
  const after = (await c.req('GET', '/api/v1/settings')).json;
  assert.equal(after.name, settings.name);
  assert.equal((await c.req('GET', '/api/v1/technicians')).json.technicians.length, techs.length);
});

test('requests abandoned mid-turn leave no leak and no broken conversation', async () => {
  const id = await startConversation(c);
  const aborted = [];
  for (let i = 0; i < 8; i++) {
    const ctl = new AbortController();
    const p = fetch(`${srv.base}/api/v1/conversations/${id}/messages`, {
      method: 'POST', signal: ctl.signal,
      headers: { 'Content-Type': 'application/json', Cookie: c.cookie, 'X-CSRF-Token': c.csrf },
      body: JSON.stringify({ text: 'my furnace is making a loud noise', client_id: `gone-${i}` }),
    }).catch((e) => e);
    setTimeout(() => ctl.abort(), i * 3);
    aborted.push(p);
  }
  await Promise.all(aborted);
  // the turns still complete in order; a retry with the same id answers the stored turn
  const again = await say(c, id, 'my furnace is making a loud noise', 'gone-0');
  assert.equal(again.status, 200, again.text);
  const last = await say(c, id, 'thanks', 'after');
  assert.equal(last.status, 200, last.text);
  const msgs = await messages(c, id);
  const seqs = msgs.map((m) => m.seq);
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'seqs have no gaps');
  assert.equal(msgs.filter((m) => m.client_id === 'gone-0').length, 1);
  assertNoSanitizerReport();
});
