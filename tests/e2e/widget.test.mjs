// widget.test.mjs: the customer web chat widget against the real server in headless
// Chromium: booking a tune-up with the AI, reloads and a server restart mid-conversation
// without losing or doubling a message, a handoff to a named person, a surge's callback
// taken instead of waiting, text never as HTML.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { spawnSync } from 'node:child_process';
import { startTandem, launchBrowser, screenshot, sleep, eventually } from './lib/harness.mjs';
import {
  openChat, say, transcript, notices, waitSettled, quickReplies, stored, messageBox,
} from './lib/widget.mjs';

let server;

before(async () => {
  server = await startTandem();
});

after(async () => {
  await server?.stop();
});

/* Runs fn with a fresh browser (empty localStorage) on the demo page, chat open. */
async function withCustomer(fn, viewport) {
  const b = await launchBrowser({ viewport });
  try {
    await b.page.goto(server.base + '/demo/');
    await openChat(b.page);
    await fn(b.page, b);
    assert.deepEqual(b.errors.filter((e) => e.startsWith('pageerror')), [], 'no script errors in the page');
  } catch (e) {
    if (b.errors.length) e.message += `\nbrowser errors:\n${b.errors.join('\n')}`;
    throw e;
  } finally {
    await b.close();
  }
}

const aiMessages = async (page) => (await transcript(page)).filter((m) => m.from === 'ai');

/* Says text and waits for the AI's answer (the first AI message after it), then for the
 * AI to go quiet. Resolves to the AI's new messages joined. */
async function ask(page, text, quickReply) {
  const n = (await aiMessages(page)).length;
  if (quickReply) await page.locator('.tc-replies .tc-reply', { hasText: quickReply }).first().click();
  else await say(page, text);
  await eventually(async () => (await aiMessages(page)).length > n, 10000, `the AI's answer to "${text ?? quickReply}"`);
  await waitSettled(page);
  await sleep(300);
  return (await aiMessages(page)).slice(n).map((m) => m.text).join('\n');
}

/* Checks the shown transcript: every message acknowledged, seqs unique and increasing. */
function assertClean(list) {
  const seqs = list.map((m) => m.seq);
  assert.ok(seqs.every((s) => Number.isInteger(s) && s > 0), `every message has a seq: ${JSON.stringify(list)}`);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], `seqs increase: ${seqs.join(',')}`);
}

/* The server's own transcript of the conversation the page's widget holds, read over a
 * second /ws/chat session as the same visitor from seq 0. */
async function serverTranscript(page) {
  const s = await stored(page);
  assert.ok(s?.visitor && s?.conversation, 'the widget stored its visitor token and conversation');
  const ws = new WebSocket(`${server.base.replace('http', 'ws')}/ws/chat?tenant=demo`);
  try {
    const welcome = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no welcome')), 5000);
      ws.on('error', reject);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', visitor: s.visitor, conversation: s.conversation, last_seq: 0 })));
      ws.on('message', (d) => {
        const m = JSON.parse(d);
        if (m.type === 'welcome') {
          clearTimeout(timer);
          resolve(m);
        }
      });
    });
    assert.equal(welcome.conversation, s.conversation, 'the server resumed the same conversation');
    return welcome.messages.filter((m) => m.from !== 'system').map((m) => ({ seq: m.seq, from: m.from, text: m.text }));
  } finally {
    ws.close();
  }
}

const shown = (list) => list.map((m) => ({ seq: m.seq, from: m.from, text: m.text }));

/* Lists from GET /api/v1/appointments, whatever its envelope. */
function items(body) {
  if (Array.isArray(body)) return body;
  for (const k of ['items', 'appointments', 'data']) if (Array.isArray(body?.[k])) return body[k];
  throw new Error(`unexpected appointments body: ${JSON.stringify(body)}`);
}

