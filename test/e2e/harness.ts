/**
 * What only the end-to-end suites need: a real server process (test/helpers/server.ts) with the built web
 * client, Debian's Chromium driven by playwright-core, and small helpers that act and look the way a person
 * would (through the page). The API side of a test ("someone else posts while you watch") uses
 * test/helpers/api.ts; waiting on server-side facts uses test/helpers/wait.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { PASSWORD } from '../helpers/api.ts';
import { TEST_ENV } from '../helpers/server.ts';

/** The part of test/helpers/server.ts's RunningServer that these suites use. */
export interface TestServer {
  url: string;
  pid: number;
  dbPath: string;
  stop(): Promise<unknown>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  output?(): string;
}

type StartServer = (env?: Record<string, string>) => Promise<TestServer>;

/**
 * Starts a real server on a free port with a fresh database, with `env` added to its environment (e.g. a small
 * NATTER_MAX_UPLOAD). `NATTER_E2E_SERVER` may name another module exporting the same `startServer` (to run this
 * suite against a different build of the server).
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  if (!existsSync(new URL('../../web/dist/index.html', import.meta.url))) {
    throw new Error('web/dist is missing: build the web client first (npm run build:web; npm install does it too)');
  }
  const spec = process.env.NATTER_E2E_SERVER ?? '../helpers/server.ts';
  const mod = (await import(spec)) as { startServer: StartServer };
  // Limits off: a test posts faster than a person and registers many users from one IP.
  const server = await mod.startServer({ ...TEST_ENV, ...env });
  // NATTER_E2E_LOG_DIR=dir keeps each server's log (when the helper offers output()), for debugging a failure.
  const dir = process.env.NATTER_E2E_LOG_DIR;
  if (dir && server.output) {
    const file = join(dir, `natter-e2e-${process.pid}-${Date.now()}.log`);
    process.on('exit', () => writeFileSync(file, server.output?.() ?? ''));
  }
  return server;
}

/** The Chromium binary (CHROMIUM_PATH overrides). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Headless flags for a quiet, sandbox-free Chromium in a container. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium, headless. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** A desktop browser window. */
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
/** A phone: 390 px wide, touch, no hover. */
export const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/** The part of a Browser the suites use: new contexts (one per person). */
export type ContextMaker = Pick<Browser, 'newContext'>;

/**
 * One server (with `env` added to its environment) and one Chromium for the enclosing describe block: started
 * in before(), closed in after().
 * The two returned objects forward to them, so destructure freely but use them only inside hooks and tests.
 */
export function useBrowser(env: Record<string, string> = {}): { server: TestServer; browser: ContextMaker } {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  before(async () => {
    server = await startTestServer(env);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const s = (): TestServer => server ?? assert.fail('useBrowser(): the server starts in before()');
  return {
    server: {
      get url() { return s().url; },
      get pid() { return s().pid; },
      get dbPath() { return s().dbPath; },
      stop: () => s().stop(),
      kill: () => s().kill(),
      restart: () => s().restart(),
      output: () => s().output?.() ?? '',
    },
    browser: {
      newContext: (options?: BrowserContextOptions) => (browser ?? assert.fail('useBrowser(): Chromium starts in before()')).newContext(options),
    },
  };
}

/**
 * Registers through the sign-in screen of a new page, as a person would, and waits until the page is live.
 */
export async function signUpInPage(context: BrowserContext, url: string, username: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await waitLive(page);
  return page;
}

/** Registers over the context's own request API, which shares the browser's cookie jar: the page is signed in. */
export async function signUpInContext(context: BrowserContext, url: string, username: string): Promise<void> {
  const res = await context.request.post(`${url}/api/v1/auth/register`, {
    data: { username, password: PASSWORD },
  });
  if (res.status() !== 201) throw new Error(`register ${username}: ${res.status()} ${await res.text()}`);
}

/** A new context (with `options`) signed up as `username`, and a page of it open on `room`, live. */
export async function signedInPage(browser: ContextMaker, url: string, username: string, options: BrowserContextOptions = {}, room = 'general'): Promise<Page> {
  const context = await browser.newContext(options);
  await signUpInContext(context, url, username);
  return openRoomPage(context, url, room);
}

/** Creates a room through the "Create a room" dialog, as a person would, and waits until it is open. */
export async function createRoomInPage(page: Page, name: string, opts: { topic?: string; private?: boolean } = {}): Promise<void> {
  await page.getByRole('button', { name: 'Create a room' }).click();
  await page.getByLabel('Name').fill(name);
  if (opts.topic !== undefined) await page.getByLabel('Topic (optional)').fill(opts.topic);
  if (opts.private) await page.getByLabel('Private: members you add').check();
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.getByTestId('room-title').filter({ hasText: name }).waitFor();
}

/** Opens the app on a room and waits for the live stream. */
export async function openRoomPage(context: BrowserContext, url: string, room = 'general'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/#/r/${encodeURIComponent(room)}`);
  await waitLive(page);
  await waitHistoryLoaded(page);
  return page;
}

/** Waits until the open room's newest page of history is on screen. */
export async function waitHistoryLoaded(page: Page): Promise<void> {
  await page.locator('[data-testid="history-start"], [data-testid="load-older"]').first().waitFor();
}

/**
 * The live stream's state as the page knows it (`<html data-conn>`: connecting, live, reconnecting, resynced).
 * The page itself shows nothing while live, and a banner (data-testid connection-banner) while reconnecting.
 */
export function connState(page: Page): Promise<string> {
  return page.evaluate(() => document.documentElement.dataset.conn ?? '');
}

/** Waits until the live stream is in one of `states`. */
export async function waitConn(page: Page, states: string[], timeout = 15_000): Promise<void> {
  await page.waitForFunction((s) => s.includes(document.documentElement.dataset.conn ?? ''), states, { timeout });
}

/** Waits for the live stream to be live. */
export async function waitLive(page: Page): Promise<void> {
  await waitConn(page, ['live']);
}

/** Types a message into the composer and presses Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByTestId('composer');
  await box.fill(text);
  await box.press('Enter');
}

/** The rendered text of every confirmed message in the open room, top to bottom. */
export function messageTexts(page: Page): Promise<string[]> {
  return page.locator('[data-testid="message"] [data-testid="message-text"]').allTextContents();
}

/** The confirmed message whose text is exactly `text`, as a locator. */
export function messageWithText(page: Page, text: string) {
  return page.locator('[data-testid="message"]').filter({
    has: page.getByTestId('message-text').getByText(text, { exact: true }),
  });
}

/** Waits until the open room shows `text` as a confirmed message, exactly once. */
export async function waitForMessageOnce(page: Page, text: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    (t) =>
      [...document.querySelectorAll('[data-testid="message"] [data-testid="message-text"]')].filter(
        (e) => e.textContent === t,
      ).length === 1,
    text,
    { timeout },
  );
}

/** Opens a room from the sidebar, as a click. */
export async function clickRoom(page: Page, room: string): Promise<void> {
  await page.locator(`[data-testid="room-link"][data-room="${room}"]`).click();
  await page.locator('[data-testid="room-title"]').filter({ hasText: room }).waitFor();
}
