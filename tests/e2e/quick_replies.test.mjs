// quick_replies.test.mjs: the AI's quick replies in the customer web chat widget on the
// demo site, in headless Chromium against the real server: asking for a tune-up at an
// address in the service area shows the offered windows as buttons; clicking one moves
// the booking to the confirmation with Yes/No buttons, which survive a reload; clicking
// Yes books that window, and the buttons go away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, launchBrowser, screenshot, sleep, eventually } from './lib/harness.mjs';
import { openChat, say, transcript, waitSettled, quickReplies } from './lib/widget.mjs';

let server;

before(async () => {
  server = await startTandem();
});

after(async () => {
  await server?.stop();
});

const aiMessages = async (page) => (await transcript(page)).filter((m) => m.from === 'ai');

/* Waits for the AI's next message after n of them and until the chat settles. */
async function nextAnswer(page, n, what) {
  await eventually(async () => (await aiMessages(page)).length > n, 10000, what);
  await waitSettled(page);
  await sleep(300);
  const ai = await aiMessages(page);
  return ai[ai.length - 1].text;
}

async function click(page, label) {
  const n = (await aiMessages(page)).length;
  await page.locator('.tc-replies .tc-reply', { hasText: label }).first().click();
  return nextAnswer(page, n, `the answer to the quick reply "${label}"`);
}

test('a customer books by clicking the quick replies the AI offers', async () => {
  const b = await launchBrowser();
  try {
    const { page } = b;
    await page.goto(server.base + '/demo/');
    await openChat(page);
    await say(page, 'I need an AC tune-up at 500 Oak Street, Charlotte 28205');
    const offer = await nextAnswer(page, 0, 'the windows offered');
    const windows = await eventually(async () => {
      const q = await quickReplies(page);
      return q.length ? q : null;
    }, 5000, 'the window buttons');
    assert.equal(windows.length, 3, offer);
    for (const w of windows) {
      assert.ok(offer.includes(w), `"${w}" is phrased as in the reply`);
      assert.ok([...w].length <= 40, w);
    }
    await screenshot(page, 'quick-replies-windows');

    const confirm = await click(page, windows[1]);
    assert.match(confirm, /To confirm/);
    assert.ok(confirm.includes(windows[1]), 'the clicked window is the one confirmed');
    const mine = (await transcript(page)).filter((m) => m.from === 'customer');
    assert.equal(mine[mine.length - 1].text, windows[1], 'the click was sent as the customer message');
    assert.deepEqual(await quickReplies(page), ['Yes', 'No']);

    await page.reload();
    await page.locator('.tc-panel').waitFor({ state: 'visible' });
    await eventually(async () => (await quickReplies(page)).length === 2, 10000, 'the Yes/No buttons after a reload');
    assert.deepEqual(await quickReplies(page), ['Yes', 'No']);

    const booked = await click(page, 'Yes');
    assert.match(booked, /You're booked/);
    assert.match(booked, /J-\d+/);
    assert.ok(booked.includes(windows[1]), 'the clicked window is the one booked');
    assert.deepEqual(await quickReplies(page), [], 'nothing left to choose');
    await screenshot(page, 'quick-replies-booked');
    assert.deepEqual(b.errors.filter((e) => e.startsWith('pageerror')), [], 'no script errors in the page');
  } finally {
    await b.close();
  }
});
