/**
 * A local stand-in for a browser vendor's Web Push service (RFC 8030) on 127.0.0.1.
 * It hands out browser-like subscriptions, checks every push the way a real service
 * does (TTL, aes128gcm, VAPID per RFC 8292), decrypts the body per RFC 8291, records
 * it, and answers as the test says: 201, an error status, or hold until released.
 * Waits are event-driven: they are re-evaluated on every request, never polled.
 */
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { createConnection, type AddressInfo } from 'node:net';

/** What a browser's `PushSubscription.toJSON()` gives. */
export interface PushSubscriptionJson { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } }
export interface TestSubscription { id: string; json: PushSubscriptionJson }
export interface PushHeaders { ttl: number; urgency: string | null; topic: string | null }
/** A push that was checked, decrypted and accepted (answered 2xx). */
export interface Delivery {
  subscriptionId: string;
  payload: unknown;
  headers: PushHeaders;
  publicKey: string; // the VAPID `k` the push was signed with
  at: number;
}
/** Any well-formed push, with what it was answered: a status, 'held' (not yet), or 'cut' (client left). */
export interface Received extends Delivery { status: number | 'held' | 'cut' }
/** A push that failed a check; `status` is what it was answered (400, 404 unknown id, 413 too large). */
export interface Rejected { subscriptionId: string | null; status: number; reason: string; at: number }
export interface WaitOptions { timeoutMs?: number; what?: string }

export interface PushService {
  /** `http://127.0.0.1:<port>`, the `aud` a VAPID JWT must carry. */
  readonly origin: string;
  subscription(): TestSubscription;
  /** Answer this subscription's following pushes with `status` (a 429 may carry `Retry-After`). */
  respond(id: string, status: number, opts?: { retryAfter?: number | string }): void;
  /** Keep this subscription's following pushes unanswered until `release(id)`. */
  hold(id: string): void;
  /** Answer every held push (with the `respond` status, 201 by default) and stop holding. */
  release(id: string): void;
  deliveries(id?: string): Delivery[];
  received(id?: string): Received[];
  rejected(): Rejected[];
  /** Resolve with the accepted deliveries as soon as `predicate` holds; reject after `timeoutMs`. */
  waitFor(predicate: (deliveries: Delivery[], received: Received[]) => boolean, opts?: WaitOptions): Promise<Delivery[]>;
  close(): Promise<void>;
}

const MAX_BODY = 4096; // RFC 8030 §7.2: larger pushes may be refused with 413
const URGENCIES = ['very-low', 'low', 'normal', 'high'];
class PushRejection extends Error {
  constructor(readonly status: number, reason: string) { super(reason); }
}
function fail(reason: string, status = 400): never { throw new PushRejection(status, reason); }
function attempt<T>(fn: () => T, reason: string): T {
  try { return fn(); } catch { return fail(reason); }
}

/** Decode base64url (as in `k`, `p256dh`, `auth`), refusing any other alphabet. */
export function fromBase64Url(s: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) fail(`not base64url: ${s.slice(0, 24)}`);
  return Buffer.from(s, 'base64url');
}

