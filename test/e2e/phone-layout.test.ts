/**
 * The message list on a phone (and the parts of it that matter on a desktop too): it stays at the newest
 * message when the message box grows, the message actions show for the message you tapped rather than on every
 * row, and a long message is folded to a few lines with "Show more" / "Show less".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { uniq } from '../helpers/wait.ts';
import { DESKTOP, messageWithText, openRoomPage, PHONE, signUpInContext, useBrowser, waitForMessageOnce } from './harness.ts';

const CSRF = { 'X-Requested-With': 'natter' };

/** Creates a public room over the context's own session and posts `texts` into it, in order. */
async function roomWith(context: BrowserContext, url: string, texts: string[]): Promise<string> {
  const name = uniq('pl-');
  const made = await context.request.post(`${url}/api/v1/rooms`, { headers: CSRF, data: { name, topic: '', visibility: 'public' } });
  assert.equal(made.status(), 201, await made.text());
  for (const [i, text] of texts.entries()) {
    const res = await context.request.post(`${url}/api/v1/rooms/${name}/messages`, { headers: CSRF, data: { text, client_id: `pl-${i}-${name}` } });
    assert.equal(res.status(), 201, await res.text());
  }
  return name;
}

/** A signed-in page (new user, `options`) open on a new room holding `texts`. */
async function pageWith(browser: { newContext(o?: BrowserContextOptions): Promise<BrowserContext> }, url: string, options: BrowserContextOptions, texts: string[]): Promise<Page> {
  const context = await browser.newContext(options);
  await signUpInContext(context, url, uniq('pl'));
  const room = await roomWith(context, url, texts);
  const page = await openRoomPage(context, url, room);
  await waitForMessageOnce(page, texts.at(-1)!);
  return page;
}

/** Whether a person can see `el`: laid out, and neither it nor an ancestor transparent or hidden. */
function seen(el: Locator): Promise<boolean> {
  return el.evaluate((node) => {
    const r = node.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    for (let e: Element | null = node; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.visibility === 'hidden' || cs.display === 'none' || Number(cs.opacity) === 0) return false;
    }
    return true;
  });
}

/** How far (px) the message list is from its bottom, and whether the newest message sits wholly above the composer. */
async function bottomState(page: Page): Promise<{ gap: number; newestShown: boolean }> {
  return page.evaluate(() => {
    const s = document.querySelector('[data-testid="message-scroller"]') as HTMLElement;
    const items = s.querySelectorAll('[data-testid="message"]');
    const last = items[items.length - 1]!.getBoundingClientRect();
    const composer = document.querySelector('[data-testid="composer"]')!.getBoundingClientRect();
    const box = s.getBoundingClientRect();
    return {
      gap: s.scrollHeight - s.scrollTop - s.clientHeight,
      newestShown: last.bottom <= Math.min(box.bottom, composer.top) + 1,
    };
  });
}

const MANY = Array.from({ length: 30 }, (_, i) => `line of chat number ${i + 1}`);

