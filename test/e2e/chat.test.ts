/**
 * Two people in two browser contexts chat live: a room, a DM, edits, deletes, reactions, a reload, an XSS
 * attempt and unread badges, all asserted on what the pages show.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { uniq } from '../helpers/wait.ts';
import {
  clickRoom,
  createRoomInPage,
  DESKTOP,
  messageTexts,
  messageWithText,
  sendMessage,
  signedInPage,
  signUpInPage,
  useBrowser,
  waitForMessageOnce,
} from './harness.ts';

describe('two people chatting in the browser', () => {
  const { server, browser } = useBrowser();
  let alice: Page;
  let bob: Page;
  const aliceName = uniq('alice');
  const bobName = uniq('bob');

  before(async () => {
    alice = await signUpInPage(await browser.newContext(DESKTOP), server.url, aliceName);
    bob = await signedInPage(browser, server.url, bobName, DESKTOP);
  });

  it('a message sent in a room appears live for the other person', async () => {
    await sendMessage(alice, 'Morning! Coffee at ten?');
    await waitForMessageOnce(bob, 'Morning! Coffee at ten?');
    await sendMessage(bob, 'Yes please');
    await waitForMessageOnce(alice, 'Yes please');
    const author = messageWithText(alice, 'Yes please').getByTestId('message-author');
    // Consecutive messages by one author are grouped: the name may sit on an earlier message of the group.
    if ((await author.count()) > 0) assert.equal(await author.textContent(), bobName);
    assert.deepEqual((await messageTexts(bob)).slice(-2), ['Morning! Coffee at ten?', 'Yes please']);

    // Shift+Enter is a new line inside one message; Enter sends.
    const box = alice.getByTestId('composer');
    await box.pressSequentially('first line');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line');
    assert.equal(await messageWithText(bob, 'first line').count(), 0, 'nothing sent on Shift+Enter');
    await box.press('Enter');
    await waitForMessageOnce(bob, 'first line\nsecond line');
    assert.equal(await box.inputValue(), '');
  });

  it('a DM started from the member list reaches the other person live', async () => {
    await alice.getByRole('button', { name: `Message ${bobName}` }).click();
    await alice.getByTestId('room-title').filter({ hasText: bobName }).waitFor();
    await sendMessage(alice, 'psst, a private word');
    const dmLink = bob.locator('[data-testid="dm-list"] [data-testid="room-link"]').filter({ hasText: aliceName });
    await dmLink.getByTestId('unread-badge').filter({ hasText: '1' }).waitFor();
    await dmLink.click();
    await waitForMessageOnce(bob, 'psst, a private word');
    await sendMessage(bob, 'listening');
    await waitForMessageOnce(alice, 'listening');
  });

  it('edits, deletes and reactions show up on the other side', async () => {
    await clickRoom(alice, 'general');
    await clickRoom(bob, 'general');
    await sendMessage(alice, 'Teh meeting is at noon');
    await waitForMessageOnce(bob, 'Teh meeting is at noon');
    await waitForMessageOnce(alice, 'Teh meeting is at noon'); // confirmed on Alice's side too, not pending

    // Up arrow in the empty composer edits your last message.
    await alice.getByTestId('composer').press('ArrowUp');
    const edit = alice.getByTestId('edit-input');
    await edit.fill('The meeting is at noon');
    await edit.press('Enter');
    const edited = messageWithText(bob, 'The meeting is at noon');
    await edited.getByTestId('message-edited').waitFor();
    assert.equal(await messageWithText(bob, 'Teh meeting is at noon').count(), 0);

    // Bob reacts with the picker; Alice sees the count and who reacted.
    await edited.hover();
    await edited.getByRole('button', { name: 'Add reaction' }).click();
    await bob.getByRole('button', { name: 'React with 🎉' }).click();
    const chip = messageWithText(alice, 'The meeting is at noon').locator('[data-testid="reaction"][data-emoji="🎉"]');
    await chip.getByTestId('reaction-count').filter({ hasText: '1' }).waitFor();
    assert.match((await chip.getAttribute('aria-label')) ?? '', new RegExp(bobName));

    // Alice adds the same reaction by clicking the chip: both see 2.
    await chip.click();
    await messageWithText(bob, 'The meeting is at noon')
      .locator('[data-testid="reaction"][data-emoji="🎉"] [data-testid="reaction-count"]')
      .filter({ hasText: '2' })
      .waitFor();

    // Alice deletes it; Bob sees it replaced by a deleted placeholder.
    const mine = messageWithText(alice, 'The meeting is at noon');
    await mine.hover();
    await mine.getByRole('button', { name: 'Delete message' }).click();
    await mine.getByRole('button', { name: 'Delete?' }).click();
    await bob.waitForFunction(
      () =>
        ![...document.querySelectorAll('[data-testid="message-text"]')].some(
          (e) => e.textContent === 'The meeting is at noon',
        ),
    );
    assert.ok((await bob.getByTestId('message-deleted').count()) >= 1);
  });

  it('a reload shows the history once, with no duplicates', async () => {
    const before = await messageTexts(bob);
    await bob.reload();
    await waitForMessageOnce(bob, 'Yes please');
    const afterReload = await messageTexts(bob);
    assert.deepEqual(afterReload, before);
    const seqs = await bob.locator('[data-testid="message"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-seq')));
    assert.equal(new Set(seqs).size, seqs.length, 'every seq is shown once');
  });

  it('an XSS payload is shown as literal text and runs nothing', async () => {
    let dialogs = 0;
    alice.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    const payloads = [
      '<img src=x onerror="window.__xss=1;alert(1)">',
      '<script>window.__xss=2;alert(2)</script>',
      '<a href="javascript:window.__xss=3">click</a> **bold** &amp; &lt;',
    ];
    for (const p of payloads) await sendMessage(bob, p);
    // Markdown (API v1.1 §3) makes **bold** strong; the HTML and the entities stay text, as typed.
    for (const p of payloads) await waitForMessageOnce(alice, p.replace('**bold**', 'bold'));
    assert.equal(await alice.evaluate(() => (window as { __xss?: unknown }).__xss), undefined);
    assert.equal(await bob.evaluate(() => (window as { __xss?: unknown }).__xss), undefined);
    assert.equal(await alice.locator('[data-testid="message-list"] img, [data-testid="message-list"] script').count(), 0);
    assert.equal(await alice.locator('[data-testid="message-list"] a[href^="javascript"]').count(), 0);
    assert.equal(dialogs, 0);
  });

  it('unread badges count up in a background room and clear when it is opened', async () => {
    const room = uniq('side-');
    // Bob creates a public room; Alice finds it with "Browse rooms" and joins.
    await createRoomInPage(bob, room, { topic: 'Side quests' });
    assert.equal(await bob.getByTestId('room-topic').textContent(), 'Side quests');

    await alice.getByRole('button', { name: 'Browse rooms' }).click();
    await alice.getByRole('button', { name: `Join ${room}` }).click();
    await alice.getByTestId('room-title').filter({ hasText: room }).waitFor();
    // Rooms badge only mentions by default (API v1.1 §2): Alice asks for every message to be counted here.
    await alice.getByRole('button', { name: /^Notifications/ }).click();
    await alice.getByRole('menuitemradio', { name: 'All messages' }).click();
    await sendMessage(bob, 'welcome to the side room');
    await waitForMessageOnce(alice, 'welcome to the side room');
    await clickRoom(alice, 'general');

    const badge = alice.locator(`[data-testid="room-link"][data-room="${room}"] [data-testid="unread-badge"]`);
    for (const n of [1, 2, 3]) {
      await sendMessage(bob, `side note ${n}`);
      await badge.filter({ hasText: String(n) }).waitFor();
    }
    await clickRoom(alice, room);
    await waitForMessageOnce(alice, 'side note 3');
    await badge.waitFor({ state: 'detached' });
    // A "New" line sits right above the first message that was unread.
    const afterLine = await alice
      .getByTestId('new-separator')
      .evaluate((el) => el.nextElementSibling?.querySelector('[data-testid="message-text"]')?.textContent);
    assert.equal(afterLine, 'side note 1');

    // The read marker is on the server: after a reload the badge stays cleared.
    await clickRoom(alice, 'general');
    await alice.reload();
    await alice.locator(`[data-testid="room-link"][data-room="${room}"]`).waitFor();
    assert.equal(await badge.count(), 0);
  });
});
