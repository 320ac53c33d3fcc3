/**
 * Files in the web client (issue 12, API v1.1 §3), against a real server: attaching with the paperclip shows a
 * progress bar per file and a removable chip; Send posts the files with the text; an image shows as its
 * thumbnail at the right size and links to the file, any other file as a download row. Removing a chip cancels
 * the upload or deletes it on the server; a file over the limit says the limit in words; paste and drop attach
 * too; the whole flow works from the keyboard; edits may empty the text; deleting the message hides its files;
 * axe passes on the chips and on a message with files, light and dark.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { newUser, PASSWORD, room, type TestUser } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';
import { assertNoSeriousViolations } from './axe.ts';
import { clickRoom, DESKTOP, openRoomPage, useBrowser } from './harness.ts';

/** The server's limit in these tests: 1 MiB, so "1 MB" in words. */
const MAX_UPLOAD = 1024 * 1024;

async function logIn(ctx: BrowserContext, url: string, u: TestUser): Promise<void> {
  const res = await ctx.request.post(`${url}/api/v1/auth/login`, { data: { username: u.name, password: PASSWORD } });
  assert.equal(res.status(), 200, `login ${u.name}: ${res.status()}`);
}

/** A real PNG of `width`×`height` (noise, so it does not compress to nothing and takes a moment to upload). */
async function png(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919 + (i >> 5) * 104729) & 0xff;
  return sharp(raw, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
}

