/**
 * This tab's live stream handle. session.ts starts and stops the stream; room-data.ts tells the other tabs when a
 * read marker moves. It lives here, not in session.ts, so room-data.ts need not import session.ts (which imports
 * events.ts, which imports room-data.ts): the module graph stays acyclic.
 */
import type { StreamHandle, TabMessage } from './stream.ts';

let stream: StreamHandle | null = null;

/** Keeps `next` as this tab's stream (after `stopStream`, so two never run at once). */
export function setStream(next: StreamHandle): void {
  stream = next;
}

/** Closes this tab's stream, if any (before a new one starts, and on sign-out). */
export function stopStream(): void {
  stream?.stop();
  stream = null;
}

/** True while this tab has a stream (signed in and past the first `GET /rooms`). */
export function hasStream(): boolean {
  return stream !== null;
}

/** Tells the other tabs of this browser something (a read marker moved); a no-op without a stream. */
export function broadcast(msg: TabMessage): void {
  stream?.broadcast(msg);
}

/** Reconnects the stream now instead of waiting out its backoff ("Retry now"); a no-op without a stream. */
export function reconnectNow(): void {
  stream?.reconnectNow();
}
