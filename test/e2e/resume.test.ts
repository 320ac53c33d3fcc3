/**
 * The page survives a server restart: it says "reconnecting", then shows every message posted meanwhile exactly
 * once. Sends that fail while the server is away go out by themselves when it is back, never twice.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { newUser, post, type TestUser } from '../helpers/api.ts';
import { uniq } from '../helpers/wait.ts';
import { messageTexts, sendMessage, signedInPage, signUpInContext, useBrowser, waitConn, waitForMessageOnce, waitLive } from './harness.ts';

describe('resuming after trouble', () => {
  const { server, browser } = useBrowser();
  let page: Page;
  let bob: TestUser;
  const aliceName = uniq('alice');

  before(async () => {
    bob = await newUser(server.url, 'bob');
    page = await signedInPage(browser, server.url, aliceName);
  });

  const countOf = async (text: string) => (await messageTexts(page)).filter((t) => t === text).length;

  it('a server restart shows "reconnecting", then every message posted meanwhile exactly once', async () => {
    await post(bob, 'general', 'before the restart');
    await waitForMessageOnce(page, 'before the restart');

    await server.stop();
    await waitConn(page, ['reconnecting']);
    await page.getByTestId('connection-banner').waitFor();

    // Sending while the server is down queues the message; it goes out by itself once the server is back.
    await sendMessage(page, 'typed while the server was down');
    const queued = page.getByTestId('pending-message').filter({ hasText: 'typed while the server was down' });
    await page.locator('[data-testid="pending-message"][data-state="queued"]').filter({ hasText: 'typed while the server was down' }).waitFor();

    await server.restart();
    // Posted as soon as the server is back, most likely before the page has reconnected.
    const during = ['while you were away 1', 'while you were away 2', 'while you were away 3'];
    for (const t of during) await post(bob, 'general', t);

    await waitConn(page, ['resynced', 'live'], 20_000);
    for (const t of during) await waitForMessageOnce(page, t);
    await post(bob, 'general', 'live again');
    await waitForMessageOnce(page, 'live again');

    await waitForMessageOnce(page, 'typed while the server was down');
    await queued.waitFor({ state: 'detached' });

    const texts = await messageTexts(page);
    for (const t of ['before the restart', ...during, 'live again', 'typed while the server was down']) {
      assert.equal(texts.filter((x) => x === t).length, 1, `"${t}" shown once`);
    }
    const seqs = await page.locator('[data-testid="message"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'messages are in seq order');
    assert.equal(new Set(seqs).size, seqs.length, 'no seq twice');
  });

  it('a cursor the server cannot serve ends in reset: the page refetches and is whole and live again', async () => {
    await post(bob, 'general', 'said before the reset');
    const ctx = await browser.newContext();
    await signUpInContext(ctx, server.url, uniq('carol'));
    const carol = await ctx.newPage();
    // The first stream request carries a cursor from nowhere, as after a history purge (the page's stream sends
    // its cursor as Last-Event-ID, @natter/client's LiveEvents).
    await carol.route('**/api/v1/events*', (route) => route.continue({ headers: { ...route.request().headers(), 'last-event-id': 'no-such-cursor' } }));
    await carol.goto(`${server.url}/#/r/general`);
    await waitConn(carol, ['resynced']);
    await waitForMessageOnce(carol, 'said before the reset');
    await carol.unroute('**/api/v1/events*');
    await waitLive(carol);
    await post(bob, 'general', 'said after the reset');
    await waitForMessageOnce(carol, 'said after the reset');
    await ctx.close();
  });

  it('a page that cannot reach the API at first says so, keeps trying, and comes up live', async () => {
    const ctx = await browser.newContext();
    await signUpInContext(ctx, server.url, uniq('dave'));
    const dave = await ctx.newPage();
    let refused = 0;
    await dave.route('**/api/v1/me', (route) => (refused++ < 2 ? route.abort('connectionrefused') : route.continue()));
    await dave.goto(`${server.url}/#/r/general`);
    await dave.getByTestId('offline').waitFor();
    await waitLive(dave);
    await waitForMessageOnce(dave, 'said after the reset');
    await ctx.close();
  });

  it('a send whose answer was lost is retried without a duplicate', async () => {
    // The request reaches the server (the message is stored) but the answer never reaches the page.
    let lost = false;
    await page.route('**/api/v1/rooms/general/messages', async (route) => {
      if (lost || route.request().method() !== 'POST') return route.continue();
      lost = true;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await sendMessage(page, 'answer lost on the way back');
    const pending = page.getByTestId('pending-message').filter({ hasText: 'answer lost on the way back' });
    // The stream may deliver the stored message first; then the pending copy is replaced and no retry is needed.
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="retry-send"]') !== null ||
        [...document.querySelectorAll('[data-testid="message-text"]')].some((e) => e.textContent === 'answer lost on the way back'),
    );
    if ((await pending.getByTestId('retry-send').count()) > 0) await pending.getByTestId('retry-send').click();
    await waitForMessageOnce(page, 'answer lost on the way back');
    await pending.waitFor({ state: 'detached' });
    await page.unroute('**/api/v1/rooms/general/messages');

    const history = await bob.api.get<{ messages: { text: string }[] }>('/api/v1/rooms/general/messages?limit=200');
    assert.equal(history.body.messages.filter((m) => m.text === 'answer lost on the way back').length, 1, 'stored once');
    assert.equal(await countOf('answer lost on the way back'), 1, 'shown once');
  });
});
