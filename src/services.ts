/**
 * Wires the core services of one node around a store and a broker. main.ts is
 * the composition root of the process; this function is the part of it that
 * tests reuse to run two nodes in one process (STYLE habit 4).
 */
import type { Broker, BrokerMessage } from './broker/broker.ts';
import type { Config } from './config.ts';
import { Auth } from './core/auth.ts';
import { Chat } from './core/chat.ts';
import { Feed } from './core/feed.ts';
import { Hub } from './core/hub.ts';
import { Presence } from './core/presence.ts';
import { Streams } from './core/stream.ts';
import type { LogEvent, UserRef } from './core/types.ts';
import { Metrics } from './http/metrics.ts';
import type { Store } from './storage/store.ts';

export interface Services {
  config: Config;
  store: Store;
  broker: Broker;
  metrics: Metrics;
  auth: Auth;
  chat: Chat;
  streams: Streams;
  feed: Feed;
  /** End a session's streams on every node. */
  endSession(sessionId: string, userId: string): void;
  /** Stop streams and timers (not the store or broker, which main.ts owns). Idempotent. */
  stop(): void;
}

export interface ServiceHooks {
  onError?: (what: string, err: unknown) => void;
}

export async function createServices(config: Config, store: Store, broker: Broker, hooks: ServiceHooks = {}): Promise<Services> {
  const metrics = new Metrics();
  const hub = new Hub(store.logId, metrics);
  const announce = broker.remote
    ? (user: UserRef, online: boolean, roomIds: number[]) => broker.publish({ kind: 'presence', user, online, roomIds })
    : null;
  const sync = broker.remote
    ? (ask: boolean, users: { user: UserRef; roomIds: number[] }[]) => broker.publish({ kind: 'presence_sync', ask, users })
    : null;
  const presence = new Presence(hub, config.presenceGraceMs, announce, 15_000, sync);
  const feed = new Feed(store, hub, {
    gapMs: 200,
    pollMs: broker.remote ? 1000 : 0,
    forward: broker.remote ? (events) => broker.publish({ kind: 'events', events }) : undefined,
    onError: (err) => {
      metrics.storeErrors.inc();
      hooks.onError?.('feed', err);
    },
  });
  await feed.start();
  const publish = (events: LogEvent[]): void => {
    for (const e of events) if (e.type === 'message') metrics.messagesPosted.inc();
    feed.publishLocal(events);
  };
  const live = {
    publish,
    typing(roomId: number, room: string, user: UserRef): void {
      hub.signalRoom(roomId, 'typing', { room, user }, user.id);
      if (broker.remote) broker.publish({ kind: 'typing', roomId, room, user });
    },
    read(userId: string, room: string, seq: number): void {
      hub.signalUser(userId, 'read', { room, seq });
      if (broker.remote) broker.publish({ kind: 'read', userId, room, seq });
    },
    isOnline: (userId: string) => presence.isOnline(userId),
  };
  const streams = new Streams(store, hub, presence, {
    retryMs: config.retryMs,
    heartbeatMs: config.heartbeatMs,
    budget: config.streamBuffer,
    perUser: config.streamsPerUser,
    perIp: config.streamsPerIp,
  }, metrics);
  metrics.streamsGauge(() => streams.count());

  broker.onMessage((msg: BrokerMessage) => {
    if (msg.kind === 'events') feed.accept(msg.events);
    else if (msg.kind === 'typing') hub.signalRoom(msg.roomId, 'typing', { room: msg.room, user: msg.user }, msg.user.id);
    else if (msg.kind === 'session_end') streams.endSession(msg.sessionId, msg.userId);
    else if (msg.kind === 'presence') presence.fromRemote(msg.node, msg.user, msg.online, msg.roomIds);
    else if (msg.kind === 'read') hub.signalUser(msg.userId, 'read', { room: msg.room, seq: msg.seq });
    else if (msg.kind === 'presence_sync') presence.fromSync(msg.node, msg.users, msg.ask);
  });
  presence.askPeers();

  let stopped = false;
  return {
    config, store, broker, metrics, feed, streams,
    auth: new Auth(store, publish, { guests: config.guests }),
    chat: new Chat(store, live),
    endSession(sessionId, userId) {
      streams.endSession(sessionId, userId);
      if (broker.remote) broker.publish({ kind: 'session_end', sessionId, userId });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      streams.shutdown();
      feed.close();
      presence.close();
    },
  };
}
