/**
 * Icons are inline SVG, not emoji or symbol glyphs: a glyph needs a font that has it (without an emoji font a
 * lock is an empty box) and reads out as "smiling face" or "wastebasket". The page's own text (controls,
 * headings, labels) holds no pictographs, symbols or arrows; user text (messages, reactions, the reaction
 * picker's emoji, names) is left out of the scan. Every icon button holds an <svg> hidden from screen readers
 * and carries its name in aria-label.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { newUser, PASSWORD, post, room, type TestUser } from '../helpers/api.ts';
import { DESKTOP, openRoomPage, PHONE, sendMessage, useBrowser, waitForMessageOnce } from './harness.ts';

/** Emoji and pictographs, other symbols (✕ ☰ ✎ ☺ ✉), and arrows (← ↓): glyphs used as icons. */
const ICON_GLYPH = /[\p{Extended_Pictographic}\p{So}\u2190-\u21ff\u2b00-\u2bff]/u;

/**
 * The page's own text with user content left out: text inside <bdi> (user text and names), the reactions and
 * the reaction picker (emoji are their content), form values. Returns each offending text with its element.
 */
function glyphsInChrome(page: Page): Promise<string[]> {
  return page.evaluate((source) => {
    const re = new RegExp(source, 'u');
    const skip = 'bdi, [data-testid="reactions"], [data-testid="reaction-picker"], textarea, input, script, style, title';
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest(skip)) continue;
      if (re.test(n.textContent ?? '')) found.push(`"${n.textContent}" in <${el.tagName.toLowerCase()} class="${el.className}">`);
    }
    // Labels are text too: a screen reader reads an aria-label or title with a glyph in it.
    for (const el of document.querySelectorAll('[aria-label], [title]')) {
      if (el.closest(skip)) continue;
      for (const a of ['aria-label', 'title']) {
        const v = el.getAttribute(a) ?? '';
        if (re.test(v) && !el.closest('[data-testid="reaction-picker"]')) found.push(`${a}="${v}" on <${el.tagName.toLowerCase()}>`);
      }
    }
    return found;
  }, ICON_GLYPH.source);
}

/** Icon buttons (and the other controls whose whole content is an icon) without an <svg>, or without a name. */
function iconButtonsWithoutSvg(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.icon-btn')]
      .filter((b) => {
        const svg = b.querySelector('svg');
        const name = b.getAttribute('aria-label') ?? '';
        return !svg || svg.getAttribute('aria-hidden') !== 'true' || !name.trim() || (b.textContent ?? '').trim() !== '';
      })
      .map((b) => b.outerHTML.slice(0, 160)),
  );
}

async function logIn(ctx: BrowserContext, url: string, u: TestUser): Promise<void> {
  const res = await ctx.request.post(`${url}/api/v1/auth/login`, { data: { username: u.name, password: PASSWORD } });
  assert.equal(res.status(), 200);
}

describe('icons are SVG, not glyphs', () => {
  const { server, browser } = useBrowser();
  let owner: TestUser;
  let other: TestUser;
  let priv: string;

  before(async () => {
    owner = await newUser(server.url, 'icons');
    other = await newUser(server.url, 'friend');
    priv = await room(owner, 'private', [other]);
    await post(other, priv, 'a message from a friend');
  });

  async function assertClean(page: Page, what: string): Promise<void> {
    assert.deepEqual(await glyphsInChrome(page), [], `${what}: icon glyphs in the page's text`);
    assert.deepEqual(await iconButtonsWithoutSvg(page), [], `${what}: icon buttons without an <svg> or a name`);
  }

  it('a private room with your own message, its actions and the reaction picker, and the members panel', async () => {
    const ctx = await browser.newContext(DESKTOP);
    await logIn(ctx, server.url, owner);
    const page = await openRoomPage(ctx, server.url, priv);
    await sendMessage(page, 'my message');
    await waitForMessageOnce(page, 'my message');
    await page.getByTestId('member-panel').waitFor();
    await assertClean(page, 'room');
    // The sidebar and the header show the lock as an <svg>.
    const link = page.locator(`[data-testid="room-link"][data-room="${priv}"]`);
    assert.equal(await link.locator('svg').count(), 1, 'the sidebar lock is an <svg>');
    assert.equal(await page.getByTestId('room-title').locator('svg').count(), 1, 'the header lock is an <svg>');

    const msg = page.locator('[data-testid="message"]').filter({ hasText: 'my message' });
    await msg.hover();
    await msg.getByRole('button', { name: 'Add reaction' }).click();
    await msg.getByTestId('reaction-picker').waitFor();
    await assertClean(page, 'reaction picker open');
    await page.keyboard.press('Escape');
    await msg.getByRole('button', { name: 'Delete message' }).click();
    await assertClean(page, 'delete asked to confirm');
    await ctx.close();
  });

  it('every dialog', async () => {
    const ctx = await browser.newContext(DESKTOP);
    await logIn(ctx, server.url, owner);
    const page = await openRoomPage(ctx, server.url, priv);
    for (const name of ['Create a room', 'New direct message', 'Browse rooms']) {
      await page.getByRole('button', { name, exact: true }).click();
      const dialog = page.locator('dialog[open]');
      await dialog.waitFor();
      await page.getByText('Loading…', { exact: true }).waitFor({ state: 'detached' });
      await assertClean(page, `dialog ${name}`);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }
    await ctx.close();
  });

  it('at phone width, with the menu button', async () => {
    const ctx = await browser.newContext(PHONE);
    await logIn(ctx, server.url, owner);
    const page = await openRoomPage(ctx, server.url, priv);
    await page.getByRole('button', { name: /Show rooms/ }).waitFor();
    await assertClean(page, 'phone');
    await ctx.close();
  });

  it('no icon glyphs in the components\' markup (states the other tests do not reach: notices, "Latest messages")', () => {
    const dir = new URL('../../web/src/components/', import.meta.url).pathname;
    const offending: string[] = [];
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.tsx'))) {
      const src = readFileSync(join(dir, f), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ''))
        .replace(/(^|[^:])\/\/.*$/gm, '$1');
      src.split('\n').forEach((line, i) => {
        // The reaction emoji are content, not icons.
        if (/EMOJI\s*=/.test(line)) return;
        if (ICON_GLYPH.test(line)) offending.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(offending, []);
  });
});
