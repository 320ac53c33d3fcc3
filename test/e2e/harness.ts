/**
 * Shared pieces of the end-to-end suites: a real server process (test/helpers/server.ts), Debian's Chromium
 * driven by playwright-core, and small helpers that act and look the way a person would (through the page),
 * plus a bearer-token API client for the "someone else posts while you watch" side of a test.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

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

/** Limits off: a test posts faster than a person and registers many users from one IP. */
const TEST_ENV = { NATTER_AUTH_RATE: '0', NATTER_POST_RATE: '0' };

/**
 * Starts a real server on a free port with a fresh database. `NATTER_E2E_SERVER` may name another module
 * exporting the same `startServer` (to run this suite against a different build of the server).
 */
export async function startTestServer(): Promise<TestServer> {
  if (!existsSync(new URL('../../web/dist/index.html', import.meta.url))) {
    throw new Error('web/dist is missing: build the web client first (npm run build:web; npm install does it too)');
  }
  const spec = process.env.NATTER_E2E_SERVER ?? '../helpers/server.ts';
  const mod = (await import(spec)) as { startServer: StartServer };
  const server = await mod.startServer(TEST_ENV);
  // NATTER_E2E_LOG_DIR=dir keeps each server's log (when the helper offers output()), for debugging a failure.
  const dir = process.env.NATTER_E2E_LOG_DIR;
  if (dir && server.output) {
    const file = join(dir, `natter-e2e-${process.pid}-${Date.now()}.log`);
    process.on('exit', () => writeFileSync(file, server.output?.() ?? ''));
  }
  return server;
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
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

/** A fresh username; names are unique per server, and tests share none. */
export function uniqueName(prefix: string): string {
  return `${prefix}${Math.random().toString(36).slice(2, 8)}`;
}

/** A bearer-token client for acting as another person from the test process. */
export class ApiClient {
  constructor(
    readonly base: string,
    readonly token: string,
    readonly username: string,
  ) {}

  static async register(base: string, username: string, password = 'correct-horse-1'): Promise<ApiClient> {
    const res = await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { token: string };
    return new ApiClient(base, body.token, username);
  }

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async post(room: string, text: string): Promise<{ id: string; seq: number }> {
    const r = await this.call<{ message: { id: string; seq: number } }>('POST', `/rooms/${room}/messages`, { text });
    if (r.status !== 201) throw new Error(`post to ${room}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.message;
  }
}

/**
 * Registers through the sign-in screen of a new page, as a person would, and waits until the page is live.
 */
export async function signUpInPage(context: BrowserContext, url: string, username: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('correct-horse-1');
  await page.getByRole('button', { name: 'Create account' }).click();
  await waitLive(page);
  return page;
}

/** Registers over the context's own request API, which shares the browser's cookie jar: the page is signed in. */
export async function signUpInContext(context: BrowserContext, url: string, username: string): Promise<void> {
  const res = await context.request.post(`${url}/api/v1/auth/register`, {
    data: { username, password: 'correct-horse-1' },
  });
  if (res.status() !== 201) throw new Error(`register ${username}: ${res.status()} ${await res.text()}`);
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

/** Waits for the connection indicator to say "live" (attached, not visible: at phone width it sits in the closed menu). */
export async function waitLive(page: Page): Promise<void> {
  await page.locator('[data-testid="connection-status"][data-state="live"]').waitFor({ state: 'attached', timeout: 15_000 });
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
export async function waitForMessageOnce(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (t) =>
      [...document.querySelectorAll('[data-testid="message"] [data-testid="message-text"]')].filter(
        (e) => e.textContent === t,
      ).length === 1,
    text,
    { timeout: 15_000 },
  );
}

/** Opens a room from the sidebar, as a click. */
export async function clickRoom(page: Page, room: string): Promise<void> {
  await page.locator(`[data-testid="room-link"][data-room="${room}"]`).click();
  await page.locator('[data-testid="room-title"]').filter({ hasText: room }).waitFor();
}

/** Sum of a Prometheus gauge's samples on the server's /metrics. */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`).exec(line);
    if (m?.[1]) sum += Number(m[1]);
  }
  return sum;
}

/** Polls `fn` until it returns true (for server-side facts that the page cannot show). */
export async function waitUntil(fn: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
