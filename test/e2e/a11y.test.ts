/**
 * Accessibility, checked two ways. axe-core runs on the sign-in page, a room with history (grouped messages, a
 * day divider, reactions, the member list), a private room, a DM and every dialog, in light and in dark, and
 * any serious or critical violation fails (colour contrast included). Then the points axe cannot judge: the
 * day dividers are items of the message list, the skip link lands somewhere real, the sign-in page has a
 * heading and tabs that follow the ARIA tabs pattern, a grouped message still names its author to a screen
 * reader, private rooms say so, and new messages are announced by a small polite announcer, not by making the
 * whole list a live region.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { newUser, PASSWORD, post, room, type TestUser } from '../helpers/api.ts';
import { uniq } from '../helpers/wait.ts';
import { assertNoSeriousViolations } from './axe.ts';
import { DESKTOP, openRoomPage, PHONE, sendMessage, useBrowser, waitForMessageOnce } from './harness.ts';

const SCHEMES = ['light', 'dark'] as const;

/** Runs axe on the page in light and then dark colours (and leaves it light). */
async function axeBothSchemes(page: Page, what: string): Promise<void> {
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    await assertNoSeriousViolations(page, `${what} (${colorScheme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function logIn(ctx: BrowserContext, url: string, u: TestUser): Promise<void> {
  const res = await ctx.request.post(`${url}/api/v1/auth/login`, { data: { username: u.name, password: PASSWORD } });
  assert.equal(res.status(), 200, `login ${u.name}: ${res.status()}`);
}

/**
 * In the page: the contrast ratio of an element's text colour on its own (opaque) background colour. Kept as
 * source text, so the TypeScript loader adds nothing (its name helpers) that the page does not have.
 */
const contrastOf = new Function(
  'el',
  `const lum = (c) => {
    const [r, g, b] = (c.match(/[\\d.]+/g) || []).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const st = getComputedStyle(el);
  const a = lum(st.color), b = lum(st.backgroundColor);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);`,
) as (el: Element) => number;

/**
 * If `scope` has a people picker (a combobox), types the start of a name into it and waits for its suggestions;
 * true when it showed some. Pickers are found by role, so any added later are covered too.
 */
async function suggest(page: Page, scope: Locator): Promise<boolean> {
  const combo = scope.locator('[role="combobox"]');
  if (!(await combo.count())) return false;
  await combo.first().fill('bob');
  const option = page.locator('[role="listbox"]:not([hidden]) [role="option"]').first();
  await option.waitFor({ timeout: 5000 });
  return true;
}

/** The message list's <li> for the confirmed message whose text is `text`. */
function message(page: Page, text: string): Locator {
  return page.locator('[data-testid="message"]').filter({ has: page.getByTestId('message-text').getByText(text, { exact: true }) });
}

describe('accessibility', () => {
  const { server, browser } = useBrowser();
  let alice: TestUser;
  let bob: TestUser;
  let pub: string;
  let priv: string;
  let dm: string;
  let owned: string;
  let page: Page;

  before(async () => {
    alice = await newUser(server.url, 'alice');
    bob = await newUser(server.url, 'bob');
    pub = await room(bob, 'public', [alice]);
    priv = await room(bob, 'private', [alice]);
    // Rooms badge only mentions by default (API v1.1 §2): the unread-badge checks below count every message.
    assert.equal((await alice.api.req('PUT', `/api/v1/rooms/${priv}/notifications`, { level: 'all' })).status, 200);
    dm = (await bob.api.post(`/api/v1/dm/${alice.name}`)).body.room.name;
    owned = await room(alice, 'private', []);
    // Two from bob in a row (the second is grouped under the first), then alice, then bob again.
    await post(bob, pub, 'first from bob');
    await post(bob, pub, 'second from bob, grouped');
    const mine = await post(alice, pub, 'alice answers');
    await alice.api.put(`/api/v1/rooms/${pub}/messages/${mine.id}/reactions/${encodeURIComponent('👍')}`);
    await post(bob, pub, 'bob again');
    await post(bob, priv, 'a private word');
    await post(bob, dm, 'just between us');
    const ctx = await browser.newContext(DESKTOP);
    await logIn(ctx, server.url, alice);
    page = await openRoomPage(ctx, server.url, pub);
    await waitForMessageOnce(page, 'bob again');
  });

  describe('sign-in page', () => {
    let signin: Page;
    before(async () => {
      const ctx = await browser.newContext(DESKTOP);
      signin = await ctx.newPage();
      await signin.goto(server.url);
      await signin.getByRole('tab', { name: 'Sign in' }).waitFor();
    });

    it('has one page heading (h1)', async () => {
      const h1 = signin.getByRole('heading', { level: 1 });
      assert.equal(await h1.count(), 1, 'one <h1> on the sign-in page');
      assert.match(await h1.innerText(), /natter|sign in/i);
    });

    it('no serious axe violations on each tab and with an error shown, light and dark', async () => {
      for (const tab of ['Sign in', 'Create account', 'Guest']) {
        await signin.getByRole('tab', { name: tab }).click();
        await axeBothSchemes(signin, `sign-in, ${tab} tab`);
      }
      await signin.getByRole('tab', { name: 'Sign in' }).click();
      await signin.getByLabel('Username').fill(uniq('nobody'));
      await signin.getByLabel('Password').fill('wrong password');
      await signin.getByRole('button', { name: 'Sign in' }).click();
      await signin.getByTestId('error-password').waitFor();
      await axeBothSchemes(signin, 'sign-in with an error');
    });

    it('the tabs follow the ARIA tabs pattern: tablist, selected tab, tabpanel, roving tabindex, arrow keys', async () => {
      const list = signin.getByRole('tablist');
      assert.equal(await list.count(), 1);
      const tabs = list.getByRole('tab');
      assert.equal(await tabs.count(), 3);
      const state = () =>
        tabs.evaluateAll((els) =>
          els.map((t) => ({
            name: t.textContent,
            selected: t.getAttribute('aria-selected'),
            tabindex: t.getAttribute('tabindex'),
            controls: t.getAttribute('aria-controls'),
            id: t.id,
          })),
        );
      await signin.getByRole('tab', { name: 'Sign in' }).click();
      let s = await state();
      assert.deepEqual(s.map((t) => t.selected), ['true', 'false', 'false'], JSON.stringify(s));
      assert.deepEqual(s.map((t) => t.tabindex), ['0', '-1', '-1'], `roving tabindex: ${JSON.stringify(s)}`);
      // The selected tab controls a tabpanel that exists and is labelled by it.
      const panel = signin.locator(`#${s[0]!.controls}`);
      assert.ok(s[0]!.controls, 'the selected tab has aria-controls');
      assert.equal(await panel.getAttribute('role'), 'tabpanel');
      assert.equal(await panel.getAttribute('aria-labelledby'), s[0]!.id);
      assert.equal(await signin.getByRole('tabpanel').count(), 1);

      const focusedTab = () => signin.evaluate(() => document.activeElement?.textContent ?? '');
      await signin.getByRole('tab', { name: 'Sign in' }).focus();
      await signin.keyboard.press('ArrowRight');
      assert.equal(await focusedTab(), 'Create account');
      s = await state();
      assert.deepEqual(s.map((t) => t.selected), ['false', 'true', 'false'], 'ArrowRight selects the next tab');
      assert.deepEqual(s.map((t) => t.tabindex), ['-1', '0', '-1']);
      assert.equal(await signin.getByRole('button', { name: 'Create account' }).count(), 1, 'the panel shows that form');
      await signin.keyboard.press('ArrowRight');
      await signin.keyboard.press('ArrowRight');
      assert.equal(await focusedTab(), 'Sign in', 'ArrowRight wraps from the last tab to the first');
      await signin.keyboard.press('ArrowLeft');
      assert.equal(await focusedTab(), 'Guest', 'ArrowLeft wraps from the first tab to the last');
      await signin.keyboard.press('Home');
      assert.equal(await focusedTab(), 'Sign in');
      await signin.keyboard.press('End');
      assert.equal(await focusedTab(), 'Guest');
      // Tab leaves the tablist for the form: only one tab is in the tab order.
      await signin.keyboard.press('Tab');
      assert.equal(await signin.evaluate(() => document.activeElement?.getAttribute('role')), null);
      assert.equal(await signin.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), 'username');
    });
  });

  it('a room with history: no serious axe violations, light and dark', async () => {
    await page.getByTestId('member-panel').waitFor();
    await page.getByTestId('day-separator').first().waitFor();
    await axeBothSchemes(page, `room ${pub}`);
  });

  it('day dividers are items of the message list <ol>', async () => {
    const list = page.getByTestId('message-list');
    assert.equal(await list.evaluate((e) => e.tagName), 'OL');
    assert.ok((await list.locator(':scope > [data-testid="day-separator"]').count()) >= 1, 'a day divider inside the <ol>');
    const stray = await list.evaluate((ol) => [...ol.children].filter((c) => c.tagName !== 'LI').map((c) => c.outerHTML.slice(0, 80)));
    assert.deepEqual(stray, [], 'every child of the <ol> is an <li>');
  });

  it('a grouped message still names its author for screen readers', async () => {
    const grouped = message(page, 'second from bob, grouped');
    assert.match((await grouped.getAttribute('class')) ?? '', /\bcompact\b/, 'the second message is grouped');
    const text = await grouped.evaluate((li) => li.textContent ?? '');
    assert.ok(text.includes(bob.name), `the grouped message's text includes "${bob.name}": ${text}`);
    assert.equal(await grouped.getByTestId('message-author').count(), 0, 'no visible author line on a grouped message');
  });

  it('the skip link comes first and moves focus to a target that exists', async () => {
    const first = await page.evaluate(() => {
      const el = document.querySelector<HTMLElement>('a[href], button, input, textarea, select, [tabindex="0"]');
      return el?.className ?? '';
    });
    assert.match(first, /skip-link/, 'the skip link is the first focusable element of the page');
    const link = page.locator('.skip-link');
    await link.focus();
    const id = ((await link.getAttribute('href')) ?? '').replace(/^#/, '');
    assert.ok(id && (await page.evaluate((i) => !!document.getElementById(i), id)), `the skip link's target #${id} exists`);
    await page.keyboard.press('Enter');
    await page.waitForFunction((i) => document.activeElement?.id === i, id, { timeout: 3000 }).catch(() => undefined);
    const focused = await page.evaluate(() => {
      const a = document.activeElement;
      return a ? `<${a.tagName.toLowerCase()} id="${a.id}">` : 'null';
    });
    assert.equal(focused.includes(`id="${id}"`), true, `the skip link moves focus to #${id} (it is on ${focused})`);
  });

  it('the message list is not a live region', async () => {
    const live = await page.getByTestId('message-list').evaluate((ol) => {
      const el = ol.closest('[aria-live], [role="log"], [role="status"], [role="alert"]');
      return el ? el.outerHTML.slice(0, 120) : null;
    });
    assert.equal(live, null, 'neither the list nor what contains it is aria-live');
  });

  it("announces another person's new message in the open room, not your own, and coalesces a burst", async () => {
    const announcer = page.getByTestId('announcer');
    assert.equal(await announcer.count(), 1, 'one announcer');
    assert.equal(await announcer.getAttribute('role'), 'status');
    assert.equal((await announcer.textContent())?.trim(), '', 'opening a room announces nothing');
    // Everything the announcer says from here on.
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="announcer"]')!;
      const said: string[] = [];
      (window as unknown as { said: string[] }).said = said;
      new MutationObserver(() => said.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
    });

    await post(bob, pub, 'hello from bob, live');
    await page.waitForFunction((t) => document.querySelector('[data-testid="announcer"]')?.textContent === t, `${bob.name}: hello from bob, live`);

    await sendMessage(page, 'my own words');
    await waitForMessageOnce(page, 'my own words');
    await post(bob, priv, 'said in another room');
    await page.locator(`[data-testid="room-link"][data-room="${priv}"] [data-testid="unread-badge"]`).filter({ hasText: '2' }).waitFor();
    await post(bob, pub, 'after yours');
    await page.waitForFunction((t) => document.querySelector('[data-testid="announcer"]')?.textContent === t, `${bob.name}: after yours`);

    await Promise.all([1, 2, 3, 4, 5].map((i) => post(bob, pub, `burst ${i}`)));
    await page.waitForFunction(() => /^\d+ new messages/.test(document.querySelector('[data-testid="announcer"]')?.textContent ?? ''));
    const said = (await page.evaluate(() => (window as unknown as { said: string[] }).said)).filter((t) => t.trim());
    assert.ok(!said.some((t) => t.includes('my own words')), `your own message is not announced: ${JSON.stringify(said)}`);
    assert.ok(!said.some((t) => t.includes('another room')), `a message in another room is not announced: ${JSON.stringify(said)}`);
    assert.ok(said.filter((t) => /burst \d/.test(t)).length < 5, `the burst is gathered, not read one by one: ${JSON.stringify(said)}`);
  });

  it('a private room: announced as private in the sidebar and the header; no serious axe violations', async () => {
    const link = page.locator(`[data-testid="room-link"][data-room="${priv}"]`);
    const name = await page.getByRole('link', { name: new RegExp(`private.*${priv}|${priv}.*private`) }).count();
    assert.equal(name, 1, `the sidebar link's accessible name says private: ${await link.innerHTML()}`);
    await link.click();
    await waitForMessageOnce(page, 'a private word');
    assert.equal(await page.getByRole('heading', { level: 1, name: new RegExp(`private.*${priv}`) }).count(), 1);
    await axeBothSchemes(page, `private room ${priv}`);
  });

  it('a DM: no serious axe violations, light and dark', async () => {
    await page.locator(`[data-testid="room-link"][data-room="${dm}"]`).click();
    await waitForMessageOnce(page, 'just between us');
    await axeBothSchemes(page, 'a DM');
  });

  it('every dialog and the reaction picker: no serious axe violations, light and dark', async () => {
    await page.locator(`[data-testid="room-link"][data-room="${pub}"]`).click();
    await waitForMessageOnce(page, 'bob again');
    const openers = await page.locator('button[aria-haspopup="dialog"]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''));
    const names = [...new Set(['Create a room', 'New direct message', 'Browse rooms', ...openers])];
    for (const name of names) {
      await page.getByRole('button', { name, exact: true }).first().click();
      const dialog = page.locator('dialog[open]');
      await dialog.waitFor();
      // Wait for what a dialog loads (the room list) before judging it.
      await page.getByText('Loading…', { exact: true }).waitFor({ state: 'detached' });
      await axeBothSchemes(page, `dialog "${name}"`);
      if (await suggest(page, dialog)) await axeBothSchemes(page, `dialog "${name}" with suggestions`);
      // Escape closes an open list of suggestions first, then the dialog.
      for (let i = 0; i < 3 && (await dialog.count()); i++) await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }

    const msg = message(page, 'alice answers');
    await msg.hover();
    await msg.getByRole('button', { name: 'Add reaction' }).click();
    await msg.getByTestId('reaction-picker').waitFor();
    await axeBothSchemes(page, 'reaction picker');
    await page.keyboard.press('Escape');
  });

  it("the owner's member panel of a private room (add a member): no serious axe violations, light and dark", async () => {
    await page.locator(`[data-testid="room-link"][data-room="${owned}"]`).click();
    const panel = page.getByTestId('member-panel');
    await panel.getByTestId('add-member-input').waitFor();
    await axeBothSchemes(page, 'member panel with "Add a member"');
    if (await suggest(page, panel)) await axeBothSchemes(page, '"Add a member" with suggestions');
    await page.keyboard.press('Escape');
  });

  it('at phone width, a room and the open menu of rooms: no serious axe violations, light and dark', async () => {
    const ctx = await browser.newContext(PHONE);
    await logIn(ctx, server.url, alice);
    const phone = await openRoomPage(ctx, server.url, pub);
    await waitForMessageOnce(phone, 'bob again');
    await axeBothSchemes(phone, 'room at phone width');
    await phone.getByRole('button', { name: /^Show rooms/ }).click();
    await phone.locator(`[data-testid="room-link"][data-room="${priv}"]`).waitFor();
    await axeBothSchemes(phone, 'menu of rooms at phone width');
    await ctx.close();
  });

  it('a confirm button ("Leave …?") and unread badges keep their contrast, light and dark', async () => {
    await page.locator(`[data-testid="room-link"][data-room="${pub}"]`).click();
    await waitForMessageOnce(page, 'bob again');
    await post(bob, priv, 'unread over there');
    const badge = page.locator(`[data-testid="room-link"][data-room="${priv}"] [data-testid="unread-badge"]`);
    await badge.waitFor();
    await page.getByRole('button', { name: 'Leave', exact: true }).click();
    await page.getByRole('button', { name: `Leave #${pub}?` }).waitFor();
    await axeBothSchemes(page, 'asking to confirm leaving');
    // axe leaves text this short ("1") undecided, so the badge is measured here.
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      const ratio = await badge.evaluate(contrastOf);
      assert.ok(ratio >= 4.5, `unread badge contrast ${ratio.toFixed(2)}:1 in ${colorScheme} (needs 4.5:1)`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
