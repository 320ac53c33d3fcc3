/**
 * Configuration: one `Config` read from the environment once at boot.
 * `loadConfig` is pure: it never exits or logs; it collects every bad variable
 * and throws one `ConfigError` naming all of them, which main.ts prints.
 * `0` disables a limit (STYLE habit 11). Nothing switches on NODE_ENV.
 */
import { isSmtpUrl, parseDatabaseUrl, parseTrustProxy, redactUrl, type StoreUrl } from './config-parse.ts';

export { redactUrl, type StoreUrl };
import { FetchAllow } from './net/fetch-guard.ts';
import { parseOidc, type OidcConfig } from './config-oidc.ts';

/** A rate: `count` events per `windowMs`; `null` when disabled with `0`. */
export interface Rate {
  count: number;
  windowMs: number;
}

export interface Config {
  /** PORT, default 8080; 0 picks a free port. */
  port: number;
  /** HOST, default 127.0.0.1. */
  host: string;
  /** DATABASE_URL, default sqlite:./data/natter.db. */
  database: StoreUrl;
  /** REDIS_URL, default unset (single node). */
  redisUrl: string | null;
  /** NATTER_GUESTS, default true. */
  guests: boolean;
  /** NATTER_REGISTRATION, default open (v1.1 §5): how `register` and `guest` create accounts. */
  registration: 'open' | 'invite' | 'closed';
  /** NATTER_ADMINS, default unset (null): usernames that are admins; unset: the first-admin rule. */
  admins: string[] | null;
  /** NATTER_POST_RATE, default 10/10s per user; null = unlimited. */
  postRate: Rate | null;
  /**
   * NATTER_ACTION_RATE, default 120/60s per user: one budget shared by reactions, edits, deletes, read
   * markers, member changes and room creation/PATCH; null = unlimited.
   */
  actionRate: Rate | null;
  /** NATTER_AUTH_RATE, default 20/60s per IP: one budget for login, register and guest together; null = unlimited. */
  authRate: Rate | null;
  /** NATTER_SEARCH_RATE, default 30/60s per user on GET /search; null = unlimited. */
  searchRate: Rate | null;
  /** NATTER_UPLOADS, default true: false disables uploads and avatars (403 uploads_disabled). */
  uploads: boolean;
  /** NATTER_MAX_UPLOAD, default 10 MiB: an upload's size limit in bytes; 0 = no limit. */
  maxUpload: number;
  /** NATTER_UPLOAD_TTL_MS, default one day: how long an unattached upload lives. */
  uploadTtlMs: number;
  /** NATTER_UPLOAD_RATE, default 20/60s per user on POST /uploads; null = unlimited. */
  uploadRate: Rate | null;
  /** NATTER_PREVIEWS, default true: false fetches no link previews. */
  previews: boolean;
  /** NATTER_FETCH_ALLOW: destinations exempt from the fetch guard (comma list of host names, addresses, CIDRs); '' = none. */
  fetchAllow: string;
  /** NATTER_PUSH, default true: false turns Web Push off (GET /push/key is 404). */
  push: boolean;
  /** NATTER_PUSH_DELAY_MS, default 10 s: how long after commit an unseen, unread message is pushed. */
  pushDelayMs: number;
  /** NATTER_PUSH_EXCERPT, default true: false sends pushes without the message's text. */
  pushExcerpt: boolean;
  /**
   * NATTER_PUSH_CLAIM_MS, default 60000: how long one node holds a queued push while sending it; a node that dies
   * mid-send leaves its pushes to another node after this long.
   */
  pushClaimMs: number;
  /** NATTER_HOOK_LEASE_MS (30 s) and NATTER_HOOK_RETRY_MS (1 s): an outgoing hook's lease on a node, and its first retry's delay (v1.1 §6). */
  hookLeaseMs: number;
  hookRetryMs: number;
  /** NATTER_PUBLIC_URL, default http://HOST:PORT: the origin users reach (links in emails, the VAPID subject). */
  publicUrl: string;
  /** NATTER_SMTP_URL, default unset (email off): `smtp://` or `smtps://`, with optional user:pass@, for verification mails and digests. */
  smtpUrl: string | null;
  /** NATTER_SMTP_FROM, default `Natter <natter@HOST>` with the host of NATTER_PUBLIC_URL: the From of every email. */
  smtpFrom: string;
  /** NATTER_EMAIL_DELAY_MS, default 15 min: how long a DM or mention stays unread before it is mailed, and the least gap between a user's emails. */
  emailDelayMs: number;
  /** NATTER_LOGIN_FAILURES, default 10/15m: failed logins per username (any address) before its logins get 429; null = off. */
  loginFailures: Rate | null;
  /** NATTER_SESSION_IDLE_MS, default 30 days: a session unused this long ends; 0 = never. */
  sessionIdleMs: number;
  /** NATTER_SESSION_MAX_MS, default 90 days: a session this old ends, however used; 0 = never. */
  sessionMaxMs: number;
  /** NATTER_STREAMS_PER_USER, default 10; 0 = no cap. */
  streamsPerUser: number;
  /** NATTER_STREAMS_PER_IP, default 100; 0 = no cap. */
  streamsPerIp: number;
  /** NATTER_HEARTBEAT_MS, default 15000. */
  heartbeatMs: number;
  /** NATTER_MAX_BODY, default 65536 bytes. */
  maxBody: number;
  /**
   * NATTER_REQUEST_TIMEOUT_MS, default 30000: a request not fully received this long after it began
   * (headers and body) gets 408 and its connection closes; 0 disables. Event streams are not affected.
   */
  requestTimeoutMs: number;
  /** NATTER_METRICS_TOKEN, default unset: when set, GET /metrics needs `Authorization: Bearer <it>` (else 401). */
  metricsToken: string | null;
  /** NATTER_COOKIE_SECURE, default false: mark the session cookie Secure even on plain http (TLS ends at an untrusted proxy). */
  cookieSecure: boolean;
  /** NATTER_STREAM_BUFFER, default 1 MiB: unsent bytes a stream may hold before it is closed as slow. */
  streamBuffer: number;
  /**
   * NATTER_REPLAY_STALL_MS, default 10000: how long a stream's replay may wait for its client to read before the
   * stream is closed as slow (it resumes by cursor); 0 = no deadline.
   */
  replayStallMs: number;
  /** NATTER_REPLAYS_MAX, default 64: streams replaying at once on a node; others wait their turn; 0 = no cap. */
  replaysMax: number;
  /** NATTER_RETRY_MS, default 2000: the `retry:` hint sent to EventSource clients (jittered per stream, 0.5× to 1.5×). */
  retryMs: number;
  /** NATTER_SHUTDOWN_SPREAD_MS, default 1000: a stopping node closes its streams spread over this long. */
  shutdownSpreadMs: number;
  /** NATTER_PRESENCE_GRACE_MS, default 5000: how long a user stays online after their last stream closes. */
  presenceGraceMs: number;
  /** LOG_LEVEL, default info (pino levels, or silent). */
  logLevel: string;
  /** NATTER_WEB_DIR, default ./web/dist: the built web client served at `/`. */
  webDir: string;
  /**
   * NATTER_TRUST_PROXY, default off: take the client address (per-IP limits and caps)
   * from X-Forwarded-For. `1` trusts any proxy; a comma list of addresses/CIDRs trusts those.
   */
  trustProxy: boolean | string[];
  /** NATTER_OIDC_*: single sign-on (API v1.1 §5, config-oidc.ts); null unless ISSUER, CLIENT_ID, CLIENT_SECRET and REDIRECT_URL are all set. */
  oidc: OidcConfig | null;
}

