/**
 * Link previews in the web client (issue 12, API v1.1 §3), end to end: a tiny HTTP server on 127.0.0.1 serves
 * pages with og: tags, Natter fetches them (NATTER_FETCH_ALLOW=127.0.0.1), and the card arrives under the
 * message by `message_updated`: site name, title linking to the page, description clamped to three lines. The
 * page never loads `og:image` (the test server counts requests for it), an edit that removes the URL removes
 * the card, and axe passes on a card, light and dark.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { assertNoSeriousViolations } from './axe.ts';
import { DESKTOP, sendMessage, signedInPage, useBrowser } from './harness.ts';

// Under the server's 1000 code points, over three lines of a card.
const LONG = 'A description long enough to need clamping. '.repeat(14).trim();

/** The pages Natter will fetch; `imageHits` counts requests for the og:image, which nobody should make. */
function pageServer(): { server: Server; imageHits: () => number } {
  let hits = 0;
  const server = createServer((req, res) => {
    if (req.url === '/image.png') {
      hits++;
      res.writeHead(404).end();
      return;
    }
    const base = `http://${req.headers.host}`;
    const html =
      req.url === '/article'
        ? `<!doctype html><html><head><title>fallback title</title>
            <meta property="og:title" content="The &amp; Article Title">
            <meta property="og:description" content="${LONG}">
            <meta property="og:site_name" content="Example News">
            <meta property="og:image" content="${base}/image.png">
          </head><body>hello</body></html>`
        : `<!doctype html><html><head><title>Just a title</title><meta name="description" content="Short."></head></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  return { server, imageHits: () => hits };
}

describe('link previews', () => {
  const { server, browser } = useBrowser({ NATTER_FETCH_ALLOW: '127.0.0.1' });
  const site = pageServer();
  let origin = '';
  let page: Page;

  before(async () => {
    await new Promise<void>((resolve) => site.server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(site.server.address() as AddressInfo).port}`;
    page = await signedInPage(browser, server.url, `prev${Date.now() % 100000}`, DESKTOP);
  });
  after(() => new Promise<void>((resolve) => site.server.close(() => resolve())));

  it('shows a card with site name, linked title and a clamped description, and never loads og:image', async () => {
    const url = `${origin}/article`;
    await sendMessage(page, `read this: ${url} and ${origin}/plain`);
    const sent = page.locator('[data-testid="message"]').filter({ hasText: 'read this:' });
    await sent.waitFor();
    // By id from here on: while it is edited, the row's text is in a text box.
    const row = page.locator(`[data-testid="message"][data-id="${await sent.getAttribute('data-id')}"]`);
    const cards = row.getByTestId('preview');
    await cards.nth(1).waitFor();
    const card = cards.first();
    assert.equal(await card.getByTestId('preview-site').textContent(), 'Example News');
    const title = card.getByRole('link', { name: 'The & Article Title' });
    assert.equal(await title.getAttribute('href'), url);
    assert.equal(await title.getAttribute('target'), '_blank');
    assert.equal(await title.getAttribute('rel'), 'noopener noreferrer nofollow');
    const desc = card.getByTestId('preview-description');
    assert.equal(await desc.textContent(), LONG);
    const clamp = await desc.evaluate((el) => {
      const cs = getComputedStyle(el);
      return { lines: el.getBoundingClientRect().height / parseFloat(cs.lineHeight), clipped: el.scrollHeight > el.clientHeight + 1 };
    });
    assert.ok(clamp.lines <= 3.2 && clamp.clipped, `clamped to three lines: ${JSON.stringify(clamp)}`);
    // The fallbacks: <title> and <meta name=description>, no site name.
    const plain = cards.nth(1);
    assert.equal(await plain.getByRole('link', { name: 'Just a title' }).getAttribute('href'), `${origin}/plain`);
    assert.equal(await plain.getByTestId('preview-site').count(), 0);
    // No image is shown, so none is fetched: not by the server, not by this browser.
    assert.equal(await row.locator('[data-testid="previews"] img').count(), 0);
    assert.equal(site.imageHits(), 0);

    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await assertNoSeriousViolations(page, `a link preview (${colorScheme})`);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // An edit that drops a URL drops its card.
    await row.hover();
    await row.getByRole('button', { name: 'Edit message' }).click();
    const edit = row.getByTestId('edit-input');
    await edit.fill(`only this one now: ${url}`);
    await edit.press('Enter');
    await row.getByTestId('message-edited').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="message"] [data-testid="preview"]').length === 1);
    assert.equal(await row.getByTestId('preview-title').textContent(), 'The & Article Title');
  });
});
