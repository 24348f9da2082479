// keyboard.test.mjs: the agent console and the supervisor view used with the keyboard
// alone (Tab, Shift+Tab, Enter, Space, Escape, and the arrow keys inside a select) in
// real headless Chromium against the real server: sign in, set the status, accept an
// offer, reply, open and close the transfer form, open the wrap-up and save it. After each
// step the focus must be visible and sit somewhere sensible (the chat input after
// accepting, the wrap-up summary after "Finish and wrap up"), and every interactive
// element on screen must have an accessible name. The chat widget on /demo/ is reached
// and opened with the keyboard too, and its focus rings must reach 3:1 against what is
// behind them. A screenshot goes to tests/e2e/artifacts/keyboard-console.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, launchBrowser, screenshot, eventually } from './lib/harness.mjs';
import { openChat, say, transcript } from './lib/widget.mjs';

let server;
let staff;     // the agent's browser
let shopper;   // the customer's browser (the widget on /demo/)
let agent;     // the console page

/** What has the focus: tag, id, name, text, and whether the focus can be seen. */
function focused(page) {
  return page.evaluate(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;  /* the widget */
    if (!a || a === document.body) return null;
    const cs = getComputedStyle(a);
    const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none';
    const box = a.getBoundingClientRect();
    return {
      tag: a.tagName.toLowerCase(), id: a.id, name: a.getAttribute('name') ?? '',
      cls: a.getAttribute('class') ?? '',
      text: (a.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 60),
      visible: box.width > 0 && box.height > 0 && !a.closest('[hidden]'),
      ring: a.matches(':focus-visible') && ring,
    };
  });
}

/** Asserts that the focus is visible and that pick(focus) holds. */
async function focusIs(page, pick, what) {
  const f = await focused(page);
  assert.ok(f, `after ${what} the focus is on an element, not lost to the page`);
  assert.ok(f.visible && f.ring, `after ${what} the focus can be seen: ${JSON.stringify(f)}`);
  assert.ok(pick(f), `after ${what} the focus is somewhere sensible, not on ${JSON.stringify(f)}`);
  return f;
}

/** Presses key (Tab or Shift+Tab) until pick(focus) holds; every stop on the way must show
 * its focus. */
async function tabTo(page, pick, what, key = 'Tab', most = 80) {
  const seen = [];
  for (let i = 0; i < most; i++) {
    await page.keyboard.press(key);
    const f = await focused(page);
    if (!f) continue;
    seen.push(f.id || f.text || f.tag);
    assert.ok(f.visible && f.ring, `a ${key} stop on the way to ${what} shows no focus: ${JSON.stringify(f)}`);
    if (pick(f)) return f;
  }
  throw new Error(`${key} never reached ${what}; stops: ${seen.join(' | ')}`);
}

/** Interactive elements on screen without an accessible name, from Chromium's own
 * accessibility tree. */
async function unnamed(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const roles = new Set(['button', 'link', 'textbox', 'searchbox', 'combobox', 'listbox', 'checkbox',
      'radio', 'switch', 'slider', 'spinbutton', 'menuitem', 'tab', 'option', 'meter']);
    const bad = nodes.filter((n) => !n.ignored && roles.has(n.role?.value) && !String(n.name?.value ?? '').trim());
    const out = [];
    for (const n of bad) {
      const { node } = await cdp.send('DOM.describeNode', { backendNodeId: n.backendDOMNodeId });
      const attrs = Object.fromEntries((node.attributes ?? []).reduce((a, v, i, all) => (i % 2 ? a : [...a, [v, all[i + 1]]]), []));
      out.push(`${n.role.value} <${node.localName}${attrs.id ? ` id=${attrs.id}` : ''}${attrs.class ? ` class="${attrs.class}"` : ''}>`);
    }
    return out;
  } finally {
    await cdp.detach();
  }
}

async function allNamed(page, where) {
  const missing = await unnamed(page);
  assert.deepEqual(missing, [], `interactive elements without an accessible name ${where}`);
}

/** Moves a focused select to value with the arrow keys. */
async function chooseWithArrows(page, value) {
  for (let i = 0; i < 12; i++) {
    const now = await page.evaluate(() => document.activeElement.value);
    if (now === value) return;
    const options = await page.evaluate(() => [...document.activeElement.options].map((o) => o.value));
    await page.keyboard.press(options.indexOf(value) > options.indexOf(now) ? 'ArrowDown' : 'ArrowUp');
  }
  throw new Error(`the select never reached ${value}`);
}

