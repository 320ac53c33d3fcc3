/**
 * Keyboard only: when a dialog or the reaction picker closes (Escape, Cancel, or after choosing), focus goes
 * back to the control that opened it, not to <body>, so a keyboard user carries on from where they were.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { uniq } from '../helpers/wait.ts';
import { DESKTOP, sendMessage, signedInPage, useBrowser, waitForMessageOnce } from './harness.ts';

/** Whether `opener` is the focused element (and what is, when it is not). */
async function assertFocused(page: Page, opener: Locator, what: string): Promise<void> {
  // Focus moves as the closing render commits: wait for it, then report what has focus if it never came.
  const handle = await opener.elementHandle();
  await page.waitForFunction((el) => document.activeElement === el, handle, { timeout: 3000 }).catch(() => undefined);
  const focused = await opener.evaluate((el) => document.activeElement === el);
  const active = await page.evaluate(() => {
    const a = document.activeElement;
    return a ? `<${a.tagName.toLowerCase()}${a.getAttribute('aria-label') ? ` aria-label="${a.getAttribute('aria-label')}"` : ''}>` : 'null';
  });
  assert.ok(focused, `${what}: focus is back on the opener (it is on ${active})`);
}

/** Focuses `opener` and presses Enter, as a keyboard user would, then waits for `opened`. */
async function openWithEnter(opener: Locator, opened: Locator): Promise<void> {
  await opener.focus();
  await opener.press('Enter');
  await opened.waitFor();
}

describe('focus returns to the opener', () => {
  const { server, browser } = useBrowser();
  let page: Page;

  before(async () => {
    page = await signedInPage(browser, server.url, uniq('keys'), DESKTOP);
  });

  for (const [opener, title] of [
    ['Create a room', 'Create a room'],
    ['New direct message', 'New direct message'],
    ['Browse rooms', 'Browse rooms'],
  ] as const) {
    it(`"${title}" dialog: Escape and Cancel (or ✕) give focus back to "${opener}"`, async () => {
      const button = page.getByRole('button', { name: opener, exact: true });
      const dialog = page.getByRole('dialog', { name: title });
      await openWithEnter(button, dialog);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await assertFocused(page, button, `${title} closed with Escape`);

      await openWithEnter(button, dialog);
      const cancel = dialog.getByRole('button', { name: 'Cancel' });
      await (await cancel.count() ? cancel : dialog.getByRole('button', { name: 'Close' })).press('Enter');
      await dialog.waitFor({ state: 'detached' });
      await assertFocused(page, button, `${title} closed with Cancel`);
    });
  }

  it('reaction picker: Escape and choosing an emoji give focus back to "Add reaction"', async () => {
    const text = uniq('react to me');
    await sendMessage(page, text);
    await waitForMessageOnce(page, text);
    const msg = page.locator('[data-testid="message"]').filter({ hasText: text });
    const add = msg.getByRole('button', { name: 'Add reaction' });
    const picker = msg.getByTestId('reaction-picker');

    await openWithEnter(add, picker);
    await page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
    await assertFocused(page, add, 'picker closed with Escape');

    await openWithEnter(add, picker);
    await picker.getByRole('button', { name: 'React with 🎉' }).press('Enter');
    await picker.waitFor({ state: 'detached' });
    await msg.getByTestId('reaction').filter({ hasText: '🎉' }).waitFor();
    await assertFocused(page, add, 'picker closed after choosing');
  });

  it('members panel: closing it gives focus back to the "Members" toggle', async () => {
    const toggle = page.getByTestId('toggle-members');
    const panel = page.getByTestId('member-panel');
    if (!(await panel.count())) await openWithEnter(toggle, panel);
    await panel.getByRole('button', { name: 'Close members' }).press('Enter');
    await panel.waitFor({ state: 'detached' });
    await assertFocused(page, toggle, 'members panel closed');
  });
});
