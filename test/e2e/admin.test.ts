/**
 * Administration (API v1.1 §5) in the browser. The server is first served open so the first account (the admin)
 * can register, then restarted with NATTER_REGISTRATION=invite on the same database: the admin creates an invite
 * (code, copyable link, remaining uses) and two people register with it; deactivating one signs their open page
 * out; Room settings make a room private and the change shows to a member live; a display name set in Settings
 * shows beside the username on messages without a reload.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Api, newUser, PASSWORD, post, type TestUser } from '../helpers/api.ts';
import sharp from 'sharp';
import { uniq } from '../helpers/wait.ts';
import { assertNoSeriousViolations } from './axe.ts';
import { DESKTOP, launchBrowser, openRoomPage, startTestServer, waitLive, type TestServer } from './harness.ts';

/** A browser context signed in as `username` (login over the context's request API, sharing its cookie jar). */
async function signedInContext(browser: Browser, url: string, username: string): Promise<BrowserContext> {
  const context = await browser.newContext({ ...DESKTOP, permissions: ['clipboard-read', 'clipboard-write'] });
  const res = await context.request.post(`${url}/api/v1/auth/login`, { data: { username, password: PASSWORD } });
  assert.equal(res.status(), 200, `login ${username}`);
  return context;
}

async function registerWithInvite(url: string, prefix: string, invite: string): Promise<TestUser> {
  const api = new Api(url);
  const r = await api.post('/api/v1/auth/register', { username: uniq(prefix), password: PASSWORD, invite });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  api.token = r.body.token;
  return { api, id: r.body.user.id, name: r.body.user.username, token: r.body.token };
}

async function openAdministration(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Administration' }).click();
  await page.getByRole('heading', { name: 'Administration', level: 1 }).waitFor();
}

