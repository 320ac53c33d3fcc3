/**
 * Room names are user strings, and `constructor` is a valid one. The page keeps rooms,
 * views and typing state in records keyed by room name, so such a name must be an ordinary key: not a
 * member inherited from Object.prototype, and not a prototype assignment.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { uniq } from '../helpers/wait.ts';
import { createRoomInPage, DESKTOP, sendMessage, signedInPage, useBrowser, waitForMessageOnce, waitLive } from './harness.ts';

describe('rooms named like Object.prototype members', () => {
  const { server, browser } = useBrowser();
  let page: Page;

  before(async () => {
    page = await signedInPage(browser, server.url, uniq('proto'), DESKTOP);
  });

  it('a room named "constructor" that does not exist yet shows the not-found state', async () => {
    await page.goto(`${server.url}/#/r/constructor`);
    await waitLive(page);
    await page.getByTestId('room-not-found').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('composer').count(), 0);
  });

  // `__proto__` cannot be a room name (names start with a letter or digit); `constructor` can.
  for (const name of ['constructor']) {
    it(`a room named "${name}" can be created, listed, and chatted in`, async () => {
      await page.goto(`${server.url}/#/r/general`);
      await waitLive(page);
      await createRoomInPage(page, name);
      const text = uniq('hello');
      await sendMessage(page, text);
      await waitForMessageOnce(page, text);
      await page.locator(`[data-testid="room-link"][data-room="${name}"]`).waitFor();
      // After a reload the room list comes from the server's list, not from the live events.
      await page.reload();
      await waitLive(page);
      await page.locator(`[data-testid="room-link"][data-room="${name}"]`).waitFor();
      await waitForMessageOnce(page, text);
    });
  }
});
