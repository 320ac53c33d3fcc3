/**
 * Presence: a user is online while at least one of their streams is live, on any
 * node. Going offline waits `graceMs`, so a reconnect (a dropped stream, a page
 * reload, a move to another node) does not flap. `presence` events go to the
 * streams that share a room with the user.
 *
 * Across nodes each node announces its own transitions through the broker and,
 * every `refreshMs`, publishes its whole online set in one `presence_sync`.
 * A sync replaces what this node believed about the sender, so a lost
 * "offline" is corrected within one period. A node that starts asks the others
 * for their sets (`ask`), so it knows who is online at once rather than after a
 * period. A remote entry that is not refreshed within three periods expires (a
 * node that died cannot say goodbye).
 */
import type { Hub } from './hub.ts';
import type { UserRef } from './types.ts';

/** Publishes this node's presence changes to the other nodes (cluster mode). */
export type Announce = (user: UserRef, online: boolean, roomIds: number[]) => void;
/** Publishes this node's whole online set; `ask` requests the others' sets in reply. */
export type Sync = (ask: boolean, users: { user: UserRef; roomIds: number[] }[]) => void;

interface Remote {
  user: UserRef;
  roomIds: number[];
  /** node id → expiry time (ms). */
  nodes: Map<string, number>;
}

export class Presence {
  private readonly local = new Map<string, { user: UserRef; streams: number; roomIds: number[] }>();
  private readonly leaving = new Map<string, NodeJS.Timeout>();
  private readonly remote = new Map<string, Remote>();
  private readonly refresh: NodeJS.Timeout | null = null;

  constructor(
    private readonly hub: Hub,
    private readonly graceMs: number,
    private readonly announce: Announce | null = null,
    private readonly refreshMs = 15_000,
    private readonly sync: Sync | null = null,
  ) {
    if (sync) {
      this.refresh = setInterval(() => this.tick(), refreshMs);
      this.refresh.unref();
    }
  }

  /** Ask the other nodes for their online sets (call once the broker handler is in place): a new node knows nobody. */
  askPeers(): void {
    this.sync?.(true, []);
  }

  /** True while the user has a live stream on some node, or is within the grace period after the last one. */
  isOnline(userId: string): boolean {
    return this.local.has(userId) || this.remote.has(userId);
  }

  /** A stream of `user` went live in `rooms`. */
  up(user: UserRef, rooms: Iterable<number>): void {
    const roomIds = [...rooms];
    const entry = this.local.get(user.id);
    const timer = this.leaving.get(user.id);
    if (timer) {
      clearTimeout(timer);
      this.leaving.delete(user.id);
    }
    if (entry) {
      entry.streams++;
      entry.roomIds = roomIds;
      return;
    }
    const wasOnline = this.remote.has(user.id);
    this.local.set(user.id, { user, streams: 1, roomIds });
    this.announce?.(user, true, roomIds);
    if (!wasOnline) this.hub.signalPeers(user.id, roomIds, 'presence', { user, online: true });
  }

  /** A live stream of `user` closed; `rooms` are the rooms it was in, to tell their members. */
  down(user: UserRef, rooms: Iterable<number>): void {
    const entry = this.local.get(user.id);
    if (!entry) return;
    entry.streams--;
    if (entry.streams > 0) return;
    entry.roomIds = [...rooms];
    const timer = setTimeout(() => {
      this.leaving.delete(user.id);
      const e = this.local.get(user.id);
      if (!e || e.streams > 0) return;
      this.local.delete(user.id);
      this.announce?.(user, false, e.roomIds);
      if (!this.remote.has(user.id)) this.hub.signalPeers(user.id, e.roomIds, 'presence', { user, online: false });
    }, this.graceMs);
    timer.unref();
    this.leaving.set(user.id, timer);
  }

  /** Another node's announcement. */
  fromRemote(node: string, user: UserRef, online: boolean, roomIds: number[]): void {
    const wasOnline = this.isOnline(user.id);
    let r = this.remote.get(user.id);
    if (online) {
      if (!r) this.remote.set(user.id, (r = { user, roomIds, nodes: new Map() }));
      r.roomIds = roomIds;
      r.nodes.set(node, Date.now() + 3 * this.refreshMs);
    } else if (r) {
      r.nodes.delete(node);
      if (r.nodes.size === 0) this.remote.delete(user.id);
    }
    const isOnline = this.isOnline(user.id);
    if (wasOnline !== isOnline) this.hub.signalPeers(user.id, roomIds, 'presence', { user, online: isOnline });
  }

  /** Another node's whole online set: it replaces what this node believed about that node. */
  fromSync(node: string, users: { user: UserRef; roomIds: number[] }[], ask: boolean): void {
    const listed = new Set(users.map((u) => u.user.id));
    for (const [userId, r] of this.remote) {
      if (r.nodes.has(node) && !listed.has(userId)) this.fromRemote(node, r.user, false, r.roomIds);
    }
    for (const u of users) this.fromRemote(node, u.user, true, u.roomIds);
    if (ask) this.sync?.(false, this.localSet());
  }

  /** Cancel timers (shutdown). */
  close(): void {
    for (const t of this.leaving.values()) clearTimeout(t);
    this.leaving.clear();
    if (this.refresh) clearInterval(this.refresh);
  }

  /** Publish this node's online set and expire remote entries that were not refreshed. */
  private tick(): void {
    this.sync?.(false, this.localSet());
    const now = Date.now();
    for (const [userId, r] of this.remote) {
      for (const [node, expires] of r.nodes) if (expires < now) r.nodes.delete(node);
      if (r.nodes.size > 0) continue;
      this.remote.delete(userId);
      if (!this.local.has(userId)) this.hub.signalPeers(userId, r.roomIds, 'presence', { user: r.user, online: false });
    }
  }

  /** This node's online users (those with a live stream; not those within the grace period). */
  private localSet(): { user: UserRef; roomIds: number[] }[] {
    return [...this.local.values()].filter((e) => e.streams > 0).map((e) => ({ user: e.user, roomIds: e.roomIds }));
  }
}
