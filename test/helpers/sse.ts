/**
 * SSE clients for tests: a raw-socket reader that keeps the exact bytes and
 * parses them with an independent, WHATWG-conformant parser (sse-parse.ts).
 */
import { connect, type Socket } from 'node:net';
import { SseParser, type SseEvent } from './sse-parse.ts';
import { waitFor } from './wait.ts';

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
  waitFor(pred: (events: SseEvent[]) => boolean, what?: string, timeoutMs?: number): Promise<void>;
  /** Pause/resume reading (a slow client). */
  pause(): void;
  resume(): void;
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

/** Open the event stream for a token, optionally resuming. */
export function openEvents(base: string, token: string, lastEventId?: string): Promise<RawStream> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  return openRaw(base, '/api/v1/events', headers);
}

/** The JSON data of events of one type. */
export function dataOf<T = any>(events: SseEvent[], type: string): T[] {
  return events.filter((e) => e.event === type).map((e) => JSON.parse(e.data) as T);
}
