// demo.test.mjs: the demo business's website in real headless Chromium: its content, the
// widget's launcher from one script tag, keyboard use, configuration, mobile layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTandem, launchBrowser, screenshot } from './lib/harness.mjs';
import { launcher, messageBox, waitForMessages } from './lib/widget.mjs';

let server;
let browser;

before(async () => {
  server = await startTandem();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the landing page links to the demo site, which names the business, its hours, area and phone', async () => {
  const { page } = browser;
  await page.goto(server.base + '/');
  await page.getByRole('link', { name: '/demo/' }).click();
  await page.waitForURL('**/demo/');
  assert.match(await page.title(), /Brightline Heating, Cooling & Plumbing/);
  const main = await page.locator('main').innerText();
  for (const fact of ['$129', '$89', '28105', '28173', '7:00 AM – 6:00 PM', '8:00 AM – 2:00 PM', 'Closed'])
    assert.ok(main.includes(fact), `the page shows ${fact}`);
  assert.equal(await page.locator('a[href="tel:+17045550100"]').count() > 0, true, 'a phone link');
});

test('one script tag adds a launcher in the configured colour; the keyboard opens and closes the chat', async () => {
  const { page } = browser;
  await page.goto(server.base + '/demo/');
  await launcher(page).waitFor({ state: 'visible' });
  assert.equal(await page.locator('[data-tandem-chat]').count(), 1, 'exactly one widget');
  assert.equal(await launcher(page).getAttribute('aria-expanded'), 'false');
  const bg = await launcher(page).evaluate((b) => getComputedStyle(b).backgroundColor);
  assert.equal(bg, 'rgb(15, 118, 110)', 'data-color sets the accent');
  const box = await launcher(page).boundingBox();
  assert.ok(box.x > 1280 / 2, 'data-position defaults to the right');

  await launcher(page).focus();
  await page.keyboard.press('Enter');
  await page.locator('.tc-panel').waitFor({ state: 'visible' });
  assert.equal(await launcher(page).getAttribute('aria-expanded'), 'true');
  assert.ok(await messageBox(page).evaluate((n) => n.getRootNode().activeElement === n), 'focus moves to the message box');
  assert.equal(await page.locator('.tc-intro').innerText(), 'Hi! Ask about prices, book a visit, or check on your appointment.',
    'data-greeting is shown');
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.getAttribute('aria-labelledby'), /tc-title/);
  assert.match(await page.locator('.tc-sub').innerText(), /virtual assistant \(AI\)/);
  assert.equal(await page.getByRole('log').count(), 1, 'new messages are announced through a log region');
  /* the widget as a screen reader sees it */
  const tree = await page.locator('[data-tandem-chat]').ariaSnapshot();
  for (const line of [/- dialog "[^"]+":/, /- heading "[^"]+" \[level=2\]/, /- paragraph: virtual assistant \(AI\)/,
    /- button "Close chat"/, /- log "Chat messages"/, /- textbox "Message"/, /- button "Send"/, /- button "[^"]+" \[expanded\]/])
    assert.match(tree, line);
  await page.keyboard.press('Escape');
  await page.locator('.tc-panel').waitFor({ state: 'hidden' });
  assert.ok(await launcher(page).evaluate((n) => n.getRootNode().activeElement === n), 'focus returns to the launcher');
  await screenshot(page, 'demo-desktop');
});

test('on a phone the open chat fills the screen', async () => {
  const b = await launchBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const { page } = b;
    await page.goto(server.base + '/demo/');
    await launcher(page).click();
    await page.locator('.tc-panel').waitFor({ state: 'visible' });
    const r = await page.locator('.tc-panel').boundingBox();
    assert.equal(Math.round(r.width), 390);
    assert.equal(Math.round(r.height), 844);
    await page.locator('.tc-close').click();
    await launcher(page).waitFor({ state: 'visible' });
    await screenshot(page, 'demo-mobile');
  } finally {
    await b.close();
  }
});

test("on the business's own website (another origin) the widget is configured by its attributes and chats", async () => {
  /* the business's page comes from another origin (another port here); only the script
   * and the chat come from tandem */
  const site = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Brightline</title>
      <link rel="icon" href="data:,"></head><body><h1>Brightline</h1>
      <script src="${server.base}/widget/tandem-chat.js" data-tenant="demo" data-position="left"
        data-color="rgb(200, 40, 40)" data-title="Reserva con nosotros" defer></script></body></html>`);
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  const b = await launchBrowser();
  try {
    const { page } = b;
    await page.goto(`http://127.0.0.1:${site.address().port}/`);
    await launcher(page).waitFor({ state: 'visible' });
    assert.equal(await launcher(page).innerText(), 'Reserva con nosotros', 'data-title');
    assert.ok((await launcher(page).boundingBox()).x < 1280 / 2, 'data-position="left"');
    assert.equal(await launcher(page).evaluate((n) => getComputedStyle(n).backgroundColor), 'rgb(200, 40, 40)');
    await launcher(page).click();
    const box = page.getByRole('textbox', { name: 'Mensaje' });
    assert.equal(await box.getAttribute('placeholder'), 'Escribe tu mensaje…', 'the page language picks Spanish');
    await box.fill('hola, ¿cuánto cuesta una visita?');
    await box.press('Enter');
    await waitForMessages(page, 'ai', 1);
    assert.deepEqual(b.errors.filter((e) => e.startsWith('pageerror')), []);
    await screenshot(page, 'widget-other-site');
  } finally {
    await b.close();
    site.close();
  }
});

test('a tag naming an unknown business says the chat is unavailable instead of spinning', async () => {
  const site = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title><link rel="icon" href="data:,"></head>
      <body><script src="${server.base}/widget/tandem-chat.js" data-tenant="no-such-business" defer></script></body></html>`);
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  const b = await launchBrowser();
  try {
    const { page } = b;
    await page.goto(`http://127.0.0.1:${site.address().port}/`);
    await launcher(page).click();
    const status = page.getByRole('status');
    await status.filter({ hasText: 'not available' }).waitFor();
    assert.equal(await status.innerText(), 'The chat is not available right now.');
    assert.deepEqual(b.errors.filter((e) => e.startsWith('pageerror')), []);
  } finally {
    await b.close();
    site.close();
  }
});
