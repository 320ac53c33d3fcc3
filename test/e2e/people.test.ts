/**
 * People rather than room furniture: a DM reads as a conversation with one person (no "beginning of the room",
 * no members panel), "New direct message" and "Add member" suggest people by the start of their name (a
 * keyboard-usable combobox, with who is online), and the DM list shows each person's presence, live.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { PASSWORD, type TestUser } from '../helpers/api.ts';
import { uniq } from '../helpers/wait.ts';
import { assertNoSeriousViolations } from './axe.ts';
import { createRoomInPage, DESKTOP, openRoomPage, signedInPage, useBrowser } from './harness.ts';

/** The combobox's state as assistive technology sees it: expanded, the listbox it controls, the active option. */
async function comboState(input: Locator): Promise<{ expanded: string | null; options: string[]; active: string | null }> {
  return input.evaluate((el) => {
    const list = document.getElementById(el.getAttribute('aria-controls') ?? '');
    const activeId = el.getAttribute('aria-activedescendant');
    const active = activeId ? document.getElementById(activeId) : null;
    return {
      expanded: el.getAttribute('aria-expanded'),
      options: list ? [...list.querySelectorAll('[role="option"]')].map((o) => o.getAttribute('data-username') ?? '') : [],
      active: active?.getAttribute('data-username') ?? null,
    };
  });
}

