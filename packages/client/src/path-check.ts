/**
 * The stream path check (`GET /api/v1/events/check`, docs/API.md): the server sends a short burst of timed
 * events on a stream with the same head as `/api/v1/events`; the client records when each arrives and judges the
 * path between them. Buffering proxies are the most common way an SSE deployment breaks: events arrive late and
 * bunched, or only when a buffer fills. The wire format here is the server's too (src/http/routes/events-check.ts
 * imports it), so the two cannot drift; `judgePath` is pure, so tests can feed it timings.
 */
import { readStream, SseParser } from './sse.ts';

/** The burst: `count` events `intervalMs` apart. */
export const CHECK_BURST = { count: 6, intervalMs: 300 } as const;

/** What the server sends per event of the burst (`event: check`). */
export interface CheckEvent {
  n: number;
  of: number;
  interval_ms: number;
  /** The server's clock when it wrote the event (ms since the epoch). */
  sent_at: number;
}

/** The last event (`event: done`): after the burst, or after the idle wait when one was asked for. */
export interface CheckDone {
  sent_at: number;
  heartbeat_ms: number;
  /** How long the stream stayed idle (only heartbeat comments) before this event; 0 without `idle=1`. */
  idle_ms: number;
}

/** What a client saw: when each burst event arrived (its own clock, ms), the response's head, and how the stream ended. */
export interface CheckObservation {
  arrivals: number[];
  /** Lower-cased response header names and values. */
  headers: Record<string, string>;
  /** `HTTP/1.1`, `h2`, `h3` … as the client could tell; null when it could not. */
  protocol: string | null;
  /** Whether the idle phase was asked for, and whether `done` arrived after it. */
  idleAsked: boolean;
  doneArrived: boolean;
  /** Why the stream ended before `done`, when it was cut. */
  cut?: string;
}

export type Verdict = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  name: 'buffering' | 'compression' | 'protocol' | 'idle';
  verdict: Verdict;
  detail: string;
}

/**
 * Judge the path. Buffering: the gaps between arrivals should be near the interval; when most of them are under
 * a third of it (the events came bunched) or nothing came, the path buffers. Compression of an event stream holds
 * events back until a compressed block fills. HTTP/1.1 is a warning: browsers allow 6 connections per origin, so
 * a seventh tab's stream waits. Idle: the stream must survive a silence longer than the heartbeat.
 */
export function judgePath(o: CheckObservation, burst: { count: number; intervalMs: number } = CHECK_BURST): CheckResult[] {
  const results: CheckResult[] = [];
  const gaps = o.arrivals.slice(1).map((t, i) => t - o.arrivals[i]!);
  const bunched = gaps.filter((g) => g < burst.intervalMs / 3).length;
  if (o.arrivals.length < burst.count) {
    results.push({ name: 'buffering', verdict: 'fail', detail: `${o.arrivals.length} of ${burst.count} events arrived: something on the path holds the stream back` });
  } else if (bunched > gaps.length / 2) {
    const spread = Math.round(o.arrivals.at(-1)! - o.arrivals[0]!);
    results.push({ name: 'buffering', verdict: 'fail', detail: `${burst.count} events sent ${burst.intervalMs} ms apart arrived within ${spread} ms: a proxy buffers the stream` });
  } else {
    results.push({ name: 'buffering', verdict: 'pass', detail: `events arrived as sent, about ${burst.intervalMs} ms apart` });
  }
  const encoding = o.headers['content-encoding'];
  results.push(encoding && encoding !== 'identity'
    ? { name: 'compression', verdict: 'fail', detail: `the stream came ${encoding}-compressed: compression holds events back; turn it off for text/event-stream` }
    : { name: 'compression', verdict: 'pass', detail: 'not compressed' });
  if (o.protocol === null) results.push({ name: 'protocol', verdict: 'skip', detail: 'the HTTP version could not be read' });
  else if (/^(h2|h3|HTTP\/2|HTTP\/3)/i.test(o.protocol)) results.push({ name: 'protocol', verdict: 'pass', detail: `${o.protocol}: streams share one connection` });
  else results.push({ name: 'protocol', verdict: 'warn', detail: `${o.protocol}: browsers open at most 6 connections per origin; serve HTTP/2 for many tabs (Natter shares one stream across a browser's tabs)` });
  if (!o.idleAsked) results.push({ name: 'idle', verdict: 'skip', detail: 'not asked (idle=1)' });
  else results.push(o.doneArrived
    ? { name: 'idle', verdict: 'pass', detail: 'an idle stream outlived the heartbeat' }
    : { name: 'idle', verdict: 'fail', detail: `the stream was cut while idle${o.cut ? ` (${o.cut})` : ''}: a proxy read timeout is shorter than the heartbeat (NATTER_HEARTBEAT_MS)` });
  return results;
}

export interface CheckOptions {
  /** Also check that an idle stream outlives the heartbeat (takes 1.5 heartbeats, 22.5 s by default). */
  idle?: boolean;
  /** Give up after this long (default: 10 s, plus 1.5 heartbeats with `idle`). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** The clock arrivals are read from (default performance.now). */
  now?: () => number;
}

/**
 * Run the check against a Natter server (`base` is its origin, e.g. `https://chat.example.com`): open
 * `/api/v1/events/check`, time the burst, and judge the path. In a browser the protocol is read from the
 * resource timing entry; Node's fetch speaks HTTP/1.1.
 */
export async function checkPath(base: string, opts: CheckOptions = {}): Promise<{ results: CheckResult[]; observation: CheckObservation }> {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? (() => performance.now());
  const url = `${base.replace(/\/$/, '')}/api/v1/events/check${opts.idle ? '?idle=1' : ''}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs ?? (opts.idle ? 10_000 + 1.5 * 60_000 : 10_000));
  const observation: CheckObservation = { arrivals: [], headers: {}, protocol: null, idleAsked: opts.idle === true, doneArrived: false };
  try {
    const res = await doFetch(url, { headers: { accept: 'text/event-stream' }, cache: 'no-store', signal: controller.signal });
    if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}`);
    res.headers.forEach((v, k) => { observation.headers[k.toLowerCase()] = v; });
    await readStream(res.body, new SseParser({
      message(m) {
        if (m.event === 'check') observation.arrivals.push(now());
        if (m.event === 'done') observation.doneArrived = true;
      },
    })).catch((err: unknown) => {
      // A stream cut by the path is an observation (the idle check fails on it), not an error of the check.
      if (!controller.signal.aborted) observation.cut = (err as Error).message || 'the connection was cut';
    });
  } finally {
    clearTimeout(timer);
  }
  observation.protocol = protocolOf(url);
  return { results: judgePath(observation), observation };
}

/** The protocol a browser used for `url` (resource timing), `HTTP/1.1` under Node's fetch, or null. */
function protocolOf(url: string): string | null {
  const perf = globalThis.performance as (Performance & { getEntriesByName?: (n: string) => PerformanceEntry[] }) | undefined;
  const entry = perf?.getEntriesByName?.(url).at(-1) as (PerformanceEntry & { nextHopProtocol?: string }) | undefined;
  if (entry?.nextHopProtocol) return entry.nextHopProtocol === 'http/1.1' ? 'HTTP/1.1' : entry.nextHopProtocol;
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  return node ? 'HTTP/1.1' : null;
}
