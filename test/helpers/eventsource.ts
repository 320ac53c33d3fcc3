/** The real SSE client, eventsource@4, as a test drives it: a bearer token, and a record of what it did. */
import { EventSource } from 'eventsource';

/** An eventsource@4 client with a bearer token; records every event it dispatches. */
export interface EsClient {
  es: EventSource;
  events: { type: string; data: any; lastEventId: string }[];
  /** Every request it made: the Last-Event-ID header each carried ('' when none). */
  requests: string[];
  /** The outcome of each request: the status, or the network error. */
  outcomes: string[];
  /** How many times it opened (1 + reconnects). */
  opens: number;
  close(): void;
}

const ES_TYPES = ['ready', 'message', 'message_updated', 'member_joined', 'member_left', 'room_updated', 'typing', 'presence', 'reset'];

/** Connect an eventsource@4 client to `path` on `base` with `token`; it reconnects by itself. */
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
