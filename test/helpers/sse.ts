/**
 * The event stream from a test: a raw-socket reader that keeps the exact bytes and
 * parses them with an independent, WHATWG-conformant parser (sse-parse.ts), and
 * what the suites read from a stream: event data, message texts, markers.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { post, type TestUser } from './api.ts';
import { SseParser, type SseEvent } from './sse-parse.ts';
import { uniq, waitFor } from './wait.ts';

/** A response read over a raw socket, its body parsed as an event stream while it arrives. */
export interface RawStream {
  /** Response status and headers (lower-cased names). */
  status: number;
  headers: Record<string, string>;
  /** Every byte of the body received so far. */
  raw(): string;
  events: SseEvent[];
  /** Comments (lines starting with ':') seen so far. */
  comments: string[];
  closed: boolean;
  /** The last `id:` the stream set (what a browser would send as Last-Event-ID). */
  lastEventId: string;
  /** Wait until `pred` holds for the events received so far. */
  waitFor(pred: (events: SseEvent[]) => boolean, what?: string, timeoutMs?: number): Promise<void>;
  /** Pause/resume reading (a slow client). */
  pause(): void;
  resume(): void;
  /** Destroy the socket. */
  close(): void;
  socket: Socket;
}

/** Open GET `path` on `base` over a raw socket; resolves once the response head is in. */
export function openRaw(base: string, path: string, headers: Record<string, string> = {}): Promise<RawStream> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let head = '';
    let body = Buffer.alloc(0);
    let gotHead = false;
    const parser = new SseParser();
    const s: RawStream = {
      status: 0, headers: {}, events: parser.events, comments: parser.comments, closed: false,
      get lastEventId() { return parser.lastEventId; },
      raw: () => body.toString('utf8'),
      waitFor: (pred, what = 'events', timeoutMs) => waitFor(() => pred(s.events), what, timeoutMs).then(() => undefined),
      pause: () => socket.pause(),
      resume: () => socket.resume(),
      close: () => socket.destroy(),
      socket,
    };
    socket.on('error', (e) => { if (!gotHead) reject(e); });
    socket.on('close', () => { s.closed = true; if (!gotHead) reject(new Error('closed before response head')); });
    socket.on('data', (chunk: Buffer) => {
      if (!gotHead) {
        head += chunk.toString('latin1');
        const i = head.indexOf('\r\n\r\n');
        if (i < 0) return;
        gotHead = true;
        const lines = head.slice(0, i).split('\r\n');
        s.status = Number(lines[0]!.split(' ')[1]);
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          s.headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
        }
        chunk = Buffer.from(head.slice(i + 4), 'latin1');
        resolve(s);
      }
      body = Buffer.concat([body, chunk]);
      parser.push(chunk);
    });
    const h = { host: `${u.hostname}:${u.port}`, accept: 'text/event-stream', ...headers };
    socket.write(`GET ${path} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
  });
}

/** How openEvents() opens the stream. */
export interface EventsOptions {
  /** Sent as the Last-Event-ID header. */
  lastEventId?: string;
  /** Sent as ?last_event_id=. */
  query?: string;
  headers?: Record<string, string>;
  /** Assert 200 and wait for the `ready` event before resolving (default true); false resolves once the head is in. */
  ready?: boolean;
}

/** Open GET /api/v1/events with `token` as a bearer token; by default, resolve once it is `ready`. */
export async function openEvents(base: string, token: string, opts: EventsOptions = {}): Promise<RawStream> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...opts.headers };
  if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
  const path = opts.query === undefined ? '/api/v1/events' : `/api/v1/events?last_event_id=${encodeURIComponent(opts.query)}`;
  const s = await openRaw(base, path, headers);
  if (opts.ready === false) return s;
  assert.equal(s.status, 200, `stream status ${s.status}: ${s.raw()}`);
  return untilReady(s);
}

/** Wait for the stream's `ready` event; returns the stream. */
export async function untilReady(s: RawStream): Promise<RawStream> {
  await s.waitFor((ev) => ev.some((e) => e.event === 'ready'), 'ready');
  return s;
}

/** The parsed data of every event of `type` (in arrival order), optionally only those about room `roomName`. */
export function dataOf<T = any>(events: SseEvent[], type: string, roomName?: string): T[] {
  return events
    .filter((e) => e.event === type)
    .map((e) => JSON.parse(e.data))
    .filter((d) => roomName === undefined || roomOf(d) === roomName);
}

/** The room an event's data is about. */
export function roomOf(d: any): string | undefined {
  if (typeof d.room === 'string') return d.room;
  if (d.room && typeof d.room.name === 'string') return d.room.name;
  return d.message?.room;
}

/** Texts of the `message` events of a room, in arrival order. */
export function texts(s: RawStream, roomName: string): string[] {
  return dataOf(s.events, 'message', roomName).map((d) => d.message.text);
}

/** Stored events (those with an id) about `roomName`, as `type:detail` strings. */
export function storedIn(events: SseEvent[], roomName: string): string[] {
  return events.filter((e) => e.hasId && e.event !== 'reset').map((e) => ({ e, d: JSON.parse(e.data) })).filter(({ d }) => roomOf(d) === roomName).map(({ e, d }) => detail(e.event, d));
}

function detail(type: string, d: any): string {
  if (type === 'message' || type === 'message_updated') return `${type}:${d.message.text}`;
  if (type === 'member_joined' || type === 'member_left') return `${type}:${d.user.username}`;
  if (type === 'room_updated') return `${type}:${d.room.topic}`;
  return type;
}

/** Wait until `s` has a message with `text` in `roomName`. */
export async function waitText(s: RawStream, roomName: string, text: string, timeoutMs?: number): Promise<void> {
  await s.waitFor(() => texts(s, roomName).includes(text), `message "${short(text)}" in ${roomName}`, timeoutMs);
}

/**
 * Post a marker message to `roomName` and wait for every stream in `streams` to get it.
 * Returns, for each stream, the events that arrived before the marker: since a
 * stream is ordered, anything that was going to arrive before it has.
 */
export async function marker(poster: TestUser, roomName: string, streams: RawStream[]): Promise<SseEvent[][]> {
  const text = uniq('marker');
  await post(poster, roomName, text);
  for (const s of streams) await waitText(s, roomName, text);
  return streams.map((s) => s.events.slice(0, s.events.findIndex((e) => e.event === 'message' && JSON.parse(e.data).message.text === text)));
}

/** The `ready` event's data. */
export function readyOf(s: RawStream): any {
  const r = dataOf(s.events, 'ready')[0];
  assert.ok(r, 'ready received');
  return r;
}

/** Close a raw stream and wait until the server has seen it go (its socket is closed on our side). */
export async function closeStream(s: RawStream): Promise<void> {
  s.close();
  await waitFor(() => s.closed, 'stream closed');
}

/** A message text cut short for assertion output. */
export const short = (t: string): string => (t.length > 24 ? `${t.slice(0, 24)}…` : t);

/** Assert that `fullList` has each element of `fullExpected` once, in that order, and nothing else. */
export function assertExactlyOnce(fullList: string[], fullExpected: string[], what: string): void {
  const list = fullList.map(short);
  const expected = fullExpected.map(short);
  const dupes = list.filter((t, i) => list.indexOf(t) !== i);
  assert.deepEqual(dupes, [], `${what}: duplicates`);
  const missing = expected.filter((t) => !list.includes(t));
  assert.deepEqual(missing, [], `${what}: missing`);
  assert.deepEqual(list, expected, `${what}: order`);
}