before(async () => {
  server = await startTandem();
  staff = await launchBrowser({ viewport: { width: 1440, height: 900 } });
  shopper = await launchBrowser({ viewport: { width: 1280, height: 800 } });
  agent = staff.page;
});

after(async () => {
  await staff?.close();
  await shopper?.close();
  const r = await server?.stop();
  if (r) assert.equal(r.code, 0, `the server exited cleanly:\n${server.logs().slice(-30).join('\n')}`);
});

test('sign in and go available with the keyboard alone', async () => {
  await agent.goto(`${server.base}/agent/`);
  await agent.locator('#login-view').waitFor({ state: 'visible' });
  await focusIs(agent, (f) => f.name === 'email', 'the sign-in form appears');
  await allNamed(agent, 'on the sign-in form');
  const a = server.account('agent1@brightline.example');
  await agent.keyboard.type(a.email);
  await agent.keyboard.press('Tab');
  await focusIs(agent, (f) => f.name === 'password', 'Tab from the email');
  await agent.keyboard.type(a.password);
  await agent.keyboard.press('Enter');
  await agent.locator('#console').waitFor({ state: 'visible' });
  await agent.locator('#conn[data-state="open"]').waitFor();
  await focusIs(agent, (f) => f.id === 'status', 'signing in (the status is the first thing to set)');
  await chooseWithArrows(agent, 'available');
  await eventually(async () => /idle|available/i.test(await agent.locator('#state').innerText()), 5000,
    'the state to say idle');
  await focusIs(agent, (f) => f.id === 'status', 'choosing a status');
  await allNamed(agent, 'in the console without a conversation');
  // Shift+Tab goes back to the top bar and Tab comes forward again
  await agent.keyboard.press('Shift+Tab');
  await agent.keyboard.press('Tab');
  await focusIs(agent, (f) => f.id === 'status', 'Shift+Tab then Tab');
});

test('accept an offer, reply, and leave the transfer form with Escape', async () => {
  await shopper.page.goto(`${server.base}/demo/`);
  await openChat(shopper.page);
  await say(shopper.page, 'Water is pouring through my kitchen ceiling, I need a person');
  const offer = agent.locator('#offers .offer').first();
  await offer.waitFor({ state: 'visible', timeout: 10000 });
  await allNamed(agent, 'with an offer on screen');

  await tabTo(agent, (f) => f.tag === 'button' && f.text === 'Accept', 'the offer\'s Accept button');
  await agent.keyboard.press('Space');
  await agent.locator('#conv').waitFor({ state: 'visible' });
  await eventually(async () => (await focused(agent))?.id === 'reply', 5000, 'the focus to reach the reply box');
  await focusIs(agent, (f) => f.id === 'reply', 'accepting the offer');
  await allNamed(agent, 'in an open conversation');

  await agent.keyboard.type('Hi, this is Avery. Please turn off the water at the main valve.');
  await agent.keyboard.press('Enter');
  const seen = await eventually(async () => (await transcript(shopper.page)).some((m) => /main valve/.test(m.text)),
    10000, 'the reply to reach the customer');
  assert.ok(seen, 'the customer sees the reply');
  await focusIs(agent, (f) => f.id === 'reply', 'sending a reply');

  await tabTo(agent, (f) => f.id === 'btn-transfer', 'the Transfer button', 'Shift+Tab');
  await agent.keyboard.press('Enter');
  await agent.locator('#transfer-form').waitFor({ state: 'visible' });
  await focusIs(agent, (f) => f.id === 'transfer-queue' || f.id === 'transfer-queue-id', 'opening the transfer form');
  await agent.keyboard.press('Escape');
  await agent.locator('#transfer-form').waitFor({ state: 'hidden' });
  await focusIs(agent, (f) => f.id === 'btn-transfer', 'Escape in the transfer form');
  assert.equal(await agent.locator('#btn-transfer').getAttribute('aria-expanded'), 'false');
});

