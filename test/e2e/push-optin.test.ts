/**
 * Desktop notifications opt-in (API v1.1 §4) in Chromium against a real server:
 * (a) loading the page asks for nothing: no permission request, no subscribe, and opening Settings does not ask
 *     either; only the switch does;
 * (b) with permission granted, the switch tries to subscribe; this machine cannot reach the browser's real push
 *     service, so the attempt fails, and the page says so plainly and leaves the switch off;
 * (c) with a stand-in for the browser vendor's push service, the switch turns on: the subscription (made with the
 *     server's VAPID key) is registered and listed, a reload posts it again quietly (same id, no permission
 *     request), and turning it off unsubscribes and deletes it on the server;
 * (d) the service worker shows nothing for a push about the room a visible, focused page shows, does for another
 *     room (and for that room when the page is hidden), and a duplicate push replaces its notification without
 *     alerting again.
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { assertNoSeriousViolations } from './axe.ts';
import { DESKTOP, signUpInContext, useBrowser, waitHistoryLoaded, waitLive } from './harness.ts';

/**
 * Counts the page's calls to Notification.requestPermission and PushManager.prototype.subscribe (in
 * `window.__pushCalls`), then lets them through. With `fake`, subscribe and getSubscription are replaced by a
 * stand-in for the browser vendor's push service, which this machine cannot reach: it returns an object with the
 * real `toJSON()` shape (an https endpoint, a real P-256 point and 16 auth bytes), remembers the key it was given,
 * and lives in sessionStorage so that a reload still finds it, as a real subscription would be found.
 * A string, not a function: tsx would wrap functions in a helper the page does not have.
 */
function initScript(fake?: { p256dh: string; auth: string }): string {
  return `(() => {
    const calls = (window.__pushCalls = { requestPermission: 0, subscribe: 0 });
    const request = Notification.requestPermission.bind(Notification);
    Notification.requestPermission = (...args) => { calls.requestPermission++; return request(...args); };
    const subscribe = PushManager.prototype.subscribe;
    PushManager.prototype.subscribe = function (...args) { calls.subscribe++; return subscribe.apply(this, args); };
    const fake = ${JSON.stringify(fake ?? null)};
    if (!fake) return;
    const KEY = 'natter-test-fake-subscription';
    const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    const made = (serverKey) => ({
      endpoint: 'https://push.example.test/x',
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey: serverKey },
      toJSON() { return { endpoint: this.endpoint, expirationTime: null, keys: { p256dh: fake.p256dh, auth: fake.auth } }; },
      unsubscribe() { sessionStorage.removeItem(KEY); return Promise.resolve(true); },
    });
    const stored = () => {
      const k = sessionStorage.getItem(KEY);
      if (k === null) return null;
      const bin = atob(k.replace(/-/g, '+').replace(/_/g, '/'));
      return made(Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer);
    };
    PushManager.prototype.subscribe = function (options) {
      calls.subscribe++;
      const key = options.applicationServerKey;
      sessionStorage.setItem(KEY, b64url(key.buffer ? key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength) : key));
      return Promise.resolve(stored());
    };
    PushManager.prototype.getSubscription = function () { return Promise.resolve(stored()); };
  })()`;
}

const calls = (page: Page) => page.evaluate('window.__pushCalls') as Promise<{ requestPermission: number; subscribe: number }>;

/** Opens Settings from the sidebar and returns the notifications switch. */
async function openSettings(page: Page) {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings', exact: true });
  await dialog.waitFor();
  const toggle = dialog.getByRole('switch', { name: 'Desktop notifications' });
  await page.waitForFunction(() => document.querySelector('[data-testid="push-status"]')?.getAttribute('data-state') !== 'checking');
  return { dialog, toggle };
}

