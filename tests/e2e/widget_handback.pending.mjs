// widget_handback.test.mjs: after an agent hands a web chat back, the AI answers the
// customer again with the conversation's context (issue: the AI resumes after a hand-back).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTandem, launchBrowser, sleep, eventually } from './lib/harness.mjs';
import { openChat, say, transcript, notices, waitSettled } from './lib/widget.mjs';

let server;

before(async () => {
  server = await startTandem();
});

after(async () => {
  await server?.stop();
});

test('after a hand-back the AI answers the customer again', async () => {
  const agent = await server.login('agent');
  const ws = new WebSocket(`${server.base.replace('http', 'ws')}/ws/agent`, { headers: { Cookie: agent.cookie } });
  const inbox = [];
  ws.on('message', (d) => inbox.push(JSON.parse(d)));
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  ws.send(JSON.stringify({ type: 'status', status: 'available' }));
  await eventually(() => inbox.find((m) => m.type === 'state' && m.status === 'available'), 5000, 'available');
  const b = await launchBrowser();
  try {
    const { page } = b;
    await page.goto(server.base + '/demo/');
    await openChat(page);
    await say(page, 'I want to talk to a real person please');
    const offer = await eventually(() => inbox.find((m) => m.type === 'offer'), 10000, 'the offer');
    ws.send(JSON.stringify({ type: 'accept', offer_id: offer.offer_id }));
    await eventually(async () => (await notices(page)).some((n) => /has joined/.test(n)), 5000, 'the joined notice');
    ws.send(JSON.stringify({ type: 'message', conversation: offer.conversation, client_id: 'agent-1', text: 'Happy to help. Anything else?' }));
    await eventually(async () => (await transcript(page)).some((m) => m.from === 'agent'), 5000, "the agent's reply");
    ws.send(JSON.stringify({ type: 'handback', conversation: offer.conversation }));
    await eventually(async () => (await notices(page)).some((n) => /virtual assistant \(AI\) again/.test(n)), 5000, 'the hand-back notice');

    const before0 = (await transcript(page)).length;
    await say(page, 'what are your hours on saturday?');
    await eventually(async () => (await transcript(page)).slice(before0).some((m) => m.from === 'ai'), 10000, "the AI's answer");
    await waitSettled(page);
    await sleep(300);
    const answer = (await transcript(page)).slice(before0).filter((m) => m.from === 'ai').map((m) => m.text).join('\n');
    assert.match(answer, /Saturday|8:00|8 AM/i, `the AI answers the question: ${answer}`);
  } finally {
    ws.close();
    await b.close();
  }
});
