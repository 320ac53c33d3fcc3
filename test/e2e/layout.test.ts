/**
 * Phone width and keyboard use: the same chat on a 390 px screen (rooms behind a menu, members as a sheet,
 * nothing wider than the screen), and sending a message with the keyboard alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniq } from '../helpers/wait.ts';
import { createRoomInPage, DESKTOP, PHONE, sendMessage, signedInPage, useBrowser, waitForMessageOnce, waitLive } from './harness.ts';

describe('phone width and keyboard', () => {
  const { server, browser } = useBrowser();

  it('at phone width the rooms sit behind a menu and nothing overflows the screen', async () => {
    const page = await signedInPage(browser, server.url, uniq('pocket'), PHONE);
    await waitLive(page);
    assert.equal(await page.getByRole('link', { name: 'general' }).isVisible(), false, 'sidebar is off-screen');

    await page.getByRole('button', { name: /Show rooms/ }).click();
    await createRoomInPage(page, uniq('pocket-'));

    await sendMessage(page, 'typed on a phone');
    await waitForMessageOnce(page, 'typed on a phone');
    // On touch screens (no hover) a tap on a message shows its actions (phone-layout.test.ts checks the rest).
    await page.getByTestId('message-text').filter({ hasText: 'typed on a phone' }).tap();
    await page.locator('.msg.selected').getByRole('button', { name: 'Edit message' }).waitFor();

    await page.getByTestId('toggle-members').click();
    await page.getByTestId('member-panel').waitFor();
    await page.getByRole('button', { name: 'Close members' }).click();
    await page.getByTestId('member-panel').waitFor({ state: 'detached' });

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
  });

  it('a message can be sent with the keyboard alone', async () => {
    const page = await signedInPage(browser, server.url, uniq('keys'), DESKTOP);
    // Start from the top of the document, as after loading it with the keyboard.
    await page.evaluate(() => {
      document.body.tabIndex = -1;
      document.body.focus();
    });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to message box');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'composer');
    await page.keyboard.type('no mouse needed');
    await page.keyboard.press('Enter');
    await waitForMessageOnce(page, 'no mouse needed');
  });
});
