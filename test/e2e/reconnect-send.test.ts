/**
 * Losing the connection, as a person sees it: nothing about the connection is shown while it is healthy; a banner
 * says so while it is down; the composer keeps working, and what you sent meanwhile goes out by itself (once, in
 * order) when the server is back. Only a send the server refuses for good stays "not sent".
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { newUser, type TestUser } from '../helpers/api.ts';
import { uniq, waitFor } from '../helpers/wait.ts';
import { messageTexts, sendMessage, signedInPage, useBrowser, waitForMessageOnce, waitLive } from './harness.ts';

describe('sending through a lost connection', () => {
  const { server, browser } = useBrowser();
  let alice: Page;
  let bob: Page;
  let carol: TestUser;

  before(async () => {
    carol = await newUser(server.url, 'carol');
    alice = await signedInPage(browser, server.url, uniq('alice'));
    bob = await signedInPage(browser, server.url, uniq('bob'));
  });

  const banner = (page: Page) => page.getByTestId('connection-banner');
  const pendingWith = (page: Page, text: string) => page.getByTestId('pending-message').filter({ hasText: text });

  /** How many stored messages of #general have exactly this text (over the API, as another user). */
  const storedCount = async (text: string) => {
    const r = await carol.api.get<{ messages: { text: string; seq: number }[] }>('/api/v1/rooms/general/messages?limit=200');
    assert.equal(r.status, 200);
    return r.body.messages.filter((m) => m.text === text).length;
  };

  /** The contrast ratio (WCAG) of the banner's text colour on its background. */
  const contrast = async (page: Page) => {
    const colours = await banner(page).evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
    const lum = (c: string) => {
      const [r = 0, g = 0, b = 0] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
        const x = Number(v) / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [hi, lo] = colours.map(lum).sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  };

  /** Waits until the page is live again and its banner is gone. */
  const backLive = async (page: Page) => {
    await banner(page).waitFor({ state: 'detached', timeout: 30_000 });
    await waitLive(page);
  };

  it('shows nothing while healthy, a banner while the server is down, and nothing again once it is back', async () => {
    const dark = await signedInPage(browser, server.url, uniq('dana'), { colorScheme: 'dark' });
    assert.equal(await banner(alice).count(), 0, 'no banner while live');
    assert.equal(await alice.getByTestId('connection-status').count(), 0, 'no status pill while live');
    assert.equal(await alice.getByText('live', { exact: true }).count(), 0, 'no "live" word on the page');

    await server.stop();
    await banner(alice).waitFor();
    assert.equal(await alice.getByRole('status').filter({ has: banner(alice) }).count(), 1, 'inside a polite live region');
    assert.match((await banner(alice).textContent()) ?? '', /Reconnecting/);
    assert.match((await banner(alice).textContent()) ?? '', /delivered when the connection is back/);
    assert.ok(await alice.getByTestId('composer').isEditable(), 'the composer stays usable');
    // Readable in light and dark mode: the text has at least 4.5:1 contrast on the banner.
    await banner(dark).waitFor();
    for (const p of [alice, dark]) assert.ok((await contrast(p)) >= 4.5, `contrast ${await contrast(p)}`);
    // Keyboard: "Retry now" is a button you can press; the banner stays while the server is still down.
    await alice.getByRole('button', { name: 'Retry now' }).focus();
    await alice.keyboard.press('Enter');
    await banner(alice).waitFor();

    await server.restart();
    await backLive(alice);
    await backLive(dark);
    assert.equal(await banner(alice).count(), 0);
    await dark.context().close();
  });

  it('messages written while the server is down wait, then go out once and in order for everyone', async () => {
    const first = uniq('queued first');
    const second = uniq('queued second');
    await server.stop();
    await banner(alice).waitFor();

    await sendMessage(alice, first);
    await sendMessage(alice, second);
    await alice.locator('[data-testid="pending-message"][data-state="queued"]').filter({ hasText: first }).waitFor();
    await pendingWith(alice, second).waitFor();
    assert.equal(await alice.getByTestId('retry-send').count(), 0, 'a send that can still succeed is not "not sent"');
    assert.equal(await alice.getByText('not sent').count(), 0);

    await server.restart();
    await backLive(alice);
    for (const p of [alice, bob]) {
      await waitForMessageOnce(p, first);
      await waitForMessageOnce(p, second);
    }
    await pendingWith(alice, first).waitFor({ state: 'detached' });
    await pendingWith(alice, second).waitFor({ state: 'detached' });
    assert.equal(await storedCount(first), 1, 'stored once');
    assert.equal(await storedCount(second), 1, 'stored once');
    const texts = await messageTexts(bob);
    assert.ok(texts.indexOf(first) < texts.indexOf(second), 'in the order they were written');
  });

  it('a send that failed before the stream noticed the server was gone is retried by itself, once', async () => {
    const text = uniq('sent as the server died');
    let killed = false;
    await alice.route('**/api/v1/rooms/general/messages', async (route) => {
      if (killed || route.request().method() !== 'POST') return route.continue();
      killed = true;
      await server.kill();
      await route.continue().catch(() => {});
    });
    await sendMessage(alice, text);
    await pendingWith(alice, text).waitFor();
    await banner(alice).waitFor();
    await alice.unroute('**/api/v1/rooms/general/messages');

    await server.restart();
    await backLive(alice);
    await waitForMessageOnce(alice, text);
    await waitForMessageOnce(bob, text);
    await pendingWith(alice, text).waitFor({ state: 'detached' });
    assert.equal(await storedCount(text), 1, 'stored once');
  });

  it('a send whose connection hangs gives up after a while and goes out again, once', async () => {
    const text = uniq('hung send');
    let held = false;
    await alice.route('**/api/v1/rooms/general/messages', async (route) => {
      if (held || route.request().method() !== 'POST') return route.continue();
      held = true; // never answered: the page must give up on it by itself
    });
    await sendMessage(alice, text);
    await alice.locator('[data-testid="pending-message"][data-state="sending"]').filter({ hasText: text }).waitFor();
    await waitForMessageOnce(alice, text, 40_000);
    await waitForMessageOnce(bob, text);
    await alice.unroute('**/api/v1/rooms/general/messages');
    assert.equal(await storedCount(text), 1, 'stored once');
  });

  it('a send stored just before the server died is not posted twice when it is retried', async () => {
    const text = uniq('stored then died');
    let done = false;
    await alice.route('**/api/v1/rooms/general/messages', async (route) => {
      if (done || route.request().method() !== 'POST') return route.continue();
      done = true;
      await route.fetch(); // the server stores it
      await server.kill(); // and dies before the page hears back
      await route.abort('connectionreset');
    });
    await sendMessage(alice, text);
    await banner(alice).waitFor();
    await alice.unroute('**/api/v1/rooms/general/messages');

    await server.restart();
    await backLive(alice);
    await waitForMessageOnce(alice, text);
    await waitForMessageOnce(bob, text);
    await pendingWith(alice, text).waitFor({ state: 'detached' });
    assert.equal(await storedCount(text), 1, 'stored once');
  });

  it('a send answered 503 is tried again with backoff, and what waits survives a reload of the page', async () => {
    const text = uniq('survives a reload');
    const route = '**/api/v1/rooms/general/messages';
    let tries = 0;
    await alice.route(route, (r) => {
      if (r.request().method() !== 'POST') return r.continue();
      tries++;
      return r.fulfill({ status: 503, json: { error: { code: 'unavailable', message: 'The server is restarting.' } } });
    });
    await sendMessage(alice, text);
    await alice.locator('[data-testid="pending-message"][data-state="queued"]').filter({ hasText: text }).waitFor();
    await waitFor(() => tries >= 2, 'a second try after the first 503');
    assert.equal(await alice.getByText('not sent').count(), 0, 'a 503 is not "not sent"');

    await alice.reload();
    await waitLive(alice);
    await pendingWith(alice, text).waitFor();
    await alice.unroute(route);
    await waitForMessageOnce(alice, text, 30_000);
    await waitForMessageOnce(bob, text);
    await pendingWith(alice, text).waitFor({ state: 'detached' });
    assert.equal(await storedCount(text), 1, 'stored once');
  });

  it('a send the server refuses stays "not sent" with a plain reason, Retry and Discard', async () => {
    const text = uniq('bell') + ' \u0007 ring';
    await sendMessage(alice, text);
    const p = alice.locator('[data-testid="pending-message"][data-state="failed"]');
    await p.waitFor();
    assert.match((await p.textContent()) ?? '', /not sent/);
    assert.match((await p.getByRole('alert').textContent()) ?? '', /control characters/i);
    await p.getByRole('button', { name: 'Retry' }).waitFor();
    await p.getByRole('button', { name: 'Discard' }).click();
    await p.waitFor({ state: 'detached' });
    assert.equal(await banner(alice).count(), 0, 'a refused send is not a connection problem');
  });
});
