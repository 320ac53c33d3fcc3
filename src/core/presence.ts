/**
 * Presence: a user is online while at least one of their streams is live. Going
 * offline waits `graceMs`, so a reconnect (a dropped stream, a page reload) does
 * not flap: if a stream comes back within the grace period nothing is announced.
 * `presence` events go to the streams that share a room with the user.
 */
import type { Hub } from './hub.ts';
import type { UserRef } from './types.ts';

export class Presence {
  private readonly streams = new Map<string, number>();
  private readonly leaving = new Map<string, NodeJS.Timeout>();

  constructor(private readonly hub: Hub, private readonly graceMs: number) {}

  /** True while the user has a live stream here, or is within the grace period after the last one. */
  isOnline(userId: string): boolean {
    return this.streams.has(userId);
  }

  /** A stream of `user` went live in `rooms`. */
  up(user: UserRef, rooms: Iterable<number>): void {
    const n = this.streams.get(user.id) ?? 0;
    const timer = this.leaving.get(user.id);
    if (timer) {
      clearTimeout(timer);
      this.leaving.delete(user.id);
    }
    this.streams.set(user.id, n + 1);
    if (n === 0 && !timer) this.hub.signalPeers(user.id, rooms, 'presence', { user, online: true });
  }

  /** A live stream of `user` closed; `rooms` are the rooms it was in, to tell their members. */
  down(user: UserRef, rooms: Iterable<number>): void {
    const n = (this.streams.get(user.id) ?? 1) - 1;
    if (n > 0) {
      this.streams.set(user.id, n);
      return;
    }
    this.streams.set(user.id, 0);
    const roomList = [...rooms];
    const timer = setTimeout(() => {
      this.leaving.delete(user.id);
      if ((this.streams.get(user.id) ?? 0) > 0) return;
      this.streams.delete(user.id);
      this.hub.signalPeers(user.id, roomList, 'presence', { user, online: false });
    }, this.graceMs);
    timer.unref();
    this.leaving.set(user.id, timer);
  }

  /** Cancel pending timers (shutdown). */
  close(): void {
    for (const t of this.leaving.values()) clearTimeout(t);
    this.leaving.clear();
  }
}