test('finish, wrap up and save with the keyboard alone', async () => {
  await tabTo(agent, (f) => f.id === 'btn-wrapup', 'Finish and wrap up');
  await agent.keyboard.press('Enter');
  await agent.locator('#wrapup-form').waitFor({ state: 'visible' });
  await focusIs(agent, (f) => f.id === 'wrapup-summary', 'opening the wrap-up');
  await eventually(async () => (await agent.locator('#wrapup-summary').inputValue()).trim().length > 0, 10000,
    'the AI draft of the summary');
  await agent.keyboard.type(' Customer shut the main valve.');
  await agent.keyboard.press('Tab');
  await focusIs(agent, (f) => f.id === 'wrapup-disposition', 'Tab from the summary');
  await chooseWithArrows(agent, 'dispatched');
  await allNamed(agent, 'in the wrap-up form');
  await screenshot(agent, 'keyboard-console');
  await tabTo(agent, (f) => f.tag === 'button' && /Save and finish/.test(f.text), 'Save and finish');
  await agent.keyboard.press('Enter');
  await agent.locator('#conv').waitFor({ state: 'hidden', timeout: 10000 });
  assert.equal(await agent.locator('#convs .conv-item').count(), 0, 'the conversation left the list');
  await focusIs(agent, (f) => f.id === 'idle' || f.id === 'status', 'saving the wrap-up');
  await allNamed(agent, 'after the wrap-up');
});

test('the supervisor view: every stop shows its focus and every control has a name', async () => {
  const boss = await launchBrowser({ viewport: { width: 1440, height: 900 } });
  try {
    const sup = boss.page;
    const admin = server.account('admin');
    await sup.goto(`${server.base}/supervisor/`);
    await sup.locator('#login-view').waitFor({ state: 'visible' });
    await focusIs(sup, (f) => f.name === 'email', 'the supervisor sign-in form appears');
    await allNamed(sup, 'on the supervisor sign-in form');
    await sup.keyboard.type(admin.email);
    await sup.keyboard.press('Tab');
    await sup.keyboard.type(admin.password);
    await sup.keyboard.press('Enter');
    await eventually(async () => (await sup.locator('svg[role=img]').count()) > 0, 10000, 'the charts');
    await focusIs(sup, (f) => f.id === 'board', 'signing in to the supervisor view (the figures)');
    await allNamed(sup, 'in the supervisor view');
    const stops = new Set();
    for (let i = 0; i < 12; i++) {
      await sup.keyboard.press('Tab');
      const f = await focused(sup);
      if (!f) continue;
      assert.ok(f.visible && f.ring, `a Tab stop in the supervisor view shows no focus: ${JSON.stringify(f)}`);
      stops.add(f.id || f.text);
    }
    assert.ok(stops.has('logout'), `Sign out is reachable with Tab: ${[...stops].join(' | ')}`);
  } finally {
    await boss.close();
  }
});

/** The focus ring's colour and the background behind the focused element. */
function ringColours(page) {
  return page.evaluate(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    const cs = getComputedStyle(a);
    const ring = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0
      ? cs.outlineColor : (cs.boxShadow.match(/(rgba?|color)\([^)]*\)/) ?? [''])[0];
    let bg = 'rgb(255, 255, 255)';
    for (let e = a.parentElement ?? a.getRootNode().host; e; e = e.parentElement ?? e.getRootNode().host) {
      const c = getComputedStyle(e).backgroundColor;
      if (c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)) { bg = c; break; }
    }
    return { ring, bg };
  });
}

/** WCAG contrast ratio of two computed colours: "rgb(r, g, b)" or, for a colour mixed by
 * the style sheet, "color(srgb r g b)" with channels from 0 to 1. */
function contrast(a, b) {
  const lum = (s) => {
    assert.match(s, /^(rgba?\(|color\(srgb )/, `a colour: ${s}`);
    const scale = s.startsWith('color(') ? 1 : 255;
    const [r, g, bl] = s.replace('color(srgb', '').match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const c = v / scale;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

test('the chat widget: reached and opened with the keyboard, its focus rings at least 3:1', async () => {
  const visitor = await launchBrowser({ viewport: { width: 1280, height: 800 } });  /* a new visitor: the widget starts closed */
  after(() => visitor.close());
  const page = visitor.page;
  await page.goto(`${server.base}/demo/`);
  await tabTo(page, (x) => /\btc-launcher\b/.test(x.cls), 'the chat launcher');
  let c = await ringColours(page);
  assert.ok(contrast(c.ring, c.bg) >= 3, `the launcher's focus ring ${c.ring} on ${c.bg}: ${contrast(c.ring, c.bg).toFixed(2)}:1`);
  await page.keyboard.press('Enter');
  await eventually(async () => (await focused(page))?.cls.includes('tc-input'), 5000, 'the focus in the message box');
  c = await ringColours(page);
  assert.ok(contrast(c.ring, c.bg) >= 3, `the message box's focus ring ${c.ring} on ${c.bg}: ${contrast(c.ring, c.bg).toFixed(2)}:1`);
  await allNamed(page, 'in the open chat widget');
});
