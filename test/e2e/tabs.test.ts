/**
 * One stream per browser: three tabs of one user elect a leader that holds the only EventSource and shares
 * events with the others; when the leader tab closes, another takes over from the last cursor.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ApiClient,
  launchBrowser,
  metric,
  openRoomPage,
  signUpInContext,
  startTestServer,
  uniqueName,
  waitForMessageOnce,
  waitUntil,
  type TestServer,
} from './harness.ts';

const role = (p: Page) => p.evaluate(() => document.documentElement.dataset.streamRole ?? '');

describe('three tabs, one stream', () => {
  let server: TestServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let tabs: Page[];
  let bob: ApiClient;

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    ctx = await browser.newContext();
    await signUpInContext(ctx, server.url, uniqueName('tabby'));
    bob = await ApiClient.register(server.url, uniqueName('bob'));
    tabs = [];
    for (let i = 0; i < 3; i++) tabs.push(await openRoomPage(ctx, server.url, 'general'));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the server sees exactly one open stream, and all three tabs show new messages', async () => {
    await waitUntil(async () => (await metric(server.url, 'natter_streams_open')) === 1, 'one open stream');
    const roles = await Promise.all(tabs.map(role));
    assert.deepEqual([...roles].sort(), ['follower', 'follower', 'leader']);

    await bob.post('general', 'hello, all three of you');
    for (const t of tabs) await waitForMessageOnce(t, 'hello, all three of you');
    for (const t of tabs) assert.equal(await t.getByTestId('connection-status').textContent(), 'live');
    assert.equal(await metric(server.url, 'natter_streams_open'), 1);
  });

  test('closing the leader tab keeps the others live, with nothing lost', async () => {
    const roles = await Promise.all(tabs.map(role));
    const leader = tabs[roles.indexOf('leader')]!;
    const rest = tabs.filter((t) => t !== leader);
    await leader.close();
    // Posted during the handover: the new leader resumes from the last cursor and gets it by replay.
    await bob.post('general', 'said during the handover');
    await Promise.any(rest.map((t) => t.waitForFunction(() => document.documentElement.dataset.streamRole === 'leader')));
    await bob.post('general', 'said after the handover');
    for (const t of rest) {
      await waitForMessageOnce(t, 'said during the handover');
      await waitForMessageOnce(t, 'said after the handover');
      await waitForMessageOnce(t, 'hello, all three of you');
    }
    await waitUntil(async () => (await metric(server.url, 'natter_streams_open')) === 1, 'one open stream after takeover');
    assert.deepEqual((await Promise.all(rest.map(role))).sort(), ['follower', 'leader']);
  });

  test('without Web Locks each tab keeps its own stream, and still shows everything', async () => {
    const base = await metric(server.url, 'natter_streams_open');
    const noLocks = await browser.newContext();
    await noLocks.addInitScript(() => {
      Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });
    });
    await signUpInContext(noLocks, server.url, uniqueName('oldie'));
    const pages = [await openRoomPage(noLocks, server.url), await openRoomPage(noLocks, server.url)];
    assert.deepEqual(await Promise.all(pages.map(role)), ['solo', 'solo']);
    await waitUntil(async () => (await metric(server.url, 'natter_streams_open')) === base + 2, 'one stream per tab');
    await bob.post('general', 'for the tabs without locks');
    for (const p of pages) await waitForMessageOnce(p, 'for the tabs without locks');
    await noLocks.close();
  });
});
