// console.pending.mjs: the agent console and the supervisor view in real headless Chromium
// against the real server: a customer reports water pouring through the ceiling in the
// widget, an available agent sees the offer with the handoff packet within a second,
// accepts and replies, the customer sees the reply; the agent books from the AI assist
// panel; a reload of the console resumes without doubling a message; an agent of another
// business sees none of it; the supervisor view draws live figures. Screenshots go to
// tests/e2e/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import WebSocket from 'ws';
import { startTandem, launchBrowser, screenshot, signInBrowser, eventually, sleep } from './lib/harness.mjs';
import { openChat, say, waitForMessages, transcript } from './lib/widget.mjs';

const DEMO = 'Brightline Heating, Cooling & Plumbing';
const OTHER = { slug: 'acme', name: 'Acme Electric', email: 'olive@acme.example', password: 'olive-the-acme-agent-1' };

let server;
let staff;      // browser of the demo business's agent (and the customer's page)
let rival;      // browser of the other business's agent
let customer;   // the customer's page (the widget on /demo/)
let agent;      // the agent console page
let rivalWs;    // a raw /ws/agent session of the other business's agent
const rivalSeen = [];

/* Creates the second business over the REST API (platform admin) and its agent with the CLI. */
async function addOtherBusiness() {
  const root = await server.login('platform admin');
  const r = await server.api(root, 'POST', '/api/v1/tenants',
    { slug: OTHER.slug, name: OTHER.name, timezone: 'America/Denver' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const u = spawnSync(process.env.TANDEM_BIN, ['user', 'add', '--db', server.db, '--email', OTHER.email,
    '--name', 'Olive Other', '--tenant', OTHER.slug, '--role', 'agent', '--password-stdin'],
  { input: `${OTHER.password}\n`, encoding: 'utf8', env: { ...process.env, TANDEM_PWHASH_FAST: '1' } });
  assert.equal(u.status, 0, u.stderr);
  server.logins.push({ email: OTHER.email, password: OTHER.password, role: 'agent' });
  // the demo agent answers for both businesses (an answering service)
  const both = spawnSync(process.env.TANDEM_BIN, ['user', 'add', '--db', server.db, '--email', 'agent1@brightline.example',
    '--name', 'Avery Agent', '--tenant', OTHER.slug, '--role', 'agent'],
  { encoding: 'utf8', env: { ...process.env, TANDEM_PWHASH_FAST: '1' } });
  assert.equal(both.status, 0, both.stderr);
}

/* The list of GET /api/v1/appointments, whatever its envelope. */
function items(body) {
  if (Array.isArray(body)) return body;
  for (const k of ['items', 'appointments', 'data']) if (Array.isArray(body?.[k])) return body[k];
  throw new Error(`unexpected appointments body: ${JSON.stringify(body)}`);
}

/* Signs in through the console's own form. */
async function signInWithForm(page, email, password) {
  await page.locator('#login-form input[name=email]').fill(email);
  await page.locator('#login-form input[name=password]').fill(password);
  await page.locator('#login-form').getByRole('button', { name: 'Sign in' }).click();
}

async function setAvailable(page) {
  await page.locator('#conn[data-state="open"]').waitFor();
  await page.locator('#status').selectOption('available');
  await eventually(async () => /idle|available/i.test(await page.locator('#state').innerText()), 5000, 'the state to say idle');
}

/** The agent console's chat as [{seq, who, text}]. */
function consoleMessages(page) {
  return page.locator('#messages li').evaluateAll((nodes) => nodes.map((n) => ({
    seq: n.dataset.seq ? Number(n.dataset.seq) : null,
    who: n.querySelector('.msg-who')?.textContent ?? '',
    text: n.querySelector('.msg-text')?.textContent ?? '',
  })));
}

before(async () => {
  server = await startTandem();
  await addOtherBusiness();
  staff = await launchBrowser({ viewport: { width: 1440, height: 900 } });
  rival = await launchBrowser({ viewport: { width: 1280, height: 800 } });
  agent = staff.page;
  customer = await staff.newPage();

  // the other business's agent: the console, and a raw session recording all it receives
  await signInBrowser(rival.context, server, OTHER.email);
  await rival.page.goto(`${server.base}/agent/`);
  await setAvailable(rival.page);
  const s = await server.login(OTHER.email);
  rivalWs = new WebSocket(`${server.base.replace('http', 'ws')}/ws/agent`, { headers: { Cookie: s.cookie } });
  rivalWs.on('message', (d) => rivalSeen.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => { rivalWs.once('open', resolve); rivalWs.once('error', reject); });
  rivalWs.send(JSON.stringify({ type: 'status', status: 'available' }));
});

after(async () => {
  rivalWs?.close();
  await staff?.close();
  await rival?.close();
  const r = await server?.stop();
  if (r) assert.equal(r.code, 0, `the server exited cleanly:\n${server.logs().slice(-30).join('\n')}`);
});

test('an agent signs in with the console form and goes available', async () => {
  await agent.goto(`${server.base}/agent/`);
  await agent.locator('#login-view').waitFor({ state: 'visible' });
  const a = server.account('agent1@brightline.example');
  await signInWithForm(agent, a.email, a.password);
  await agent.locator('#console').waitFor({ state: 'visible' });
  await setAvailable(agent);
  assert.match(await agent.locator('#who').innerText(), /\S/, 'the agent is named');
  const serves = await agent.locator('#businesses').innerText();
  assert.ok(serves.includes(DEMO) && serves.includes(OTHER.name), `one queue across both businesses: ${serves}`);
  assert.equal(await agent.locator('#offers .offer').count(), 0, 'no offer yet');
});

let conversationSeq = 0;

test('water pouring through the ceiling: the offer and its packet reach the console within a second', async (t) => {
  await customer.goto(`${server.base}/demo/`);
  await openChat(customer);
  const t0 = Date.now();
  await say(customer, 'Water is pouring through my kitchen ceiling right now!');
  const offer = agent.locator('#offers .offer').first();
  await offer.waitFor({ state: 'visible', timeout: 5000 });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed < 1000, `the offer took ${elapsed} ms`);
  t.diagnostic(`offer on screen ${elapsed} ms after the customer pressed Enter`);

  const text = await offer.innerText();
  assert.ok(text.includes(DEMO), 'labelled with its business');
  assert.match(text, /P1 emergency/);
  assert.match(text, /property emergency/, 'the escalation reason');
  assert.match(text, /ceiling/i, 'the AI summary says what happened');
  assert.match(text, /Suggested next step:/);
  const card = await offer.locator('.customer-card').innerText();
  assert.match(card, /Phones[\s\S]*Emails[\s\S]*Address/, 'the customer card');
  assert.match(card, /past jobs/i, 'past jobs and appointments, or that there are none');
  const said = await offer.locator('.pk-transcript .msg').evaluateAll((nodes) =>
    nodes.map((n) => `${n.querySelector('.msg-who').textContent}: ${n.querySelector('.msg-text').textContent}`));
  assert.ok(said.includes('Customer: Water is pouring through my kitchen ceiling right now!'),
    `the transcript names who said what: ${JSON.stringify(said)}`);
  assert.ok(said.some((x) => x.startsWith('AI: ')), 'and the AI turn');
  assert.match(await offer.locator('.countdown').innerText(), /^\d+ s left$/);
  const red = await offer.locator('.badge.P1').first().evaluate((n) => getComputedStyle(n).backgroundColor);
  assert.equal(red, 'rgb(198, 40, 40)', 'P1 is shown in red');
  const accept = offer.getByRole('button', { name: 'Accept', exact: true });
  assert.ok(await accept.isEnabled());
  await agent.bringToFront();
  await screenshot(agent, 'console-offer');
});

test('the agent accepts and replies; the customer sees the reply', async () => {
  await agent.locator('#offers .offer').first().getByRole('button', { name: 'Accept', exact: true }).click();
  await agent.locator('#conv').waitFor({ state: 'visible' });
  await eventually(async () => (await agent.locator('#offers .offer').count()) === 0, 3000, 'the offer to leave');
  assert.equal(await agent.locator('#conv-biz').innerText(), DEMO);
  const facts = await agent.locator('#facts').textContent();
  assert.ok(facts.includes('+17045550100'), "the business's own facts are beside the chat");
  assert.ok(!facts.includes(OTHER.name), 'and no other business');
  assert.equal(await agent.locator('#convs .conv-item .badge.biz').first().innerText(), DEMO, 'the queue row names the business');
  const msgs = await consoleMessages(agent);
  assert.ok(msgs.some((m) => m.who === 'Customer' && /pouring/.test(m.text)), 'the transcript is in the chat');
  conversationSeq = Math.max(...msgs.map((m) => m.seq ?? 0));

  const reply = "I'm sending our on-call plumber now. Can you shut off the main water valve?";
  await agent.getByLabel('Reply to the customer').fill(reply);
  await agent.getByRole('button', { name: 'Send', exact: true }).click();
  await eventually(async () => (await consoleMessages(agent)).some((m) => m.text === reply && m.seq > conversationSeq),
    5000, 'the reply to be acknowledged with a seq');
  const shown = await waitForMessages(customer, 'agent', 1);
  assert.ok(shown.some((m) => m.from === 'agent' && m.text === reply), 'the customer sees the reply');
  const seqs = (await consoleMessages(agent)).map((m) => m.seq);
  assert.equal(new Set(seqs).size, seqs.length, 'no message shown twice');
});

test('assist: a suggestion is inserted, never sent; the agent books in one click', async () => {
  const before = (await transcript(customer)).length;
  const suggestion = agent.locator('#suggestions .suggestion').first();
  await suggestion.waitFor({ timeout: 5000 });
  await agent.getByLabel('Reply to the customer').fill('');
  await suggestion.click();
  const inserted = await agent.getByLabel('Reply to the customer').inputValue();
  assert.ok(inserted.length > 0, 'the suggestion is in the reply box');
  await sleep(500);
  assert.equal((await transcript(customer)).length, before, 'nothing was sent');
  await agent.getByLabel('Reply to the customer').fill('');

  await agent.locator('#bk-slots input[type=radio]').first().waitFor({ timeout: 5000 });
  const service = agent.locator('#bk-service');
  if (!(await service.inputValue())) await service.selectOption('water_heater_repair');
  const code = await service.inputValue();
  // what the agent would have asked the customer, where the AI did not fill it in
  const fallback = { '#bk-name': 'Maria Smith', '#bk-phone': '+17045550123',
    '#bk-address': '1420 Providence Rd, Charlotte NC', '#bk-zip': '28207' };
  for (const [sel, v] of Object.entries(fallback))
    if (!(await agent.locator(sel).inputValue())) await agent.locator(sel).fill(v);
  const slot = await agent.locator('#bk-slots label.slot').first().innerText();
  const admin = await server.login('admin');
  const listed = await server.api(admin, 'GET', '/api/v1/appointments');
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const known = new Set(items(listed.body).map((x) => x.id));
  await agent.getByRole('button', { name: 'Book', exact: true }).click();
  const result = agent.locator('#bk-result');
  await eventually(async () => /^(Booked|Not booked)/.test(await result.innerText()), 5000, 'the booking result');
  const said = await result.innerText();
  assert.match(said, /^Booked/, said);
  const tech = slot.split('·').pop().trim();
  if (tech) assert.ok(said.includes(tech), `the booking names ${tech}: ${said}`);
  const now = await server.api(admin, 'GET', '/api/v1/appointments');
  const fresh = items(now.body).filter((x) => !known.has(x.id));
  assert.equal(fresh.length, 1, `one new appointment: ${JSON.stringify(fresh)}`);
  assert.ok(JSON.stringify(fresh[0]).includes(code), `it is for ${code}`);
  await agent.bringToFront();
  await agent.locator('#messages').scrollIntoViewIfNeeded();
  await screenshot(agent, 'console-chat');
});

test('the supervisor view draws live figures from stats while the agent is with the customer', async () => {
  const b = await launchBrowser({ viewport: { width: 1440, height: 1000 } });
  try {
    await signInBrowser(b.context, server, 'admin@brightline.example');
    await b.page.goto(`${server.base}/supervisor/`);
    await b.page.locator('#board').waitFor({ state: 'visible' });
    await eventually(async () => (await b.page.locator('#k-agents').innerText()) !== '-', 5000, 'the first stats');
    await eventually(async () => !(await b.page.locator('#c-depth').innerText()).includes('collecting'), 5000,
      'a second sample on the time axis');
    for (const id of ['c-depth', 'c-wait', 'c-sla', 'c-conv', 'c-agents', 'c-esc'])
      assert.ok(await b.page.locator(`#${id} svg[role=img]`).getAttribute('aria-label'), `${id} is drawn and described`);
    assert.match(await b.page.locator('#c-esc svg').getAttribute('aria-label'), /property emergency/,
      'the emergency is counted by its reason');
    assert.ok(Number(await b.page.locator('#k-agents').innerText()) >= 1, 'the available agent is counted');
    assert.match(await b.page.locator('#k-conv').innerText(), /^\d+ \/ 1$/, 'one conversation with a human');
    await screenshot(b.page, 'supervisor');
    assert.deepEqual(b.errors, [], 'no page or console errors');
  } finally {
    await b.close();
  }
});

test('a reload of the console resumes the conversation without losing or doubling a message', async () => {
  const before = await consoleMessages(agent);
  await agent.reload();
  await agent.locator('#conv').waitFor({ state: 'visible' });
  await eventually(async () => (await consoleMessages(agent)).length >= before.length, 5000, 'the messages to come back');
  const after = await consoleMessages(agent);
  assert.deepEqual(after.slice(0, before.length).map((m) => [m.seq, m.text]), before.map((m) => [m.seq, m.text]),
    'every message is back, in order');
  const seqs = after.map((m) => m.seq);
  assert.ok(seqs.every((x) => Number.isInteger(x)), 'all stored');
  assert.equal(new Set(seqs).size, seqs.length, 'none doubled');
  assert.equal(await agent.locator('#convs .conv-item').count(), 1, 'still one conversation');
});

test('a server restart mid-conversation: the console reconnects, keeps the conversation, and a reply typed meanwhile is stored once', async () => {
  const before = await consoleMessages(agent);
  await server.halt();
  await agent.locator('#conn:not([data-state="open"])').waitFor({ timeout: 5000 });
  const reply = 'Still here: the plumber is on the way.';
  await agent.getByLabel('Reply to the customer').fill(reply);
  await agent.getByRole('button', { name: 'Send', exact: true }).click();
  assert.equal(await agent.locator('#messages li.pending').count(), 1, 'shown as sending while the server is down');
  await server.restart();
  await agent.locator('#conn[data-state="open"]').waitFor({ timeout: 15000 });
  await eventually(async () => (await consoleMessages(agent)).some((m) => m.text === reply && m.seq), 10000,
    'the reply to be stored after the reconnect');
  const after = await consoleMessages(agent);
  assert.deepEqual(after.slice(0, before.length).map((m) => [m.seq, m.text]), before.map((m) => [m.seq, m.text]),
    'the conversation is still there, in order');
  assert.equal(after.filter((m) => m.text === reply).length, 1, 'the reply once');
  assert.equal(await agent.locator('#messages li.pending').count(), 0);
  const seen = await waitForMessages(customer, 'agent', 2, 15000);
  assert.equal(seen.filter((m) => m.text === reply).length, 1, 'the customer sees it once');
  // the raw session of the other business lost its connection too: open it again
  const s2 = await server.login(OTHER.email);
  rivalWs = new WebSocket(`${server.base.replace('http', 'ws')}/ws/agent`, { headers: { Cookie: s2.cookie } });
  rivalWs.on('message', (d) => rivalSeen.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => { rivalWs.once('open', resolve); rivalWs.once('error', reject); });
});

test('the agent of another business sees none of it', async () => {
  const page = rival.page;
  assert.equal(await page.locator('#offers .offer').count(), 0, 'no offer');
  assert.equal(await page.locator('#convs .conv-item').count(), 0, 'no conversation');
  const text = await page.locator('body').innerText();
  assert.ok(!text.includes(DEMO), 'the other business is never named');
  assert.ok(!/pouring/i.test(text), 'nothing of the conversation');
  const hello = rivalSeen.find((m) => m.type === 'hello');
  assert.ok(hello, 'the raw session was greeted');
  assert.deepEqual(hello.tenants.map((t) => t.slug), [OTHER.slug]);
  const leaked = rivalSeen.filter((m) => JSON.stringify(m).includes('"demo"') || /pouring/i.test(JSON.stringify(m)));
  assert.deepEqual(leaked, [], 'no message about the demo business');
  await screenshot(page, 'console-other-business');
});

test('the agent finishes: the AI drafts the wrap-up, the agent edits it and picks a disposition', async () => {
  const packetSummary = await agent.locator('#packet .pk-summary').innerText();
  await agent.getByRole('button', { name: 'Finish and wrap up' }).click();
  const summary = agent.locator('#wrapup-summary');
  await summary.waitFor({ state: 'visible' });
  assert.ok(await agent.locator('#composer').isHidden(), 'no more replies once released');
  await eventually(async () => {
    const v = await summary.inputValue();
    return v.length > 0 && v !== packetSummary;
  }, 5000, "the AI's wrap-up draft");
  await summary.fill(`${await summary.inputValue()} Plumber dispatched.`);
  await agent.locator('#wrapup-disposition').selectOption('dispatched');
  await agent.getByRole('button', { name: 'Save and finish' }).click();
  await eventually(async () => (await agent.locator('#convs .conv-item').count()) === 0, 3000, 'the conversation to leave the list');
  await agent.reload();
  await agent.locator('#console').waitFor({ state: 'visible' });
  await agent.locator('#conn[data-state="open"]').waitFor();
  await sleep(300);
  assert.equal(await agent.locator('#convs .conv-item').count(), 0, 'it stays finished after a reload');
});
