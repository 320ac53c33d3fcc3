/**
 * One stream per browser: three tabs of one user elect a leader that holds the only event stream and shares
 * events with the others; when the leader tab closes, another takes over from the last cursor.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { newUser, post, type TestUser } from '../helpers/api.ts';
import { metric } from '../helpers/metrics.ts';
import { uniq, waitFor } from '../helpers/wait.ts';
import { connState, openRoomPage, signUpInContext, useBrowser, waitForMessageOnce } from './harness.ts';

const role = (p: Page) => p.evaluate(() => document.documentElement.dataset.streamRole ?? '');

describe('three tabs, one stream', () => {
  const { server, browser } = useBrowser();
  let ctx: BrowserContext;
  let tabs: Page[];
  let bob: TestUser;

  before(async () => {
    ctx = await browser.newContext();
    await signUpInContext(ctx, server.url, uniq('tabby'));
    bob = await newUser(server.url, 'bob');
    tabs = [];
    for (let i = 0; i < 3; i++) tabs.push(await openRoomPage(ctx, server.url, 'general'));
  });

  it('the server sees exactly one open stream, and all three tabs show new messages', async () => {
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === 1, 'one open stream', 15_000);
    const roles = await Promise.all(tabs.map(role));
    assert.deepEqual([...roles].sort(), ['follower', 'follower', 'leader']);

    await post(bob, 'general', 'hello, all three of you');
    for (const t of tabs) await waitForMessageOnce(t, 'hello, all three of you');
    for (const t of tabs) assert.equal(await connState(t), 'live');
    assert.equal(await metric(server.url, 'natter_streams_open'), 1);
  });

  it('closing the leader tab keeps the others live, with nothing lost', async () => {
    const roles = await Promise.all(tabs.map(role));
    const leader = tabs[roles.indexOf('leader')]!;
    const rest = tabs.filter((t) => t !== leader);
    await leader.close();
    // Posted during the handover: the new leader resumes from the last cursor and gets it by replay.
    await post(bob, 'general', 'said during the handover');
    await Promise.any(rest.map((t) => t.waitForFunction(() => document.documentElement.dataset.streamRole === 'leader')));
    await post(bob, 'general', 'said after the handover');
    for (const t of rest) {
      await waitForMessageOnce(t, 'said during the handover');
      await waitForMessageOnce(t, 'said after the handover');
      await waitForMessageOnce(t, 'hello, all three of you');
    }
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === 1, 'one open stream after takeover', 15_000);
    assert.deepEqual((await Promise.all(rest.map(role))).sort(), ['follower', 'leader']);
  });

  it('without Web Locks each tab keeps its own stream, and still shows everything', async () => {
    const base = await metric(server.url, 'natter_streams_open');
    const noLocks = await browser.newContext();
    await noLocks.addInitScript(() => {
      Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });
    });
    await signUpInContext(noLocks, server.url, uniq('oldie'));
    const pages = [await openRoomPage(noLocks, server.url), await openRoomPage(noLocks, server.url)];
    assert.deepEqual(await Promise.all(pages.map(role)), ['solo', 'solo']);
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === base + 2, 'one stream per tab', 15_000);
    await post(bob, 'general', 'for the tabs without locks');
    for (const p of pages) await waitForMessageOnce(p, 'for the tabs without locks');
    await noLocks.close();
  });
});
