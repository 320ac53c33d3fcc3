/**
 * Message text as Markdown in the browser (API v1.1 §3's subset, issue 12): each element renders, the ones left
 * out (headings, tables, images, rules) stay text, raw HTML and entities show as typed, and no link other than
 * http(s)/mailto is ever clickable, whatever Markdown trick carries it. Mentions are still styled inside
 * Markdown, and axe passes on rendered blocks and code, light and dark.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { newUser, post, type TestUser } from '../helpers/api.ts';
import { uniq } from '../helpers/wait.ts';
import { assertNoSeriousViolations } from './axe.ts';
import { DESKTOP, signedInPage, useBrowser } from './harness.ts';

describe('Markdown in messages', () => {
  const { server, browser } = useBrowser();
  let page: Page;
  let me: string;
  let bob: TestUser;
  let dialogs = 0;

  before(async () => {
    me = uniq('md');
    page = await signedInPage(browser, server.url, me, DESKTOP);
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    bob = await newUser(server.url, 'mdbob');
    await bob.api.post('/api/v1/rooms/general/join');
  });

  /** Bob posts `text` to general; returns the row of that message once the page shows it. */
  async function shown(text: string): Promise<Locator> {
    const m = await post(bob, 'general', text);
    const row = page.locator(`[data-testid="message"][data-id="${m.id}"]`);
    await row.getByTestId('message-text').waitFor();
    return row;
  }

  const xss = () => page.evaluate(() => (window as { __xss?: unknown }).__xss);

  it('renders emphasis, strong, strike, code spans, links and autolinks inline', async () => {
    const row = await shown('**strong** *em* _also em_ ~~gone~~ `a <b>code</b>` [the docs](https://example.com/docs) and https://example.org/x.');
    const text = row.getByTestId('message-text');
    assert.equal(await text.locator('strong').textContent(), 'strong');
    assert.deepEqual(await text.locator('em').allTextContents(), ['em', 'also em']);
    assert.equal(await text.locator('s').textContent(), 'gone');
    assert.equal(await text.locator('code').textContent(), 'a <b>code</b>');
    assert.equal(await text.locator('b').count(), 0, 'HTML inside a code span is text');
    const docs = text.getByRole('link', { name: 'the docs' });
    assert.equal(await docs.getAttribute('href'), 'https://example.com/docs');
    assert.equal(await docs.getAttribute('target'), '_blank');
    assert.equal(await docs.getAttribute('rel'), 'noopener noreferrer nofollow');
    assert.equal(await docs.getAttribute('title'), 'https://example.com/docs', 'a labelled link shows where it goes');
    const auto = text.getByRole('link', { name: 'https://example.org/x' });
    assert.equal(await auto.getAttribute('href'), 'https://example.org/x', 'the full stop stays outside the link');
    assert.equal(await auto.getAttribute('rel'), 'noopener noreferrer nofollow');
    // One paragraph stays inline, as plain messages always were.
    assert.equal(await text.locator('p').count(), 0);
    assert.equal(await text.textContent(), 'strong em also em gone a <b>code</b> the docs and https://example.org/x.');
  });

  it('renders quotes, lists and fenced code with highlighting; keeps line breaks', async () => {
    const src = ['> a quoted line', '', '- one', '- two', '', '1. first', '2. second', '', '```js', 'const answer = 42; // the answer', '```', 'last line', 'and the next'].join('\n');
    const row = await shown(src);
    const text = row.getByTestId('message-text');
    assert.equal(await text.locator('blockquote').textContent(), 'a quoted line');
    assert.deepEqual(await text.locator('ul > li').allTextContents(), ['one', 'two']);
    assert.deepEqual(await text.locator('ol > li').allTextContents(), ['first', 'second']);
    const code = text.locator('pre > code');
    assert.equal(await code.textContent(), 'const answer = 42; // the answer');
    assert.equal(await code.locator('.hljs-keyword').first().textContent(), 'const');
    assert.equal(await code.locator('.hljs-comment').textContent(), '// the answer');
    assert.equal(await text.locator('p').last().textContent(), 'last line\nand the next');
    // The line break shows as one: the paragraph is two lines high, not three.
    const p = text.locator('p').last();
    const lines = await p.evaluate((el) => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)));
    assert.equal(lines, 2);
  });

  it('leaves headings, tables, images, rules, indented code and entities as text', async () => {
    const src = ['# not a heading', '', '| a | b |', '|---|---|', '| 1 | 2 |', '', '![a picture](https://example.com/a.png)', '', '---', '', '    four spaces in', '', 'fish &amp; chips &lt;b&gt; <b>not bold</b>'].join('\n');
    const row = await shown(src);
    const text = row.getByTestId('message-text');
    for (const tag of ['h1', 'table', 'img', 'hr', 'b']) assert.equal(await text.locator(tag).count(), 0, `no <${tag}>`);
    assert.equal(await text.locator('pre').count(), 0, 'indented text is no code block');
    const all = (await text.textContent()) ?? '';
    assert.match(all, /# not a heading/);
    assert.match(all, /\| a \| b \|/);
    assert.match(all, /fish &amp; chips &lt;b&gt; <b>not bold<\/b>/);
    // The image syntax leaves a link to the file, never an image the page loads.
    assert.equal(await text.getByRole('link', { name: 'a picture' }).getAttribute('href'), 'https://example.com/a.png');
  });

  it('never makes a clickable link out of javascript:, data: or other schemes, and runs nothing', async () => {
    const attacks = [
      '<script>window.__xss=1</script>',
      '<img src=x onerror="window.__xss=2">',
      '[click one](javascript:window.__xss=3)',
      '[click two](JAVASCRIPT:window.__xss=4)',
      '[click three](&#106;avascript:window.__xss=5)',
      '[click four](  javascript:window.__xss=6  )',
      '[click five](data:text/html,<script>window.__xss=7</script>)',
      '[click six](vbscript:window.__xss=8)',
      '<javascript:window.__xss=9>',
      '[click seven](https://ok.example/ "x\\" onmouseover=\\"window.__xss=10")',
      '[click eight](/relative/path)',
      '[![nested](javascript:window.__xss=11)](javascript:window.__xss=12)',
      '[click nine](java\tscript:window.__xss=13)',
      '<a href="javascript:window.__xss=14">raw anchor</a>',
    ];
    const rows = [];
    for (const a of attacks) rows.push(await shown(a));
    const list = page.getByTestId('message-list');
    assert.equal(await list.locator('script, img, iframe, object, embed').count(), 0);
    assert.equal(await list.locator('[data-testid="message-text"] svg, [data-testid="message-text"] style').count(), 0);
    const hrefs = await list.locator('[data-testid="message-text"] a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    for (const h of hrefs) assert.match(h, /^(https?:|mailto:)/i, `only http(s)/mailto links: ${h}`);
    assert.equal(await list.locator('[onmouseover], [onerror], [onclick]').count(), 0);
    // A refused link stays the text that was typed, brackets and all: nothing in it is a link, a click goes nowhere.
    for (const [i, a] of attacks.entries()) {
      if (a.includes('click seven')) continue;
      const text = rows[i]!.getByTestId('message-text');
      assert.equal(await text.locator('a').count(), 0, `no link in ${a}`);
      if (a.startsWith('[click')) assert.equal(await text.textContent(), a, 'shown as typed');
      await text.click();
    }
    // The one safe link keeps its own address; its title is the title text, escaped.
    const seven = list.getByRole('link', { name: 'click seven' });
    assert.equal(await seven.getAttribute('href'), 'https://ok.example/');
    await seven.hover();
    assert.equal(await xss(), undefined);
    assert.equal(dialogs, 0);
    assert.equal(page.url().startsWith(server.url), true, 'still on the chat');
    // Raw HTML is shown as typed.
    assert.equal(await rows[0]!.getByTestId('message-text').textContent(), '<script>window.__xss=1</script>');
    assert.equal(await rows[1]!.getByTestId('message-text').textContent(), '<img src=x onerror="window.__xss=2">');
  });

  it('styles @mentions inside Markdown, but not inside code', async () => {
    const row = await shown(`**look** @${me}, not \`@${me}\``);
    const text = row.getByTestId('message-text');
    await text.locator('.mention-me').waitFor();
    assert.equal(await text.locator('.mention-me').count(), 1);
    assert.equal(await text.locator('code .mention').count(), 0);
    assert.equal(await row.getAttribute('data-mentions-me'), 'true');
  });

  it('passes axe with quotes, lists, code and links, light and dark', async () => {
    await shown('> quoted **bold** [link](https://example.com)\n\n- item `code`\n\n```python\ndef f(x):\n    return "s" + str(1)  # c\n```');
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await assertNoSeriousViolations(page, `Markdown messages (${colorScheme})`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
