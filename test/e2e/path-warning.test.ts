/**
 * The stream path warning: once the stream is live, the tab holding it runs @natter/client's checkPath once;
 * behind a proxy that buffers the event stream the page says so in one line (Details lists the check's results,
 * Dismiss hides it), and the other tabs show what the holder found without checking again. Straight to Natter
 * the check passes and the page says nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { NGINX, startNginx, type Nginx } from '../helpers/nginx.ts';
import { uniq } from '../helpers/wait.ts';
import { openRoomPage, signUpInContext, useBrowser } from './harness.ts';

const isCheck = (r: Request) => new URL(r.url()).pathname === '/api/v1/events/check';

/** Waits until `page`'s path check request finished (its whole burst arrived). */
const checkDone = (page: Page) => page.waitForEvent('requestfinished', { predicate: isCheck, timeout: 20_000 });

describe('the stream path warning', () => {
  const { server, browser } = useBrowser();

  it('straight to Natter: the check runs once and the page shows no warning', async () => {
    const ctx = await browser.newContext();
    await signUpInContext(ctx, server.url, uniq('direct'));
    const page = await ctx.newPage();
    const done = checkDone(page);
    await page.goto(`${server.url}/#/r/general`);
    await done;
    await page.waitForTimeout(300);
    assert.equal(await page.getByTestId('path-warning').count(), 0);
    await ctx.close();
  });

  describe('behind nginx that buffers the check stream', { skip: NGINX ? false : 'nginx is not installed (.ci/run installs it)' }, () => {
    let proxy: Nginx;
    let ctx: BrowserContext;
    const checks: Request[] = [];
    before(async () => {
      // Everything unbuffered (the page's own stream stays live) except the check, which nginx buffers.
      proxy = await startNginx(server.url, `proxy_buffering off; proxy_read_timeout 1h;
      location /api/v1/events/check {
        proxy_pass ${server.url}; proxy_http_version 1.1;
        proxy_buffering on; proxy_ignore_headers X-Accel-Buffering;
      }`);
      ctx = await browser.newContext();
      ctx.on('request', (r) => void (isCheck(r) && checks.push(r)));
      await signUpInContext(ctx, proxy.url, uniq('proxied'));
    });
    after(async () => {
      await ctx?.close();
      await proxy?.stop();
    });

    it('shows a one-line warning with the results in a dialog, and Dismiss hides it', async () => {
      const page = await openRoomPage(ctx, proxy.url);
      const warning = page.getByTestId('path-warning');
      await warning.waitFor({ timeout: 20_000 });
      assert.match((await warning.textContent()) ?? '', /Live updates may arrive late.*Checking the stream path/);
      assert.equal(await page.getByRole('status').filter({ has: warning }).count(), 1, 'inside a status region');

      await warning.getByRole('button', { name: 'Details' }).click();
      const dialog = page.getByRole('dialog', { name: 'Stream path check' });
      await dialog.waitFor();
      assert.match((await dialog.textContent()) ?? '', /buffering: Failed.*a proxy buffers the stream/);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });

      // A second tab does not check again: it shows what the tab holding the stream found.
      const second = await openRoomPage(ctx, proxy.url);
      await second.getByTestId('path-warning').waitFor({ timeout: 10_000 });
      assert.equal(checks.length, 1, 'one check per browser page load of the stream holder');

      await warning.getByRole('button', { name: 'Dismiss' }).focus();
      await page.keyboard.press('Enter');
      await warning.waitFor({ state: 'detached' });
    });
  });
});