test('a customer books a tune-up with the AI through the widget and the appointment exists', async () => {
  const admin = await server.login('admin');
  const before0 = await server.api(admin, 'GET', '/api/v1/appointments');
  assert.equal(before0.status, 200, JSON.stringify(before0.body));
  const known = new Set(items(before0.body).map((a) => a.id));

  await withCustomer(async (page) => {
    let reply = await ask(page, 'Hi, I would like to book a furnace tune-up');
    const first = (await aiMessages(page))[0].text;
    assert.match(first, /\bAI\b|virtual assistant/i, 'the first AI message says it is an AI');
    assert.match(await page.locator('.tc-sub').innerText(), /virtual assistant \(AI\)/);

    let booked = null;
    for (let turn = 0; turn < 8 && !booked; turn++) {
      if (/booked/i.test(reply)) {
        booked = reply;
      } else if (/address|zip/i.test(reply)) {
        reply = await ask(page, '1420 Providence Rd Charlotte 28207');
      } else if (/which one|openings|options/i.test(reply)) {
        const qr = await quickReplies(page);
        reply = qr.length ? await ask(page, null, qr[0]) : await ask(page, 'the first one');
      } else if (/shall i book|confirm|book it/i.test(reply)) {
        const qr = (await quickReplies(page)).find((r) => /^(yes|book)/i.test(r));
        reply = qr ? await ask(page, null, qr) : await ask(page, 'yes');
      } else if (/phone|number/i.test(reply)) {
        reply = await ask(page, '704 555 0182');
      } else if (/name/i.test(reply)) {
        reply = await ask(page, 'Linda Smith');
      } else {
        assert.fail(`unexpected AI reply: ${reply}`);
      }
    }
    assert.ok(booked, 'the AI confirmed the booking');
    await screenshot(page, 'widget-booked');

    const list = await transcript(page);
    assertClean(list);
    assert.deepEqual(shown(list), await serverTranscript(page), 'the widget shows exactly what the server stored');

    const after0 = await server.api(admin, 'GET', '/api/v1/appointments');
    assert.equal(after0.status, 200);
    const fresh = items(after0.body).filter((a) => !known.has(a.id));
    assert.equal(fresh.length, 1, `one new appointment: ${JSON.stringify(fresh)}`);
    const text = JSON.stringify(fresh[0]);
    assert.match(text, /tune_up|tune-up/i, 'it is a tune-up');
    assert.match(text, /1420 Providence/i, 'at the address given in the chat');
    const job = /\bJ-\d+\b/.exec(booked);
    if (job) assert.ok(text.includes(job[0]), `it carries the job number ${job[0]} the AI gave`);
  });
});

test('the page reloads mid-conversation and nothing is lost or doubled', async () => {
  await withCustomer(async (page) => {
    await ask(page, 'how much is a service call?');
    const s0 = await stored(page);
    assert.ok(s0.visitor && s0.conversation && s0.last_seq > 0, 'visitor token, conversation and last seq are kept');

    /* send, then reload at once: the message may or may not have reached the server */
    await say(page, 'do you cover Matthews 28105?');
    await page.reload();
    await page.locator('.tc-panel').waitFor({ state: 'visible' });
    await eventually(async () => {
      const l = await transcript(page);
      return l.some((m) => m.from === 'ai' && /28105|Matthews|cover|area/i.test(m.text)) && !l.some((m) => m.pending);
    }, 10000, 'the answer about 28105 after the reload');
    await sleep(500);
    const list = await transcript(page);
    assertClean(list);
    const mine = list.filter((m) => m.from === 'customer').map((m) => m.text);
    assert.deepEqual(mine, ['how much is a service call?', 'do you cover Matthews 28105?'], 'each message once, in order');
    const answers = list.filter((m) => m.from === 'ai' && /28105|Matthews/i.test(m.text));
    assert.equal(answers.length, 1, 'the answer once');
    assert.deepEqual(shown(list), await serverTranscript(page), 'the widget shows exactly what the server stored');

    /* a quiet reload changes nothing */
    await page.reload();
    await page.locator('.tc-panel').waitFor({ state: 'visible' });
    await waitSettled(page);
    await sleep(500);
    assert.deepEqual(shown(await transcript(page)), shown(list));
    const s1 = await stored(page);
    assert.equal(s1.conversation, s0.conversation);
    assert.equal(s1.last_seq, list[list.length - 1].seq);
  });
});