describe('administration', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: TestUser;
  let adminPage: Page;
  let bob: TestUser;
  let carol: TestUser;

  before(async () => {
    const open = await startTestServer();
    admin = await newUser(open.url, 'boss');
    await open.stop();
    server = await startTestServer({ NATTER_REGISTRATION: 'invite', DATABASE_URL: `sqlite:${open.dbPath}` });
    browser = await launchBrowser();
    adminPage = await openRoomPage(await signedInContext(browser, server.url, admin.name), server.url);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('creates an invite with its code, a copyable link and the uses left; it registers people and can be revoked', async () => {
    assert.equal((await new Api(server.url).post('/api/v1/auth/register', { username: uniq('nope'), password: PASSWORD })).status, 403, 'invite mode');
    await openAdministration(adminPage);
    await adminPage.getByLabel('Uses').fill('2');
    await adminPage.getByLabel('Expires after (days)').fill('3');
    await adminPage.getByRole('button', { name: 'Create invite' }).click();
    const code = (await adminPage.getByTestId('invite-code').textContent())!.trim();
    assert.ok(code.length > 0);
    const link = `${server.url}/?invite=${encodeURIComponent(code)}`;
    assert.equal(await adminPage.getByLabel('Invite link').inputValue(), link);
    await adminPage.getByRole('button', { name: 'Copy link' }).click();
    await adminPage.getByText('Link copied.').waitFor();
    assert.equal(await adminPage.evaluate(() => navigator.clipboard.readText()), link);
    const row = adminPage.getByTestId('invite').filter({ hasText: code });
    await row.getByText('2 uses left').waitFor();
    await assertNoSeriousViolations(adminPage, 'administration page');

    // The link opens the registration form with the code filled in: bob signs up through it in a browser.
    const bobContext = await browser.newContext();
    const bobPage = await bobContext.newPage();
    await bobPage.goto(link);
    const bobName = uniq('bob');
    assert.equal(await bobPage.getByLabel('Invite code').inputValue(), code);
    assert.ok(!bobPage.url().includes('invite='), 'the code left the address');
    await bobPage.getByLabel('Username').fill(bobName);
    await bobPage.getByLabel('Password').fill(PASSWORD);
    await bobPage.getByRole('button', { name: 'Create account' }).click();
    await waitLive(bobPage);
    await bobContext.close();
    const signedIn = await new Api(server.url).post('/api/v1/auth/login', { username: bobName, password: PASSWORD });
    bob = { api: new Api(server.url, signedIn.body.token), id: signedIn.body.user.id, name: bobName, token: signedIn.body.token };
    carol = await registerWithInvite(server.url, 'carol', code);
    // Used up: it leaves the list of usable invites after a refresh of the page's list (another invite is made).
    await adminPage.getByLabel('Uses').fill('1');
    await adminPage.getByRole('button', { name: 'Create invite' }).click();
    await row.waitFor({ state: 'detached' });
    const second = (await adminPage.getByTestId('invite-code').textContent())!.trim();
    assert.notEqual(second, code);
    await adminPage.getByRole('button', { name: `Revoke invite ${second}` }).click();
    await adminPage.getByTestId('invite').filter({ hasText: second }).waitFor({ state: 'detached' });
    assert.equal((await new Api(server.url).post('/api/v1/auth/register', { username: uniq('late'), password: PASSWORD, invite: second })).status, 403);
  });

  it('deactivating someone signs their open page out; reactivating lets them sign in again', async () => {
    const bobPage = await openRoomPage(await signedInContext(browser, server.url, bob.name), server.url);
    await openAdministration(adminPage);
    await adminPage.getByLabel('Search people by username').fill(bob.name);
    const row = adminPage.locator(`[data-testid="admin-user"][data-username="${bob.name}"]`);
    await row.waitFor();
    assert.equal(await adminPage.getByTestId('admin-user').count(), 1, 'the search narrows the list');
    await row.getByRole('button', { name: `Deactivate ${bob.name}` }).click();
    await row.getByRole('button', { name: 'Confirm deactivation' }).click();
    await adminPage.locator(`[data-testid="admin-user"][data-username="${bob.name}"][data-active="false"]`).waitFor();

    await bobPage.locator('#signin-panel').waitFor({ timeout: 15_000 });
    assert.equal(await bobPage.getByTestId('me').count(), 0, 'the chat is gone');
    assert.equal((await new Api(server.url).post('/api/v1/auth/login', { username: bob.name, password: PASSWORD })).status, 403);

    await row.getByRole('button', { name: `Reactivate ${bob.name}` }).click();
    await row.getByRole('button', { name: 'Confirm reactivation' }).click();
    await adminPage.locator(`[data-testid="admin-user"][data-username="${bob.name}"][data-active="true"]`).waitFor();
    const again = await new Api(server.url).post('/api/v1/auth/login', { username: bob.name, password: PASSWORD });
    assert.equal(again.status, 200);
    assert.equal((await bob.api.get('/api/v1/me')).status, 401, 'the old session stays ended');
    bob.api.token = again.body.token;

    // The role toggle: make carol an admin (a confirmation step), then a member again.
    await adminPage.getByLabel('Search people by username').fill(carol.name);
    const c = adminPage.locator(`[data-testid="admin-user"][data-username="${carol.name}"]`);
    await c.getByRole('button', { name: `Make admin ${carol.name}` }).click();
    await c.getByRole('button', { name: 'Confirm role change' }).click();
    await adminPage.locator(`[data-testid="admin-user"][data-username="${carol.name}"][data-role="admin"]`).waitFor();
    await c.getByRole('button', { name: `Make member ${carol.name}` }).click();
    await c.getByRole('button', { name: 'Confirm role change' }).click();
    await adminPage.locator(`[data-testid="admin-user"][data-username="${carol.name}"][data-role="member"]`).waitFor();
    await bobPage.context().close();
  });

  it('Room settings change the visibility, a member sees it live, and remove a member', async () => {
    const name = uniq('proj').toLowerCase();
    assert.equal((await carol.api.post('/api/v1/rooms', { name, topic: 'old', visibility: 'public' })).status, 201);
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/join`)).status, 200);
    const carolPage = await openRoomPage(await signedInContext(browser, server.url, carol.name), server.url, name);
    assert.equal(await carolPage.getByTestId('room-title').getByRole('img', { name: 'private' }).count(), 0);

    // The admin is not a member: admins have the owner's rights everywhere.
    await adminPage.goto(`${server.url}/#/r/${name}`);
    await adminPage.getByTestId('room-title').filter({ hasText: name }).waitFor();
    const opener = adminPage.getByRole('button', { name: 'Room settings' });
    await opener.click();
    const dialog = adminPage.getByRole('dialog', { name: `Room settings for #${name}` });
    await dialog.getByLabel('Topic').fill('new topic');
    await dialog.getByLabel('Private: members you add').check();
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await dialog.getByText('Room settings saved.').waitFor();

    await carolPage.getByTestId('room-title').getByRole('img', { name: 'private' }).waitFor();
    await carolPage.getByText('new topic').first().waitFor();

    await dialog.getByRole('button', { name: `Remove ${bob.name}` }).click();
    await dialog.getByRole('button', { name: `Remove ${bob.name}?` }).click();
    await dialog.locator(`[data-username="${bob.name}"]`).waitFor({ state: 'detached' });
    assert.equal((await bob.api.get(`/api/v1/rooms/${name}`)).status, 404, 'bob is out of the private room');
    await adminPage.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(await opener.evaluate((el) => document.activeElement === el), 'focus returns to Room settings');
    await carolPage.context().close();
  });

  it('a display name set in Settings shows beside the username on messages, live for others', async () => {
    await post(carol, 'general', 'hello from carol');
    await adminPage.locator('[data-testid="room-link"][data-room="general"]').click();
    const msg = adminPage.getByTestId('message').filter({ hasText: 'hello from carol' });
    await msg.waitFor();
    const carolPage = await openRoomPage(await signedInContext(browser, server.url, carol.name), server.url);
    await carolPage.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = carolPage.getByRole('dialog', { name: 'Settings', exact: true });
    await dialog.getByLabel('Display name').fill('Carol Danvers');
    await dialog.getByRole('button', { name: 'Save name' }).click();
    await dialog.getByText('Display name saved.').waitFor();
    await msg.getByTestId('message-display-name').filter({ hasText: 'Carol Danvers' }).waitFor();
    assert.equal(await msg.getByTestId('message-author').textContent(), carol.name, 'the username stays beside it');

    // The avatar: previewed before saving, uploaded with a progress bar, then shown on her messages; and removed.
    const picture = await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toBuffer();
    await dialog.getByTestId('avatar-file').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: picture });
    await dialog.getByRole('img', { name: 'Preview of the chosen avatar' }).waitFor();
    await dialog.getByRole('button', { name: 'Save avatar' }).click();
    await dialog.getByText('Avatar saved.').waitFor();
    await dialog.getByRole('img', { name: 'Your avatar' }).waitFor();
    await msg.locator('img.avatar').waitFor();
    await dialog.getByRole('button', { name: 'Remove avatar' }).click();
    await dialog.getByText('Avatar removed.').waitFor();
    await msg.locator('img.avatar').waitFor({ state: 'detached' });
    await carolPage.context().close();
  });
});
