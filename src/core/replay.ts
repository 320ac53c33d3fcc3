/**
 * Replay: sending a pending stream every event in (sub.lastPos, head] its user could see, before it goes live
 * (core/stream.ts opens streams; this is step 3 of its opening order).
 *
 * Two sources, one answer (the property test test/property/replay-tail.test.ts compares them byte for byte):
 * - Memory, when the hub's tail (core/tail.ts) holds the whole range and the user's rooms did not change in
 *   it. Then "could see when each happened" (the store's member spans) is simply: the event is in one of the
 *   user's rooms at the snapshot, or in no room (v1.1 `user_updated`). A reconnect storm resumes thousands of
 *   streams at the same cursor, so the frames are joined into chunks once and the same chunk Buffer is written
 *   to every stream with the same range and rooms (STYLE habit 9).
 * - The store (`readEvents`), in pages, for whatever memory cannot decide: a cursor older than the tail, a
 *   user whose rooms changed after the cursor, a range the tail lost while the replay waited for its client.
 */
import type { EventLog } from '../storage/store.ts';
import { NO_ROOM } from './events.ts';
import type { Hub } from './hub.ts';
import type { Subscriber } from './subscriber.ts';

/** Most events per replay page read from the store. */
export const REPLAY_PAGE = 500;
/** Bytes per event assumed before a replay has read any: about a message at its largest (4000 emoji, ~16 KB). */
const FIRST_EVENT_BYTES = 16 * 1024;
/** Chunks joined from the tail kept for other streams resuming at the same place: at most this many bytes… */
const CHUNK_CACHE_BYTES = 4 * 1024 * 1024;
/** …and this many chunks. */
const CHUNK_CACHE_MAX = 256;

export interface ReplayOptions {
  /** The stream's unsent-bytes budget: a replay keeps at most half of it queued and pages by a quarter. */
  budget: number;
  /** How long a replay may wait for its client to read before the stream is closed as `slow`; 0 = no deadline. */
  replayStallMs?: number;
}

/** Frames of the visible events in (after, end], joined; `lastPos` is the last of them (after, when none). */
interface Chunk {
  buf: Buffer;
  count: number;
  lastPos: number;
  end: number;
}

export class Replayer {
  private readonly chunks = new Map<string, Chunk>();
  private chunkBytes = 0;

  constructor(private readonly store: Pick<EventLog, 'readEvents'>, private readonly hub: Hub, private readonly opts: ReplayOptions) {}

  /** Replay (sub.lastPos, head] for `userId`, whose rooms at `head` are `roomIds`; returns how many events were sent. */
  async run(sub: Subscriber, userId: string, roomIds: readonly number[], head: number): Promise<number> {
    const fromMemory = await this.fromTail(sub, userId, roomIds, head);
    return fromMemory + (await this.fromStore(sub, userId, head));
  }

  /** As much of the range as the tail can decide, in chunks; leaves sub.lastPos where it stopped. */
  private async fromTail(sub: Subscriber, userId: string, roomIds: readonly number[], head: number): Promise<number> {
    let at = sub.lastPos;
    const to = this.hub.tail.coverage(userId, at, head);
    if (to <= at) return 0;
    const rooms = new Set(roomIds);
    const roomsKey = [...rooms].sort((a, b) => a - b).join(',');
    let sent = 0;
    while (at < to && sub.pending) {
      const chunk = this.chunk(at, to, rooms, roomsKey);
      if (!chunk) break; // the tail moved past `at` while we waited for the client: the store has the rest
      if (chunk.count > 0) {
        if (sub.pendingBytes() + chunk.buf.length > this.opts.budget / 2) {
          await this.drainedOrSlow(sub);
          if (!sub.pending) return sent;
        }
        sub.sendRun(chunk.lastPos, chunk.buf);
        sent += chunk.count;
      }
      at = chunk.end;
    }
    // Positions up to `at` that were not sent are ones the user could not see.
    sub.replayed(at);
    return sent;
  }

