// appointments.test.mjs: appointments over REST against the real server: 50 parallel
// bookings of one window (exactly one wins, over REST and through conversations),
// status transitions, reschedule conflicts, cancel, the technician's iCalendar feed, and a
// window booked over REST no longer offered by the AI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADDRESS, agent, demoDb, say, serve, startConversation } from './conv_lib.mjs';

let env, srv, c, customerId, hvac;

/** "YYYY-MM-DDT10:00:00" (business-local, no offset) of a weekday `days` or more ahead. */
function localWindow(days, hour) {
  const d = new Date(Date.now() + days * 86400000);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() + 1);
  return `${d.toISOString().slice(0, 10)}T${String(hour).padStart(2, '0')}:00:00`;
}

before(async () => {
  env = demoDb();
  srv = await serve(env.db);
  c = await agent(srv.base, env);
  const r = await c.req('POST', '/api/v1/conversations', { channel: 'chat', customer: { name: 'Rae Kim', phone: '+17045550177' } });
  customerId = r.json.customer_id;
  const techs = await c.req('GET', '/api/v1/technicians');
  hvac = techs.json.technicians.find((t) => t.trades.includes('hvac'));
  assert.ok(customerId > 0 && hvac);
});

after(async () => {
  if (srv) {
    const r = await srv.stop();
    assert.equal(r.code, 0, `server exit: ${srv.logs().join('\n')}`);
  }
  env?.cleanup();
});

function book(start, extra = {}) {
  return c.req('POST', '/api/v1/appointments', {
    customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start, address: ADDRESS, ...extra,
  });
}

test('50 parallel bookings of one window over REST: exactly one wins', async () => {
  const start = localWindow(8, 10);
  const rs = await Promise.all(Array.from({ length: 50 }, () => book(start)));
  const won = rs.filter((r) => r.status === 201);
  const lost = rs.filter((r) => r.status === 409);
  assert.equal(won.length, 1, rs.map((r) => r.status).join(','));
  assert.equal(lost.length, 49);
  assert.equal(lost[0].json.error.code, 'conflict');
  const list = await c.req('GET', `/api/v1/appointments?technician_id=${hvac.id}&status=scheduled`);
  assert.equal(list.json.appointments.filter((a) => a.start_at === won[0].json.start_at).length, 1);
});

test('50 conversations confirming the same offered window: exactly one is booked', async () => {
  const ids = [];
  for (let i = 0; i < 50; i++) ids.push(await startConversation(c));
  // every conversation reaches "shall I book it?" for the same first window
  await Promise.all(ids.map(async (id) => {
    await say(c, id, 'I need a furnace tune-up', `${id}-1`);
    await say(c, id, ADDRESS, `${id}-2`);
  }));
  const confirm = await Promise.all(ids.map((id) => say(c, id, 'the first one', `${id}-3`)));
  const offered = new Set(confirm.map((r) => r.json.reply.text));
  assert.equal(offered.size, 1, 'all were offered the same window');
  const yes = await Promise.all(ids.map((id) => say(c, id, 'yes', `${id}-4`)));
  assert.ok(yes.every((r) => r.status === 200), yes.map((r) => r.status).join(','));
  const booked = yes.filter((r) => r.json.outcome === 'booked');
  assert.equal(booked.length, 1, yes.map((r) => r.json.outcome).join(','));
  for (const r of yes.filter((x) => x.json.outcome !== 'booked'))
    assert.match(r.json.reply.text, /couldn't complete|another option/i);
  const list = await c.req('GET', '/api/v1/appointments');
  const fromConvs = list.json.appointments.filter((a) => ids.includes(a.conversation_id));
  assert.equal(fromConvs.length, 1);
  // the losers can carry on: they are offered windows again
  const again = await say(c, booked[0] === yes[0] ? ids[1] : ids[0], 'what other times do you have?', 'again');
  assert.equal(again.status, 200);
});

test('status moves only along the job states; reschedule cannot double-book', async () => {
  const a = await book(localWindow(9, 8));
  assert.equal(a.status, 201, a.text);
  const id = a.json.id;
  assert.equal(a.json.status, 'scheduled');
  assert.match(a.json.job_number, /^J-\d+$/);
  const b = await book(localWindow(9, 12));
  assert.equal(b.status, 201);
  // moving onto b's window is a conflict and changes nothing
  const clash = await c.req('PATCH', `/api/v1/appointments/${id}`, { start: localWindow(9, 12) });
  assert.equal(clash.status, 409, clash.text);
  assert.equal((await c.req('GET', `/api/v1/appointments/${id}`)).json.start_at, a.json.start_at);
  const moved = await c.req('PATCH', `/api/v1/appointments/${id}`, { start: localWindow(9, 14) });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.start_at - a.json.start_at, 6 * 3600);
  // the freed window can be booked again
  assert.equal((await book(localWindow(9, 8))).status, 201);
  for (const [to, code] of [['en_route', 200], ['on_site', 200], ['scheduled', 409], ['completed', 200], ['cancelled', 409]]) {
    const r = await c.req('PATCH', `/api/v1/appointments/${id}`, { status: to });
    assert.equal(r.status, code, `${to}: ${r.text}`);
  }
  assert.equal((await c.req('GET', `/api/v1/appointments/${id}`)).json.status, 'completed');
  // cancel b: 204, then its window is free
  assert.equal((await c.req('DELETE', `/api/v1/appointments/${b.json.id}`)).status, 204);
  assert.equal((await c.req('GET', `/api/v1/appointments/${b.json.id}`)).json.status, 'cancelled');
  assert.equal((await c.req('DELETE', `/api/v1/appointments/${b.json.id}`)).status, 409);
  assert.equal((await book(localWindow(9, 12))).status, 201);
});

