/**
 * Bidi control characters in user text (U+202E RIGHT-TO-LEFT OVERRIDE and friends) stay inside the text that
 * carries them: an unterminated override in a message or a topic must not reverse the "(edited)" label, the
 * topic's Edit button or anything else after it on screen.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { newUser, post, type TestUser } from '../helpers/api.ts';
import { uniq } from '../helpers/wait.ts';
import { createRoomInPage, DESKTOP, messageWithText, signedInPage, useBrowser } from './harness.ts';

const RLO = '\u202E';
const LRI = '\u2066';

async function box(l: Locator) {
  const b = await l.boundingBox();
  return b ?? assert.fail('element has no box');
}

describe('bidi control characters in user text are isolated', () => {
  const { server, browser } = useBrowser();
  let page: Page;
  let other: TestUser;

  before(async () => {
    page = await signedInPage(browser, server.url, uniq('bidi'), DESKTOP);
    other = await newUser(server.url, 'rlo');
    await other.api.post('/api/v1/rooms/general/join');
  });

  it('a message with U+202E keeps the author before the time and "(edited)" after the text', async () => {
    const text = `${RLO}evil override text`;
    const m = await post(other, 'general', text);
    const r = await other.api.patch(`/api/v1/rooms/general/messages/${m.id}`, { text: `${text} ${LRI}again` });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const item = messageWithText(page, `${text} ${LRI}again`);
    await item.getByTestId('message-edited').waitFor();

    const msgText = item.getByTestId('message-text');
    const author = item.getByTestId('message-author');

    const [a, t] = [await box(author), await box(item.locator('.msg-head time'))];
    assert.ok(t.x >= a.x + a.width, `time (x=${t.x}) stays right of the author (ends at ${a.x + a.width})`);
    const [txt, ed] = [await box(msgText), await box(item.getByTestId('message-edited'))];
    assert.ok(ed.x >= txt.x + txt.width - 1, `"(edited)" (x=${ed.x}) stays right of the text (ends at ${txt.x + txt.width})`);
    assert.match((await item.getByTestId('message-edited').innerText()).trim(), /^\(edited\)$/);
    assert.equal(await msgText.evaluate((e) => getComputedStyle(e).unicodeBidi), 'isolate', 'message text is a bidi isolate');
    assert.equal(await author.evaluate((e) => getComputedStyle(e).unicodeBidi), 'isolate', 'author name is a bidi isolate');
  });

  it('a topic with U+202E keeps the Edit button after it', async () => {
    const name = uniq('bidi-room');
    await createRoomInPage(page, name, { topic: `${RLO}reversed ${LRI}topic` });
    const topic = page.getByTestId('room-topic');
    await topic.waitFor();
    const edit = page.locator('.room-topic').getByRole('button', { name: 'Edit' });
    const [tp, eb] = [await box(topic), await box(edit)];
    assert.ok(eb.x >= tp.x + tp.width - 1, `Edit (x=${eb.x}) stays right of the topic (ends at ${tp.x + tp.width})`);
    assert.equal(await topic.evaluate((e) => getComputedStyle(e).unicodeBidi), 'isolate', 'topic is a bidi isolate');
  });
});