  /** The chunk after `after` (towards `to`) for these rooms: cached, or joined from the tail; null if the tail lost `after + 1`. */
  private chunk(after: number, to: number, rooms: ReadonlySet<number>, roomsKey: string): Chunk | null {
    const key = `${after} ${to} ${roomsKey}`;
    const hit = this.chunks.get(key);
    if (hit) return hit;
    const pageBytes = Math.max(1, Math.floor(this.opts.budget / 4));
    const frames: Buffer[] = [];
    let bytes = 0;
    let lastPos = after;
    let end = after;
    for (let pos = after + 1; pos <= to; pos++) {
      const e = this.hub.tail.at(pos);
      // Lost while the replay waited for its client: what was joined so far is exact (and not cached).
      if (!e) return end > after ? { buf: Buffer.concat(frames, bytes), count: frames.length, lastPos, end } : null;
      if (e.roomId === NO_ROOM || rooms.has(e.roomId)) {
        const frame = this.hub.frame(e);
        // Like a store page: a quarter of the budget, or one frame however large.
        if (frames.length > 0 && bytes + frame.length > pageBytes) break;
        frames.push(frame);
        bytes += frame.length;
        lastPos = pos;
      }
      end = pos;
    }
    return this.keep(key, frames, bytes, lastPos, end);
  }

  private keep(key: string, frames: Buffer[], bytes: number, lastPos: number, end: number): Chunk {
    const chunk = { buf: frames.length === 1 ? frames[0]! : Buffer.concat(frames, bytes), count: frames.length, lastPos, end };
    if (bytes > CHUNK_CACHE_BYTES / 4) return chunk;
    this.chunks.set(key, chunk);
    this.chunkBytes += bytes;
    for (const [k, old] of this.chunks) {
      if (this.chunks.size <= CHUNK_CACHE_MAX && this.chunkBytes <= CHUNK_CACHE_BYTES) break;
      this.chunks.delete(k);
      this.chunkBytes -= old.buf.length;
    }
    return chunk;
  }

  /** Send, in pages read from the store, every event in (sub.lastPos, head] the user could see; returns how many were read. */
  private async fromStore(sub: Subscriber, userId: string, head: number): Promise<number> {
    // Pages are sized by bytes as well as count (STYLE habit 8): the Store reads by count, so each page
    // asks for as many events as fit in a quarter of the budget at the largest event of the last page
    // (the first page assumes the largest message), growing at most twofold a page so larger events ahead
    // can overshoot it by no more than that.
    const pageBytes = Math.max(1, Math.floor(this.opts.budget / 4));
    let perEvent = FIRST_EVENT_BYTES;
    let limit = REPLAY_PAGE;
    let replayed = 0;
    while (sub.pending && sub.lastPos < head) {
      limit = Math.max(1, Math.min(REPLAY_PAGE, limit * 2, Math.floor(pageBytes / perEvent)));
      const page = await this.store.readEvents(userId, sub.lastPos, head, limit);
      let largest = 1;
      for (const e of page) {
        const frame = this.hub.frame(e);
        largest = Math.max(largest, frame.length);
        // Replay is pulled, so it waits for the client instead of overrunning the budget:
        // a backlog of any size is delivered whole to a client that reads (within the stall deadline).
        if (sub.pendingBytes() + frame.length > this.opts.budget / 2) {
          await this.drainedOrSlow(sub);
          if (!sub.pending) return replayed;
        }
        sub.sendStored(e.pos, frame);
      }
      replayed += page.length;
      if (page.length < limit) break;
      perEvent = largest;
    }
    return replayed;
  }

  /** Wait for the client to read what it holds; past the stall deadline the stream closes as `slow` (it resumes by cursor). */
  private async drainedOrSlow(sub: Subscriber): Promise<void> {
    const ms = this.opts.replayStallMs ?? 0;
    if (ms <= 0) return sub.drained();
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<void>((resolve) => {
      timer = setTimeout(() => (sub.close('slow'), resolve()), ms);
    });
    try {
      await Promise.race([sub.drained(), stalled]);
    } finally {
      clearTimeout(timer);
    }
  }
}
