/**
 * A webhook receiver on 127.0.0.1 for tests (API v1.1 §6): it records every delivery, checks its Standard
 * Webhooks signature with the hook's secret (its own HMAC code, not the server's), and answers what the test
 * says: a status per delivery, or no answer at all (`down()` closes the port: connections are refused).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait.ts';

export interface Delivery {
  /** Which path it was posted to (one receiver serves many hooks: /h/<name>). */
  path: string;
  id: string;
  timestamp: number;
  signature: string;
  body: string;
  event: { id: string; type: string; data: any };
  hookId: string;
  /** The status the receiver answered. */
  status: number;
  at: number;
}

/** Whether a delivery's signature verifies with `secret` (`whsec_<base64 key>`). */
export function verifies(d: Pick<Delivery, 'id' | 'timestamp' | 'signature' | 'body'>, secret: string): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${d.id}.${d.timestamp}.${d.body}`).digest();
  return d.signature.split(' ').some((s) => {
    const [version, sig] = s.split(',');
    const given = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export interface Receiver {
  /** The base URL (http://127.0.0.1:<port>); hooks post to `${url}/h/<name>`. */
  readonly url: string;
  /** Every delivery that was answered, in arrival order. */
  all(path?: string): Delivery[];
  /** The event ids delivered to `path` (duplicates kept) with a 2xx answer. */
  acked(path: string): string[];
  /** Decide the status of each next delivery (default 200). */
  answer(fn: (d: Omit<Delivery, 'status' | 'at'>) => number | Promise<number>): void;
  /** Stop accepting connections (refused) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  waitFor(predicate: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  let decide: (d: Omit<Delivery, 'status' | 'at'>) => number | Promise<number> = () => 200;
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const parsed = JSON.parse(body) as { hook_id: string; event: Delivery['event'] };
        const d = {
          path: req.url ?? '', id: String(req.headers['webhook-id']), timestamp: Number(req.headers['webhook-timestamp']),
          signature: String(req.headers['webhook-signature']), body, event: parsed.event, hookId: parsed.hook_id,
        };
        const status = await decide(d);
        deliveries.push({ ...d, status, at: Date.now() });
        res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      })();
    });
  };
  let server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const close = () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return {
    url: `http://127.0.0.1:${port}`,
    all: (path) => deliveries.filter((d) => path === undefined || d.path === path),
    acked: (path) => deliveries.filter((d) => d.path === path && d.status >= 200 && d.status < 300).map((d) => d.id),
    answer(fn) {
      decide = fn;
    },
    down: close,
    async up() {
      server = http.createServer(handler);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    async waitFor(predicate, what, timeoutMs = 20_000) {
      await waitFor(predicate, what, timeoutMs);
    },
    close,
  };
}