/** Import a VAPID `k` (base64url, uncompressed 65-byte P-256 point) as a public key. */
export function vapidPublicKey(k: string): KeyObject {
  const raw = fromBase64Url(k);
  if (raw.length !== 65 || raw[0] !== 4) fail('k is not an uncompressed P-256 public key');
  const x = raw.subarray(1, 33).toString('base64url');
  const y = raw.subarray(33).toString('base64url');
  return attempt(() => createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' }), 'k is not a P-256 point');
}

/** web-push always calls https.request; this agent lets it reach a plain-http endpoint such as this one. */
export function plainHttpAgent(): https.Agent {
  return Object.assign(new https.Agent(), { createConnection });
}

function parseJson(buf: Buffer, what: string): unknown {
  return attempt(() => JSON.parse(buf.toString('utf8')) as unknown, `${what} is not JSON`);
}

function parseObject(buf: Buffer, what: string): Record<string, unknown> {
  const v = parseJson(buf, what);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  if (Array.isArray(v)) fail(`${name} header given twice`);
  return v === undefined ? null : v.trim();
}

function pushHeaders(req: IncomingMessage): PushHeaders {
  const ttl = header(req, 'ttl');
  if (ttl === null || !/^\d+$/.test(ttl)) fail('TTL header missing or not a non-negative integer');
  if (header(req, 'content-encoding')?.toLowerCase() !== 'aes128gcm') fail('Content-Encoding is not aes128gcm');
  const urgency = header(req, 'urgency');
  if (urgency !== null && !URGENCIES.includes(urgency)) fail(`Urgency ${urgency} is not one of ${URGENCIES.join(', ')}`);
  const topic = header(req, 'topic');
  if (topic !== null && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) fail('Topic is not 1-32 base64url characters');
  return { ttl: Number(ttl), urgency, topic };
}

function checkClaims(claims: Record<string, unknown>, origin: string): void {
  const { aud, exp, sub } = claims;
  if (aud !== origin) fail(`JWT aud ${JSON.stringify(aud)} is not the push service origin ${origin}`);
  const now = Date.now() / 1000;
  if (typeof exp !== 'number' || exp <= now) fail('JWT exp missing or not in the future');
  if (exp > now + 24 * 3600) fail('JWT exp is more than 24 h ahead');
  if (typeof sub !== 'string' || !/^(mailto:|https:)/.test(sub)) fail('JWT sub missing or not mailto:/https:');
}

/** Check `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292) and return `k`. */
function checkVapid(authorization: string | null, origin: string): string {
  const m = /^vapid\s+(.+)$/i.exec(authorization ?? '');
  if (!m?.[1]) fail('Authorization is not "vapid t=<JWT>, k=<key>"');
  const params = new Map(m[1].split(',').map((p) => {
    const i = p.indexOf('=');
    return [p.slice(0, i).trim().toLowerCase(), p.slice(i + 1).trim()] as const;
  }));
  const t = params.get('t');
  const k = params.get('k');
  if (!t || !k) fail('vapid Authorization lacks t= or k=');
  const key = vapidPublicKey(k);
  const [h, p, s, ...rest] = t.split('.');
  if (!h || !p || !s || rest.length) fail('t is not a compact JWS');
  const alg = parseObject(fromBase64Url(h), 'JWT header').alg;
  if (alg !== 'ES256') fail(`JWT alg ${String(alg)} is not ES256`);
  const sig = fromBase64Url(s);
  if (sig.length !== 64) fail('JWT signature is not 64 bytes (JOSE r||s)');
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, sig)) fail('JWT signature does not verify with k');
  checkClaims(parseObject(fromBase64Url(p), 'JWT claims'), origin);
  return k;
}

interface SubscriberKeys { ecdh: ECDH; publicKey: Buffer; auth: Buffer }

function hkdf(ikm: Buffer, salt: Buffer, info: Buffer | string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** Decrypt an aes128gcm body (RFC 8188 framing, RFC 8291 keys) and parse it as JSON. */
function decrypt(body: Buffer, keys: SubscriberKeys): unknown {
  if (body.length < 21 + 65 + 17) fail('body too short for an aes128gcm header and a record');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  if (body[20] !== 65) fail(`keyid length ${String(body[20])}, want the 65-byte sender public key`);
  const asPublic = body.subarray(21, 86);
  const record = body.subarray(86);
  if (rs < 18 || record.length > rs) fail(`body is not a single record of at most rs=${rs} bytes`);
  const secret = attempt(() => keys.ecdh.computeSecret(asPublic), 'keyid is not a P-256 public key');
  const ikm = hkdf(secret, keys.auth, Buffer.concat([Buffer.from('WebPush: info\0'), keys.publicKey, asPublic]), 32);
  const cek = hkdf(ikm, salt, 'Content-Encoding: aes128gcm\0', 16);
  const nonce = hkdf(ikm, salt, 'Content-Encoding: nonce\0', 12);
  const plain = attempt(() => {
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(-16));
    return Buffer.concat([decipher.update(record.subarray(0, -16)), decipher.final()]);
  }, 'record does not decrypt (wrong keys or tampered body)');
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) fail('plaintext lacks the 0x02 last-record padding delimiter');
  return parseJson(plain.subarray(0, end), 'plaintext');
}

