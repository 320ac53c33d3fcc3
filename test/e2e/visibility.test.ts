/**
 * The page reports its visibility (API v1.1 §4, issue 13 item 5) in Chromium against a real server: after `ready`
 * the tab holding the stream posts `{"stream_id","visible":true}`; with two tabs sharing one stream, hiding one
 * changes nothing, hiding both reports hidden, showing either reports visible again. The server answers every
 * report 204 (the stream is found). Visibility is switched with the page's visibility emulation (the document's
 * visibilityState and its visibilitychange event).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { newUser, PASSWORD, type TestUser } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';
import { DESKTOP, useBrowser, waitLive } from './harness.ts';

/** Emulate the tab being hidden or shown. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  // A string, not a function: tsx would wrap the getters in a helper the page does not have.
  await page.evaluate(`(() => {
    const h = ${hidden};
    Object.defineProperty(document, 'visibilityState', { configurable: true, get() { return h ? 'hidden' : 'visible'; } });
    Object.defineProperty(document, 'hidden', { configurable: true, get() { return h; } });
    document.dispatchEvent(new Event('visibilitychange'));
  })()`);
}

describe('page visibility reports', () => {
  const { server, browser } = useBrowser();
  let alice: TestUser;
  let ctx: BrowserContext;
  const reports: { stream_id: string; visible: boolean; status: number }[] = [];

  before(async () => {
    alice = await newUser(server.url, 'vis');
    ctx = await browser.newContext(DESKTOP);
    const res = await ctx.request.post(`${server.url}/api/v1/auth/login`, { data: { username: alice.name, password: PASSWORD } });
    assert.equal(res.status(), 200);
    await ctx.route('**/api/v1/events/visibility', async (route) => {
      const response = await route.fetch();
      reports.push({ ...JSON.parse(route.request().postData() ?? '{}'), status: response.status() });
      await route.fulfill({ response });
    });
  });

  it('reports visible after ready, and follows the tabs: hidden only when no tab shows Natter', async () => {
    const first = await ctx.newPage();
    await first.goto(`${server.url}/#/r/general`);
    await waitLive(first);
    await waitFor(() => reports.length === 1, 'the report after ready');
    assert.equal(reports[0]!.visible, true);
    assert.equal(reports[0]!.status, 204, 'the server found the stream');
    const streamId = reports[0]!.stream_id;
    assert.match(streamId, /^[A-Za-z0-9_-]{16}$/);

    const second = await ctx.newPage();
    await second.goto(`${server.url}/#/r/general`);
    await waitLive(second);
    await setHidden(second, true);
    await setHidden(first, true);
    await waitFor(() => reports.some((r) => r.visible === false), 'hidden once both tabs are');
    await setHidden(second, false);
    await waitFor(() => reports.at(-1)!.visible === true, 'visible again when one tab shows');
    // Exactly these changes, each for the one shared stream, each accepted: no report for one tab of two hiding.
    assert.deepEqual(reports.map((r) => r.visible), [true, false, true]);
    assert.ok(reports.every((r) => r.stream_id === streamId && r.status === 204));
    await first.close();
    await second.close();
  });
});
