// converse.test.mjs: runs the scripted conversations in tests/conversations through the
// real binary ('tandem converse --json') and checks what the AI did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';

const bin = process.env.TANDEM_BIN;
const src = process.env.TANDEM_SOURCE_DIR;

function converse(script, extra = []) {
  const out = execFileSync(bin, ['converse', '--tenant', 'demo', '--json', '--script',
    path.join(src, 'tests', 'conversations', script), ...extra],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const byId = {};
  for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
    const c = JSON.parse(line);
    byId[c.id] = c;
  }
  return byId;
}

test('every first reply says it is an AI', () => {
  const all = { ...converse('escalation.jsonl'), ...converse('info.jsonl'), ...converse('booking.jsonl') };
  assert.ok(Object.keys(all).length >= 20);
  for (const c of Object.values(all))
    assert.match(c.turns[0].ai, /\b(AI|an AI|inteligencia artificial)\b/, c.id);
});

test('escalation: safety first, handoff when agents are online, callback when not', () => {
  const c = converse('escalation.jsonl');
  assert.equal(c.gas_smell.outcome, 'handoff');
  assert.equal(c.gas_smell.reason, 'life_safety');
  assert.match(c.gas_smell.turns[0].ai, /^If you smell gas, leave the house/);
  assert.equal(c.gas_smell.handoff.priority, 'P1');
  assert.ok(c.gas_smell.handoff.summary.includes('smell gas'));
  assert.ok(Array.isArray(c.gas_smell.handoff.transcript));
  assert.equal(c.gas_smell.handoff.transcript[0].text, 'I smell gas in my kitchen');
  assert.deepEqual(c.gas_smell.handoff.conversation.channels, ['chat']);
  assert.ok(c.gas_smell.handoff.suggested_next_step.length > 0);
  assert.equal(c.gas_smell.handoff.open_slots.length, 3);
  assert.ok(c.gas_smell.handoff.sla_deadline);
  assert.equal(c.flooding_2am.outcome, 'callback');
  assert.equal(c.flooding_2am.reason, 'property_emergency');
  assert.match(c.flooding_2am.turns[0].ai, /on-call technician/);
  const page = c.flooding_2am.outbox.find((m) => m.purpose === 'oncall_page');
  assert.ok(page, 'the on-call technician is paged through the outbox');
  assert.match(page.recipient, /^\+1704555011\d$/);
  assert.match(page.body, /\+17045550182/);
  assert.equal(c.human_first.outcome, 'handoff');
  assert.equal(c.human_first.reason, 'human_request');
  assert.equal(c.human_first.turns[0].escalate, true);
  assert.equal(c.dispute.outcome, 'handoff');
  assert.ok(c.dispute.reason.includes('billing_dispute'));
  assert.equal(c.dispute.turns[0].escalate, false);
  assert.ok(c.complaint.reason.includes('complaint'));
  assert.equal(c.loop.outcome, 'handoff');
  assert.ok(/frustration|repeated_failure|low_confidence/.test(c.loop.reason), c.loop.reason);
  assert.equal(c.callback_phone.outcome, 'callback');
  assert.match(c.callback_phone.turns[0].ai, /best number/);
  assert.match(c.callback_phone.turns[1].ai, /\+17045550177/);
  assert.equal(c.frustrated_loop.outcome, 'handoff');
  assert.match(c.frustrated_loop.reason, /frustration/);
  assert.equal(c.frustrated_loop.turns[0].escalate, false);
  assert.equal(c.human_after_hours.outcome, 'callback');
  assert.match(c.human_after_hours.turns[0].ai, /callback/);
});

test('answers come from the business facts', () => {
  const c = converse('info.jsonl');
  assert.match(c.hours_open.turns[0].ai, /open now, until 6:00 PM/);
  assert.match(c.hours_closed_sunday.turns[0].ai, /closed right now; we open again Monday/);
  assert.match(c.area_yes.turns[0].ai, /28105 is in our service area/);
  assert.match(c.area_no.turns[0].ai, /90210 is outside our service area/);
  assert.match(c.pricing.turns[0].ai, /\$89/);
  assert.match(c.services.turns[0].ai, /\$3200|\$3,200/);
  assert.equal(c.oos.turns[0].intent, 'out_of_scope');
  assert.match(c.thanksgiving.turns[0].ai, /closed on Thursday, November 26 for Thanksgiving Day/);
  assert.match(c.christmas_ask.turns[0].ai, /closed on Friday, December 25 for Christmas Day.*Saturday, December 26 at 8:00 AM/);
  assert.match(c.bot.turns[1].ai, /an AI, not a person/);
  for (const x of Object.values(c)) assert.notEqual(x.outcome, 'handoff', x.id);
});

