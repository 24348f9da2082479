// conversations.test.mjs: the conversations REST API against the real server: a booking
// end to end, an emergency with its handoff packet, idempotent client ids, other
// tenants' ids, and malformed input that changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from './auth_lib.mjs';
import { ADDRESS, agent, demoDb, demoServer, say, serve, startConversation } from './conv_lib.mjs';

let env, srv, c;

demoServer((w) => ({ env, srv, c } = w));

test('a booking over REST ends with the appointment on file', async () => {
  const id = await startConversation(c, { channel: 'chat', customer: { name: 'Ann Lee', phone: '+17045550123' } });
  let r = await say(c, id, 'my AC is blowing warm air, can someone come out?', 'b1');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.intent, 'book_service');
  assert.equal(r.json.message.seq, 1);
  assert.equal(r.json.reply.seq, 2);
  assert.match(r.json.reply.text, /AI/);
  assert.equal(r.json.escalation.escalate, false);
  r = await say(c, id, ADDRESS, 'b2');
  assert.equal(r.status, 200);
  assert.match(r.json.reply.text, /\(1\)/, 'windows are offered');
  r = await say(c, id, 'the first one', 'b3');
  assert.match(r.json.reply.text, /book it/i);
  r = await say(c, id, 'yes', 'b4');
  assert.equal(r.json.outcome, 'booked', r.text);
  const appt = r.json.appointment;
  assert.ok(appt && appt.id > 0 && /^J-\d+$/.test(appt.job), r.text);
  assert.match(r.json.reply.text, new RegExp(appt.job));

  const list = await c.req('GET', '/api/v1/appointments');
  assert.equal(list.status, 200);
  const mine = list.json.appointments.filter((a) => a.conversation_id === id);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].job_number, appt.job);
  assert.equal(mine[0].status, 'scheduled');
  assert.equal(mine[0].address, ADDRESS);

  const got = await c.req('GET', `/api/v1/conversations/${id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.json.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(got.json.messages.map((m) => m.from), ['customer', 'ai', 'customer', 'ai', 'customer', 'ai', 'customer', 'ai']);
  assert.equal(got.json.state.outcome, 'booked');
  assert.equal(got.json.owner.kind, 'ai');
  assert.equal(got.json.customer.name, 'Ann Lee');
});

test('an emergency escalates with reasons and a handoff packet', async () => {
  const id = await startConversation(c);
  const r = await say(c, id, 'water is pouring through my ceiling!', 'e1');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.escalation.escalate, true);
  assert.equal(r.json.escalation.priority, 'P1');
  assert.ok(r.json.escalation.reasons.includes('property_emergency'), r.text);
  assert.ok(r.json.signals.urgency >= 2);
  assert.ok(r.json.handoff, 'the answer carries the packet');
  const got = await c.req('GET', `/api/v1/conversations/${id}`);
  assert.equal(got.status, 200);
  const p = got.json.handoff;
  assert.ok(p, 'GET has the handoff packet');
  assert.ok(p.reasons.includes('property_emergency'));
  assert.equal(p.conversation.id, id);
  assert.ok(p.summary && p.summary.length > 0);
  assert.ok(Array.isArray(p.transcript) && p.transcript.length === 2);
  assert.equal(got.json.status, 'waiting');
  const waiting = await c.req('GET', '/api/v1/conversations?status=waiting');
  assert.ok(waiting.json.conversations.some((x) => x.id === id));
});

test('a repeated client id answers the first answer and stores nothing new', async () => {
  const id = await startConversation(c);
  const a = await say(c, id, 'are you open on saturday?', 'same-1');
  assert.equal(a.status, 200);
  const b = await say(c, id, 'are you open on saturday?', 'same-1');
  assert.equal(b.status, 200);
  assert.deepEqual(b.json.message, a.json.message);
  assert.deepEqual(b.json.reply, a.json.reply);
  assert.equal(b.json.intent, a.json.intent);
  assert.deepEqual(b.json.escalation, a.json.escalation);
  // the same id with other text is still the first message
  const d = await say(c, id, 'something else entirely', 'same-1');
  assert.equal(d.json.message.seq, 1);
  // parallel repeats: one message each
  const many = await Promise.all([1, 2, 3, 4, 5].map(() => say(c, id, 'thanks, bye', 'same-2')));
  const seqs = new Set(many.map((m) => m.json.message.seq));
  assert.equal(seqs.size, 1);
  const got = await c.req('GET', `/api/v1/conversations/${id}`);
  assert.equal(got.json.messages.length, 4);
});

test("another tenant's conversations and appointments answer 404", async () => {
  const root = await loginAs(srv.base, 'platform@tandem.example', env.logins['platform@tandem.example']);
  const t = await root.req('POST', '/api/v1/tenants', { slug: 'acme', name: 'Acme Electric', timezone: 'America/Denver', admin_email: 'agent2@brightline.example' });
  assert.equal(t.status, 201, t.text);
  const other = await loginAs(srv.base, 'agent2@brightline.example', env.logins['agent2@brightline.example'], 'acme');
  const theirs = await startConversation(other);
  const r0 = await say(other, theirs, 'hello', 'x1');
  assert.equal(r0.status, 200, r0.text);
  // agent1 belongs only to the demo business
  const g = await c.req('GET', `/api/v1/conversations/${theirs}`);
  assert.equal(g.status, 404);
  assert.equal(g.json.error.code, 'not_found');
  assert.doesNotMatch(g.text, /hello/);
  const p = await say(c, theirs, 'hi', 'x2');
  assert.equal(p.status, 404);
  const list = await c.req('GET', '/api/v1/conversations');
  assert.ok(!list.json.conversations.some((x) => x.id === theirs));
  // and the other way round
  const mine = await startConversation(c);
  assert.equal((await other.req('GET', `/api/v1/conversations/${mine}`)).status, 404);
  // appointments and calendars of the demo business are not theirs either
  const demoAppts = (await c.req('GET', '/api/v1/appointments')).json.appointments;
  assert.ok(demoAppts.length > 0);
  assert.equal((await other.req('GET', `/api/v1/appointments/${demoAppts[0].id}`)).status, 404);
  assert.equal((await other.req('PATCH', `/api/v1/appointments/${demoAppts[0].id}`, { status: 'en_route' })).status, 404);
  assert.equal((await other.req('DELETE', `/api/v1/appointments/${demoAppts[0].id}`)).status, 404);
  assert.deepEqual((await other.req('GET', '/api/v1/appointments')).json.appointments, []);
  assert.equal((await other.req('GET', `/api/v1/technicians/${demoAppts[0].technician_id}/calendar.ics`)).status, 404);
  assert.equal((await c.req('GET', `/api/v1/appointments/${demoAppts[0].id}`)).json.status, 'scheduled');
  const after = await other.req('GET', `/api/v1/conversations/${theirs}`);
  assert.equal(after.json.messages.length, 2, 'the refused message was not stored');
});

test('malformed input is refused with 400 and changes nothing', async () => {
  const id = await startConversation(c);
  const bad = [
    ['{"text":', 'invalid_json'],
    [{ text: '' }, 'validation_failed'],
    [{ text: 42 }, 'validation_failed'],
    [{ text: 'x'.repeat(2001) }, 'validation_failed'],
    [{ text: 'hi', client_id: 'c'.repeat(65) }, 'validation_failed'],
    [{ text: 'hi', client_id: 7 }, 'validation_failed'],
    [{ text: 'hi', colour: 'blue' }, 'validation_failed'],
    ['[1,2]', 'invalid_json'],
  ];
  for (const [body, code] of bad) {
    const r = await c.req('POST', `/api/v1/conversations/${id}/messages`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.error.code, code);
  }
  const before = (await c.req('GET', '/api/v1/conversations?limit=1000')).json.conversations.length;
  for (const body of [{ channel: 'fax' }, { customer: { phone: '555' } }, { customer: { email: 'nope' } }, { channel: 'chat', extra: 1 }, { customer: 'Ann' }]) {
    const r = await c.req('POST', '/api/v1/conversations', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
  }
  assert.equal((await c.req('GET', '/api/v1/conversations?limit=1000')).json.conversations.length, before);
  assert.equal((await c.req('GET', '/api/v1/conversations?status=nope')).status, 400);
  assert.equal((await c.req('GET', '/api/v1/conversations/abc')).status, 404);
  assert.equal((await say(c, 999999, 'hello')).status, 404);
  const got = await c.req('GET', `/api/v1/conversations/${id}`);
  assert.equal(got.json.messages.length, 0);
  // without credentials
  const anon = await fetch(`${srv.base}/api/v1/conversations/${id}`);
  assert.equal(anon.status, 401);
});

test('an admin change of the prices reaches the very next AI answer', async () => {
  const admin = await loginAs(srv.base, 'admin@brightline.example', env.logins['admin@brightline.example']);
  const id = await startConversation(c);
  const before = await say(c, id, 'how much is a service call?', 'p1');
  assert.match(before.json.reply.text, /\$89\b/, before.json.reply.text);
  const s = (await admin.req('GET', '/api/v1/settings')).json;
  const services = s.services.map((x) => (x.code === 'service_call' ? { ...x, price: 97 } : x));
  const r = await admin.req('PATCH', '/api/v1/settings', { services });
  assert.equal(r.status, 200, r.text);
  const after = await say(c, id, 'and how much is a service call again?', 'p2');
  assert.match(after.json.reply.text, /\$97\b/, after.json.reply.text);
  assert.doesNotMatch(after.json.reply.text, /\$89\b/);
});

test('messages sent at once to one conversation are answered one turn at a time', async () => {
  const id = await startConversation(c);
  const texts = ['hi there', 'are you open on saturday?', 'how much is a service call?', 'do you cover 28105?', 'thanks, bye'];
  const rs = await Promise.all(texts.map((t, i) => say(c, id, t, `s-${i}`)));
  for (const r of rs) {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.reply.seq, r.json.message.seq + 1, 'each reply follows its own message');
  }
  const got = await c.req('GET', `/api/v1/conversations/${id}`);
  const from = got.json.messages.map((m) => m.from);
  assert.deepEqual(from, Array.from({ length: 10 }, (_, i) => (i % 2 ? 'ai' : 'customer')));
  assert.equal(got.json.state.turns, 5);
});
