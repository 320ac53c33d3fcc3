/**
 * The web client's one stream per browser is @natter/client/browser's shared stream: three tabs of one context
 * open exactly one `GET /api/v1/events` between them (a fetch, counted in the browser and on the server), all
 * three show a live message, and when the leader tab closes another tab resumes with `Last-Event-ID` (a header:
 * the library's LiveEvents) so a message posted right after the close shows in the remaining tabs.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { newUser, post, type TestUser } from '../helpers/api.ts';
import { metric } from '../helpers/metrics.ts';
import { uniq, waitFor } from '../helpers/wait.ts';
import { openRoomPage, signUpInContext, useBrowser, waitForMessageOnce } from './harness.ts';

const role = (p: Page) => p.evaluate(() => document.documentElement.dataset.streamRole ?? '');
const isStream = (r: Request) => new URL(r.url()).pathname === '/api/v1/events';

describe('the shared stream of @natter/client/browser', () => {
  const { server, browser } = useBrowser();
  let ctx: BrowserContext;
  let tabs: Page[];
  let bob: TestUser;
  const streams: Request[] = [];
  const ended = new Set<Request>();
  // A closed tab's request ends with the tab (Playwright reports no finish for it).
  const open = () => streams.filter((r) => !ended.has(r) && !r.frame().page().isClosed()).length;

  before(async () => {
    ctx = await browser.newContext();
    ctx.on('request', (r) => void (isStream(r) && streams.push(r)));
    ctx.on('requestfinished', (r) => void ended.add(r));
    ctx.on('requestfailed', (r) => void ended.add(r));
    await signUpInContext(ctx, server.url, uniq('libtab'));
    bob = await newUser(server.url, 'bob');
    tabs = [];
    for (let i = 0; i < 3; i++) tabs.push(await openRoomPage(ctx, server.url, 'general'));
  });

  it('three tabs open one stream (a fetch) between them, and all three show a live message', async () => {
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === 1, 'one stream on the server', 15_000);
    assert.equal(open(), 1, 'one /api/v1/events request open in the browser');
    assert.equal(streams.length, 1, 'only one was ever made');
    assert.equal(streams[0]!.resourceType(), 'fetch');
    assert.deepEqual((await Promise.all(tabs.map(role))).sort(), ['follower', 'follower', 'leader']);

    await post(bob, 'general', 'one stream, three tabs');
    for (const t of tabs) await waitForMessageOnce(t, 'one stream, three tabs');
  });

  it('closing the leader hands the stream to another tab, which resumes with Last-Event-ID and loses nothing', async () => {
    const roles = await Promise.all(tabs.map(role));
    const leader = tabs[roles.indexOf('leader')]!;
    const rest = tabs.filter((t) => t !== leader);
    const before = streams.length;
    await leader.close();
    await post(bob, 'general', 'posted right after the leader closed');
    for (const t of rest) await waitForMessageOnce(t, 'posted right after the leader closed');

    await waitFor(() => streams.length > before, 'a new stream request');
    const takeover = streams[before]!;
    assert.match((await takeover.allHeaders())['last-event-id'] ?? '', /^\d+-\w+$/, 'resumed from the last cursor');
    await waitFor(() => open() === 1, 'one stream open in the browser again', 15_000);
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === 1, 'one stream on the server again', 15_000);
    assert.deepEqual((await Promise.all(rest.map(role))).sort(), ['follower', 'leader']);

    await post(bob, 'general', 'and the next one too');
    for (const t of rest) await waitForMessageOnce(t, 'and the next one too');
    for (const t of rest) await waitForMessageOnce(t, 'one stream, three tabs');
  });
});
