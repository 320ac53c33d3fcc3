/**
 * Single sign-on in Chromium (API v1.1 §5): the sign-in screen offers "Sign in with <provider>" when the server
 * says oidc; clicking it goes through a real OpenID provider (test/helpers/oidc-provider.ts, auto-approving) and
 * comes back signed in, to the page it left. An `?oidc_error=` is shown in words and removed from the address.
 * The tabs follow GET /server: Guest only with guests on, Create account only when registration is open or by
 * invite (then with an invite code, sent as `invite`).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { freePort } from '../helpers/cluster.ts';
import { callbackOf, startProvider } from '../helpers/oidc-provider.ts';
import { uniq } from '../helpers/wait.ts';
import { useBrowser, waitLive } from './harness.ts';

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
// Profile and email claims in the ID token itself (the integration suite covers the UserInfo path).
const op = await startProvider({ redirectUris: [callbackOf(origin)], claimsInIdToken: true });
after(() => op.close());

describe('single sign-on in the browser', () => {
  const { server, browser } = useBrowser({ ...op.env(origin), PORT: String(port), NATTER_OIDC_NAME: 'Example ID' });

  const signInScreen = async (path = '/'): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url + path);
    await page.getByRole('tab', { name: 'Sign in' }).waitFor();
    return page;
  };

  it('the button goes through the provider and lands signed in, on the page it left', async () => {
    const sub = uniq('e2e-');
    op.loginAs({ sub, preferred_username: `sso${sub.slice(-8)}`, name: 'Sso Person', email: `${sub}@example.com`, email_verified: true });
    const page = await signInScreen('/#/r/general');
    const button = page.getByRole('button', { name: 'Sign in with Example ID' });
    await button.click();
    await waitLive(page);
    assert.equal(page.url(), `${server.url}/#/r/general`);
    await page.getByTestId('room-title').filter({ hasText: 'general' }).waitFor();
    const me = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).user);
    assert.equal(me.username, `sso${sub.slice(-8)}`);
    assert.equal(me.display_name, 'Sso Person');
    assert.deepEqual([me.email, me.email_verified], [`${sub}@example.com`, true]);
  });

  it('?oidc_error= is shown as text and removed from the address', async () => {
    const page = await signInScreen('/?oidc_error=account_deactivated#/r/general');
    const error = page.getByTestId('error-form');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /deactivated/i);
    assert.equal(page.url(), `${server.url}/#/r/general`);
  });

  it('tabs and the invite field follow GET /server; the invite code is sent as `invite`', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.route('**/api/v1/server', async (route) => {
      const real = await (await route.fetch()).json();
      await route.fulfill({ json: { ...real, registration: 'invite', guests: false } });
    });
    let sent: any = null;
    await page.route('**/api/v1/auth/register', async (route) => {
      sent = route.request().postDataJSON();
      await route.fulfill({ status: 403, json: { error: { code: 'invalid_invite', message: 'this invite code does not work' } } });
    });
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Sign in with Example ID' }).waitFor();
    assert.deepEqual(await page.getByRole('tab').allTextContents(), ['Sign in', 'Create account']);
    assert.equal(await page.getByLabel('Invite code').count(), 0, 'signing in needs no invite');
    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.getByLabel('Username').fill('invited');
    await page.getByLabel('Password').fill('correct horse');
    await page.getByLabel('Invite code').fill(' code-123 ');
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await page.getByTestId('error-invite').waitFor();
    assert.deepEqual(sent, { username: 'invited', password: 'correct horse', invite: 'code-123' });

    const closed = await context.newPage();
    await closed.route('**/api/v1/server', async (route) => {
      const real = await (await route.fetch()).json();
      await route.fulfill({ json: { ...real, registration: 'closed', guests: true, oidc: false } });
    });
    await closed.goto(server.url);
    await closed.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await closed.locator('#signin-tab-register').waitFor({ state: 'detached' });
    assert.equal(await closed.getByRole('tab', { name: 'Create account' }).count(), 0);
    assert.equal(await closed.getByRole('tab', { name: 'Guest' }).count(), 0);
    assert.equal(await closed.getByRole('button', { name: /Sign in with/ }).count(), 0);
  });
});
