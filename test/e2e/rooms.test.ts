/**
 * Rooms as two people use them: a private room with a topic, its owner adding a member, typing and presence,
 * the owner deleting someone else's message, leaving, and a DM started by username.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { uniq } from '../helpers/wait.ts';
import { clickRoom, createRoomInPage, DESKTOP, messageWithText, sendMessage, signedInPage, useBrowser, waitForMessageOnce } from './harness.ts';

describe('rooms, members and presence', () => {
  const { server, browser } = useBrowser();
  let alice: Page;
  let bob: Page;
  const bobName = uniq('bob');
  const room = uniq('secret-');

  before(async () => {
    alice = await signedInPage(browser, server.url, uniq('alice'), DESKTOP);
    bob = await signedInPage(browser, server.url, bobName, DESKTOP);
  });

  const bobLink = () => bob.locator(`[data-testid="room-link"][data-room="${room}"]`);

  it('an owner creates a private room and adds a member, who sees it arrive live with its topic', async () => {
    await createRoomInPage(alice, room, { topic: 'Only the two of us', private: true });
    assert.equal(await bobLink().count(), 0);

    await alice.getByTestId('add-member-input').fill(bobName);
    await alice.getByRole('button', { name: 'Add', exact: true }).click();
    await alice.locator(`[data-testid="member"][data-username="${bobName}"]`).waitFor();
    await bobLink().waitFor();
    await clickRoom(bob, room);
    assert.equal(await bob.getByTestId('room-topic').textContent(), 'Only the two of us');

    // The owner changes the topic; the member sees it change live (room_updated).
    assert.equal(await bob.getByRole('button', { name: 'Edit' }).count(), 0, 'only the owner edits the topic');
    await alice.getByRole('button', { name: 'Edit', exact: true }).click();
    await alice.getByLabel('Room topic').fill('Plans for the offsite');
    await alice.getByLabel('Room topic').press('Enter');
    await bob.getByTestId('room-topic').filter({ hasText: 'Plans for the offsite' }).waitFor();
  });

  it('typing shows "… is typing" on the other side; members show who is online', async () => {
    await bob.getByTestId('composer').pressSequentially('hel');
    await alice.getByTestId('typing-indicator').filter({ hasText: `${bobName} is typing…` }).waitFor();
    await bob.getByTestId('composer').press('Enter');
    await waitForMessageOnce(alice, 'hel');
    await alice.getByTestId('typing-indicator').filter({ hasText: /^$/ }).waitFor();
    await alice.locator(`[data-testid="member"][data-username="${bobName}"][data-online="true"]`).waitFor();
    assert.equal(
      await alice.locator(`[data-testid="member"][data-username="${bobName}"] [role="img"]`).getAttribute('aria-label'),
      'online',
    );
  });

  it("the owner can delete someone else's message", async () => {
    await sendMessage(bob, 'delete me, boss');
    const msg = messageWithText(alice, 'delete me, boss');
    await msg.waitFor();
    await msg.hover();
    assert.equal(await msg.getByRole('button', { name: 'Edit message' }).count(), 0, 'only authors edit');
    await msg.getByRole('button', { name: 'Delete message' }).click();
    await msg.getByRole('button', { name: 'Delete?' }).click();
    await messageWithText(bob, 'delete me, boss').waitFor({ state: 'detached' });
    assert.ok((await bob.getByTestId('message-deleted').count()) >= 1);
  });

  it('a DM by username, and an error in words for a name that does not exist', async () => {
    await alice.getByRole('button', { name: 'New direct message' }).click();
    await alice.getByTestId('dm-username').fill('nobody-by-that-name');
    await alice.getByRole('button', { name: 'Start conversation' }).click();
    await alice.getByRole('dialog').getByRole('alert').waitFor();
    assert.match((await alice.getByRole('dialog').getByRole('alert').textContent()) ?? '', /not found/i);
    await alice.getByTestId('dm-username').fill(bobName);
    await alice.getByRole('button', { name: 'Start conversation' }).click();
    await alice.getByTestId('room-title').filter({ hasText: bobName }).waitFor();
    // The dialog closes and the new conversation's message box has the focus.
    await alice.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'composer');
    await sendMessage(alice, 'a quick private word');
    await bob.locator('[data-testid="dm-list"] [data-testid="room-link"]').first().waitFor();
  });

  it('leaving a room removes it from the sidebar; the others see the member go; presence goes offline', async () => {
    await clickRoom(bob, room);
    await bob.getByRole('button', { name: 'Leave', exact: true }).click();
    await bob.getByRole('button', { name: `Leave #${room}?` }).click();
    await bobLink().waitFor({ state: 'detached' });
    await clickRoom(alice, room);
    await alice.locator(`[data-testid="member"][data-username="${bobName}"]`).waitFor({ state: 'detached' });

    await clickRoom(alice, 'general');
    await alice.locator(`[data-testid="member"][data-username="${bobName}"][data-online="true"]`).waitFor();
    await bob.context().close();
    await alice.locator(`[data-testid="member"][data-username="${bobName}"][data-online="false"]`).waitFor();
  });
});
