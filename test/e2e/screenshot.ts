/**
 * Makes docs/screenshot.png: the main view of two people chatting, in Debian's Chromium against a real server.
 *   node --import tsx test/e2e/screenshot.ts [out.png] [--phone]
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  clickRoom,
  createRoomInPage,
  DESKTOP,
  launchBrowser,
  messageWithText,
  openRoomPage,
  sendMessage,
  signedInPage,
  signUpInContext,
  startTestServer,
  waitForMessageOnce,
} from './harness.ts';

const out = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'docs/screenshot.png';
const phone = process.argv.includes('--phone');

const server = await startTestServer();
const browser = await launchBrowser();
try {
  const ctxA = await browser.newContext(phone ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 } : DESKTOP);
  await signUpInContext(ctxA, server.url, 'maya');
  const jonas = await signedInPage(browser, server.url, 'jonas', DESKTOP);
  await createRoomInPage(jonas, 'design', { topic: 'Sketches, reviews and the new onboarding flow' });

  const maya = await openRoomPage(ctxA, server.url, 'design');
  await maya.getByRole('button', { name: 'Join #design' }).click();
  await maya.getByTestId('composer').waitFor();
  await clickRoom(jonas, 'general');
  await sendMessage(jonas, 'Deploy went out, all green 🚀');

  const lines: Array<[typeof maya, string]> = [
    [jonas, 'Morning! I pushed the new onboarding mockups.'],
    [jonas, 'Figma link: https://example.com/onboarding-v3 (page 2 is the interesting one)'],
    [maya, 'Oh nice, looking now.'],
    [maya, 'The progress dots feel much calmer than the old bar.\nCould we try the copy one size smaller?'],
    [jonas, 'Sure, I will do a pass after lunch.'],
  ];
  await clickRoom(jonas, 'design');
  for (const [page, text] of lines) {
    await sendMessage(page, text);
    await waitForMessageOnce(maya, text);
  }
  const msg = messageWithText(jonas, 'The progress dots feel much calmer than the old bar.\nCould we try the copy one size smaller?');
  await msg.hover();
  await msg.getByRole('button', { name: 'Add reaction' }).click();
  await jonas.getByRole('button', { name: 'React with 👍' }).click();
  await messageWithText(maya, 'Oh nice, looking now.').waitFor();
  await maya.locator('[data-testid="reaction"][data-emoji="👍"]').waitFor();
  const priya = await signedInPage(browser, server.url, 'priya');
  await priya.getByRole('button', { name: 'New direct message' }).click();
  await priya.getByTestId('dm-username').fill('maya');
  await priya.getByRole('button', { name: 'Start conversation' }).click();
  await priya.getByTestId('room-title').filter({ hasText: 'maya' }).waitFor();
  await sendMessage(priya, 'Lunch at 12:30?');
  await maya.locator('[data-testid="dm-list"] [data-testid="unread-badge"]').waitFor();
  await jonas.getByTestId('composer').fill('I');
  await maya.getByTestId('typing-indicator').filter({ hasText: 'jonas is typing' }).waitFor();
  await maya.locator('[data-testid="room-link"][data-room="general"].has-unread').waitFor();
  await maya.getByTestId('composer').focus();
  await mkdir(dirname(out), { recursive: true });
  await maya.mouse.move(0, 0);
  await maya.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
