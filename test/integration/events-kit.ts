/**
 * Shared pieces of the event-stream suites (events-*.test.ts): users, rooms,
 * posting, streams that are ready, "nothing else arrived" markers, metrics,
 * and the eventsource@4 client. Not a test file itself.
 */
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { newUser, type Api } from '../helpers/api.ts';
import type { SseEvent } from '../helpers/sse-parse.ts';
import { openRaw, type RawStream } from '../helpers/sse.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

export interface U {
  api: Api;
  id: string;
  name: string;
  token: string;
}

export async function user(base: string, prefix = 'u'): Promise<U> {
  const { api, user: u, token } = await newUser(base, prefix);
  return { api, id: u.id, name: u.username, token };
}

/** A fresh room owned by `owner`, with `members` added (the owner's own join comes first). */
export async function room(owner: U, visibility: 'public' | 'private' = 'private', members: U[] = []): Promise<string> {
  const name = uniq('r');
  const r = await owner.api.post('/api/v1/rooms', { name, visibility });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  for (const m of members) {
    const a = await owner.api.post(`/api/v1/rooms/${name}/members`, { username: m.name });
    assert.equal(a.status, 200, JSON.stringify(a.body));
  }
  return name;
}

/** Post a message; returns the stored message. */
export async function post(u: U, roomName: string, text: string): Promise<any> {
  const r = await u.api.post(`/api/v1/rooms/${roomName}/messages`, { text });
  assert.equal(r.status, 201, `post to ${roomName}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.message;
}

export interface OpenOpts {
  /** Sent as the Last-Event-ID header. */
  lastEventId?: string;
  /** Sent as ?last_event_id=. */
  query?: string;
  headers?: Record<string, string>;
}

/** Open GET /api/v1/events for `token` and wait for its `ready` event. */
export async function stream(base: string, token: string, opts: OpenOpts = {}): Promise<RawStream> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...opts.headers };
  if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
  const path = opts.query === undefined ? '/api/v1/events' : `/api/v1/events?last_event_id=${encodeURIComponent(opts.query)}`;
  const s = await openRaw(base, path, headers);
  assert.equal(s.status, 200, `stream status ${s.status}: ${s.raw()}`);
  await s.waitFor((ev) => ev.some((e) => e.event === 'ready'), 'ready');
  return s;
}

/** The parsed data of every event of `type` (in arrival order), optionally only those about room `roomName`. */
export function data(events: SseEvent[], type: string, roomName?: string): any[] {
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
  return data(s.events, 'message', roomName).map((d) => d.message.text);
}

/** Stored events (those with an id) about `roomName`, as `type:detail` strings. */
export function storedIn(events: SseEvent[], roomName: string): string[] {
  return events.filter((e) => e.hasId && e.event !== 'reset').map((e) => ({ e, d: JSON.parse(e.data) })).filter(({ d }) => roomOf(d) === roomName).map(({ e, d }) => describe(e.event, d));
}

function describe(type: string, d: any): string {
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
export async function marker(poster: U, roomName: string, streams: RawStream[]): Promise<SseEvent[][]> {
  const text = uniq('marker');
  await post(poster, roomName, text);
  for (const s of streams) await waitText(s, roomName, text);
  return streams.map((s) => s.events.slice(0, s.events.findIndex((e) => e.event === 'message' && JSON.parse(e.data).message.text === text)));
}

/** The `ready` event's data. */
export function readyOf(s: RawStream): any {
  const r = data(s.events, 'ready')[0];
  assert.ok(r, 'ready received');
  return r;
}

/** The cursor of a fresh snapshot: GET /rooms. */
export async function cursorNow(u: U): Promise<string> {
  const r = await u.api.get('/api/v1/rooms');
  assert.equal(r.status, 200);
  assert.equal(typeof r.body.cursor, 'string');
  return r.body.cursor;
}

/** Close a raw stream and wait until the server has seen it go (its socket is closed on our side). */
export async function closeStream(s: RawStream): Promise<void> {
  s.close();
  await waitFor(() => s.closed, 'stream closed');
}

/** Read one sample of a Prometheus metric from GET /metrics (0 when absent). */
export async function metric(base: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(m[3]);
  }
  return 0;
}

/** Stop a test server; when it had died on its own, fail with what it printed (a crash is a bug, not noise). */
export async function stopServer(server: { url: string; output(): string; stop(): Promise<number | null> }): Promise<void> {
  const alive = await fetch(`${server.url}/healthz`).then((r) => r.ok, () => false);
  const out = server.output();
  const t0 = Date.now();
  const code = await server.stop();
  if (process.env.EVENTS_DEBUG) console.error(`stopServer: ${Date.now() - t0} ms, exit ${code}`);
  assert.ok(alive, `the server died during the suite:\n${out.slice(-4000)}`);
}

/** An eventsource@4 client (the real SSE client) with a bearer token; records every event it dispatches. */
export interface EsClient {
  es: EventSource;
  events: { type: string; data: any; lastEventId: string }[];
  /** Every request it made: the Last-Event-ID header each carried ('' when none). */
  requests: string[];
  /** The outcome of each request: the status, or the network error. */
  outcomes: string[];
  opens: number;
  close(): void;
}

const ES_TYPES = ['ready', 'message', 'message_updated', 'member_joined', 'member_left', 'room_updated', 'typing', 'presence', 'reset'];

export function eventSource(base: string, token: string, path = '/api/v1/events'): EsClient {
  const requests: string[] = [];
  const outcomes: string[] = [];
  const es = new EventSource(`${base}${path}`, {
    fetch: async (input, init) => {
      const h = new Headers(init?.headers);
      requests.push(h.get('last-event-id') ?? '');
      h.set('authorization', `Bearer ${token}`);
      try {
        const res = await fetch(input, { ...init, headers: h });
        outcomes.push(String(res.status));
        return res;
      } catch (err) {
        outcomes.push(`error: ${(err as Error).cause ?? (err as Error).message}`);
        throw err;
      }
    },
  });
  const c: EsClient = { es, events: [], requests, outcomes, opens: 0, close: () => es.close() };
  c.es.addEventListener('open', () => c.opens++);
  for (const t of ES_TYPES) c.es.addEventListener(t, (e: MessageEvent) => c.events.push({ type: t, data: JSON.parse(e.data), lastEventId: e.lastEventId }));
  c.es.onerror = () => { /* reconnects by itself */ };
  return c;
}

/** Message texts an eventsource client got for a room. */
export function esTexts(c: EsClient, roomName: string): string[] {
  return c.events.filter((e) => e.type === 'message' && e.data.message.room === roomName).map((e) => e.data.message.text);
}

/** A message text cut short for assertion output. */
export const short = (t: string): string => (t.length > 24 ? `${t.slice(0, 24)}…` : t);

/** Assert that `list` has each element once, in the given order. */
export function assertExactlyOnce(fullList: string[], fullExpected: string[], what: string): void {
  const list = fullList.map(short);
  const expected = fullExpected.map(short);
  const dupes = list.filter((t, i) => list.indexOf(t) !== i);
  assert.deepEqual(dupes, [], `${what}: duplicates`);
  const missing = expected.filter((t) => !list.includes(t));
  assert.deepEqual(missing, [], `${what}: missing`);
  assert.deepEqual(list, expected, `${what}: order`);
}

export { waitFor, uniq };
