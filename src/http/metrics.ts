/**
 * Prometheus metrics (prom-client), one registry per app instance so that two
 * nodes in one test process do not collide. Exposed at GET /metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HubMetrics } from '../core/hub.ts';
import type { RelayMetrics } from '../core/relay.ts';
import type { StreamMetrics } from '../core/stream.ts';
import type { CloseReason } from '../core/subscriber.ts';

export class Metrics implements HubMetrics, StreamMetrics, RelayMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'natter_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly messagesPosted = new Counter({ name: 'natter_messages_posted_total', help: 'Messages stored', registers: [this.registry] });
  readonly eventsDelivered = new Counter({ name: 'natter_events_delivered_total', help: 'Event frames queued to streams (live and transient)', registers: [this.registry] });
  readonly eventsReplayed = new Counter({ name: 'natter_events_replayed_total', help: 'Stored events sent by resume replay', registers: [this.registry] });
  readonly streamsOpened = new Counter({ name: 'natter_streams_opened_total', help: 'Event streams opened', registers: [this.registry] });
  readonly streamCloses = new Counter({
    name: 'natter_stream_closes_total',
    help: 'Event streams closed (or refused, reason cap) by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({ name: 'natter_store_errors_total', help: 'Store operations that failed', registers: [this.registry] });
  readonly brokerErrors = new Counter({ name: 'natter_broker_errors_total', help: 'Broker operations that failed', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Register the open-streams gauge, read at scrape time. */
  streamsGauge(count: () => number): void {
    new Gauge({ name: 'natter_streams_open', help: 'Open event streams on this node', registers: [this.registry], collect() { this.set(count()); } });
  }

  posted(n: number): void {
    this.messagesPosted.inc(n);
  }
  delivered(n: number): void {
    this.eventsDelivered.inc(n);
  }
  opened(): void {
    this.streamsOpened.inc();
  }
  closed(reason: CloseReason): void {
    this.streamCloses.inc({ reason });
  }
  replayed(n: number): void {
    if (n > 0) this.eventsReplayed.inc(n);
  }
}
