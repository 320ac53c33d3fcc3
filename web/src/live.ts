/**
 * This tab's share of the live stream (@natter/client/browser's shared stream). session.ts starts and stops it;
 * room-data.ts tells the other tabs when a read marker moves. It lives here, not in session.ts, so room-data.ts
 * need not import session.ts (which imports events.ts, which imports room-data.ts): the module graph stays acyclic.
 */
import type { CheckResult } from '@natter/client';
import type { SharedStream } from '@natter/client/browser';

/** What the page's tabs tell each other besides the stream: read markers, and the stream path check's verdict. */
export type PageTabMessage =
  | { kind: 'read'; room: string; seq: number }
  | { kind: 'path-check'; results: CheckResult[] }
  | { kind: 'path-check?' };

let stream: SharedStream<PageTabMessage> | null = null;

/** Keeps `next` as this tab's stream (after `stopStream`, so two never run at once). */
export function setStream(next: SharedStream<PageTabMessage>): void {
  stream = next;
}

/** Closes this tab's stream, if any (before a new one starts, and on sign-out). */
export function stopStream(): void {
  stream?.stop();
  stream = null;
  delete document.documentElement.dataset.conn;
}

/** True while this tab has a stream (signed in and past the first `GET /rooms`). */
export function hasStream(): boolean {
  return stream !== null;
}

/** Tells the other tabs of this browser something (a read marker moved); a no-op without a stream. */
export function broadcast(msg: PageTabMessage): void {
  stream?.broadcast(msg);
}

/** Reconnects the stream now instead of waiting out its backoff ("Retry now"); a no-op without a stream. */
export function reconnectNow(): void {
  stream?.reconnectNow();
}
