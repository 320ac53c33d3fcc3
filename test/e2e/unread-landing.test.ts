/**
 * Opening a room with many unread messages lands on the first unread one (the "New" line at the top), keeps
 * the room unread until its newest message was actually seen, and offers "N new messages · Jump to newest".
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { newUser, PASSWORD, post, room, type TestUser } from '../helpers/api.ts';
import { clickRoom, messageWithText, openRoomPage, useBrowser } from './harness.ts';

const READ = 10;
const UNREAD = 121;

describe('opening a room with many unread messages', () => {
  const { server, browser } = useBrowser();
  let page: Page;
  let bob: TestUser;
  let viewer: TestUser;
  let name: string;
  let scrolled: string;
  let few: string;

  const serverUnread = async (): Promise<number> => {
    const r = await viewer.api.get(`/api/v1/rooms/${name}`);
    assert.equal(r.status, 200);
    return r.body.room.unread;
  };
  const badge = () => page.locator(`[data-testid="room-link"][data-room="${name}"] [data-testid="unread-badge"]`);

  before(async () => {
    bob = await newUser(server.url, 'bob');
    viewer = await newUser(server.url, 'viewer');
    name = await room(bob, 'private', [viewer]);
    scrolled = await room(bob, 'private', [viewer]);
    few = await room(bob, 'private', [viewer]);
    // Rooms badge only mentions by default (API v1.1 §2): these rooms count every message.
    for (const r of [name, few]) assert.equal((await viewer.api.req('PUT', `/api/v1/rooms/${r}/notifications`, { level: 'all' })).status, 200);
    for (let i = 1; i <= READ; i++) await post(bob, name, `seen ${i}`);
    assert.equal((await viewer.api.post(`/api/v1/rooms/${name}/read`, { seq: READ })).status, 204);
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const login = await context.request.post(`${server.url}/api/v1/auth/login`, { data: { username: viewer.name, password: PASSWORD } });
    assert.equal(login.status(), 200);
    page = await openRoomPage(context, server.url, 'general');
    for (let i = 1; i <= UNREAD; i++) await post(bob, name, `unread ${i}`);
    for (let i = 1; i <= 80; i++) await post(bob, scrolled, `later ${i}`);
    for (let i = 1; i <= 3; i++) await post(bob, few, `few ${i}`);
    await page.locator(`[data-testid="room-link"][data-room="${name}"] [aria-label="${UNREAD} unread"]`).waitFor();
    await page.locator(`[data-testid="room-link"][data-room="${few}"] [aria-label="3 unread"]`).waitFor();
  });

  it('lands on the first unread message with the "New" line at the top, and keeps the room unread', async () => {
    await clickRoom(page, name);
    const first = messageWithText(page, 'unread 1');
    await first.waitFor();
    await page.waitForTimeout(500);
    const box = (await page.getByTestId('message-scroller').boundingBox())!;
    const msg = (await first.boundingBox())!;
    assert.ok(msg.y >= box.y && msg.y + msg.height <= box.y + box.height, `the first unread message is in view (at ${msg.y - box.y}px of ${box.height}px)`);
    const sep = page.getByTestId('new-separator');
    assert.ok(await sep.isVisible(), 'the "New" line is shown');
    const sepBox = (await sep.boundingBox())!;
    assert.ok(sepBox.y >= box.y && sepBox.y - box.y < 120, `the "New" line is near the top (at ${sepBox.y - box.y}px)`);
    assert.equal(await serverUnread(), UNREAD, 'the server still counts every message unread');
    assert.equal(await badge().getAttribute('aria-label'), `${UNREAD} unread`, 'the badge stays');
  });

  it('"Jump to newest" (from the keyboard) shows the newest message and only then marks the room read', async () => {
    const jump = page.getByRole('button', { name: /121 new messages/ });
    await jump.waitFor();
    await jump.focus();
    await page.keyboard.press('Enter');
    await messageWithText(page, `unread ${UNREAD}`).waitFor();
    const atEnd = await page.getByTestId('message-scroller').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 5);
    assert.ok(atEnd, 'scrolled to the newest message');
    await badge().waitFor({ state: 'detached' });
    for (let i = 0; i < 50 && (await serverUnread()) !== 0; i++) await page.waitForTimeout(100);
    assert.equal(await serverUnread(), 0);
    assert.equal(await jump.count(), 0, 'the bar is gone');
  });

  const unreadOf = async (r: string): Promise<number> => (await viewer.api.get(`/api/v1/rooms/${r}`)).body.room.unread;

  it('scrolling down to the newest message marks the room read', async () => {
    await clickRoom(page, scrolled);
    await messageWithText(page, 'later 1').waitFor();
    await page.getByTestId('jump-unread').waitFor();
    assert.equal(await unreadOf(scrolled), 80);
    const scroller = page.getByTestId('message-scroller');
    for (let i = 0; i < 40 && (await page.getByTestId('jump-unread').count()) > 0; i++) {
      await scroller.hover();
      await page.mouse.wheel(0, 600);
      await page.waitForTimeout(50);
    }
    await page.getByTestId('jump-unread').waitFor({ state: 'detached' });
    for (let i = 0; i < 50 && (await unreadOf(scrolled)) !== 0; i++) await page.waitForTimeout(100);
    assert.equal(await unreadOf(scrolled), 0);
  });

  it('a room whose few unread messages fit on screen opens at the newest and is read at once', async () => {
    await clickRoom(page, few);
    await messageWithText(page, 'few 3').waitFor();
    for (let i = 0; i < 50 && (await unreadOf(few)) !== 0; i++) await page.waitForTimeout(100);
    assert.equal(await unreadOf(few), 0);
    assert.equal(await page.getByTestId('jump-unread').count(), 0);
    const atEnd = await page.getByTestId('message-scroller').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 5);
    assert.ok(atEnd, 'at the newest message');
  });
});
