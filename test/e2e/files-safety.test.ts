/**
 * Files that try to run code, and the image lightbox, in Chromium against a real server (issue 12): an SVG with
 * a script and an HTML file named like a PNG are shown as download rows, and opening their URLs downloads them;
 * no script of theirs ever runs (no dialog, no request they would send). A click on an image thumbnail opens the
 * full image in a lightbox that Escape closes, giving focus back to the thumbnail.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { newUser, PASSWORD, room, type TestUser } from '../helpers/api.ts';
import { assertNoSeriousViolations } from './axe.ts';
import { clickRoom, DESKTOP, useBrowser } from './harness.ts';

/** Upload `bytes` as `name` over the API; returns the upload. */
async function upload(u: TestUser, url: string, bytes: Buffer, name: string, type: string): Promise<any> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
  const res = await fetch(`${url}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${u.token}` }, body: form });
  assert.equal(res.status, 201);
  return (await res.json()).upload;
}

describe('files that try to run code, and the lightbox', () => {
  const { server, browser } = useBrowser();
  let alice: TestUser;
  let page: Page;
  let ctx: BrowserContext;
  let name: string;
  const dialogs: string[] = [];
  const beacons: string[] = [];

  before(async () => {
    alice = await newUser(server.url, 'fs');
    name = await room(alice, 'private');
    ctx = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
    const res = await ctx.request.post(`${server.url}/api/v1/auth/login`, { data: { username: alice.name, password: PASSWORD } });
    assert.equal(res.status(), 200);
    // A script in an uploaded file would show itself by a dialog or by a request to this path.
    await ctx.route('**/pwned*', (route) => {
      beacons.push(route.request().url());
      return route.fulfill({ status: 204 });
    });
    page = await ctx.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${server.url}/#/r/${name}`);
    await clickRoom(page, name);
  });

  it('an SVG with a script and HTML named .png are download rows; opening them downloads, and nothing runs', async () => {
    const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert('svg onload');fetch('/pwned-svg')">
      <script>alert('svg script'); fetch('/pwned-svg-script');</script><circle r="40" cx="50" cy="50"/></svg>`);
    const html = Buffer.from(`<!doctype html><html><body><script>alert('html'); fetch('/pwned-html');</script>
      <img src=x onerror="alert('img');fetch('/pwned-img')"></body></html>`);
    const a = await upload(alice, server.url, svg, 'evil.svg', 'image/svg+xml');
    const b = await upload(alice, server.url, html, 'photo.png', 'image/png');
    assert.equal(a.content_type, 'application/octet-stream');
    assert.equal(b.content_type, 'application/octet-stream');
    assert.equal(a.thumbnail_url, null);
    const posted = await alice.api.post(`/api/v1/rooms/${name}/messages`, { text: 'two odd files', attachments: [a.id, b.id] });
    assert.equal(posted.status, 201);
    const msg = page.locator(`[data-testid="message"][data-id="${posted.body.message.id}"]`);
    await msg.getByTestId('attachment-file').nth(1).waitFor();
    assert.equal(await msg.getByTestId('attachment-image').count(), 0, 'neither is shown as an image');
    assert.equal(await msg.locator('img').count(), 0, 'no <img> points at them');

    // Opening each file's URL in the browser (what a click on its name does) downloads it; nothing renders.
    for (const [file, fileName] of [[a, 'evil.svg'], [b, 'photo.png']] as const) {
      const other = await ctx.newPage();
      other.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const download = other.waitForEvent('download');
      await other.goto(`${server.url}${file.url}`).catch(() => {}); // "Download is starting"
      const d = await download;
      assert.equal(d.suggestedFilename(), fileName);
      await other.close();
    }
    // The download link on the page also downloads rather than navigating.
    const download = page.waitForEvent('download');
    await msg.getByTestId('attachment-link').first().click();
    assert.equal((await download).suggestedFilename(), 'evil.svg');
    // Give a script every chance it would have had: the page must still be the chat, with no dialog or beacon.
    await page.getByRole('textbox', { name: /Message/ }).waitFor();
    assert.deepEqual(dialogs, []);
    assert.deepEqual(beacons, []);
  });

  it('a click on an image opens it in a lightbox; Escape closes it and focus returns to the thumbnail', async () => {
    const png = await sharp({ create: { width: 1600, height: 900, channels: 3, background: '#3a7bd5' } }).png().toBuffer();
    const up = await upload(alice, server.url, png, 'wide.png', 'image/png');
    const posted = await alice.api.post(`/api/v1/rooms/${name}/messages`, { text: '', attachments: [up.id] });
    const msg = page.locator(`[data-testid="message"][data-id="${posted.body.message.id}"]`);
    const opener = msg.getByTestId('attachment-open');
    await opener.waitFor();
    // The thumbnail's box is reserved before it loads: 360 wide, in proportion, for 1600×900.
    const thumb = opener.locator('img');
    assert.equal(await thumb.getAttribute('width'), '360');
    assert.ok([202, 203].includes(Number(await thumb.getAttribute('height'))), 'height reserved in proportion');
    await opener.focus();
    await page.keyboard.press('Enter');
    const box = page.getByRole('dialog', { name: 'wide.png' });
    await box.waitFor();
    const full = box.getByTestId('lightbox-image');
    assert.equal(await full.getAttribute('src'), up.url, 'the full file, not the thumbnail');
    await page.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth === 1600, await full.elementHandle());
    await box.getByText('1600 × 900').waitFor();
    await assertNoSeriousViolations(page, 'the lightbox');
    await page.keyboard.press('Escape');
    await box.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'attachment-open', 'focus back on the thumbnail');
    // A mouse click opens it too.
    await opener.click();
    await box.waitFor();
    await box.getByRole('button', { name: 'Close' }).click();
    await box.waitFor({ state: 'hidden' });
  });
});
