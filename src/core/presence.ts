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

/** A node's online users, each with the rooms they are in. */
export type PresenceSet = { user: UserRef; roomIds: number[] }[];

/** How this node tells the others about presence (core/relay.ts, over the broker). */
export interface PresencePeers {
  /** One user of this node went online or offline. */
  presence(user: UserRef, online: boolean, roomIds: number[]): void;
  /** This node's whole online set; `ask` requests the others' sets in reply. */
  presenceSync(ask: boolean, users: PresenceSet): void;
}

/** How often a node publishes its whole online set in cluster mode; remote entries expire after three periods. */
export const PRESENCE_REFRESH_MS = 15_000;

export interface PresenceOptions {
  hub: Hub;
  /** How long a user stays online after their last stream closed. */
  graceMs: number;
  /** The other nodes; null on a single node. */
  peers: PresencePeers | null;
  /** Default PRESENCE_REFRESH_MS. */
  refreshMs?: number;
}

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
  private readonly hub: Hub;
  private readonly graceMs: number;
  private readonly peers: PresencePeers | null;
  private readonly refreshMs: number;

  constructor(opts: PresenceOptions) {
    this.hub = opts.hub;
    this.graceMs = opts.graceMs;
    this.peers = opts.peers;
    this.refreshMs = opts.refreshMs ?? PRESENCE_REFRESH_MS;
    if (this.peers) {
      this.refresh = setInterval(() => this.tick(), this.refreshMs);
      this.refresh.unref();
    }
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
    this.peers?.presence(user, true, roomIds);
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
      this.peers?.presence(user, false, e.roomIds);
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
  fromSync(node: string, users: PresenceSet, ask: boolean): void {
    const listed = new Set(users.map((u) => u.user.id));
    for (const [userId, r] of this.remote) {
      if (r.nodes.has(node) && !listed.has(userId)) this.fromRemote(node, r.user, false, r.roomIds);
    }
    for (const u of users) this.fromRemote(node, u.user, true, u.roomIds);
    if (ask) this.peers?.presenceSync(false, this.localSet());
  }

  /** Cancel timers (shutdown). Idempotent. */
  close(): void {
    for (const t of this.leaving.values()) clearTimeout(t);
    this.leaving.clear();
    if (this.refresh) clearInterval(this.refresh);
  }

  /** Publish this node's online set and expire remote entries that were not refreshed. */
  private tick(): void {
    this.peers?.presenceSync(false, this.localSet());
    const now = Date.now();
    for (const [userId, r] of this.remote) {
      for (const [node, expires] of r.nodes) if (expires < now) r.nodes.delete(node);
      if (r.nodes.size > 0) continue;
      this.remote.delete(userId);
      if (!this.local.has(userId)) this.hub.signalPeers(userId, r.roomIds, 'presence', { user: r.user, online: false });
    }
  }

  /** This node's online users: those with a live stream, and those within the grace period after their last one. */
  private localSet(): PresenceSet {
    // Users within their grace period are still online (their offline is announced when it ends): leaving them out
    // would turn them offline on the other nodes early, and back online a period later if they reconnected.
    return [...this.local.values()].map((e) => ({ user: e.user, roomIds: e.roomIds }));
  }
}
