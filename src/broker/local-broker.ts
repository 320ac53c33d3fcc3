/**
 * The in-process broker. With no bus given it is the single-node default: there
 * are no other nodes, so publishing goes nowhere. Given a shared `LocalBus`,
 * several app instances in one process act as a cluster (STYLE habit 4: the
 * multi-node logic is tested without Redis too).
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Broker, BrokerMessage, Outgoing } from './broker.ts';

/** A message bus shared by LocalBrokers of one process. */
export class LocalBus extends EventEmitter {}

export class LocalBroker implements Broker {
  readonly nodeId = randomBytes(6).toString('hex');
  readonly remote: boolean;
  private handler: ((msg: BrokerMessage) => void) | null = null;
  private closed = false;
  private readonly listener = (msg: BrokerMessage): void => {
    if (msg.node !== this.nodeId) this.handler?.(msg);
  };

  constructor(private readonly bus: LocalBus | null = null) {
    this.remote = bus !== null;
    bus?.on('message', this.listener);
  }

  publish(msg: Outgoing): void {
    if (!this.bus || this.closed) return;
    const full = { ...msg, node: this.nodeId } as BrokerMessage;
    // Asynchronous like a real broker: never deliver inside the publisher's call stack.
    queueMicrotask(() => this.bus?.emit('message', full));
  }

  onMessage(handler: (msg: BrokerMessage) => void): void {
    this.handler = handler;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.bus?.off('message', this.listener);
    this.handler = null;
  }
}