describe('desktop notifications: opt-in in the settings', () => {
  const { server, browser } = useBrowser();
  let n = 0;

  /** A new person in a new context with `init` run before every page script, on #general, live. */
  async function person(init: string, grant: boolean): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext(DESKTOP);
    if (grant) await ctx.grantPermissions(['notifications'], { origin: server.url });
    await ctx.addInitScript(init);
    await signUpInContext(ctx, server.url, `push${process.pid % 10000}x${n++}`);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/#/r/general`);
    await waitLive(page);
    await waitHistoryLoaded(page);
    await page.evaluate('navigator.serviceWorker.ready');
    return { ctx, page };
  }

  const listed = async (ctx: BrowserContext) => {
    const res = await ctx.request.get(`${server.url}/api/v1/push/subscriptions`);
    assert.equal(res.status(), 200);
    return ((await res.json()) as { subscriptions: { id: string; endpoint: string }[] }).subscriptions;
  };

  it('(a) asks for nothing on page load; opening Settings does not ask either', async () => {
    // The page is live with its history loaded: its start-up (where a prompt on load would happen) is over.
    const { ctx, page } = await person(initScript(), false);
    assert.deepEqual(await calls(page), { requestPermission: 0, subscribe: 0 });
    assert.equal(await page.evaluate('Notification.permission'), 'default');
    const { dialog, toggle } = await openSettings(page);
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    assert.match(await dialog.getByTestId('push-status').innerText(), /^Off/);
    assert.deepEqual(await calls(page), { requestPermission: 0, subscribe: 0 });
    // Keyboard: Escape closes it and focus goes back to the Settings button.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate('document.activeElement?.textContent?.trim()'), 'Settings');
    await ctx.close();
  });

  it('(b) with permission granted, the switch tries to subscribe; the push service is unreachable here: a plain error, still off', async () => {
    const { ctx, page } = await person(initScript(), true);
    const { dialog, toggle } = await openSettings(page);
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    await toggle.focus();
    await page.keyboard.press('Space');
    const error = dialog.getByTestId('push-error');
    await error.waitFor({ timeout: 45_000 });
    assert.match(await error.innerText(), /push service/);
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    assert.match(await dialog.getByTestId('push-status').innerText(), /^Off/);
    const c = await calls(page);
    assert.equal(c.requestPermission, 1, 'asked once, on the click');
    assert.equal(c.subscribe, 1, 'tried to subscribe');
    assert.deepEqual(await listed(ctx), []);
    await assertNoSeriousViolations(page, 'Settings with a notification error');
    await ctx.close();
  });

  it('(c) with a stand-in push service the switch turns on (listed, re-posted on load) and off (deleted)', async () => {
    // The init script's subscribe() stands in for the browser vendor's push service, which this machine cannot
    // reach (see (b)); everything from there on (the server's key, the POST, the list, the DELETE) is real.
    // A real uncompressed P-256 point and 16 auth bytes, as a browser would make them.
    const ecdh = createECDH('prime256v1');
    const p256dh = ecdh.generateKeys().toString('base64url');
    const auth = randomBytes(16).toString('base64url');
    const { ctx, page } = await person(initScript({ p256dh, auth }), true);
    const posts: { status: number; id: string }[] = [];
    await ctx.route('**/api/v1/push/subscriptions', async (route) => {
      const response = await route.fetch();
      if (route.request().method() === 'POST') posts.push({ status: response.status(), id: (await response.json()).subscription?.id });
      await route.fulfill({ response });
    });
    const { dialog, toggle } = await openSettings(page);
    await toggle.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="push-switch"]')?.getAttribute('aria-checked') === 'true');
    assert.match(await dialog.getByTestId('push-status').innerText(), /^On/);
    assert.equal(await dialog.getByTestId('push-error').count(), 0);
    const subs = await listed(ctx);
    assert.equal(subs.length, 1);
    assert.equal(subs[0]!.endpoint, 'https://push.example.test/x');
    assert.deepEqual(posts, [{ status: 201, id: subs[0]!.id }]);
    // Subscribed with the server's VAPID key.
    const key = (await (await ctx.request.get(`${server.url}/api/v1/push/key`)).json()).public_key;
    assert.equal(await page.evaluate("sessionStorage.getItem('natter-test-fake-subscription')"), key);
    assert.deepEqual(await calls(page), { requestPermission: 1, subscribe: 1 });

    // A reload posts the subscription again, quietly: the server knows it (200, same id); nothing is asked.
    await page.reload();
    await waitLive(page);
    await waitFor(() => posts.length === 2, 'the re-post on load');
    assert.deepEqual(posts[1], { status: 200, id: subs[0]!.id });
    assert.deepEqual(await calls(page), { requestPermission: 0, subscribe: 0 });

    const again = await openSettings(page);
    assert.equal(await again.toggle.getAttribute('aria-checked'), 'true');
    await again.toggle.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="push-switch"]')?.getAttribute('aria-checked') === 'false');
    assert.match(await again.dialog.getByTestId('push-status').innerText(), /^Off/);
    assert.deepEqual(await listed(ctx), []);
    assert.equal(await page.evaluate("sessionStorage.getItem('natter-test-fake-subscription')"), null, 'unsubscribed in the browser');
    await ctx.close();
  });

  it('(d) the service worker shows nothing for the room a visible, focused page shows; other rooms, a hidden page, duplicates', async () => {
    const { ctx, page } = await person(initScript(), true);
    await page.bringToFront();
    const worker = ctx.serviceWorkers().find((w) => w.url() === `${server.url}/sw.js`) ?? (await ctx.waitForEvent('serviceworker'));
    // Records what the worker asks the browser to show. It also passes the notification on without its icon:
    // headless Chromium here drops about one notification with an icon in five, shortly after showing it (the
    // unchanged worker of before shows the same), which would make getNotifications() below a coin toss.
    await worker.evaluate(`(() => {
      const show = self.registration.showNotification.bind(self.registration);
      self.__shownCalls = [];
      self.registration.showNotification = (title, options) => {
        self.__shownCalls.push({ title, options });
        const { icon, ...rest } = options;
        return show(title, rest);
      };
    })()`);
    const requested = () => worker.evaluate('self.__shownCalls') as Promise<{ title: string; options: any }[] | undefined>;
    const cdp = await ctx.newCDPSession(page);
    const registered = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e: any) => {
        const r = e.registrations.find((x: any) => x.scopeURL === `${server.url}/` && !x.isDeleted);
        if (r) resolve(r.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    const registrationId = await registered;
    const push = (room: string, id: string, seq: number) => cdp.send('ServiceWorker.deliverPushMessage', {
      origin: server.url, registrationId, data: JSON.stringify({
        type: 'message', tag: `natter:${room}`, room, room_kind: 'room', message_id: id, seq,
        author: { id: '2', username: 'bob', display_name: 'Bob' }, excerpt: `news in ${room}`, reason: 'all', count: 1,
      }),
    });
    const shown = (tag: string) => page.evaluate(`navigator.serviceWorker.ready
      .then((r) => r.getNotifications({ tag: ${JSON.stringify(tag)} }))
      .then((list) => list.map((n) => ({ title: n.title, body: n.body, message_id: n.data.message_id })))`) as
      Promise<{ title: string; body: string; message_id: string }[]>;
    const calls = async () => ((await requested()) ?? assert.fail('the worker was restarted: its recorder is gone'))
      .map((c) => ({ tag: c.options.tag, id: c.options.data.message_id, renotify: c.options.renotify }));

    // On #general, visible and focused: a push for #general shows nothing; one for #design does. The page counts
    // the worker's questions (after its own listener answered them), so the #general push is known to be decided
    // before the #design one is even delivered: no waiting out a time to see that nothing appears.
    await page.evaluate(`navigator.serviceWorker.addEventListener('message', (e) => {
      if (e.data && e.data.type === 'natter:which-room') window.__asked = (window.__asked || 0) + 1;
    })`);
    await push('general', '10', 10);
    await page.waitForFunction(() => ((window as unknown as { __asked?: number }).__asked ?? 0) >= 1);
    await push('design', '11', 11);
    await waitFor(async () => (await shown('natter:design')).length === 1, 'the #design notification');
    assert.deepEqual(await shown('natter:general'), []);
    assert.deepEqual(await shown('natter:design'), [{ title: 'Bob in #design', body: 'news in design', message_id: '11' }]);
    assert.deepEqual(await calls(), [{ tag: 'natter:design', id: '11', renotify: true }]);
    assert.equal((await requested())![0]!.options.icon, '/icons/icon-192.png');

    // The same message pushed again replaces the notification without alerting; a newer one alerts.
    await push('design', '11', 11);
    await waitFor(async () => (await calls()).length === 2, 'the duplicate handled');
    await push('design', '12', 12);
    await waitFor(async () => (await shown('natter:design'))[0]?.message_id === '12', 'the newer message');
    assert.deepEqual(await calls(), [
      { tag: 'natter:design', id: '11', renotify: true },
      { tag: 'natter:design', id: '11', renotify: false },
      { tag: 'natter:design', id: '12', renotify: true },
    ]);
    assert.equal((await shown('natter:design')).length, 1);

    // The page hidden (the document's visibility, as the page reports it): #general is notified too.
    await page.evaluate(`(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get() { return 'hidden'; } });
      Object.defineProperty(document, 'hidden', { configurable: true, get() { return true; } });
      document.dispatchEvent(new Event('visibilitychange'));
    })()`);
    await push('general', '13', 13);
    await waitFor(async () => (await shown('natter:general')).length === 1, 'the #general notification while hidden');
    assert.deepEqual((await calls()).at(-1), { tag: 'natter:general', id: '13', renotify: true });
    await ctx.close();
  });
});