test('bad appointment input is refused and changes nothing', async () => {
  const before = (await c.req('GET', '/api/v1/appointments')).json.appointments.length;
  const bad = [
    { service: 'ac_tune_up', technician_id: hvac.id, start: localWindow(10, 10) },
    { customer_id: customerId, service: 'nope', technician_id: hvac.id, start: localWindow(10, 10) },
    { customer_id: customerId, service: 'ac_tune_up', technician_id: 999, start: localWindow(10, 10) },
    { customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start: localWindow(10, 11) },
    { customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start: 'tomorrow' },
    { customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start: '2020-01-06T10:00:00' },
    { customer_id: customerId, service: 'ac_tune_up', technician_id: hvac.id, start: localWindow(10, 10), colour: 'red' },
  ];
  for (const body of bad) {
    const r = await c.req('POST', '/api/v1/appointments', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
  }
  const ghost = await c.req('POST', '/api/v1/appointments', { customer_id: 987654, service: 'ac_tune_up', technician_id: hvac.id, start: localWindow(10, 10) });
  assert.equal(ghost.status, 404);
  assert.equal((await c.req('PATCH', '/api/v1/appointments/1', { status: 'teleported' })).status, 400);
  assert.equal((await c.req('PATCH', '/api/v1/appointments/1', {})).status, 400);
  assert.equal((await c.req('GET', '/api/v1/appointments/99999')).status, 404);
  assert.equal((await c.req('GET', '/api/v1/appointments')).json.appointments.length, before);
});

test("the technician's calendar.ics has one VEVENT per booking", async () => {
  const r = await fetch(`${srv.base}/api/v1/technicians/${hvac.id}/calendar.ics`, { headers: { Cookie: c.cookie } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/calendar/);
  const text = await r.text();
  assert.ok(text.startsWith('BEGIN:VCALENDAR\r\n'), text.slice(0, 80));
  assert.ok(text.trimEnd().endsWith('END:VCALENDAR'));
  assert.ok(/\r\nVERSION:2\.0\r\n/.test(text));
  // unfold continuation lines, then check the structure
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n').filter(Boolean);
  let depth = 0;
  const events = [];
  for (const l of lines) {
    if (l === 'BEGIN:VEVENT') { assert.equal(depth, 0); depth = 1; events.push({}); continue; }
    if (l === 'END:VEVENT') { assert.equal(depth, 1); depth = 0; continue; }
    if (depth) {
      const k = l.slice(0, l.search(/[:;]/));
      events[events.length - 1][k] = l.slice(l.indexOf(':') + 1);
    }
  }
  assert.equal(depth, 0);
  const mine = (await c.req('GET', `/api/v1/appointments?technician_id=${hvac.id}`)).json.appointments;
  assert.equal(events.length, mine.length);
  assert.ok(events.length >= 3);
  assert.equal(new Set(events.map((e) => e.UID)).size, events.length, 'UIDs are unique');
  for (const e of events) {
    assert.match(e.DTSTART, /^\d{8}T\d{6}Z$/);
    assert.match(e.DTEND, /^\d{8}T\d{6}Z$/);
    assert.ok(e.SUMMARY);
  }
  assert.equal(events.filter((e) => e.STATUS === 'CANCELLED').length, mine.filter((a) => a.status === 'cancelled').length);
  assert.equal((await c.req('GET', '/api/v1/technicians/99999/calendar.ics')).status, 404);
});

test('a window booked over REST is no longer offered by the AI', async () => {
  const offers = async (tag) => {
    const id = await startConversation(c);
    await say(c, id, 'I need a furnace tune-up', `${tag}-1`);
    const r = await say(c, id, ADDRESS, `${tag}-2`);
    assert.equal(r.status, 200);
    const conv = await c.req('GET', `/api/v1/conversations/${id}`);
    return conv.json.state.offers;
  };
  const before = await offers('rest-before');
  assert.ok(before.length > 0, 'windows offered');
  const w = before[0];
  const start = new Date(w.start * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const b = await c.req('POST', '/api/v1/appointments', {
    customer_id: customerId, service: 'ac_tune_up', technician_id: w.technician_id, start, address: ADDRESS,
  });
  assert.equal(b.status, 201, JSON.stringify(b.json));
  const after = await offers('rest-after');
  assert.ok(after.length > 0, 'other windows are offered');
  assert.ok(!after.some((o) => o.start === w.start && o.technician_id === w.technician_id),
    `the booked window (${start}, technician ${w.technician_id}) is not offered again: ${JSON.stringify(after)}`);
});
