/**
 * Editing a long message: the edit box grows with its content the way the composer does, instead of being one
 * line tall because the message has no line breaks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniq } from '../helpers/wait.ts';
import { DESKTOP, sendMessage, signedInPage, useBrowser, waitForMessageOnce } from './harness.ts';

describe('the edit box', () => {
  const { server, browser } = useBrowser();

  it('grows to show all of a 1,500-character single-line message', async () => {
    const page = await signedInPage(browser, server.url, uniq('editor'), DESKTOP);
    const words = 'the quick brown fox jumps over the lazy dog and ';
    const text = words.repeat(Math.ceil(1500 / words.length)).slice(0, 1500).trim();
    assert.ok(!text.includes('\n') && text.length > 1400);
    await sendMessage(page, text);
    await waitForMessageOnce(page, text);

    await page.getByTestId('composer').press('ArrowUp');
    const edit = page.getByTestId('edit-input');
    await edit.waitFor();
    // The size is set after render: wait until it has settled on the content, then check it.
    await page.waitForFunction(() => {
      const el = document.querySelector<HTMLTextAreaElement>('[data-testid="edit-input"]');
      return !!el && el.scrollHeight <= el.clientHeight + 1;
    }, undefined, { timeout: 5_000 }).catch(() => undefined);
    const m = await edit.evaluate((el: HTMLTextAreaElement) => ({
      client: el.clientHeight,
      scroll: el.scrollHeight,
      line: parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.2,
    }));
    assert.ok(m.client >= 5 * m.line, `the box is several lines tall (${m.client}px, a line is ${m.line}px)`);
    assert.ok(m.scroll <= m.client + 1, `no hidden overflow (scrollHeight ${m.scroll} > clientHeight ${m.client})`);

    // Typing more keeps it fitting; saving still works.
    await edit.press('End');
    await edit.pressSequentially(' and then some more words at the end');
    const after = await edit.evaluate((el: HTMLTextAreaElement) => el.scrollHeight - el.clientHeight);
    assert.ok(after <= 1, `still no hidden overflow after typing (${after}px)`);
    await edit.press('Enter');
    await waitForMessageOnce(page, text + ' and then some more words at the end');
  });
});
