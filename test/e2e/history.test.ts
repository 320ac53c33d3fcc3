/**
 * History: scrolling back pages through `before=<seq>` while what you were reading stays in place; links are
 * clickable (http/https only); day separators label the days.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { newUser, post, type TestUser } from '../helpers/api.ts';
import { uniq } from '../helpers/wait.ts';
import { messageTexts, messageWithText, signedInPage, useBrowser } from './harness.ts';

describe('history and message text', () => {
  const { server, browser } = useBrowser();
  let page: Page;
  let bob: TestUser;
  const room = uniq('archive-');
  const TOTAL = 130;

  before(async () => {
    bob = await newUser(server.url, 'bob');
    const created = await bob.api.post('/api/v1/rooms', { name: room, visibility: 'public', topic: 'Long history' });
    assert.equal(created.status, 201);
    for (let i = 1; i <= TOTAL; i++) await post(bob, room, `history line ${i}`);
    page = await signedInPage(browser, server.url, uniq('reader'), { viewport: { width: 1000, height: 700 } }, room);
  });

  it('the newest page shows first, scrolled to the end', async () => {
    await messageWithText(page, `history line ${TOTAL}`).waitFor();
    const texts = await messageTexts(page);
    assert.equal(texts.length, 50);
    assert.equal(texts[0], `history line ${TOTAL - 49}`);
    const atEnd = await page.getByTestId('message-scroller').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 5);
    assert.ok(atEnd, 'scrolled to the newest message');
  });

  it('scrolling back loads older pages and keeps what you were reading in place', async () => {
    const scroller = page.getByTestId('message-scroller');
    for (let round = 0; round < 3; round++) {
      const [firstText, secondText] = await messageTexts(page);
      // What you were reading: the second message (the first may lose its author line when its
      // author's earlier messages are put above it, which is the grouping working as intended).
      const anchor = messageWithText(page, secondText!);
      await scroller.evaluate((el) => (el.scrollTop = 0));
      const yBefore = (await anchor.boundingBox())!.y;
      await page.waitForFunction((t) => {
        const first = document.querySelector('[data-testid="message"] [data-testid="message-text"]');
        return first !== null && first.textContent !== t;
      }, firstText);
      const yAfter = (await anchor.boundingBox())!.y;
      assert.ok(Math.abs(yAfter - yBefore) < 4, `the message read before stays put (moved ${yAfter - yBefore}px)`);
      if ((await page.getByTestId('history-start').count()) > 0) break;
    }
    await page.getByTestId('history-start').waitFor();
    const texts = await messageTexts(page);
    assert.deepEqual(
      texts,
      Array.from({ length: TOTAL }, (_, i) => `history line ${i + 1}`),
    );
    assert.equal(await page.getByTestId('day-separator').first().textContent(), 'Today');
  });

  it('links are clickable, other text stays text', async () => {
    // A public room can be read without joining; joining brings its new messages live.
    await page.getByRole('button', { name: `Join #${room}` }).click();
    await page.getByTestId('composer').waitFor();
    await post(bob, room, 'see https://example.com/a?b=1, or javascript:alert(1) or www.nope');
    const msg = messageWithText(page, 'see https://example.com/a?b=1, or javascript:alert(1) or www.nope');
    await msg.waitFor();
    const links = msg.locator('a');
    assert.equal(await links.count(), 1);
    assert.equal(await links.getAttribute('href'), 'https://example.com/a?b=1');
    assert.equal(await links.getAttribute('target'), '_blank');
    assert.match((await links.getAttribute('rel')) ?? '', /noopener/);
  });
});