test('booking, out of area, Sunday, change of mind, status, cancel, Spanish', () => {
  const c = converse('booking.jsonl');
  assert.equal(c.book_ac.outcome, 'booked');
  assert.equal(c.book_ac.appointment.trade, 'hvac');
  assert.match(c.book_ac.appointment.job, /^J-\d+$/);
  assert.match(c.book_ac.turns[2].ai, /You're booked/);
  assert.notEqual(c.out_of_area.outcome, 'booked');
  assert.match(c.out_of_area.turns[1].ai, /33139 is outside our service area/);
  assert.match(c.sunday.turns[0].ai, /closed Sunday/);
  assert.match(c.sunday.turns[0].ai, /Monday, December 7/);
  assert.notEqual(c.change_of_mind.outcome, 'booked');
  assert.equal(c.change_of_mind.appointment, undefined);
  assert.match(c.change_of_mind.turns[1].ai, /2:00-4:00 PM/); // "the second one"
  assert.match(c.status.turns[0].ai, /on the way/);
  assert.equal(c.cancel.outcome, 'cancelled');
  assert.equal(c.cancel.appointment.status, 'cancelled');
  assert.equal(c.spanish.language, 'es');
  assert.equal(c.spanish.outcome, 'handoff');
  assert.match(c.spanish.turns[0].ai, /inteligencia artificial/);
  assert.equal(c.es_book.outcome, 'booked');
  assert.equal(c.es_book.language, 'es');
  assert.match(c.es_book.turns[0].ai, /jueves 3 de diciembre, 12:00-2:00 PM con Marcus Bell/);
  assert.match(c.es_book.turns[2].ai, /J-\d+/);
  assert.match(c.es_book.appointment.start, /^2026-12-03T14:00:00-05:00$/); // "la segunda"
});

test('no agents online turns every handoff into a callback', () => {
  const c = converse('escalation.jsonl', ['--agents-online', '0']);
  assert.equal(c.gas_smell.outcome, 'callback');
  assert.equal(c.human_first.outcome, 'callback');
});

test('reschedule, status with invoice, password reset, contact change, two requests at once', () => {
  const c = converse('account.jsonl');
  assert.equal(c.reschedule.outcome, 'rescheduled');
  assert.equal(c.reschedule.appointment.job, 'J-48215');
  assert.match(c.reschedule.appointment.start, /^2026-12-07T08:00:00-05:00$/);
  assert.match(c.status_completed.turns[0].ai, /J-48100.*completed/);
  assert.match(c.status_completed.turns[1].ai, /INV-48100 for \$149 is still open/);
  assert.match(c.reset_known.turns[0].ai, /a\*\*\*@example\.com/);
  assert.doesNotMatch(c.reset_known.turns[0].ai, /ann@example\.com/);
  assert.match(c.reset_unknown.turns[1].ai, /If that matches an account/);
  assert.match(c.update_contact.turns[1].ai, /\+17045550199/);
  assert.match(c.multi.turns[0].ai, /Saturday we're open/);
  assert.match(c.multi.turns[0].ai, /openings/);
  // found by the phone or job number on file, no escalation on the way
  assert.match(c.status_by_phone.turns[1].ai, /Friday, December 4, 2:00-4:00 PM with Priya Raman/);
  assert.equal(c.status_by_phone.turns[1].escalate, false);
  assert.equal(c.cancel_by_job.outcome, 'cancelled');
  assert.equal(c.cancel_by_job.appointment.job, 'J-48217');
  assert.match(c.status_late.turns[0].ai, /hasn't arrived yet/);
  assert.match(c.greet_returning.turns[0].ai, /^Hi Ann, welcome back.*\(an AI\)/);
  // a reset link goes only to a contact on file, and the reply never tells which
  assert.equal(c.reset_on_file.outbox.length, 1);
  assert.equal(c.reset_on_file.outbox[0].recipient, 'ann@example.com');
  assert.equal(c.reset_unknown.outbox, undefined);
  assert.equal(c.reset_on_file.turns[1].ai, c.reset_unknown.turns[1].ai);
  assert.equal(c.reset_known.outbox[0].purpose, 'password_reset');
});

test('a conversation resumes after a restart, from the stored state', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-dialog-'));
  const db = path.join(dir, 't.db');
  try {
    execFileSync(bin, ['init', '--db', db, '--demo'], { stdio: 'ignore' });
    const chat = (input, extra = []) => execFileSync(bin, ['chat', '--db', db, ...extra],
      { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
    const first = chat('I need a furnace tune-up\n12 Oak St Charlotte 28205\n');
    const id = /Conversation (\d+)\./.exec(first)[1];
    assert.match(first, /openings/);
    assert.doesNotMatch(first, /You're booked/);
    // a new process: nothing but the database carries the half-done booking
    const second = chat('the first one\nyes\n', ['--conversation', id]);
    assert.match(second, /To confirm: Furnace tune-up/);
    const job = /Your job number is (J-\d+)/.exec(second);
    assert.ok(job, second);
    const third = chat('when is my technician coming?\n', ['--conversation', id]);
    assert.ok(third.includes(job[1]) || /scheduled for/.test(third), third);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad script lines are reported, the good ones still run, the exit status says so', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-converse-'));
  const script = path.join(dir, 'bad.jsonl');
  fs.writeFileSync(script, [
    '{"id":"ok","now":"2026-12-03T10:00:00-05:00","turns":["hi"]}',
    '{"id":"broken", "turns": [',
    '{"id":"noturns"}',
    '{"id":"badnow","now":"yesterday","turns":["hi"]}',
    ''].join('\n'));
  try {
    const r = spawnSync(bin, ['converse', '--tenant', 'demo', '--json', '--script', script],
      { encoding: 'utf8' });
    assert.equal(r.status, 1);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'));
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0]).id, 'ok');
    assert.match(r.stderr, /line 2: malformed JSON/);
    assert.match(r.stderr, /line 3: "turns" must be an array/);
    assert.match(r.stderr, /line 4: "now" is not ISO 8601/);
    const usage = spawnSync(bin, ['converse', '--script', script], { encoding: 'utf8' });
    assert.equal(usage.status, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