test('reloads before the first message: the visitor is kept, the first message is stored once', async () => {
  await withCustomer(async (page) => {
    await page.locator('.tc-status').waitFor({ state: 'hidden' });
    const s0 = await stored(page);
    assert.match(s0?.visitor ?? '', /^[A-Za-z0-9_-]{43}$/, 'the visitor token is kept at once');
    assert.equal(s0.conversation, null, 'no conversation before the customer writes');

    /* a quiet reload keeps the same visitor and still has no conversation */
    await page.reload();
    await page.locator('.tc-panel').waitFor({ state: 'visible' });
    await page.locator('.tc-status').waitFor({ state: 'hidden' });
    const s1 = await stored(page);
    assert.equal(s1.visitor, s0.visitor, 'the same visitor after the reload');
    assert.equal(s1.conversation, null);

    /* the first message, then a reload at once: it may or may not have started anything */
    await say(page, 'do you install tankless water heaters?');
    await page.reload();
    await page.locator('.tc-panel').waitFor({ state: 'visible' });
    await eventually(async () => {
      const l = await transcript(page);
      return l.some((m) => m.from === 'ai') && !l.some((m) => m.pending);
    }, 10000, 'the answer after the reload');
    await sleep(500);
    const list = await transcript(page);
    assertClean(list);
    assert.deepEqual(list.filter((m) => m.from === 'customer').map((m) => m.text), ['do you install tankless water heaters?'],
      'the first message once');
    const s2 = await stored(page);
    assert.equal(s2.visitor, s0.visitor);
    assert.ok(Number.isInteger(s2.conversation) && s2.conversation > 0, 'the conversation is kept once it exists');
    assert.deepEqual(shown(list), await serverTranscript(page), 'the widget shows exactly what the server stored');
  });
});

test('a server restart mid-conversation: the widget reconnects and sends the waiting message once', async () => {
  await withCustomer(async (page) => {
    await ask(page, 'what are your hours on saturday?');
    await server.halt();
    await page.locator('.tc-status').waitFor({ state: 'visible' });
    assert.match(await page.locator('.tc-status').innerText(), /reconnect/i);
    await say(page, 'and are you open on sunday?');
    const pending = (await transcript(page)).filter((m) => m.pending);
    assert.equal(pending.length, 1, 'the message waits for the connection');
    await server.restart();
    await eventually(async () => {
      const l = await transcript(page);
      return !l.some((m) => m.pending) && l[l.length - 1].from === 'ai';
    }, 40000, 'the reconnect, the resend and the answer');
    await sleep(500);
    const list = await transcript(page);
    assertClean(list);
    assert.deepEqual(list.filter((m) => m.from === 'customer').map((m) => m.text),
      ['what are your hours on saturday?', 'and are you open on sunday?']);
    assert.ok(await page.locator('.tc-status').isHidden(), 'the reconnecting notice is gone');
    assert.deepEqual(shown(list), await serverTranscript(page));
  });
});

test('two tabs of one browser stay in step, each message once in both', async () => {
  await withCustomer(async (one, b) => {
    await ask(one, 'how much is a furnace tune-up?');
    const two = await b.newPage();
    await two.goto(server.base + '/demo/');
    await two.locator('.tc-panel').waitFor({ state: 'visible' });   /* the chat was open */
    await waitSettled(two);
    assert.deepEqual(shown(await transcript(two)), shown(await transcript(one)), 'the second tab shows the conversation');

    await ask(two, 'and an AC tune-up?');
    await eventually(async () => (await transcript(one)).length === (await transcript(two)).length, 5000, 'the first tab catches up');
    const expected = await serverTranscript(two);
    assert.equal(expected.filter((m) => m.from === 'customer').length, 2);
    assert.deepEqual(shown(await transcript(one)), expected);
    assert.deepEqual(shown(await transcript(two)), expected);
    await one.reload();
    await one.locator('.tc-panel').waitFor({ state: 'visible' });
    await waitSettled(one);
    await sleep(300);
    assert.deepEqual(shown(await transcript(one)), expected, 'and after a reload');
  });
});

test('two tabs open before the first message: the other tab follows the conversation it started', async () => {
  await withCustomer(async (one, b) => {
    await one.locator('.tc-status').waitFor({ state: 'hidden' });
    const two = await b.newPage();
    await two.goto(server.base + '/demo/');
    await two.locator('.tc-panel').waitFor({ state: 'visible' });
    await two.locator('.tc-status').waitFor({ state: 'hidden' });
    assert.equal((await stored(two)).conversation, null);

    await ask(one, 'what are your hours on saturday?');
    await eventually(async () => shown(await transcript(two)).length === shown(await transcript(one)).length,
      10000, 'the second tab shows the new conversation');
    assert.deepEqual(shown(await transcript(two)), shown(await transcript(one)));
    /* and it follows it live */
    await ask(two, 'and on sunday?');
    await eventually(async () => (await transcript(one)).length === (await transcript(two)).length, 5000, 'the first tab catches up');
    const expected = await serverTranscript(two);
    assert.equal(expected.filter((m) => m.from === 'customer').length, 2);
    assert.deepEqual(shown(await transcript(one)), expected);
    assert.deepEqual(shown(await transcript(two)), expected);
  });
});

