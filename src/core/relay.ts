/**
 * The cross-node protocol in one place: for each kind of broker message, the
 * method that delivers it on this node and then tells the other nodes, and the
 * branch of `handle` that delivers a peer's message here. Local delivery never
 * waits on the remote leg (STYLE habit 5): the broker publish is fire and forget,
 * and a lost `events` message is recovered by the Feed from the store.
 *
 * Chat publishes through this class (it implements `LiveSink`), Presence
 * announces through it (it implements `PresencePeers`), and logout ends sessions
 * through it; none of them knows whether there are other nodes.
 */
import type { Broker, BrokerMessage } from '../broker/broker.ts';
import type { LiveSink } from './chat.ts';
import type { Feed } from './feed.ts';
import type { Hub } from './hub.ts';
import type { Presence, PresencePeers, PresenceSet } from './presence.ts';
import type { Streams } from './stream.ts';
import type { LogEvent, NotificationLevel, UserRef } from './types.ts';

/** Counters the relay reports to; http/metrics.ts implements them with Prometheus. */
export interface RelayMetrics {
  /** Messages this node committed (counted once, on the committing node). */
  posted(n: number): void;
}

/** What a peer's messages are delivered to on this node. */
export interface Receivers {
  presence: Presence;
  streams: Streams;
}

/** How long a visibility post waits for the node holding the stream to answer before it is 404. */
export const VISIBILITY_ASK_MS = 1000;
/** Visibility questions to other nodes waiting at once on this node; more are answered "not found" at once (bounded memory). */
export const VISIBILITY_ASKS_MAX = 1000;

export class Relay implements LiveSink, PresencePeers {
  private receivers: Receivers | null = null;
  /** Visibility posts waiting for another node's answer, by request id. */
  private readonly asks = new Map<string, (found: boolean) => void>();
  private askSeq = 0;

  constructor(private readonly broker: Broker, private readonly hub: Hub, private readonly feed: Feed, private readonly metrics: RelayMetrics) {}

  /** Start receiving the peers' messages, then ask them who is online (a new node knows nobody). */
  start(receivers: Receivers): void {
    this.receivers = receivers;
    this.broker.onMessage((msg) => this.handle(msg));
    this.presenceSync(true, []);
  }

  // ---- this node's news: deliver here, then tell the peers

  /** Events this node committed. */
  publish(events: LogEvent[]): void {
    let posted = 0;
    for (const e of events) if (e.type === 'message') posted++;
    if (posted > 0) this.metrics.posted(posted);
    this.feed.accept(events);
    this.send({ kind: 'events', events });
  }

  /** `user` is typing in a room. */
  typing(roomId: number, room: string, user: UserRef): void {
    this.hub.signalRoom(roomId, 'typing', { room, user }, user.id);
    this.send({ kind: 'typing', roomId, room, user });
  }

  /** The user's notification level in `room` changed: tell their streams. */
  notificationLevel(userId: string, room: string, level: NotificationLevel): void {
    this.hub.signalUser(userId, 'notification_level', { room, level });
    this.send({ kind: 'level', userId, room, level });
  }

  /** The user's read marker in `room` is now at least `seq`: tell their other streams. */
  read(userId: string, room: string, seq: number): void {
    this.hub.signalUser(userId, 'read', { room, seq });
    this.send({ kind: 'read', userId, room, seq });
  }

  /** A session ended (logout): its streams close on every node. */
  sessionEnd(sessionId: string, userId: string): void {
    this.receivers?.streams.endSession(sessionId, userId);
    this.send({ kind: 'session_end', sessionId, userId });
  }

  /**
   * A page reports whether it is visible (v1.1 §4). Its stream may be on this node or on another: true once the
   * node holding it applied the change, false when no node answers within VISIBILITY_ASK_MS (no such open stream).
   */
  async visibility(userId: string, streamId: string, visible: boolean): Promise<boolean> {
    if (this.receivers?.streams.setVisibility(userId, streamId, visible)) return true;
    if (!this.broker.remote || this.asks.size >= VISIBILITY_ASKS_MAX) return false;
    const ask = `${this.broker.nodeId}:${++this.askSeq}`;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), VISIBILITY_ASK_MS);
      const settle = (found: boolean) => {
        clearTimeout(timer);
        this.asks.delete(ask);
        resolve(found);
      };
      this.asks.set(ask, settle);
      this.send({ kind: 'visibility', userId, streamId, visible, ask });
    });
  }

  /** This node's presence change (Presence has told the local streams already). */
  presence(user: UserRef, online: boolean, roomIds: number[]): void {
    this.send({ kind: 'presence', user, online, roomIds });
  }

  /** This node's whole online set; `ask` requests the peers' sets in reply. */
  presenceSync(ask: boolean, users: PresenceSet): void {
    this.send({ kind: 'presence_sync', ask, users });
  }

  // ---- a peer's news: deliver here

  /** Deliver one message from another node. */
  handle(msg: BrokerMessage): void {
    const r = this.receivers;
    if (!r) return;
    switch (msg.kind) {
      case 'events':
        return this.feed.accept(msg.events);
      case 'typing':
        return this.hub.signalRoom(msg.roomId, 'typing', { room: msg.room, user: msg.user }, msg.user.id);
      case 'read':
        return this.hub.signalUser(msg.userId, 'read', { room: msg.room, seq: msg.seq });
      case 'level':
        return this.hub.signalUser(msg.userId, 'notification_level', { room: msg.room, level: msg.level });
      case 'session_end':
        return r.streams.endSession(msg.sessionId, msg.userId);
      case 'presence':
        return r.presence.fromRemote(msg.node, msg.user, msg.online, msg.roomIds);
      case 'presence_sync':
        return r.presence.fromSync(msg.node, msg.users, msg.ask);
      case 'visibility':
        if (r.streams.setVisibility(msg.userId, msg.streamId, msg.visible)) this.send({ kind: 'visibility_ack', to: msg.node, ask: msg.ask });
        return;
      case 'visibility_ack':
        if (msg.to === this.broker.nodeId) this.asks.get(msg.ask)?.(true);
        return;
      default:
        return unreachable(msg);
    }
  }

  private send(msg: Parameters<Broker['publish']>[0]): void {
    if (this.broker.remote) this.broker.publish(msg);
  }
}

function unreachable(msg: never): void {
  void msg;
}
