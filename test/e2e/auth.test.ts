/**
 * Signing in: register, log in, continue as guest, log out; API errors appear in words next to their field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { newUser, PASSWORD } from '../helpers/api.ts';
import { uniq } from '../helpers/wait.ts';
import { connState, signUpInPage, useBrowser, waitLive } from './harness.ts';

describe('signing in', () => {
  const { server, browser } = useBrowser();

  const fresh = async (): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Sign in' }).waitFor();
    return page;
  };

  it('register errors are shown in words next to the field', async () => {
    const { name: taken } = await newUser(server.url, 'taken');
    const page = await fresh();
    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.getByLabel('Username').fill(taken);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    const userErr = page.getByTestId('error-username');
    await userErr.waitFor();
    assert.match((await userErr.textContent()) ?? '', /taken/i);
    assert.equal(await page.getByLabel('Username').getAttribute('aria-invalid'), 'true');

    await page.getByLabel('Username').fill(uniq('newbie'));
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    const pwErr = page.getByTestId('error-password');
    await pwErr.waitFor();
    assert.match((await pwErr.textContent()) ?? '', /Password must be at least 8 characters/);
  });

  it('a wrong password is explained; the right one signs in; logging out returns to sign-in', async () => {
    const { name } = await newUser(server.url, 'lou');
    const page = await fresh();
    await page.getByLabel('Username').fill(name);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('error-password').waitFor();
    assert.match((await page.getByTestId('error-password').textContent()) ?? '', /wrong username or password/i);

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitLive(page);
    assert.equal(await page.getByTestId('me').textContent(), name);

    // The session survives a reload (the cookie), and ends with Log out.
    await page.reload();
    await waitLive(page);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('tab', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('tab', { name: 'Sign in' }).waitFor();
    assert.equal(await page.getByTestId('me').count(), 0);
  });

  it('continue as guest', async () => {
    const page = await fresh();
    const name = uniq('guest');
    await page.getByRole('tab', { name: 'Guest' }).click();
    assert.equal(await page.getByLabel('Password').count(), 0);
    await page.getByLabel('Username').fill(name);
    await page.getByRole('button', { name: 'Continue as guest' }).click();
    await waitLive(page);
    assert.equal(await page.getByTestId('me').textContent(), name);
    await page.locator('.sidebar-foot').getByText('guest', { exact: true }).waitFor();
  });

  it('signing up through the form lands in #general, live', async () => {
    const page = await signUpInPage(await browser.newContext(), server.url, uniq('nia'));
    await page.getByTestId('room-title').filter({ hasText: 'general' }).waitFor();
    assert.equal(await connState(page), 'live');
  });
});
