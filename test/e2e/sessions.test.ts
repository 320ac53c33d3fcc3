/**
 * The "Signed-in sessions" dialog (API v1.1 §7): lists your sessions with their device and marks this one;
 * ending one signs that device out at once; "Sign out all other sessions" keeps only this one. Keyboard and
 * axe checked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, PASSWORD } from '../helpers/api.ts';
import { uniq, waitFor } from '../helpers/wait.ts';
import { assertNoSeriousViolations } from './axe.ts';
import { DESKTOP, signedInPage, useBrowser } from './harness.ts';

const FIREFOX_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0';
const SAFARI_ON_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

/** Sign `name` in from another device (a plain API client with that User-Agent). */
async function otherDevice(base: string, name: string, userAgent: string): Promise<Api> {
  const r = await new Api(base).req('POST', '/api/v1/auth/login', { username: name, password: PASSWORD }, { 'user-agent': userAgent });
  assert.equal(r.status, 200);
  return new Api(base, r.body.token);
}

describe('signed-in sessions', () => {
  const { server, browser } = useBrowser();

  it('lists this and other devices; End signs one out; Sign out all other sessions keeps only this one', async () => {
    const name = uniq('sess');
    const page = await signedInPage(browser, server.url, name, DESKTOP);
    const firefox = await otherDevice(server.url, name, FIREFOX_ON_LINUX);
    const iphone = await otherDevice(server.url, name, SAFARI_ON_IOS);

    const opener = page.getByRole('button', { name: 'Sessions' });
    await opener.focus();
    await opener.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Signed-in sessions' });
    const rows = dialog.getByTestId('session-list').locator('li');
    await waitFor(async () => (await rows.count()) === 3, 'three sessions listed');
    const texts = await rows.allInnerTexts();
    assert.match(texts[0]!, /Safari on iOS/, 'newest first');
    assert.match(texts[1]!, /Firefox on Linux/);
    assert.match(texts[2]!, /This session/);
    await assertNoSeriousViolations(page, 'sessions dialog (light)');
    await page.emulateMedia({ colorScheme: 'dark' });
    await assertNoSeriousViolations(page, 'sessions dialog (dark)');
    await page.emulateMedia({ colorScheme: 'light' });

    await dialog.getByRole('button', { name: 'End session on Firefox on Linux' }).click();
    await waitFor(async () => (await rows.count()) === 2, 'the ended session leaves the list');
    assert.equal((await firefox.get('/api/v1/me')).status, 401, 'that device is signed out');
    assert.equal((await iphone.get('/api/v1/me')).status, 200, 'the others are not');

    await dialog.getByRole('button', { name: 'Sign out all other sessions' }).click();
    await waitFor(async () => (await rows.count()) === 1, 'only this session remains');
    assert.match(await rows.first().innerText(), /This session/);
    assert.equal((await iphone.get('/api/v1/me')).status, 401);
    assert.equal(await dialog.getByRole('button', { name: 'Sign out all other sessions' }).count(), 0, 'nothing else to sign out');

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(await opener.evaluate((el) => document.activeElement === el), 'focus returns to the Sessions button');
    // This page is still signed in and works.
    assert.equal((await page.request.get(`${server.url}/api/v1/me`)).status(), 200);
    await page.context().close();
  });
});
