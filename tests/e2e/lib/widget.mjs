// widget.mjs: drives the customer web chat widget (web/widget) in a Playwright page the
// way a person would: the launcher, the message box, quick-reply buttons.

/** The launcher button (its accessible name starts with the widget's title). */
export const launcher = (page) => page.locator('.tc-launcher');

/** The message box, found by its label as a screen reader would. */
export const messageBox = (page) => page.getByRole('textbox', { name: 'Message' });

/** Opens the chat panel with the launcher and waits until it is shown. */
export async function openChat(page) {
  await launcher(page).click();
  await page.locator('.tc-panel').waitFor({ state: 'visible' });
}

/** Types text into the message box and presses Enter. */
export async function say(page, text) {
  await messageBox(page).fill(text);
  await messageBox(page).press('Enter');
}

/**
 * The transcript as shown: [{seq, from, name, text, pending}] for every message bubble in
 * page order (seq is null for a message not yet acknowledged), notices excluded.
 */
export function transcript(page) {
  return page.locator('.tc-log .tc-msg').evaluateAll((nodes) => nodes.map((n) => ({
    seq: n.dataset.seq ? Number(n.dataset.seq) : null,
    from: n.dataset.from,
    name: n.querySelector('.tc-who')?.textContent ?? '',
    text: n.querySelector('.tc-text')?.textContent ?? '',
    pending: n.classList.contains('tc-pending'),
  })));
}

/** The notices shown in the transcript (handoff, callback), in page order. */
export function notices(page) {
  return page.locator('.tc-log .tc-notice').allTextContents();
}

/** Waits until at least count messages from `from` are shown; resolves to the transcript. */
export async function waitForMessages(page, from, count, ms = 10000) {
  await page.locator(`.tc-log .tc-msg[data-from="${from}"]`).nth(count - 1).waitFor({ timeout: ms });
  return transcript(page);
}

/** Waits until every message shown is acknowledged (no pending bubble left). */
export async function waitSettled(page, ms = 10000) {
  await page.waitForFunction(() => {
    const host = document.querySelector('[data-tandem-chat]');
    return host && host.shadowRoot && !host.shadowRoot.querySelector('.tc-pending');
  }, null, { timeout: ms });
}

/** The quick-reply buttons currently offered, by their text. */
export function quickReplies(page) {
  return page.locator('.tc-replies .tc-reply').allTextContents();
}

/** What the widget keeps in localStorage for tenant (visitor, conversation, last_seq...). */
export function stored(page, tenant = 'demo') {
  return page.evaluate((k) => JSON.parse(localStorage.getItem(k) || 'null'), `tandem-chat:${tenant}`);
}