interface SubState extends SubscriberKeys {
  status: number;
  retryAfter: string | null;
  holding: boolean;
  held: { rec: Received; res: ServerResponse }[];
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function describe(list: readonly (Received | Rejected)[]): string {
  const one = (r: Received | Rejected): string => 'reason' in r
    ? `  ${r.status} ${r.subscriptionId ?? '?'}: ${r.reason}`
    : `  ${r.status} ${r.subscriptionId}: ${JSON.stringify(r.payload).slice(0, 200)}`;
  return list.length ? list.map(one).join('\n') : '  (nothing)';
}

/** Start the push service on 127.0.0.1 (a free port). */
export async function startPushService(): Promise<PushService> {
  const subs = new Map<string, SubState>();
  const accepted: Delivery[] = [];
  const received: Received[] = [];
  const rejected: Rejected[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => { for (const w of [...waiters]) w(); };
  let origin = '';
  let messages = 0;

  const answer = (sub: SubState, rec: Received, res: ServerResponse): void => {
    rec.status = sub.status;
    if (sub.status >= 200 && sub.status < 300) {
      const { status: _, ...delivery } = rec;
      accepted.push(delivery);
      res.setHeader('Location', `${origin}/message/${++messages}`);
    }
    if (sub.retryAfter !== null) res.setHeader('Retry-After', sub.retryAfter);
    res.writeHead(sub.status).end();
  };

  const holdRequest = (sub: SubState, rec: Received, res: ServerResponse): void => {
    const entry = { rec, res };
    sub.held.push(entry);
    res.on('close', () => {
      if (res.writableEnded) return;
      rec.status = 'cut';
      sub.held = sub.held.filter((e) => e !== entry);
      notify();
    });
  };

  const accept = (req: IncomingMessage, body: Buffer, res: ServerResponse): void => {
    const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1] ?? null;
    try {
      if (req.method !== 'POST') fail(`method ${String(req.method)} is not POST`, 405);
      const sub = id === null ? undefined : subs.get(id);
      if (!sub || id === null) return fail(`no subscription at ${String(req.url)}`, 404);
      if (body.length > MAX_BODY) fail(`body of ${body.length} bytes exceeds ${MAX_BODY}`, 413);
      const headers = pushHeaders(req);
      const publicKey = checkVapid(header(req, 'authorization'), origin);
      const rec: Received = { subscriptionId: id, payload: decrypt(body, sub), headers, publicKey, at: Date.now(), status: 'held' };
      received.push(rec);
      if (sub.holding) holdRequest(sub, rec, res);
      else answer(sub, rec, res);
    } catch (e) {
      const status = e instanceof PushRejection ? e.status : 500;
      const reason = e instanceof PushRejection ? e.message : `push service bug: ${String(e)}`;
      rejected.push({ subscriptionId: id, status, reason, at: Date.now() });
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(reason);
    }
    notify();
  };

  const server = createServer((req, res) => {
    readBody(req).then((body) => accept(req, body, res), () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const subState = (id: string): SubState => subs.get(id) ?? fail(`push service: unknown subscription ${id}`);
  const byId = <T extends { subscriptionId: string | null }>(list: T[], id?: string): T[] =>
    list.filter((r) => id === undefined || r.subscriptionId === id);

  return {
    origin,
    subscription() {
      const id = randomBytes(8).toString('hex');
      const ecdh = createECDH('prime256v1');
      const publicKey = ecdh.generateKeys();
      const auth = randomBytes(16);
      subs.set(id, { ecdh, publicKey, auth, status: 201, retryAfter: null, holding: false, held: [] });
      const keys = { p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') };
      return { id, json: { endpoint: `${origin}/push/${id}`, expirationTime: null, keys } };
    },
    respond(id, status, opts = {}) {
      const sub = subState(id);
      sub.status = status;
      sub.retryAfter = opts.retryAfter === undefined ? null : String(opts.retryAfter);
    },
    hold(id) { subState(id).holding = true; },
    release(id) {
      const sub = subState(id);
      sub.holding = false;
      for (const { rec, res } of sub.held.splice(0)) answer(sub, rec, res);
      notify();
    },
    deliveries: (id) => byId(accepted, id),
    received: (id) => byId(received, id),
    rejected: () => [...rejected],
    waitFor(predicate, { timeoutMs = 5000, what = 'push predicate' } = {}) {
      return new Promise((resolve, reject) => {
        const settle = (fn: () => void): void => { waiters.delete(check); clearTimeout(timer); fn(); };
        const check = (): void => {
          try {
            if (predicate([...accepted], [...received])) settle(() => resolve([...accepted]));
          } catch (e) { settle(() => reject(e as Error)); }
        };
        const timer = setTimeout(() => settle(() => reject(new Error(
          `push service: timed out after ${timeoutMs} ms waiting for ${what}.\n` +
          `Received:\n${describe(received)}\nRejected:\n${describe(rejected)}`))), timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
