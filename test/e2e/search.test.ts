/**
 * Searching messages in the web client: `/` or Ctrl-K (or the Search button) opens a search box; results come
 * newest first with every match inside <mark> (built from the server's UTF-16 highlight offsets, never as HTML);
 * arrow keys choose a result and Enter or a click opens its room at that message, even thousands of messages
 * back, from where scrolling down reaches the newest and live messages keep arriving. Also: CJK terms, a long
 * text cut around its match, "No messages found", paging with "Load more", a plain 429 message, Escape giving
 * focus back, a phone-width layout, and axe on the open search in light and dark.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { newUser, PASSWORD, post, room, type TestUser } from '../helpers/api.ts';
import { assertNoSeriousViolations } from './axe.ts';
import { DESKTOP, messageWithText, openRoomPage, PHONE, useBrowser, waitForMessageOnce } from './harness.ts';

const FAR = 320;

/** Whether `el` lies wholly inside the message scroller's visible box. */
async function inViewport(page: Page, el: Locator): Promise<boolean> {
  const box = (await page.getByTestId('message-scroller').boundingBox())!;
  const b = await el.boundingBox();
  return !!b && b.y >= box.y - 1 && b.y + b.height <= box.y + box.height + 1;
}

describe('search', () => {
  const { server, browser } = useBrowser();
  let alice: TestUser;
  let bob: TestUser;
  let near: string;
  let far: string;
  let page: Page;

  const dialog = () => page.getByRole('dialog', { name: 'Search messages' });
  const input = () => page.getByRole('combobox', { name: 'Search messages' });
  const results = () => page.getByTestId('search-result');
  const resultTexts = () => page.locator('[data-testid="search-result"] [data-testid="search-result-text"]').allTextContents();

  /** Opens the search (with the button if it is closed), types `q` and waits for the search to settle. */
  async function search(q: string): Promise<void> {
    if (!(await dialog().isVisible())) await page.getByRole('button', { name: 'Search messages' }).click();
    await input().fill(q);
    await page.locator('[data-testid="search-status"]:is([data-state="done"], [data-state="error"])').waitFor();
  }

  async function closeSearch(): Promise<void> {
    if (await dialog().isVisible()) await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
  }

  before(async () => {
    alice = await newUser(server.url, 'alice');
    bob = await newUser(server.url, 'bob');
    near = await room(bob, 'private', [alice]);
    far = await room(bob, 'private', [alice]);
    await post(bob, near, 'Café au lait, s’il vous plaît');
    await post(bob, near, 'order one alpha');
    await post(bob, near, 'order two alpha');
    await post(alice, near, 'order three alpha');
    await post(bob, near, 'Wir fahren nach 東京都 im Mai');
    await post(bob, near, 'x'.repeat(400) + ' the kiwi is here ' + 'y'.repeat(400));
    for (let i = 1; i <= 25; i++) await post(bob, near, `paging item ${i}`);
    await post(bob, far, 'needle far back in time');
    for (let i = 1; i <= FAR; i++) await post(bob, far, `filler ${i}`);
    const ctx = await browser.newContext(DESKTOP);
    const login = await ctx.request.post(`${server.url}/api/v1/auth/login`, { data: { username: alice.name, password: PASSWORD } });
    assert.equal(login.status(), 200);
    page = await openRoomPage(ctx, server.url, near);
  });

  it('`/` opens the search box when focus is not in a text field; "cafe" finds "Café…" with the match in <mark>', async () => {
    await page.getByTestId('message-scroller').focus();
    await page.keyboard.press('/');
    await dialog().waitFor();
    assert.equal(await input().evaluate((el) => el === document.activeElement), true, 'the search input has focus');
    await input().fill('cafe');
    await page.locator('[data-testid="search-status"][data-state="done"]').waitFor();
    assert.equal(await results().count(), 1);
    const r = results().first();
    assert.equal(await r.getByTestId('search-result-text').textContent(), 'Café au lait, s’il vous plaît');
    assert.deepEqual(await r.locator('mark').allTextContents(), ['Café']);
    assert.match((await r.getByTestId('search-result-room').textContent()) ?? '', new RegExp(near));
    assert.match((await r.getByTestId('search-result-author').textContent()) ?? '', new RegExp(bob.name));
    assert.ok(((await r.locator('time').getAttribute('datetime')) ?? '').length > 0, 'the time is shown');
    // Typing `/` in the search input is text, not a shortcut.
    await input().press('/');
    assert.equal(await input().inputValue(), 'cafe/');
    await closeSearch();
  });

  it('`/` typed in the message box is just text', async () => {
    const box = page.getByTestId('composer');
    await box.focus();
    await page.keyboard.press('/');
    assert.equal(await dialog().isVisible(), false);
    assert.equal(await box.inputValue(), '/');
    await box.fill('');
  });

  it('lists results newest first, and the arrow keys move through them', async () => {
    await search('alpha');
    assert.deepEqual(await resultTexts(), ['order three alpha', 'order two alpha', 'order one alpha']);
    assert.deepEqual(await results().first().locator('mark').allTextContents(), ['alpha']);
    const active = () => input().evaluate((el) => document.getElementById(el.getAttribute('aria-activedescendant') ?? '')?.textContent ?? '');
    await input().press('ArrowDown');
    assert.match(await active(), /order three alpha/);
    await input().press('ArrowDown');
    assert.match(await active(), /order two alpha/);
    assert.equal(await results().nth(1).getAttribute('aria-selected'), 'true');
    await input().press('ArrowUp');
    assert.match(await active(), /order three alpha/);
    await closeSearch();
  });

  it('finds CJK text (東京 in 東京都)', async () => {
    await search('東京');
    assert.equal(await results().count(), 1);
    assert.deepEqual(await results().first().locator('mark').allTextContents(), ['東京']);
    await closeSearch();
  });

  it('cuts a long text to a window around the match', async () => {
    await search('kiwi');
    const text = (await results().first().getByTestId('search-result-text').textContent()) ?? '';
    assert.ok(text.startsWith('…') && text.endsWith('…'), `cut on both sides: ${text.slice(0, 20)}`);
    assert.ok(text.length < 250, `a window, not the whole text (${text.length} chars)`);
    assert.deepEqual(await results().first().locator('mark').allTextContents(), ['kiwi']);
    await closeSearch();
  });

  it('says "No messages found" when nothing matches', async () => {
    await search('zzqqxx');
    assert.equal(await results().count(), 0);
    await page.getByText('No messages found').waitFor();
    await closeSearch();
  });

  it('"Load more" fetches the next page', async () => {
    await search('paging item');
    assert.equal(await results().count(), 20);
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.locator('[data-testid="search-result"]').nth(24).waitFor();
    const texts = await resultTexts();
    assert.equal(texts.length, 25);
    assert.equal(texts[0], 'paging item 25');
    assert.equal(texts[24], 'paging item 1');
    assert.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0, 'no more pages');
    await closeSearch();
  });

  it('a 429 is said plainly', async () => {
    await page.route('**/api/v1/search?**', (route) =>
      route.fulfill({
        status: 429,
        headers: { 'Retry-After': '12', 'Content-Type': 'application/json' },
        body: JSON.stringify({ error: { code: 'rate_limited', message: 'Too many requests' } }),
      }),
    );
    try {
      await search('anything');
      await dialog().getByText('Too many searches, try again in 12 s').waitFor();
    } finally {
      await page.unroute('**/api/v1/search?**');
    }
    await closeSearch();
  });

  it('Escape closes the search and gives focus back (shortcut and button)', async () => {
    const scroller = page.getByTestId('message-scroller');
    await scroller.focus();
    await page.keyboard.press('Control+k');
    await dialog().waitFor();
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
    assert.equal(await scroller.evaluate((el) => el === document.activeElement), true, 'focus back on the message list');
    const button = page.getByRole('button', { name: 'Search messages' });
    await button.click();
    await dialog().waitFor();
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
    assert.equal(await button.evaluate((el) => el === document.activeElement), true, 'focus back on the Search button');
  });

  it('no serious axe violations on the open search with results, light and dark', async () => {
    await search('alpha');
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await assertNoSeriousViolations(page, `search (${colorScheme})`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await search('zzqqxx');
    await assertNoSeriousViolations(page, 'search, no results');
    await closeSearch();
  });

  it('Enter on a result 300+ messages back opens its room at that message; scrolling down reaches the newest and live messages still arrive', async () => {
    await page.getByTestId('message-scroller').focus();
    await page.keyboard.press('Control+k');
    await input().fill('needle');
    await page.locator('[data-testid="search-status"][data-state="done"]').waitFor();
    await input().press('ArrowDown');
    await input().press('Enter');
    await dialog().waitFor({ state: 'hidden' });
    await page.getByTestId('room-title').filter({ hasText: far }).waitFor();
    const target = messageWithText(page, 'needle far back in time');
    await target.waitFor();
    await page.waitForFunction(() => document.querySelector('[data-jumped]') !== null);
    assert.equal(await target.getAttribute('data-jumped'), 'true', 'the message is marked');
    assert.ok(await inViewport(page, target), 'the message is in view');
    assert.equal(await messageWithText(page, `filler ${FAR}`).count(), 0, 'the newest messages are not loaded yet');

    const scroller = page.getByTestId('message-scroller');
    for (let i = 0; i < 60 && (await messageWithText(page, `filler ${FAR}`).count()) === 0; i++) {
      await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await page.waitForTimeout(100);
    }
    await messageWithText(page, `filler ${FAR}`).waitFor();
    const seqs = await page.locator('[data-testid="message-text"]').allTextContents();
    const fillers = seqs.filter((t) => t.startsWith('filler ')).map((t) => Number(t.slice(7)));
    assert.deepEqual(fillers, fillers.slice().sort((a, b) => a - b), 'in order');
    assert.equal(new Set(fillers).size, fillers.length, 'no duplicates');
    assert.equal(fillers.at(-1)! - fillers[0]! + 1, fillers.length, 'no gaps');

    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await post(bob, far, 'live after the jump');
    await waitForMessageOnce(page, 'live after the jump');
    assert.ok(await inViewport(page, messageWithText(page, 'live after the jump')), 'the new message is shown at the bottom');
  });

  it('"In this room" limits the results to the open room', async () => {
    await search('alpha');
    assert.equal(await results().count(), 3);
    await dialog().getByLabel('In this room').check();
    await dialog().getByText('No messages found').waitFor();
    await dialog().getByLabel('In this room').uncheck();
    await results().nth(2).waitFor();
    await closeSearch();
  });

  it('a click on a result in the open room scrolls to it and marks it', async () => {
    await search('order one');
    await results().first().click();
    await dialog().waitFor({ state: 'hidden' });
    await page.getByTestId('room-title').filter({ hasText: near }).waitFor();
    const target = messageWithText(page, 'order one alpha');
    await page.waitForFunction(() => document.querySelector('[data-jumped]') !== null);
    assert.equal(await target.getAttribute('data-jumped'), 'true');
    assert.ok(await inViewport(page, target));
  });

  it('works on a phone (390 px)', async () => {
    const ctx = await browser.newContext(PHONE);
    const login = await ctx.request.post(`${server.url}/api/v1/auth/login`, { data: { username: alice.name, password: PASSWORD } });
    assert.equal(login.status(), 200);
    const phone = await openRoomPage(ctx, server.url, far);
    await phone.getByRole('button', { name: 'Search messages' }).tap();
    const box = phone.getByRole('combobox', { name: 'Search messages' });
    await box.fill('alpha');
    await phone.locator('[data-testid="search-status"][data-state="done"]').waitFor();
    const first = phone.getByTestId('search-result').first();
    const b = (await first.boundingBox())!;
    assert.ok(b.x >= 0 && b.x + b.width <= 390, `the result fits the screen (${b.x}..${b.x + b.width})`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px)`);
    await first.tap();
    await phone.getByTestId('room-title').filter({ hasText: near }).waitFor();
    const target = messageWithText(phone, 'order three alpha');
    await target.waitFor();
    assert.ok(await inViewport(phone, target));
    await ctx.close();
  });
});

