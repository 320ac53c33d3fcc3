/**
 * The installable app (issue 13 item 5, first part) in Chromium against a real server: the web app manifest is
 * served and valid (names, start URL, standalone display, PNG icons of the sizes it claims), the service worker
 * registers for the whole origin, and its push handler works: a `message` push (delivered through the DevTools
 * protocol, as a push service would) shows a notification with the room, the author and the excerpt, and a
 * `close` push for that room takes it back.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { newUser, PASSWORD, type TestUser } from '../helpers/api.ts';
import { DESKTOP, useBrowser } from './harness.ts';

describe('installable app: manifest and service worker', () => {
  const { server, browser } = useBrowser();
  let alice: TestUser;
  let ctx: BrowserContext;
  let page: Page;

  before(async () => {
    alice = await newUser(server.url, 'pw');
    ctx = await browser.newContext(DESKTOP);
    await ctx.grantPermissions(['notifications'], { origin: server.url });
    const res = await ctx.request.post(`${server.url}/api/v1/auth/login`, { data: { username: alice.name, password: PASSWORD } });
    assert.equal(res.status(), 200);
    page = await ctx.newPage();
    await page.goto(`${server.url}/#/r/general`);
  });

  it('serves a valid manifest whose icons exist at the sizes it claims', async () => {
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    assert.equal(href, '/manifest.webmanifest');
    const res = await fetch(`${server.url}${href}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/manifest\+json/);
    const m = await res.json();
    assert.equal(m.name, 'Natter');
    assert.equal(m.start_url, '/');
    assert.equal(m.display, 'standalone');
    assert.match(m.theme_color, /^#[0-9a-f]{6}$/i);
    const pngs = m.icons.filter((i: any) => i.type === 'image/png');
    for (const need of ['192x192', '512x512']) assert.ok(pngs.some((i: any) => i.sizes === need && i.purpose.includes('any')), `a ${need} icon`);
    assert.ok(pngs.some((i: any) => i.purpose.includes('maskable')), 'a maskable icon');
    for (const icon of pngs) {
      const r = await fetch(`${server.url}${icon.src}`);
      assert.equal(r.status, 200, icon.src);
      const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata();
      assert.equal(`${meta.width}x${meta.height}`, icon.sizes, `${icon.src} is the size it claims`);
      assert.equal(meta.format, 'png');
    }
  });

  it('registers the service worker for the whole origin', async () => {
    const reg = await page.evaluate(async () => {
      const r = await navigator.serviceWorker.ready;
      return { scope: r.scope, script: r.active?.scriptURL };
    });
    assert.equal(reg.scope, `${server.url}/`);
    assert.equal(reg.script, `${server.url}/sw.js`);
  });

  it('a message push shows a notification (room, author, excerpt); a close push for that room takes it back', async () => {
    await page.evaluate(() => navigator.serviceWorker.ready);
    // Headless Chromium here drops about one notification with an icon in five shortly after showing it; the
    // worker's notification goes on without its icon (what it asked for is checked in push-optin.test.ts).
    const worker = ctx.serviceWorkers().find((w) => w.url() === `${server.url}/sw.js`) ?? (await ctx.waitForEvent('serviceworker'));
    await worker.evaluate(`(() => {
      const show = self.registration.showNotification.bind(self.registration);
      self.registration.showNotification = (title, options) => {
        const { icon, ...rest } = options;
        return show(title, rest);
      };
    })()`);
    const cdp = await ctx.newCDPSession(page);
    const registered = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e: any) => {
        const r = e.registrations.find((x: any) => x.scopeURL === `${server.url}/` && !x.isDeleted);
        if (r) resolve(r.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    const registrationId = await registered;
    const push = (data: unknown) => cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data: JSON.stringify(data) });
    // The page is on #general; the push is for another room, so it is shown.
    await push({
      type: 'message', tag: 'natter:design', room: 'design', room_kind: 'room', message_id: '7', seq: 7,
      author: { id: '2', username: 'bob', display_name: null }, excerpt: 'the mockups are up', reason: 'user', count: 2,
    });
    const shown = async () => page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications({ tag: 'natter:design' }))
      .map((n) => ({ title: n.title, body: n.body, data: n.data })));
    await page.waitForFunction(async () => (await (await navigator.serviceWorker.ready).getNotifications({ tag: 'natter:design' })).length === 1);
    assert.deepEqual(await shown(), [{ title: 'bob in #design', body: 'the mockups are up (2 new)', data: { room: 'design', seq: 7, message_id: '7' } }]);
    await push({ type: 'close', tag: 'natter:design', room: 'design', seq: 7 });
    await page.waitForFunction(async () => (await (await navigator.serviceWorker.ready).getNotifications({ tag: 'natter:design' })).length === 0);
  });
});
