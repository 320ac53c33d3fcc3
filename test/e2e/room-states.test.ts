/**
 * What a room's header and body say about the room itself: a private room shows a lock (an icon named
 * "private") instead of "#", and a room that does not exist, or that you may not see, shows a plain
 * not-found state with no "beginning of the room" line above it.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { newUser, room } from '../helpers/api.ts';
import { uniq } from '../helpers/wait.ts';
import { createRoomInPage, DESKTOP, signedInPage, useBrowser, waitLive } from './harness.ts';

describe('room header and missing rooms', () => {
  const { server, browser } = useBrowser();
  let page: Page;

  before(async () => {
    page = await signedInPage(browser, server.url, uniq('viewer'), DESKTOP);
  });

  it('a private room shows a lock named "private" in its header, a public one "#"', async () => {
    const priv = uniq('secret');
    await createRoomInPage(page, priv, { private: true });
    const title = page.getByTestId('room-title');
    const lock = title.getByRole('img', { name: 'private' });
    assert.equal(await lock.count(), 1, `the header of a private room has a lock: ${await title.innerHTML()}`);
    assert.equal(await lock.evaluate((e) => e.tagName.toLowerCase()), 'svg');
    assert.ok(!(await title.innerText()).includes('#'), `no "#" before a private room's name: ${await title.innerText()}`);
    assert.match(await title.innerText(), new RegExp(priv));

    const pub = uniq('open');
    await createRoomInPage(page, pub);
    assert.equal(await title.getByRole('img', { name: 'private' }).count(), 0);
    assert.equal((await title.innerText()).trim(), `# ${pub}`);
  });

  async function visit(name: string): Promise<void> {
    await page.goto(`${server.url}/#/r/${encodeURIComponent(name)}`);
    await waitLive(page);
    await page.getByTestId('room-title').filter({ hasText: name }).waitFor();
  }

  async function assertNotFound(name: string): Promise<void> {
    const missing = page.getByTestId('room-not-found');
    await missing.waitFor({ timeout: 10_000 });
    assert.match(await missing.innerText(), /not found|does not exist|no room/i);
    assert.equal(await page.getByText('This is the beginning of the room.').count(), 0, `${name}: no "beginning of the room" line`);
    assert.equal(await page.getByTestId('message-list').count(), 0, `${name}: no message list`);
    assert.equal(await page.getByTestId('composer').count(), 0, `${name}: no message box`);
  }

  it('an unknown room shows only a plain not-found state', async () => {
    const name = uniq('nowhere');
    await visit(name);
    await assertNotFound(name);
  });

  it("someone else's private room shows the same not-found state", async () => {
    const owner = await newUser(server.url, 'owner');
    const name = await room(owner, 'private');
    await visit(name);
    await assertNotFound(name);
  });
});