describe('people: DMs, the people picker and presence', () => {
  const { server, browser } = useBrowser();
  // One shared, unusual prefix so the suggestions of this test are exactly these people.
  const p = 'pp' + Math.random().toString(36).slice(2, 8);
  let alice: Page;
  let aliceName: string;
  let bea: TestUser;
  let bob: TestUser;
  let carl: TestUser;
  /** alice's private room, with bea but not bob. */
  let privateRoom = '';

  before(async () => {
    aliceName = `${p}alice`;
    alice = await signedInPage(browser, server.url, aliceName, DESKTOP);
    // Registered over the API only: none of them has a page open, so all are offline.
    const reg = async (n: string): Promise<TestUser> => {
      const res = await fetch(`${server.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `${p}${n}`, password: PASSWORD }),
      });
      const body = (await res.json()) as { user: { id: string }; token: string };
      assert.equal(res.status, 201, JSON.stringify(body));
      return { id: body.user.id, name: `${p}${n}`, token: body.token } as TestUser;
    };
    bea = await reg('bea');
    bob = await reg('Bob');
    carl = await reg('carl');
  });

  it('"New direct message" suggests people by the start of their name; arrows and Enter pick one', async () => {
    await alice.getByRole('button', { name: 'New direct message' }).click();
    const dialog = alice.getByRole('dialog', { name: 'New direct message' });
    const input = dialog.getByRole('combobox', { name: 'Username' });
    await input.pressSequentially(`${p}B`);
    await dialog.getByRole('listbox').waitFor();
    await alice.waitForFunction(
      (el) => el?.getAttribute('aria-expanded') === 'true' && document.querySelectorAll('[role="option"]').length === 2,
      await input.elementHandle(),
    );
    let st = await comboState(input);
    assert.deepEqual(st.options, [bea.name, bob.name], 'case-insensitive prefix, ordered by name, carl left out');
    assert.equal(st.active, null);
    // Each suggestion says whether the person is online, in words, not only by colour.
    assert.match((await dialog.getByRole('option').first().textContent()) ?? '', /offline/);
    await assertNoSeriousViolations(alice, 'the DM dialog with suggestions open');

    await input.press('ArrowDown');
    await input.press('ArrowDown');
    st = await comboState(input);
    assert.equal(st.active, bob.name);
    assert.equal(await dialog.getByRole('option', { selected: true }).getAttribute('data-username'), bob.name);
    await input.press('ArrowUp');
    assert.equal((await comboState(input)).active, bea.name);
    await input.press('ArrowDown');
    await input.press('Enter');
    assert.equal(await input.inputValue(), bob.name);
    assert.equal((await comboState(input)).expanded, 'false');
    await input.press('Enter');
    await alice.getByTestId('room-title').filter({ hasText: bob.name }).waitFor();
    await dialog.waitFor({ state: 'detached' });
  });

  it('the picker leaves yourself out, says when no one matches, and Escape closes only the suggestions', async () => {
    await alice.getByRole('button', { name: 'New direct message' }).click();
    const dialog = alice.getByRole('dialog', { name: 'New direct message' });
    const input = dialog.getByRole('combobox', { name: 'Username' });
    await input.pressSequentially(p);
    await alice.waitForFunction(() => document.querySelectorAll('[role="option"]').length === 3);
    assert.deepEqual((await comboState(input)).options, [bea.name, bob.name, carl.name], 'not alice herself');
    await input.press('Escape');
    assert.equal((await comboState(input)).expanded, 'false');
    assert.ok(await dialog.isVisible(), 'the first Escape closes the suggestions, not the dialog');

    await input.pressSequentially('zz');
    await dialog.getByText(/No one found/).waitFor();
    await dialog.getByRole('option').first().waitFor({ state: 'detached' });

    // Clicking a suggestion works too.
    await input.fill('');
    await input.pressSequentially(`${p}c`);
    await dialog.getByRole('option', { name: new RegExp(carl.name) }).click();
    assert.equal(await input.inputValue(), carl.name);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('a DM is a conversation with one person: its own opening line, no members panel, no room controls', async () => {
    // Opened just before: alice and bob. The window is wide enough that a room shows its members panel.
    await alice.locator(`[data-testid="dm-list"] [data-testid="room-link"]`).filter({ hasText: bob.name }).click();
    await alice.getByTestId('room-title').filter({ hasText: bob.name }).waitFor();
    await alice.getByTestId('history-start').waitFor();
    assert.equal(
      (await alice.getByTestId('history-start').textContent())?.trim(),
      `This is the beginning of your conversation with ${bob.name}.`,
    );
    assert.equal(await alice.getByTestId('member-panel').count(), 0, 'no members panel');
    assert.equal(await alice.getByTestId('toggle-members').count(), 0, 'no members button');
    assert.equal(await alice.getByRole('button', { name: /^Leave/ }).count(), 0);
    assert.equal(await alice.getByRole('button', { name: /topic/i }).count(), 0);
    await assertNoSeriousViolations(alice, 'a DM');

    // A room still has its furniture.
    await alice.locator('[data-testid="room-link"][data-room="general"]').click();
    await alice.getByTestId('member-panel').waitFor();
    assert.match((await alice.getByTestId('history-start').textContent()) ?? '', /beginning of the room/);
  });

  it('"Add member" suggests people who are not in the room yet, chosen with the keyboard', async () => {
    const room = (privateRoom = uniq('pp-'));
    await createRoomInPage(alice, room, { private: true });
    await alice.getByTestId('member-panel').waitFor();
    const input = alice.getByTestId('member-panel').getByRole('combobox', { name: 'Add a member' });
    assert.equal(await input.getAttribute('data-testid'), 'add-member-input');
    await input.pressSequentially(p);
    await alice.waitForFunction(() => document.querySelectorAll('[role="option"]').length === 3);
    assert.deepEqual((await comboState(input)).options, [bea.name, bob.name, carl.name], 'alice is a member already');
    await assertNoSeriousViolations(alice, 'the members panel with suggestions open');
    await input.press('ArrowDown');
    await input.press('Enter');
    assert.equal(await input.inputValue(), bea.name);
    await input.press('Enter');
    await alice.locator(`[data-testid="member"][data-username="${bea.name}"]`).waitFor();

    await input.pressSequentially(p);
    await alice.waitForFunction(() => document.querySelectorAll('[role="option"]').length === 2);
    assert.deepEqual((await comboState(input)).options, [bob.name, carl.name], 'bea is in now');
    await input.press('Escape');
  });

  it('the DM list shows whether each person is online, and it changes live; a reload knows it too', async () => {
    const link = alice.locator(`[data-testid="dm-list"] [data-testid="room-link"]`).filter({ hasText: bob.name });
    const dot = link.getByTestId('presence');
    await dot.waitFor();
    assert.equal(await dot.getAttribute('data-online'), 'false');
    assert.match((await link.textContent()) ?? '', /offline/);

    const context = await browser.newContext(DESKTOP);
    const login = await context.request.post(`${server.url}/api/v1/auth/login`, { data: { username: bob.name, password: PASSWORD } });
    assert.equal(login.status(), 200);
    await openRoomPage(context, server.url, 'general');
    await link.locator('[data-testid="presence"][data-online="true"]').waitFor();
    assert.match((await link.textContent()) ?? '', /online/);

    // A fresh page learns who is online without opening each DM (here it opens a room bob is not in).
    await alice.locator(`[data-testid="room-link"][data-room="${privateRoom}"]`).click();
    await alice.getByTestId('room-title').filter({ hasText: privateRoom }).waitFor();
    await alice.reload();
    await alice.getByTestId('room-title').filter({ hasText: privateRoom }).waitFor();
    await link.locator('[data-testid="presence"][data-online="true"]').waitFor();

    await context.close();
    // Presence waits out a short grace period before it says offline.
    await link.locator('[data-testid="presence"][data-online="false"]').waitFor({ timeout: 30_000 });
  });

  it('display names show beside usernames, live: the DM list, the members panel, the picker and your own name', async () => {
    const rename = async (token: string, display: string) => {
      const r = await fetch(`${server.url}/api/v1/users/me`, {
        method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ display_name: display }),
      });
      assert.equal(r.status, 200);
    };
    await rename(bob.token, 'Bob Builder');
    await rename(bea.token, 'Bea Arthur');
    // The DM link: the display name, then the username (user_updated reaches the open page).
    const link = alice.locator(`[data-testid="dm-list"] [data-testid="room-link"]`).filter({ hasText: bob.name });
    await link.getByTestId('display-name').filter({ hasText: 'Bob Builder' }).waitFor();
    assert.match((await link.textContent()) ?? '', new RegExp(`Bob Builder.*${bob.name}`));
    // The members panel of a room with bea.
    await alice.locator(`[data-testid="room-link"][data-room="${privateRoom}"]`).click();
    const member = alice.locator(`[data-testid="member"][data-username="${bea.name}"]`);
    await member.getByTestId('display-name').filter({ hasText: 'Bea Arthur' }).waitFor();
    // The people picker.
    await alice.getByRole('button', { name: 'New direct message' }).click();
    const dialog = alice.getByRole('dialog', { name: 'New direct message' });
    await dialog.getByRole('combobox', { name: 'Username' }).pressSequentially(`${p}bea`);
    await dialog.getByRole('option').filter({ hasText: 'Bea Arthur' }).waitFor();
    await alice.keyboard.press('Escape');
    await alice.keyboard.press('Escape');
    // Your own name, changed in another tab or by the API: the sidebar follows.
    const status = await alice.evaluate(`fetch('/api/v1/users/me', { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-requested-with': 'natter' },
      body: JSON.stringify({ display_name: 'Alice Liddell' }) }).then((r) => r.status)`);
    assert.equal(status, 200);
    await alice.locator('.sidebar-foot').getByTestId('display-name').filter({ hasText: 'Alice Liddell' }).waitFor();
    assert.equal(await alice.getByTestId('me').textContent(), aliceName, 'the username stays beside it');
    await assertNoSeriousViolations(alice, 'lists with display names');
  });
});