test('text from the server is shown as text, never run as HTML', async () => {
  await withCustomer(async (page) => {
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b> & done';
    await ask(page, evil);
    await page.reload();
    await page.locator('.tc-panel').waitFor({ state: 'visible' });
    await waitSettled(page);
    const list = await transcript(page);
    assert.ok(list.some((m) => m.from === 'customer' && m.text === evil), 'shown literally after the round trip');
    const tags = await page.locator('[data-tandem-chat]').evaluate((h) => h.shadowRoot.querySelectorAll('.tc-log img, .tc-log b').length);
    assert.equal(tags, 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });
});

test('asking for a person: a clear notice with position and wait, then the named agent replies in the same window', async () => {
  /* one agent online in the console (over /ws/agent, as the console does) */
  const agent = await server.login('agent');
  const ws = new WebSocket(`${server.base.replace('http', 'ws')}/ws/agent`, { headers: { Cookie: agent.cookie } });
  const inbox = [];
  ws.on('message', (d) => inbox.push(JSON.parse(d)));
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  const hello = await eventually(() => inbox.find((m) => m.type === 'hello'), 5000, 'the agent hello');
  const name = hello.agent.name;
  ws.send(JSON.stringify({ type: 'status', status: 'available' }));
  await eventually(() => inbox.find((m) => m.type === 'state' && m.status === 'available'), 5000, 'available');
  const first = await launchBrowser();
  const second = await launchBrowser();
  try {
    /* the first customer's conversation is offered to the agent... */
    const a = first.page;
    await a.goto(server.base + '/demo/');
    await openChat(a);
    await say(a, 'I want to talk to a real person please');
    const offer = await eventually(() => inbox.find((m) => m.type === 'offer'), 10000, 'the offer');
    await eventually(async () => (await notices(a)).length > 0, 5000, 'a notice to the first customer');

    /* ...so the second one waits in line, and is told where and for how long */
    const b = second.page;
    await b.goto(server.base + '/demo/');
    await openChat(b);
    await say(b, 'can I speak with a human?');
    const queued = await eventually(async () => (await notices(b)).find((n) => /number \d+ in line/.test(n)), 10000, 'the queue notice');
    assert.match(queued, /You are number 1 in line; expected wait (about \d+ minutes?|under a minute)\./);
    await screenshot(b, 'widget-queued');

    ws.send(JSON.stringify({ type: 'accept', offer_id: offer.offer_id }));
    await eventually(() => inbox.find((m) => m.type === 'assigned' && m.conversation === offer.conversation), 5000, 'assigned');
    await eventually(async () => (await notices(a)).some((n) => n === `${name} has joined the chat.`), 5000, 'the joined notice');
    assert.match(await a.locator('.tc-sub').innerText(), new RegExp(`${name}, from our team`));

    /* the agent types: the customer sees who is typing; the reply replaces the indicator */
    ws.send(JSON.stringify({ type: 'typing', conversation: offer.conversation, on: true }));
    await a.locator('.tc-typing').waitFor({ state: 'visible' });
    assert.equal(await a.locator('.tc-typing').innerText(), `${name} is typing…`);
    ws.send(JSON.stringify({ type: 'message', conversation: offer.conversation, client_id: 'agent-1', text: 'Hi, I can help with that.' }));
    await eventually(async () => (await transcript(a)).some((m) => m.from === 'agent'), 5000, "the agent's reply");
    const reply = (await transcript(a)).find((m) => m.from === 'agent');
    assert.equal(reply.text, 'Hi, I can help with that.');
    assert.equal(reply.name, name, "the reply carries the agent's name");

    assert.ok(await a.locator('.tc-typing').isHidden(), 'the indicator goes with the reply');

    /* the customer types: the agent is told */
    await messageBox(a).fill('thanks, my kitchen');
    await eventually(() => inbox.some((m) => m.type === 'typing' && m.conversation === offer.conversation && m.on === true), 5000, "the customer's typing at the agent");
    await say(a, 'thanks, my kitchen sink is leaking');
    await eventually(() => inbox.some((m) => m.type === 'message' && m.from === 'customer' && /kitchen sink/.test(m.text)), 5000, 'the agent gets it');
    await waitSettled(a);
    await sleep(500);
    const list = await transcript(a);
    assertClean(list);
    assert.equal(list.filter((m) => m.from === 'ai' && m.seq > reply.seq).length, 0, 'the AI says nothing while a person owns it');
    assert.deepEqual(shown(list), await serverTranscript(a));
    await messageBox(a).focus();
    await screenshot(a, 'widget-handoff');

    /* with the panel closed, a new reply shows as an unread count on the launcher */
    await a.keyboard.press('Escape');
    await a.locator('.tc-panel').waitFor({ state: 'hidden' });
    ws.send(JSON.stringify({ type: 'message', conversation: offer.conversation, client_id: 'agent-2', text: 'Is the water shut off?' }));
    await a.locator('.tc-badge').waitFor({ state: 'visible' });
    assert.equal(await a.locator('.tc-badge').innerText(), '1');
    assert.match(await a.locator('.tc-launcher').getAttribute('aria-label'), /1 new message$/);
    await a.keyboard.press('Enter');   /* focus is back on the launcher */
    await a.locator('.tc-panel').waitFor({ state: 'visible' });
    assert.ok(await a.locator('.tc-badge').isHidden(), 'opening the chat clears the count');
    assert.equal((await transcript(a)).at(-1).text, 'Is the water shut off?');

    /* the agent hands the conversation back: the customer is told, the AI label returns
     * and the AI answers again */
    ws.send(JSON.stringify({ type: 'handback', conversation: offer.conversation }));
    await eventually(async () => (await notices(a)).some((n) => /virtual assistant \(AI\) again/.test(n)), 5000, 'the hand-back notice');
    assert.equal(await a.locator('.tc-sub').innerText(), 'virtual assistant (AI)');
    const answer = await ask(a, 'what are your hours on saturday?');
    assert.match(answer, /Saturday|8:00|8 AM/i, `the AI answers the question: ${answer}`);
  } finally {
    ws.close();
    await first.close();
    await second.close();
  }
});

test('a surge: the waiting customer takes the offered callback instead of waiting', async () => {
  const agent = await server.login('agent');
  const ws = new WebSocket(`${server.base.replace('http', 'ws')}/ws/agent`, { headers: { Cookie: agent.cookie } });
  const inbox = [];
  ws.on('message', (d) => inbox.push(JSON.parse(d)));
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  await eventually(() => inbox.find((m) => m.type === 'hello'), 5000, 'the agent hello');
  ws.send(JSON.stringify({ type: 'status', status: 'available' }));
  await eventually(() => inbox.find((m) => m.type === 'state' && m.status === 'available'), 5000, 'available');
  /* the only agent has an emergency offered to them (a customer on a bare socket)... */
  const first = new WebSocket(`${server.base.replace('http', 'ws')}/ws/chat?tenant=demo`);
  await new Promise((resolve, reject) => { first.on('open', resolve); first.on('error', reject); });
  first.send(JSON.stringify({ type: 'hello' }));
  first.send(JSON.stringify({ type: 'message', client_id: 'e-1', text: 'Water is pouring through my ceiling right now!' }));
  await eventually(() => inbox.find((m) => m.type === 'offer'), 10000, 'the first offer');
  try {
    await withCustomer(async (page) => {
      /* ...so the next emergency waits behind it, longer than the business's answer time */
      await say(page, 'Help, water is pouring through the ceiling in the hall!');
      await eventually(async () => (await notices(page)).find((n) => /busier than usual/.test(n)), 10000, 'the surge notice');
      const form = page.locator('.tc-cb');
      await form.waitFor({ state: 'visible' });
      const button = page.getByRole('button', { name: /^Call me back instead \(\w+day, \d{1,2}:\d{2}/ });
      /* no number on file: asked for one */
      await button.click();
      await eventually(async () => /type the number/.test(await page.locator('.tc-cb-hint').innerText()), 5000, 'asked for a number');
      await page.getByRole('textbox', { name: 'Your phone number' }).fill('(704) 555-0142');
      await screenshot(page, 'widget-surge-callback');
      await button.click();
      const done = await eventually(async () => (await notices(page)).find((n) => /^Done: we will call you back/.test(n)), 5000, 'the callback notice');
      assert.match(done, /\(704\) 555-0142 around \w+day, \d{1,2}:\d{2}/, done);
      assert.ok(await form.count() === 0, 'the form is gone');
      const conv = (await stored(page)).conversation;
      const row = spawnSync('sqlite3', [server.db, `SELECT status || '|' || phone FROM callbacks WHERE conversation_id = ${conv}`], { encoding: 'utf8' }).stdout.trim();
      assert.equal(row, 'pending|+17045550142');
    });
  } finally {
    first.close();
    ws.close();
  }
});

test('nobody free to take the chat: the customer is told when the business will call back', async () => {
  await withCustomer(async (page) => {
    await say(page, 'let me talk to a real person');
    const n = await eventually(async () => (await notices(page)).find((x) => /call you back/.test(x)), 10000, 'the callback notice');
    assert.match(n, /call you back .*around \w+day, \d{1,2}:\d{2}/, `a day and time: ${n}`);
    await page.reload();
    await page.locator('.tc-panel').waitFor({ state: 'visible' });
    await waitSettled(page);
    assert.equal((await notices(page)).filter((x) => /call you back/.test(x)).length, 1, 'still shown once after a reload');
  });
});

test('a long conversation: the latest 200 at first, earlier ones on the button and at the top', async () => {
  /* a visitor whose conversation is longer than one page (started over /ws/chat, then
   * carried on over REST) */
  const ws = new WebSocket(`${server.base.replace('http', 'ws')}/ws/chat?tenant=demo`);
  const got = [];
  ws.on('message', (d) => got.push(JSON.parse(d)));
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  ws.send(JSON.stringify({ type: 'hello' }));
  const welcome = await eventually(() => got.find((m) => m.type === 'welcome'), 5000, 'welcome');
  ws.send(JSON.stringify({ type: 'message', client_id: 'long-0', text: 'hello, first message' }));
  const ack = await eventually(() => got.find((m) => m.type === 'ack'), 5000, 'the first ack');
  ws.close();
  const admin = await server.login('admin');
  for (let i = 1; i <= 140; i++) {
    const r = await server.api(admin, 'POST', `/api/v1/conversations/${ack.conversation}/messages`,
      { text: `what are your hours? (${i})`, client_id: `long-${i}` });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const all = (await server.api(admin, 'GET', `/api/v1/conversations/${ack.conversation}`)).body.messages;
  const last = all.at(-1).seq;
  assert.ok(last > 260, `${last} messages: more than a page and a button's worth`);

  const b = await launchBrowser();
  try {
    const page = b.page;
    await page.goto(server.base + '/demo/');
    await page.evaluate(([v, c]) => localStorage.setItem('tandem-chat:demo', JSON.stringify({
      visitor: v, conversation: c, last_seq: 0, messages: [], pending: [], open: true })), [welcome.visitor, ack.conversation]);
    await page.reload();
    await page.locator('.tc-panel').waitFor({ state: 'visible' });
    await eventually(async () => (await transcript(page)).length === 200, 10000, 'the latest 200 messages');
    const first = await transcript(page);
    assert.deepEqual(first.map((m) => m.seq), all.slice(-200).map((m) => m.seq));
    const button = page.locator('.tc-earlier');
    await button.waitFor({ state: 'visible' });

    await button.click();
    await eventually(async () => (await transcript(page)).length === 250, 5000, 'fifty earlier messages');
    /* scrolling to the top asks for the rest */
    await page.locator('[data-tandem-chat]').evaluate((h) => { h.shadowRoot.querySelector('.tc-log').scrollTop = 0; });
    await eventually(async () => (await transcript(page)).length === last, 5000, 'every message');
    const list = await transcript(page);
    assertClean(list);
    assert.deepEqual(list.map((m) => ({ seq: m.seq, text: m.text })), all.map((m) => ({ seq: m.seq, text: m.text })));
    assert.ok(await button.isHidden(), 'no button once the first message is shown');
    assert.deepEqual(b.errors.filter((e) => e.startsWith('pageerror')), []);
  } finally {
    await b.close();
  }
});

test('the widget on a phone', async () => {
  await withCustomer(async (page) => {
    await ask(page, 'do you install tankless water heaters?');
    await screenshot(page, 'widget-mobile');
    const r = await page.locator('.tc-panel').boundingBox();
    assert.equal(Math.round(r.width), 390);
  }, { width: 390, height: 844 });
});