async function axeBothSchemes(page: Page, what: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await assertNoSeriousViolations(page, `${what} (${colorScheme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

describe('uploads and attachments', () => {
  const { server, browser } = useBrowser({ NATTER_MAX_UPLOAD: String(MAX_UPLOAD), NATTER_UPLOAD_RATE: '0' });
  let alice: TestUser;
  let bob: TestUser;
  let page: Page;
  let ctx: BrowserContext;
  let picture: Buffer;
  const notes = { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('meeting notes\n'.repeat(100)) };

  const chips = (): Locator => page.getByTestId('upload-chip');
  const chip = (name: string): Locator => page.locator(`[data-testid="upload-chip"][data-name="${name}"]`);
  const messageById = (p: Page, id: string): Locator => p.locator(`[data-testid="message"][data-id="${id}"]`);

  /** A fresh private room of Alice's with Bob in it, open on Alice's page. */
  async function freshRoom(): Promise<string> {
    const name = await room(alice, 'private', [bob]);
    await page.locator(`[data-testid="room-link"][data-room="${name}"]`).waitFor();
    await clickRoom(page, name);
    return name;
  }

  /**
   * The room's newest stored message, once there is one: the chips leave the composer when a send starts, and the
   * POST is answered (and the message readable) only once it is durable, so a read right after the chips went can
   * still find the fresh room empty.
   */
  async function newest(roomName: string): Promise<any> {
    return waitFor(async () => (await alice.api.get(`/api/v1/rooms/${roomName}/messages?limit=1`)).body.messages.at(-1), `a stored message in ${roomName}`);
  }

  before(async () => {
    alice = await newUser(server.url, 'up');
    bob = await newUser(server.url, 'bob');
    picture = await png(800, 400);
    ctx = await browser.newContext(DESKTOP);
    await logIn(ctx, server.url, alice);
    page = await openRoomPage(ctx, server.url, 'general');
  });

  it('attaches with the paperclip: a progress bar while uploading, then Send shows a thumbnail and a download row', async () => {
    const name = await freshRoom();
    // Slow uploads down so the progress bar is seen moving (Chromium's own network throttling, no fake server).
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    try {
      await page.getByTestId('file-input').setInputFiles([{ name: 'picture.png', mimeType: 'image/png', buffer: picture }, notes]);
      const bar = chip('picture.png').getByRole('progressbar', { name: 'Uploading picture.png' });
      await bar.waitFor();
      await page.waitForFunction(() => {
        const p = document.querySelector<HTMLProgressElement>('[data-name="picture.png"] progress');
        return !!p && p.value > 0 && p.value < p.max;
      });
      assert.equal(await bar.getAttribute('max'), String(picture.length));
      assert.equal(await page.getByRole('button', { name: 'Send message' }).isDisabled(), true, 'Send waits for the uploads');
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
    await page.locator('[data-testid="upload-chip"][data-state="ready"]').nth(1).waitFor();
    assert.equal(await chips().count(), 2);
    await chip('picture.png').locator('img.chip-thumb').waitFor();

    await page.getByTestId('composer').fill('the plan, and a picture');
    await page.getByRole('button', { name: 'Send message' }).click();
    await chips().first().waitFor({ state: 'detached' });
    const m = await newest(name);
    assert.equal(m.text, 'the plan, and a picture');
    assert.deepEqual(m.attachments.map((a: any) => a.name), ['picture.png', 'notes.txt']);

    const row = messageById(page, m.id);
    const img = row.getByRole('img', { name: 'picture.png' });
    await img.waitFor();
    // 800×400 fitted into 360×240.
    assert.deepEqual([await img.getAttribute('width'), await img.getAttribute('height')], ['360', '180']);
    assert.equal(await img.getAttribute('loading'), 'lazy');
    assert.equal(await img.getAttribute('src'), m.attachments[0].thumbnail_url);
    await page.waitForFunction((id) => (document.querySelector(`[data-id="${id}"] .att-image img`) as HTMLImageElement | null)?.naturalWidth === 800, m.id);
    const open = row.getByRole('link', { name: 'picture.png' });
    assert.equal(await open.getAttribute('href'), m.attachments[0].url);
    assert.equal(await open.getAttribute('target'), '_blank');

    const file = row.getByTestId('attachment-file');
    const link = file.getByRole('link', { name: 'notes.txt' });
    assert.equal(await link.getAttribute('href'), m.attachments[1].url);
    assert.equal(await link.getAttribute('download'), 'notes.txt');
    assert.equal(await file.locator('.att-file-size').textContent(), '1.4 KB');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'notes.txt');

    // Bob, a member of the room, sees the same.
    const bctx = await browser.newContext(DESKTOP);
    await logIn(bctx, server.url, bob);
    const bobPage = await openRoomPage(bctx, server.url, name);
    await bobPage.waitForFunction((id) => (document.querySelector(`[data-id="${id}"] .att-image img`) as HTMLImageElement | null)?.naturalWidth === 800, m.id);
    await messageById(bobPage, m.id).getByRole('link', { name: 'notes.txt' }).waitFor();
    await bctx.close();
  });

  it('removing a chip deletes the upload on the server, and cancelling one in progress aborts it', async () => {
    await freshRoom();
    await page.getByTestId('file-input').setInputFiles([notes]);
    await chip('notes.txt').and(page.locator('[data-state="ready"]')).waitFor();
    const [del] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().includes('/api/v1/uploads/')),
      chip('notes.txt').getByRole('button', { name: /^Remove notes\.txt/ }).click(),
    ]);
    assert.equal(del.status(), 204);
    assert.equal(await chips().count(), 0);
    const id = del.url().split('/').pop()!;
    assert.equal((await alice.api.get(`/api/v1/files/${id}`)).status, 404, 'the removed upload is gone');

    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 16 * 1024 });
    try {
      await page.getByTestId('file-input').setInputFiles([{ name: 'big.png', mimeType: 'image/png', buffer: picture }]);
      const cancel = chip('big.png').getByRole('button', { name: /^Cancel upload of big\.png/ });
      await cancel.waitFor();
      const failed = page.waitForEvent('requestfailed', (r) => r.url().endsWith('/api/v1/uploads'));
      await cancel.click();
      await failed;
      assert.equal(await chips().count(), 0);
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
  });

  it('a file over the server limit says so in words, and sends nothing', async () => {
    await freshRoom();
    let uploads = 0;
    const count = (r: { url(): string; method(): string }) => void (r.method() === 'POST' && r.url().endsWith('/api/v1/uploads') && uploads++);
    page.on('request', count);
    await page.getByTestId('file-input').setInputFiles([{ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(MAX_UPLOAD + 1) }]);
    const error = chip('huge.bin').getByTestId('upload-error');
    await error.waitFor();
    assert.equal(await error.textContent(), "That file is larger than the server's limit of 1 MB.");
    assert.equal(await error.getAttribute('role'), 'alert');
    page.off('request', count);
    assert.equal(uploads, 0);
    assert.equal(await page.getByRole('button', { name: 'Send message' }).isDisabled(), true, 'nothing to send');
    await chip('huge.bin').getByRole('button', { name: /^Remove huge\.bin/ }).click();
    assert.equal(await chips().count(), 0);
  });

  it('pasting an image and dropping files on the room attach them', async () => {
    const name = await freshRoom();
    const small = await png(40, 30);
    await page.getByTestId('composer').focus();
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
      document.getElementById('composer')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, small.toString('base64'));
    await chip('pasted.png').and(page.locator('[data-state="ready"]')).waitFor();

    // Dragging files over the room shows where to drop them; dropping attaches them.
    const dt = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File(['dropped text'], 'dropped.txt', { type: 'text/plain' }));
      return d;
    });
    const roomArea = page.locator('section.room');
    await roomArea.dispatchEvent('dragenter', { dataTransfer: dt });
    await page.getByTestId('drop-overlay').waitFor();
    await roomArea.dispatchEvent('dragover', { dataTransfer: dt });
    await roomArea.dispatchEvent('drop', { dataTransfer: dt });
    await page.getByTestId('drop-overlay').waitFor({ state: 'detached' });
    await chip('dropped.txt').and(page.locator('[data-state="ready"]')).waitFor();

    // Files alone make a message: the text may be empty.
    await page.getByTestId('composer').press('Enter');
    await chips().first().waitFor({ state: 'detached' });
    const m = await newest(name);
    assert.equal(m.text, '');
    assert.deepEqual(m.attachments.map((a: any) => a.name), ['pasted.png', 'dropped.txt']);
    const row = messageById(page, m.id);
    const img = row.getByRole('img', { name: 'pasted.png' });
    await img.waitFor();
    assert.deepEqual([await img.getAttribute('width'), await img.getAttribute('height')], ['40', '30'], 'small images are never enlarged');
    // Replying to it quotes "files", not an empty line.
    await row.hover();
    await row.getByRole('button', { name: 'Reply' }).click();
    assert.match((await page.getByTestId('reply-preview').textContent()) ?? '', /files/);
    await page.getByRole('button', { name: 'Cancel reply' }).click();
  });

  it('works from the keyboard alone: attach, remove a chip, send', async () => {
    const name = await freshRoom();
    const box = page.getByTestId('composer');
    await box.focus();
    await page.keyboard.type('two files from the keyboard');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Attach files');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
    assert.equal(chooser.isMultiple(), true);
    await chooser.setFiles([notes, { name: 'extra.txt', mimeType: 'text/plain', buffer: Buffer.from('extra') }, { name: 'third.txt', mimeType: 'text/plain', buffer: Buffer.from('3') }]);
    await page.locator('[data-testid="upload-chip"][data-state="ready"]').nth(2).waitFor();
    // Back through the message box to the chips' buttons (they sit above the box).
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'composer');
    await page.keyboard.press('Shift+Tab');
    assert.match((await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))) ?? '', /^Remove third\.txt/);
    await page.keyboard.press('Shift+Tab');
    assert.match((await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))) ?? '', /^Remove extra\.txt/);
    await page.keyboard.press('Enter');
    await chip('extra.txt').waitFor({ state: 'detached' });
    // Focus moves on to the next chip's button, not to the top of the page.
    assert.match((await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))) ?? '', /^Remove third\.txt/);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'composer');
    await page.keyboard.press('Enter');
    await chips().first().waitFor({ state: 'detached' });
    const m = await newest(name);
    assert.equal(m.text, 'two files from the keyboard');
    assert.deepEqual(m.attachments.map((a: any) => a.name), ['notes.txt', 'third.txt']);
    await messageById(page, m.id).getByRole('link', { name: 'third.txt' }).waitFor();
  });

  it('an edit may empty the text of a message with files; deleting it hides them', async () => {
    const name = await freshRoom();
    await page.getByTestId('file-input').setInputFiles([notes]);
    await chip('notes.txt').and(page.locator('[data-state="ready"]')).waitFor();
    await page.getByTestId('composer').fill('text to remove later');
    await page.getByTestId('composer').press('Enter');
    await chips().first().waitFor({ state: 'detached' });
    const m = await newest(name);
    const row = messageById(page, m.id);
    await row.getByRole('link', { name: 'notes.txt' }).waitFor();
    await row.hover();
    await row.getByRole('button', { name: 'Edit message' }).click();
    const edit = row.getByTestId('edit-input');
    await edit.fill('');
    await edit.press('Enter');
    await row.getByTestId('message-edited').waitFor();
    assert.equal(await row.getByTestId('message-text').count(), 0, 'no text left');
    assert.equal((await newest(name)).text, '');
    await row.getByRole('link', { name: 'notes.txt' }).waitFor();

    await row.hover();
    await row.getByRole('button', { name: 'Delete message' }).click();
    await row.getByRole('button', { name: 'Delete?' }).click();
    await row.getByTestId('message-deleted').waitFor();
    assert.equal(await row.getByTestId('attachments').count(), 0);
    assert.equal((await alice.api.get(m.attachments[0].url)).status, 404, 'the file is gone with its message');
  });

  it('passes axe with chips in the composer and a message with files, light and dark', async () => {
    await freshRoom();
    await page.getByTestId('file-input').setInputFiles([{ name: 'picture.png', mimeType: 'image/png', buffer: picture }, notes]);
    await page.locator('[data-testid="upload-chip"][data-state="ready"]').nth(1).waitFor();
    await page.getByTestId('composer').press('Enter');
    await chips().first().waitFor({ state: 'detached' });
    await page.locator('[data-testid="message"] .att-image img').waitFor();
    // The composer with a ready chip and a failed one.
    await page.getByTestId('file-input').setInputFiles([notes, { name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(MAX_UPLOAD + 1) }]);
    await chip('huge.bin').getByTestId('upload-error').waitFor();
    await chip('notes.txt').and(page.locator('[data-state="ready"]')).waitFor();
    await axeBothSchemes(page, 'chips and a message with files');
  });
});

describe('uploads where they are not allowed', () => {
  const { server, browser } = useBrowser({ NATTER_UPLOADS: '0' });

  it('a server with uploads off shows no paperclip', async () => {
    const u = await newUser(server.url, 'noup');
    const ctx = await browser.newContext(DESKTOP);
    await logIn(ctx, server.url, u);
    const page = await ctx.newPage();
    const info = page.waitForResponse((r) => r.url().endsWith('/api/v1/server'));
    await page.goto(`${server.url}/#/r/general`);
    assert.equal((await (await info).json()).uploads, false);
    await page.getByTestId('composer').waitFor();
    assert.equal(await page.getByTestId('attach-button').count(), 0);
    await ctx.close();
  });
});

describe('guests', () => {
  const { server, browser } = useBrowser();

  it('a guest sees no paperclip (guests may not upload)', async () => {
    const member = await browser.newContext(DESKTOP);
    const u = await newUser(server.url, 'member');
    await logIn(member, server.url, u);
    const mp = await openRoomPage(member, server.url, 'general');
    await mp.getByTestId('attach-button').waitFor();
    await member.close();

    const ctx = await browser.newContext(DESKTOP);
    const res = await ctx.request.post(`${server.url}/api/v1/auth/guest`, { data: { username: `guest${Date.now() % 100000}` } });
    assert.equal(res.status(), 201, await res.text());
    const page = await ctx.newPage();
    const info = page.waitForResponse((r) => r.url().endsWith('/api/v1/server'));
    await page.goto(`${server.url}/#/r/general`);
    assert.equal((await (await info).json()).uploads, true);
    await page.getByTestId('composer').waitFor();
    assert.equal(await page.getByTestId('attach-button').count(), 0);
    await ctx.close();
  });
});
