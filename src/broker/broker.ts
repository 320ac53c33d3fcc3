/**
 * The broker seam: fan-out between nodes only, never the source of truth
 * (STYLE habits 1 and 5). A node publishes what it committed after the commit;
 * every other node feeds it to its local hub. Delivery through a broker may be
 * lost or repeated: the Feed fills gaps from the store and drops repeats.
 * Every message carries the publishing node's id, and a node ignores its own.
 */
import type { LogEvent, NotificationLevel, UserRef } from '../core/types.ts';

export type BrokerMessage =
  | { kind: 'events'; node: string; events: LogEvent[] }
  | { kind: 'typing'; node: string; roomId: number; room: string; user: UserRef }
  | { kind: 'presence'; node: string; user: UserRef; online: boolean; roomIds: number[] }
  | { kind: 'session_end'; node: string; sessionId: string; userId: string }
  | { kind: 'read'; node: string; userId: string; room: string; seq: number }
  /** v1.1: a user's notification level in a room changed (their own streams). */
  | { kind: 'level'; node: string; userId: string; room: string; level: NotificationLevel }
  /**
   * A node's whole set of online users, sent every refresh period instead of one
   * `presence` per user, and at start with `ask: true` so the others answer at once.
   */
  | { kind: 'presence_sync'; node: string; ask: boolean; users: { user: UserRef; roomIds: number[] }[] }
  /** v1.1 §4: a page's visibility, posted to any node, for a stream that may be on another; `ask` identifies the request. */
  | { kind: 'visibility'; node: string; userId: string; streamId: string; visible: boolean; ask: string }
  /** The node holding that stream answers the node that asked (`to`). */
  | { kind: 'visibility_ack'; node: string; to: string; ask: string };

/** Distributes the Omit over the union, so callers can build any message without its node id. */
export type Outgoing = BrokerMessage extends infer M ? (M extends BrokerMessage ? Omit<M, 'node'> : never) : never;

export interface Broker {
  /** This node's id, stamped on every message it publishes. */
  readonly nodeId: string;
  /** True when messages from other nodes can flow (local: always). */
  readonly remote: boolean;
  /** Fire and forget; a failure is counted and logged by the implementation, never thrown. */
  publish(msg: Outgoing): void;
  /** Receive other nodes' messages (never this node's own). */
  onMessage(handler: (msg: BrokerMessage) => void): void;
  /** Rejects when the broker is unreachable (/readyz). */
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}
