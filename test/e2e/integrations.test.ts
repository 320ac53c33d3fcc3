/**
 * Bots and webhooks (API v1.1 §6) in the browser, against a real server and a real receiver. Alice (a member, not
 * an admin: the first account is) creates a bot in Settings → Bots and sees its token once, copies it, and the bot
 * posts with it: the page shows the message with the BOT badge. In her room's Room settings → Integrations she adds
 * an incoming hook, reads its URL from the page, and a POST to it with a `username` shows live under that alias,
 * with the bot's username and the badge. An outgoing hook to a local receiver (NATTER_FETCH_ALLOW=127.0.0.1) gets
 * her message signed with the secret the page showed once, and the dialog's status follows delivery by itself:
 * backlog 0 and HTTP 200, then a failure (500) with its next attempt, then pause, resume and delete. Bob, a member
 * who is not the owner, sees only Integrations and no outgoing form; a guest sees neither Bots nor Room settings.
 * New token and Delete in Settings → Bots end the old token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { Api, newUser, PASSWORD, post, type TestUser } from '../helpers/api.ts';
import { uniq } from '../helpers/wait.ts';
import { assertNoSeriousViolations } from './axe.ts';
import { createRoomInPage, DESKTOP, launchBrowser, messageWithText, openRoomPage, sendMessage, startTestServer, type TestServer } from './harness.ts';
import { startReceiver, verifies, type Delivery, type Receiver } from '../helpers/webhook-receiver.ts';

async function signedInContext(browser: Browser, url: string, username: string): Promise<BrowserContext> {
  const context = await browser.newContext({ ...DESKTOP, colorScheme: 'light', permissions: ['clipboard-read', 'clipboard-write'] });
  const res = await context.request.post(`${url}/api/v1/auth/login`, { data: { username, password: PASSWORD } });
  assert.equal(res.status(), 200, `login ${username}`);
  return context;
}

/** Waits until `target` has the focus (focus moves in effects, after the render a click or key causes). */
async function waitFocused(page: Page, target: Locator, what: string): Promise<void> {
  const el = await target.elementHandle();
  await page.waitForFunction((e) => document.activeElement === e, el, { timeout: 5000 }).catch(() => assert.fail(what));
}

/** A dialog an earlier failed test left open would block every click: close it first. */
async function noDialog(page: Page): Promise<void> {
  if ((await page.locator('dialog[open]').count()) > 0) await page.keyboard.press('Escape');
  await page.locator('dialog[open]').waitFor({ state: 'detached' });
}

async function openSettings(page: Page): Promise<Locator> {
  await noDialog(page);
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings', exact: true });
  await dialog.waitFor();
  return dialog;
}

/** Opens Room settings of the open room on its Integrations tab (by keyboard: the tabs are a roving tablist). */
async function openIntegrations(page: Page, room: string, tabs = true): Promise<Locator> {
  await noDialog(page);
  await page.getByRole('button', { name: 'Room settings' }).click();
  const dialog = page.getByRole('dialog', { name: `Room settings for #${room}` });
  await dialog.waitFor();
  if (tabs) {
    const general = dialog.getByRole('tab', { name: 'General' });
    assert.equal(await general.getAttribute('aria-selected'), 'true');
    await general.focus();
    await page.keyboard.press('ArrowRight');
    const integrations = dialog.getByRole('tab', { name: 'Integrations', selected: true });
    await integrations.waitFor();
    await waitFocused(page, integrations, 'the arrow moves focus to the tab');
  }
  await dialog.getByTestId('integrations').waitFor();
  await dialog.getByText(/^Updated /).waitFor();
  return dialog;
}

async function closeDialog(page: Page, dialog: Locator): Promise<void> {
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
}

/** Wait until a delivery matching `pred` has been answered; returns the first such. */
async function arrived(receiver: Receiver, pred: (d: Delivery) => boolean, what: string): Promise<Delivery> {
  await receiver.waitFor(() => receiver.all().some(pred), what);
  return receiver.all().find(pred)!;
}

