/**
 * Email notifications in the settings (API v1.1 §4 "Email") in Chromium against a real server that mails to a
 * local SMTP server (test/helpers/smtp.ts): saving an address says it is unverified and mails a code; a wrong code
 * is refused in words, the mailed one verifies; the switch turns email notifications off; and opening the link
 * of a confirmation email verifies the address and says so.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { startSmtpService, type Mail } from '../helpers/smtp.ts';
import { assertNoSeriousViolations } from './axe.ts';
import { DESKTOP, signUpInContext, useBrowser, waitLive } from './harness.ts';

const smtp = await startSmtpService();
after(() => smtp.close());

const tokenIn = (m: Mail): string => /verify_email=([A-Za-z0-9_-]+)/.exec(m.text)![1]!;
const confirmation = (address: string) => smtp.next((m) => m.to.includes(address) && /^Confirm/.test(m.subject), `the confirmation mail to ${address}`);

describe('email notifications in the settings', () => {
  const { server, browser } = useBrowser({ NATTER_SMTP_URL: smtp.url });
  let n = 0;

  async function person(): Promise<{ ctx: BrowserContext; page: Page; name: string }> {
    const ctx = await browser.newContext(DESKTOP);
    const name = `mail${process.pid % 10000}x${n++}`;
    await signUpInContext(ctx, server.url, name);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/#/r/general`);
    await waitLive(page);
    return { ctx, page, name };
  }

  const ownUser = async (ctx: BrowserContext) => ((await (await ctx.request.get(`${server.url}/api/v1/users/me`)).json()) as { user: Record<string, unknown> }).user;

  it('save an address, confirm it with the mailed code, and turn email notifications off', async () => {
    const { ctx, page, name } = await person();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings', exact: true });
    const section = dialog.getByRole('region', { name: 'Email notifications' });
    await section.waitFor();
    const state = section.getByTestId('email-state');
    assert.match(await state.innerText(), /No address yet/);
    const address = `${name}@example.com`;
    await section.getByLabel('Email address').fill(address);
    await section.getByRole('button', { name: 'Save address' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="email-state"]')?.getAttribute('data-state') === 'unverified');
    assert.match(await state.innerText(), /unverified — check your inbox/);
    const token = tokenIn(await confirmation(address));

    await section.getByLabel('Confirmation code').fill('wrong-code');
    await section.getByRole('button', { name: 'Confirm' }).click();
    const error = section.getByRole('alert');
    await error.waitFor();
    assert.match(await error.innerText(), /does not work/);
    await assertNoSeriousViolations(page, 'settings with an unverified address and a refused code');
    await section.getByLabel('Confirmation code').fill(token);
    await section.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="email-state"]')?.getAttribute('data-state') === 'verified');
    assert.match(await state.innerText(), new RegExp(`${address} is verified`));
    assert.equal(await section.getByLabel('Confirmation code').count(), 0, 'no code box once verified');

    const toggle = section.getByRole('switch', { name: 'Email me unread messages' });
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await toggle.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="email-switch"]')?.getAttribute('aria-checked') === 'false');
    assert.match(await section.getByTestId('email-switch-status').innerText(), /^Off/);
    assert.deepEqual([(await ownUser(ctx)).email_verified, (await ownUser(ctx)).email_notifications], [true, false]);
    await ctx.close();
  });

  it('opening the link of a confirmation email verifies the address and says so', async () => {
    const { ctx, page, name } = await person();
    const address = `${name}.link@example.com`;
    const set = await ctx.request.patch(`${server.url}/api/v1/users/me`, { data: { email: address }, headers: { 'X-Requested-With': 'natter' } });
    assert.equal(set.status(), 200);
    const token = tokenIn(await confirmation(address));
    await page.goto(`${server.url}/?verify_email=${token}`);
    const result = page.getByTestId('email-verify-result');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-ok'), 'true');
    assert.match(await result.innerText(), new RegExp(`${address} is verified`));
    assert.ok(!page.url().includes('verify_email'), `the token is taken out of the address: ${page.url()}`);
    assert.equal((await ownUser(ctx)).email_verified, true);
    await result.getByRole('button', { name: 'Dismiss' }).click();
    await result.waitFor({ state: 'detached' });
    // The same link again (used already): refused in words.
    await page.goto(`${server.url}/?verify_email=${token}`);
    await result.waitFor();
    assert.equal(await result.getAttribute('data-ok'), 'false');
    assert.match(await result.innerText(), /does not work/);
    await ctx.close();
  });
});