/** Thrown by loadConfig; `problems` has one line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Read and validate the whole configuration; throws ConfigError listing every bad variable. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}`);
      return def;
    }
    return Number(raw);
  };
  const rate = (name: string, def: Rate): Rate | null => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const r = parseRate(raw);
    if (r === undefined) problems.push(`${name}=${JSON.stringify(raw)}: expected <count>/<window> like 10/10s, or 0 to disable`);
    return r === undefined ? def : r;
  };
  const registration = (env.NATTER_REGISTRATION || 'open') as Config['registration'];
  if (!['open', 'invite', 'closed'].includes(registration)) problems.push(`NATTER_REGISTRATION=${JSON.stringify(registration)}: expected open, invite or closed`);
  const adminsRaw = env.NATTER_ADMINS?.trim() || '';
  const admins = adminsRaw === '' ? null : adminsRaw.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const guestsRaw = env.NATTER_GUESTS ?? '1';
  if (!['0', '1', 'true', 'false'].includes(guestsRaw)) problems.push(`NATTER_GUESTS=${JSON.stringify(guestsRaw)}: expected 1 or 0`);
  const flag = (name: string, def: '0' | '1'): boolean => {
    const raw = env[name] || def;
    if (!['0', '1', 'true', 'false'].includes(raw)) problems.push(`${name}=${JSON.stringify(raw)}: expected 1 or 0`);
    return raw === '1' || raw === 'true';
  };
  const uploads = flag('NATTER_UPLOADS', '1');
  const previews = flag('NATTER_PREVIEWS', '1');
  const fetchAllow = env.NATTER_FETCH_ALLOW ?? '';
  try {
    new FetchAllow(fetchAllow);
  } catch (err) {
    problems.push(`NATTER_FETCH_ALLOW=${JSON.stringify(fetchAllow)}: ${(err as Error).message.replace(/^NATTER_FETCH_ALLOW: /, '')}`);
  }
  const cookieSecure = flag('NATTER_COOKIE_SECURE', '0');
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.has(logLevel)) problems.push(`LOG_LEVEL=${JSON.stringify(logLevel)}: expected one of ${[...LOG_LEVELS].join(', ')}`);
  const host = env.HOST || '127.0.0.1';
  if (/\s/.test(host)) problems.push(`HOST=${JSON.stringify(host)}: not a host name or address`);

  const database = parseDatabaseUrl(env.DATABASE_URL || 'sqlite:./data/natter.db', problems);
  const redisUrl = env.REDIS_URL || null;
  if (redisUrl !== null && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    problems.push(`REDIS_URL=${JSON.stringify(redactUrl(redisUrl))}: expected redis://host:port or rediss://…`);
  } else if (redisUrl !== null && database?.kind === 'sqlite') {
    problems.push('REDIS_URL is set but DATABASE_URL is SQLite: cluster mode needs DATABASE_URL=postgres://… (each node would otherwise hold a different history)');
  }

  const port = int('PORT', 8080, 0, 65535);
  const publicUrl = (env.NATTER_PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  if (env.NATTER_PUBLIC_URL && !/^https?:\/\/[^\s/]+$/.test(publicUrl)) problems.push(`NATTER_PUBLIC_URL=${JSON.stringify(publicUrl)}: expected an origin like https://chat.example.com`);
  const smtpUrl = env.NATTER_SMTP_URL || null;
  if (smtpUrl !== null && !isSmtpUrl(smtpUrl)) problems.push(`NATTER_SMTP_URL=${JSON.stringify(redactUrl(smtpUrl))}: expected smtp://[user:pass@]host[:port] or smtps://…`);
  const smtpFrom = env.NATTER_SMTP_FROM || `Natter <natter@${URL.canParse(publicUrl) ? new URL(publicUrl).hostname : 'localhost'}>`;
  if (/[\r\n\0]/.test(smtpFrom) || !smtpFrom.includes('@')) problems.push(`NATTER_SMTP_FROM=${JSON.stringify(smtpFrom)}: expected an address like "Natter <natter@example.com>"`);

  const config: Config = {
    port,
    host,
    database: database ?? { kind: 'sqlite', path: './data/natter.db' },
    redisUrl,
    guests: guestsRaw === '1' || guestsRaw === 'true',
    registration,
    admins,
    postRate: rate('NATTER_POST_RATE', { count: 10, windowMs: 10_000 }),
    actionRate: rate('NATTER_ACTION_RATE', { count: 120, windowMs: 60_000 }),
    authRate: rate('NATTER_AUTH_RATE', { count: 20, windowMs: 60_000 }),
    searchRate: rate('NATTER_SEARCH_RATE', { count: 30, windowMs: 60_000 }),
    uploads,
    maxUpload: int('NATTER_MAX_UPLOAD', 10 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
    uploadTtlMs: int('NATTER_UPLOAD_TTL_MS', DAY, 1000, 3650 * DAY),
    uploadRate: rate('NATTER_UPLOAD_RATE', { count: 20, windowMs: 60_000 }),
    previews,
    fetchAllow,
    push: flag('NATTER_PUSH', '1'),
    pushDelayMs: int('NATTER_PUSH_DELAY_MS', 10_000, 0, DAY),
    pushExcerpt: flag('NATTER_PUSH_EXCERPT', '1'),
    publicUrl,
    smtpUrl,
    smtpFrom,
    emailDelayMs: int('NATTER_EMAIL_DELAY_MS', 900_000, 0, 30 * DAY),
    pushClaimMs: int('NATTER_PUSH_CLAIM_MS', 60_000, 1000, DAY),
    hookLeaseMs: int('NATTER_HOOK_LEASE_MS', 30_000, 500, DAY),
    hookRetryMs: int('NATTER_HOOK_RETRY_MS', 1000, 10, 600_000),
    loginFailures: rate('NATTER_LOGIN_FAILURES', { count: 10, windowMs: 15 * 60_000 }),
    sessionIdleMs: int('NATTER_SESSION_IDLE_MS', 30 * DAY, 0, 3650 * DAY),
    sessionMaxMs: int('NATTER_SESSION_MAX_MS', 90 * DAY, 0, 3650 * DAY),
    streamsPerUser: int('NATTER_STREAMS_PER_USER', 10, 0, 1_000_000),
    streamsPerIp: int('NATTER_STREAMS_PER_IP', 100, 0, 1_000_000),
    heartbeatMs: int('NATTER_HEARTBEAT_MS', 15_000, 10, 3_600_000),
    maxBody: int('NATTER_MAX_BODY', 65_536, 1024, 64 * 1024 * 1024),
    requestTimeoutMs: int('NATTER_REQUEST_TIMEOUT_MS', 30_000, 0, 3_600_000),
    metricsToken: env.NATTER_METRICS_TOKEN || null,
    cookieSecure,
    streamBuffer: int('NATTER_STREAM_BUFFER', 1024 * 1024, 4096, 1024 * 1024 * 1024),
    replayStallMs: int('NATTER_REPLAY_STALL_MS', 10_000, 0, 3_600_000),
    replaysMax: int('NATTER_REPLAYS_MAX', 64, 0, 1_000_000),
    retryMs: int('NATTER_RETRY_MS', 2000, 0, 3_600_000),
    shutdownSpreadMs: int('NATTER_SHUTDOWN_SPREAD_MS', 1000, 0, 60_000),
    presenceGraceMs: int('NATTER_PRESENCE_GRACE_MS', 5000, 0, 3_600_000),
    logLevel,
    webDir: env.NATTER_WEB_DIR || './web/dist',
    trustProxy: parseTrustProxy(env.NATTER_TRUST_PROXY, problems),
    oidc: parseOidc(env, flag('NATTER_OIDC_ALLOW_HTTP', '0'), problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const DAY = 86_400_000;

/** `10/10s`, `20/1m`, `5/500ms`; `0` → null (disabled); undefined when malformed. */
export function parseRate(raw: string): Rate | null | undefined {
  const s = raw.trim();
  if (s === '0') return null;
  const m = /^(\d+)\s*\/\s*(\d*)\s*(ms|s|m|h)$/.exec(s);
  if (!m) return undefined;
  const count = Number(m[1]);
  const windowMs = Number(m[2] || '1') * (UNITS[m[3]!] ?? 0);
  if (count < 1 || windowMs < 1) return undefined;
  return { count, windowMs };
}


/** The config as it is safe to log: secrets in URLs and the metrics token redacted. */
export function describeConfig(c: Config): Record<string, unknown> {
  return {
    ...c,
    database: c.database.kind === 'sqlite' ? `sqlite:${c.database.path}` : redactUrl(c.database.url),
    redisUrl: c.redisUrl && redactUrl(c.redisUrl),
    smtpUrl: c.smtpUrl && redactUrl(c.smtpUrl),
    metricsToken: c.metricsToken && '***',
    oidc: c.oidc && { ...c.oidc, clientSecret: '***' },
  };
}