describe('bots and webhooks in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let receiver: Receiver;
  let alice: TestUser;
  let bob: TestUser;
  let page: Page;
  let botName: string;
  let botToken: string;
  let room: string;
  let hookUrl: string;

  before(async () => {
    receiver = await startReceiver();
    server = await startTestServer({ NATTER_FETCH_ALLOW: '127.0.0.1', NATTER_PREVIEWS: '0' });
    browser = await launchBrowser();
    await newUser(server.url, 'boss'); // the first account: the admin
    alice = await newUser(server.url, 'alice');
    bob = await newUser(server.url, 'bob');
    page = await openRoomPage(await signedInContext(browser, server.url, alice.name), server.url);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  it('Settings → Bots creates a bot and shows its token once, with Copy', async () => {
    const opener = page.getByRole('button', { name: 'Settings', exact: true });
    const dialog = await openSettings(page);
    const bots = dialog.getByTestId('bots-settings');
    await bots.getByText('You have no bots yet.').waitFor();
    botName = uniq('deploy');
    await bots.getByLabel('Bot username').fill(botName);
    await bots.getByLabel('Name shown on its messages (optional)').fill('Deploy Bot');
    await bots.getByRole('button', { name: 'Create bot' }).click();

    const field = bots.getByLabel(`Token for ${botName}`, { exact: true });
    await field.waitFor();
    botToken = await field.inputValue();
    assert.ok(botToken.length >= 20, 'a token');
    assert.ok(await field.evaluate((el) => (el as HTMLInputElement).readOnly), 'read-only');
    await waitFocused(page, field, 'focus moves to the new token');
    await bots.getByText('Copy this token now: it will not be shown again.').waitFor();
    await bots.getByRole('button', { name: 'Copy token' }).click();
    await bots.getByText('Copied the token.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), botToken);

    const row = bots.locator(`[data-testid="bot"][data-username="${botName}"]`);
    await row.getByText('Deploy Bot').waitFor();
    assert.equal(await row.getByTestId('bot-badge').textContent(), 'BOT');
    await assertNoSeriousViolations(page, 'Settings → Bots with a new token');

    await closeDialog(page, dialog);
    await waitFocused(page, opener, 'focus returns to Settings');
    const again = await openSettings(page);
    await again.locator(`[data-testid="bot"][data-username="${botName}"]`).waitFor();
    assert.equal(await again.getByTestId('bot-token').count(), 0, 'the token is not shown again');
    await closeDialog(page, again);
  });

  it('the bot posts with its token; the page shows the message with the BOT badge', async () => {
    const bot = new Api(server.url, botToken);
    const me = await bot.get('/api/v1/me');
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.user.kind, 'bot');
    const text = uniq('deployed build');
    const r = await bot.post('/api/v1/rooms/general/messages', { text });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const msg = messageWithText(page, text);
    await msg.getByTestId('bot-badge').waitFor();
    assert.equal(await msg.getByTestId('message-author').textContent(), botName);
    assert.equal(await msg.getByTestId('message-display-name').textContent(), 'Deploy Bot');
    assert.equal(await msg.getByTestId('bot-badge').getAttribute('title'), 'Bot');
    // A person's message carries no badge.
    const mine = uniq('from alice');
    await sendMessage(page, mine);
    await messageWithText(page, mine).waitFor();
    assert.equal(await messageWithText(page, mine).getByTestId('bot-badge').count(), 0);
  });

  it('Room settings → Integrations adds an incoming hook; a POST to its URL shows live under its alias with the badge', async () => {
    room = uniq('ops').toLowerCase();
    await createRoomInPage(page, room);
    assert.equal((await bob.api.post(`/api/v1/rooms/${room}/join`)).status, 200);
    const opener = page.getByRole('button', { name: 'Room settings' });
    const dialog = await openIntegrations(page, room);
    await dialog.getByTestId('incoming-hooks').waitFor({ state: 'attached' });
    await dialog.getByRole('button', { name: 'Add incoming hook' }).click();
    const select = dialog.getByLabel('Bot', { exact: true });
    await select.waitFor();
    assert.equal(await select.inputValue(), botName);
    await dialog.getByRole('button', { name: 'Create incoming hook' }).click();

    const field = dialog.getByTestId('incoming-url-value');
    await field.waitFor();
    hookUrl = await field.inputValue();
    assert.ok(hookUrl.startsWith(`${server.url}/api/v1/hooks/`), hookUrl);
    await dialog.getByText('Copy this URL now: it will not be shown again.').waitFor();
    const curl = await dialog.getByTestId('incoming-curl').textContent();
    assert.equal(curl, `curl -X POST -H 'Content-Type: application/json' -d '{"text":"Hello from curl"}' ${hookUrl}`);
    await dialog.getByRole('button', { name: 'Copy URL' }).click();
    await dialog.getByText('Copied the URL.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), hookUrl);
    const row = dialog.locator(`[data-testid="hook"][data-kind="incoming"][data-bot="${botName}"]`);
    await row.getByText(`added by ${alice.name}`).waitFor();
    await assertNoSeriousViolations(page, 'Room settings → Integrations with a new incoming hook');
    await closeDialog(page, dialog);
    await waitFocused(page, opener, 'focus returns to Room settings');

    const text = uniq('build passed');
    const res = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, username: 'CI Notifier' }) });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { message: { alias: string } }).message.alias, 'CI Notifier');
    const msg = messageWithText(page, text);
    await msg.getByTestId('message-alias').filter({ hasText: 'CI Notifier' }).waitFor();
    assert.equal(await msg.getByTestId('message-author').textContent(), botName, "the bot's username follows the alias");
    await msg.getByTestId('bot-badge').waitFor();
  });

  it('an outgoing hook delivers to the receiver; the dialog follows delivery, failure and retry, pause, resume and delete', async () => {
    let dialog = await openIntegrations(page, room);
    await dialog.getByRole('button', { name: 'Add outgoing hook' }).click();
    await dialog.getByLabel('Send to URL').fill(`${receiver.url}/natter`);
    assert.ok(await dialog.getByRole('checkbox', { name: /New messages/ }).isChecked(), 'messages are checked by default');
    assert.ok(!(await dialog.getByRole('checkbox', { name: /Someone joins/ }).isChecked()));
    assert.ok(!(await dialog.getByRole('checkbox', { name: 'Include messages by bots' }).isChecked()));
    await dialog.getByRole('button', { name: 'Create outgoing hook' }).click();
    const secretField = dialog.getByTestId('outgoing-secret-value');
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
    await dialog.getByText('docs/webhook-receiver.mjs').waitFor();
    const row = dialog.locator('[data-testid="hook"][data-kind="outgoing"]');
    await row.getByTestId('hook-url').filter({ hasText: `${receiver.url}/natter` }).waitFor();
    assert.equal(await row.getByTestId('hook-state').textContent(), 'active');
    await row.getByTestId('hook-last-delivery').filter({ hasText: 'none yet' }).waitFor();
    await assertNoSeriousViolations(page, 'Room settings → Integrations with an outgoing hook');
    await page.emulateMedia({ colorScheme: 'dark' });
    await assertNoSeriousViolations(page, 'Room settings → Integrations with an outgoing hook, dark theme');
    await page.emulateMedia({ colorScheme: 'light' });
    await closeDialog(page, dialog);

    // A message posted in the page reaches the receiver, signed with the secret the page showed.
    const first = uniq('ship it');
    await sendMessage(page, first);
    const got = await arrived(receiver, (d) => d.event.type === 'message' && d.event.data.message.text === first, 'the first message');
    assert.equal(got.status, 200);
    assert.ok(verifies(got, secret), 'the signature verifies with the secret shown once');
    assert.equal(got.id, got.event.id);

    dialog = await openIntegrations(page, room);
    const status = dialog.locator('[data-testid="hook"][data-kind="outgoing"]');
    await status.locator('[data-testid="hook-last-delivery"][data-status="200"]').waitFor();
    await status.locator('[data-testid="hook-backlog"][data-backlog="0"]').waitFor();
    await status.getByTestId('hook-cursor').filter({ hasText: got.event.id }).waitFor();
    assert.equal(await status.getByTestId('hook-next-attempt').count(), 0);
    await dialog.getByRole('button', { name: 'Refresh' }).click();
    await dialog.getByRole('button', { name: 'Refresh' }).waitFor();

    // The receiver fails: with the dialog left open, its status shows the failure and the next attempt by itself.
    receiver.answer(() => 500);
    const second = uniq('second');
    await post(alice, room, second);
    await arrived(receiver, (d) => d.status === 500 && d.event.data?.message?.text === second, 'the failing message');
    await status.locator('[data-testid="hook-last-delivery"][data-status="500"]').waitFor();
    await status.getByTestId('hook-last-delivery').filter({ hasText: 'HTTP 500 (failed)' }).waitFor();
    await status.getByTestId('hook-next-attempt').waitFor();
    await status.locator('[data-testid="hook-backlog"][data-backlog="1"]').waitFor();

    // Pause: nothing is sent while paused, and what comes meanwhile waits in the backlog.
    await status.getByRole('button', { name: `Pause the hook to ${receiver.url}/natter` }).click();
    await dialog.locator('[data-testid="hook"][data-kind="outgoing"][data-active="false"]').waitFor();
    assert.equal(await status.getByTestId('hook-state').textContent(), 'paused');
    receiver.answer(() => 200);
    // A message by the bot (through the incoming hook) is not in this hook's feed: it does not include bots.
    const fromBot = uniq('from the bot');
    const viaHook = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: fromBot }) });
    assert.equal(viaHook.status, 200);
    const third = uniq('third');
    await post(alice, room, third);
    await status.locator('[data-testid="hook-backlog"][data-backlog="2"]').waitFor();
    assert.ok(!receiver.all().some((d) => d.event.data?.message?.text === third), 'nothing new is sent while paused');

    // Resume: both go out in order, and the status says so.
    const resume = status.getByRole('button', { name: `Resume the hook to ${receiver.url}/natter` });
    await resume.click();
    await dialog.locator('[data-testid="hook"][data-kind="outgoing"][data-active="true"]').waitFor();
    const delivered = await arrived(receiver, (d) => d.status === 200 && d.event.data?.message?.text === third, 'the third message');
    const secondOk = receiver.all().findIndex((d) => d.status === 200 && d.event.data?.message?.text === second);
    assert.ok(secondOk >= 0 && secondOk < receiver.all().indexOf(delivered), 'the failed event is delivered first');
    await status.locator('[data-testid="hook-backlog"][data-backlog="0"]').waitFor();
    await status.locator('[data-testid="hook-last-delivery"][data-status="200"]').waitFor();
    await status.getByTestId('hook-next-attempt').waitFor({ state: 'detached' });
    // Events go in log order, so had the bot's message been in the feed it would have come before the third.
    assert.ok(!receiver.all().some((d) => d.event.data?.message?.text === fromBot), 'no bot messages without include_bots');

    // Delete, confirmed: the row goes, and the API lists no outgoing hook.
    await status.getByRole('button', { name: `Delete the hook to ${receiver.url}/natter` }).click();
    await status.getByText('Delete this hook? Nothing more is sent to it.').waitFor();
    await status.getByRole('button', { name: 'Delete hook' }).click();
    await status.waitFor({ state: 'detached' });
    const list = await alice.api.get(`/api/v1/rooms/${room}/hooks`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.hooks.map((h: { kind: string }) => h.kind), ['incoming']);

    // The incoming hook too: its URL stops working.
    const incoming = dialog.locator('[data-testid="hook"][data-kind="incoming"]');
    await incoming.getByRole('button', { name: `Delete the incoming hook of ${botName}` }).click();
    const cancel = incoming.getByRole('button', { name: 'Cancel' });
    await cancel.click();
    await waitFocused(page, incoming.getByRole('button', { name: `Delete the incoming hook of ${botName}` }), 'Cancel gives focus back');
    await incoming.getByRole('button', { name: `Delete the incoming hook of ${botName}` }).click();
    await incoming.getByRole('button', { name: 'Delete hook' }).click();
    await incoming.waitFor({ state: 'detached' });
    const gone = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'too late' }) });
    assert.equal(gone.status, 404);
    await closeDialog(page, dialog);
  });

  it('a member who is not the owner sees only Integrations, without the outgoing form; a guest sees neither', async () => {
    const bobPage = await openRoomPage(await signedInContext(browser, server.url, bob.name), server.url, room);
    const dialog = await openIntegrations(bobPage, room, false);
    assert.equal(await dialog.getByRole('tablist').count(), 0, 'no General tab');
    assert.equal(await dialog.getByLabel('Topic').count(), 0);
    assert.equal(await dialog.locator('.field-error').count(), 0, 'a member may list the hooks (those they added)');
    await dialog.getByText("Only the room's owner or an admin can add an outgoing hook.").waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Add outgoing hook' }).count(), 0);
    await dialog.getByRole('button', { name: 'Add incoming hook' }).click();
    await dialog.getByTestId('no-bots').filter({ hasText: 'Create one in Settings (at the bottom of the room list), under Bots' }).waitFor();
    await assertNoSeriousViolations(bobPage, 'Integrations for a member without bots');
    await closeDialog(bobPage, dialog);
    const settings = await openSettings(bobPage);
    await settings.getByTestId('bots-settings').waitFor();
    await closeDialog(bobPage, settings);
    await bobPage.context().close();

    const guest = await browser.newContext(DESKTOP);
    const res = await guest.request.post(`${server.url}/api/v1/auth/guest`, { data: { username: uniq('visitor') } });
    assert.equal(res.status(), 201, await res.text());
    assert.equal((await guest.request.post(`${server.url}/api/v1/rooms/${room}/join`, { headers: { 'X-Requested-With': 'natter' } })).status(), 200);
    const guestPage = await openRoomPage(guest, server.url, room);
    assert.equal(await guestPage.getByRole('button', { name: 'Room settings' }).count(), 0);
    const guestSettings = await openSettings(guestPage);
    await guestSettings.getByTestId('profile-settings').waitFor();
    assert.equal(await guestSettings.getByTestId('bots-settings').count(), 0);
    await guest.close();
  });

  it('New token ends the old one; Delete deactivates the bot', async () => {
    const dialog = await openSettings(page);
    const row = dialog.locator(`[data-testid="bot"][data-username="${botName}"]`);
    await row.getByRole('button', { name: `New token for ${botName}` }).click();
    await row.getByText('The old token stops working at once.').waitFor();
    await row.getByRole('button', { name: 'Confirm new token' }).click();
    const field = dialog.getByTestId('bot-token-value');
    await dialog.getByTestId('bot-token').getByText(`New token for ${botName}`).waitFor();
    const fresh = await field.inputValue();
    assert.notEqual(fresh, botToken);
    await dialog.getByText('Copy this token now: it will not be shown again.').waitFor();
    assert.equal((await new Api(server.url, botToken).get('/api/v1/me')).status, 401, 'the old token ends');
    assert.equal((await new Api(server.url, fresh).get('/api/v1/me')).status, 200, 'the new one works');

    await row.getByRole('button', { name: `Delete ${botName}` }).click();
    await row.getByText('Its token stops working at once; its messages stay.').waitFor();
    await row.getByRole('button', { name: 'Confirm delete' }).click();
    await dialog.locator(`[data-testid="bot"][data-username="${botName}"][data-active="false"]`).waitFor();
    await row.getByTestId('bot-deactivated').waitFor();
    assert.equal(await row.getByRole('button', { name: `New token for ${botName}` }).count(), 0);
    assert.equal((await new Api(server.url, fresh).get('/api/v1/me')).status, 401, 'a deleted bot has no working token');
    await closeDialog(page, dialog);
  });
});