describe('the message list on a phone', () => {
  const { server, browser } = useBrowser();

  for (const [name, options] of [['a phone', PHONE], ['a desktop', DESKTOP]] as const) {
    it(`on ${name}, the list stays at the newest message while the message box grows`, async () => {
      const page = await pageWith(browser, server.url, options, MANY);
      await page.waitForFunction(() => {
        const s = document.querySelector('[data-testid="message-scroller"]') as HTMLElement;
        return s.scrollHeight > s.clientHeight + 200 && s.scrollHeight - s.scrollTop - s.clientHeight < 2;
      });
      const box = page.getByTestId('composer');
      const before = (await box.boundingBox())!.height;
      await box.focus();
      for (let i = 0; i < 5; i++) {
        await box.pressSequentially(`draft line ${i}`);
        await box.press('Shift+Enter');
      }
      await page.waitForFunction((h) => document.querySelector('[data-testid="composer"]')!.getBoundingClientRect().height > h + 60, before);
      // The resize is handled before the next frame; allow a loaded machine a moment, then report what is seen.
      await page
        .waitForFunction(() => {
          const s = document.querySelector('[data-testid="message-scroller"]') as HTMLElement;
          return s.scrollHeight - s.scrollTop - s.clientHeight < 2;
        }, undefined, { timeout: 3000 })
        .catch(() => undefined);
      const state = await bottomState(page);
      assert.ok(state.gap < 2, `the list is still at its bottom (${state.gap}px above it)`);
      assert.ok(state.newestShown, 'the newest message is visible above the message box');
      await page.context().close();
    });
  }

  it('on a phone the message actions show for the tapped message only, not on every row', async () => {
    const page = await pageWith(browser, server.url, PHONE, ['first of three', 'second of three', 'third of three']);
    const adds = page.getByRole('button', { name: 'Add reaction' });
    assert.equal(await adds.count(), 3, 'each message has its actions in the page (for keyboards and screen readers)');
    for (let i = 0; i < 3; i++) assert.equal(await seen(adds.nth(i)), false, `row ${i + 1} shows no ☺ button before a tap`);

    const second = messageWithText(page, 'second of three');
    await second.getByTestId('message-text').tap();
    const add = second.getByRole('button', { name: 'Add reaction' });
    await page.waitForFunction((el) => !!el && Number(getComputedStyle(el.closest('.msg-actions')!).opacity) > 0, await add.elementHandle());
    assert.equal(await seen(add), true, 'the tapped message shows its actions');
    assert.equal(await seen(messageWithText(page, 'first of three').getByRole('button', { name: 'Add reaction' })), false);
    assert.equal(await seen(messageWithText(page, 'third of three').getByRole('button', { name: 'Add reaction' })), false);

    await add.tap();
    await second.getByTestId('reaction-picker').getByRole('button', { name: 'React with 🎉' }).tap();
    await second.getByTestId('reaction').filter({ hasText: '🎉' }).waitFor();

    // Tapping another message moves the actions there.
    const third = messageWithText(page, 'third of three');
    await third.getByTestId('message-text').tap();
    await page.waitForFunction((el) => !!el && Number(getComputedStyle(el.closest('.msg-actions')!).opacity) > 0, await third.getByRole('button', { name: 'Add reaction' }).elementHandle());
    await page.waitForFunction((el) => !!el && Number(getComputedStyle(el.closest('.msg-actions')!).opacity) === 0, await add.elementHandle());

    // A tap beside the messages hides them again.
    await page.getByTestId('history-start').tap();
    await page.waitForFunction(() => [...document.querySelectorAll('.msg-actions')].every((a) => Number(getComputedStyle(a).opacity) === 0));
    await page.context().close();
  });

  it('a long message is folded with "Show more" and "Show less"; a short one has no such button', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `a long message, line ${i + 1}`).join('\n');
    const wall = 'word '.repeat(400).trim();
    const page = await pageWith(browser, server.url, PHONE, ['short and sweet', long, wall, 'the end']);
    for (const start of ['a long message, line 1', 'word word word']) {
      const msg = page.locator('[data-testid="message"]').filter({ hasText: start });
      const more = msg.getByRole('button', { name: 'Show more' });
      await more.waitFor({ timeout: 5000 });
      assert.equal(await more.getAttribute('aria-expanded'), 'false');
      await msg.scrollIntoViewIfNeeded();
      const box = (await msg.boundingBox())!;
      const folded = box.height;
      assert.ok(folded < 400, `folded to a few lines (${folded}px)`);
      await more.tap();
      const less = msg.getByRole('button', { name: 'Show less' });
      await less.waitFor();
      // Reading on from where the fold was: the message's start stays put, the list does not jump to its end.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const top = (await msg.boundingBox())!.y;
      assert.ok(Math.abs(top - box.y) < 3, `the message stays where it was (moved ${top - box.y}px)`);
      assert.equal(await less.getAttribute('aria-expanded'), 'true');
      const open = (await msg.boundingBox())!.height;
      assert.ok(open > folded + 200, `unfolded to its full length (${open}px, folded ${folded}px)`);
      await less.tap();
      await more.waitFor();
      assert.ok((await msg.boundingBox())!.height < open);
    }
    for (const text of ['short and sweet', 'the end']) {
      const msg = messageWithText(page, text);
      assert.equal(await msg.getByRole('button', { name: /Show (more|less)/ }).count(), 0, `"${text}" has no Show more`);
    }
    await page.context().close();
  });
});
