/**
 * A webhook receiver for the outgoing-hook suites: a node:http server on 127.0.0.1 that keeps every POST it gets
 * (headers and parsed body) and answers `status` (settable, 200 at first). `waitFor` resolves on the first request
 * matching a predicate (one already received counts), so tests wait on deliveries, never on time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { hook_id: string; event: { id: string; type: string; data: any } };
  /** What the receiver answered. */
  answered: number;
}

export interface Receiver {
  url: string;
  status: number;
  received: Delivery[];
  waitFor(pred: (d: Delivery) => boolean, what: string, timeoutMs?: number): Promise<Delivery>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const waiters = new Set<{ pred: (d: Delivery) => boolean; resolve(d: Delivery): void }>();
  const r: Receiver = {
    url: '',
    status: 200,
    received: [],
    waitFor(pred, what, timeoutMs = 30_000) {
      const seen = r.received.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (d: Delivery) => { clearTimeout(t); resolve(d); } };
        const t = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`receiver: no delivery of ${what} within ${timeoutMs} ms; got ${JSON.stringify(r.received.map((d) => [d.body.event.type, d.answered]))}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const answered = r.status;
      let body: Delivery['body'];
      try {
        body = JSON.parse(raw);
      } catch {
        body = { hook_id: '', event: { id: '', type: 'unparsable', data: raw } };
      }
      const d: Delivery = { path: req.url ?? '', headers: req.headers, raw, body, answered };
      r.received.push(d);
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'failing on purpose');
      for (const w of [...waiters]) {
        if (w.pred(d)) {
          waiters.delete(w);
          w.resolve(d);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}

/** Whether a delivery's `webhook-signature` is the Standard Webhooks HMAC of its id, timestamp and body with `secret`. */
export function signatureValid(d: Delivery, secret: string): boolean {
  const id = String(d.headers['webhook-id'] ?? '');
  const ts = String(d.headers['webhook-timestamp'] ?? '');
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${d.raw}`).digest();
  return String(d.headers['webhook-signature'] ?? '')
    .split(' ')
    .some((part) => {
      const [v, sig] = part.split(',');
      const got = Buffer.from(sig ?? '', 'base64');
      return v === 'v1' && got.length === expected.length && timingSafeEqual(got, expected);
    });
}
