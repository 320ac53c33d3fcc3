/**
 * Wires the core services of one node around a store and a broker: wiring only.
 * src/node.ts builds a whole node (these services, the HTTP server, shutdown)
 * and is used by main.ts and by the tests that run several nodes in one process
 * (STYLE habit 4).
 */
import { randomBytes } from 'node:crypto';
import webpush from 'web-push';
import type { Broker } from './broker/broker.ts';
import type { Config } from './config.ts';
import { Admin } from './core/admin.ts';
import { Bots } from './core/bots.ts';
import { HookDelivery } from './core/hook-delivery.ts';
import { Hooks } from './core/hooks.ts';
import { Auth } from './core/auth.ts';
import { Chat } from './core/chat.ts';
import { Feed, FEED_GAP_MS, FEED_POLL_MS } from './core/feed.ts';
import { Files } from './core/files.ts';
import { Finder } from './core/finder.ts';
import { LinkPreviews } from './core/previews.ts';
import { PushSubscriptions } from './core/push.ts';
import { PushDelivery } from './core/push-delivery.ts';
import { EmailAccounts } from './core/email.ts';
import { EmailDigests } from './core/email-digest.ts';
import { SingleSignOn } from './core/oidc.ts';
import { VisibleSpans } from './core/visible-spans.ts';
import { Hub } from './core/hub.ts';
import { localLimits, type Limits } from './core/limits.ts';
import { Presence } from './core/presence.ts';
import { Relay } from './core/relay.ts';
import { Streams } from './core/stream.ts';
import { Metrics } from './http/metrics.ts';
import { media } from './media/images.ts';
import { FetchAllow, literalAllowed } from './net/fetch-guard.ts';
import { webhookSender } from './net/webhooks.ts';
import { smtpMailer } from './net/mailer.ts';
import { fetchPreview } from './net/previews.ts';
import { openIdProvider } from './net/oidc-client.ts';
import { vapidSubject, webPushSender } from './net/web-push.ts';
import type { Store } from './storage/store.ts';

export interface Services {
  config: Config;
  store: Store;
  broker: Broker;
  metrics: Metrics;
  auth: Auth;
  chat: Chat;
  /** Search, the mentions inbox, people lookup (v1.1). */
  finder: Finder;
  /** Uploads and the files they serve (v1.1 §3). */
  files: Files;
  /** Administration: users, every room, invites (v1.1 §5). */
  admin: Admin;
  /** Bots and webhooks (v1.1 §6). */
  bots: Bots;
  hooks: Hooks;
  /** Web Push keys and subscriptions (v1.1 §4). */
  push: PushSubscriptions;
  /** Your email address and its verification (v1.1 §4); `email.enabled` when SMTP is configured. */
  email: EmailAccounts;
  /** Single sign-on (v1.1 §5); null unless NATTER_OIDC_* configure it. */
  oidc: SingleSignOn | null;
  streams: Streams;
  feed: Feed;
  /** The cross-node protocol; `relay.sessionEnd` ends a session's streams on every node. */
  relay: Relay;
  /** Counters and stream slots (per node, or shared through Redis). */
  limits: Limits;
  /** Stop streams and timers, and wait for background work in progress (not the store or broker, which the node owns). Idempotent. */
  stop(): Promise<void>;
}

export interface ServiceHooks {
  onError?: (what: string, err: unknown) => void;
  /** Where limits and stream caps are counted; default this node only (cluster mode passes Redis-backed ones). */
  limits?: Limits;
}

export async function createServices(config: Config, store: Store, broker: Broker, hooks: ServiceHooks = {}): Promise<Services> {
  const limits = hooks.limits ?? localLimits();
  const metrics = new Metrics();
  const hub = new Hub(store.logId, metrics);
  // Every event this node delivers (its own and its peers') also wakes the webhook worker (set below).
  let onEvents = (): void => {};
  const feed = new Feed(store, { deliver: (events) => { hub.deliver(events); onEvents(); } }, {
    gapMs: FEED_GAP_MS,
    pollMs: broker.remote ? FEED_POLL_MS : 0,
    onError: (err) => {
      metrics.storeErrors.inc();
      hooks.onError?.('feed', err);
    },
  });
  await feed.start();
  const relay = new Relay(broker, hub, feed, metrics);
  const presence = new Presence({ hub, graceMs: config.presenceGraceMs, peers: broker.remote ? relay : null });
  const streams = new Streams(store, hub, presence, {
    retryMs: config.retryMs,
    heartbeatMs: config.heartbeatMs,
    budget: config.streamBuffer,
    perUser: config.streamsPerUser,
    perIp: config.streamsPerIp,
    replayStallMs: config.replayStallMs,
    replaysMax: config.replaysMax,
    slots: limits.slots,
  }, metrics);
  metrics.streamsGauge(() => streams.count());
  relay.start({ presence, streams });
  // NATTER_ADMINS, or the first-admin rule, at every start (v1.1 §5).
  relay.publish((await store.admin.applyAdmins(config.admins)).events);
  const auth = new Auth(store, (events) => relay.publish(events), {
    guests: config.guests,
    registration: config.registration,
    admins: config.admins?.map((a) => a.toLowerCase()) ?? null,
    idleMs: config.sessionIdleMs,
    maxMs: config.sessionMaxMs,
    loginFailures: config.loginFailures,
    counters: limits.counters,
    onExpired: (ended) => {
      for (const s of ended) relay.sessionEnd(s.id, s.userId);
    },
  });
  // Expired sessions are refused when presented (Auth.resolve); the sweep deletes the rest and ends their streams.
  const sweeper = setInterval(() => {
    auth.sweep().catch((err: unknown) => hooks.onError?.('session sweep', err));
  }, sweepEvery(config));
  sweeper.unref();
  const files = new Files(store, media, { enabled: config.uploads, maxBytes: config.maxUpload, ttlMs: config.uploadTtlMs }, (what, err) => hooks.onError?.(what, err));
  // Unattached uploads expire and dead files lose their bytes (every node sweeps; the work is idempotent).
  const fileSweeper = setInterval(() => {
    files.sweep().catch((err: unknown) => hooks.onError?.('file sweep', err));
  }, Math.max(50, Math.min(60_000, Math.floor(config.uploadTtlMs / 4))));
  fileSweeper.unref();
  const allow = new FetchAllow(config.fetchAllow);
  const push = await PushSubscriptions.open(store.push, {
    enabled: config.push,
    plainHttpAllowed: (url) => allow.host(url.hostname) || allow.address(url.hostname.replace(/^\[|\]$/g, '')),
  }, () => webpush.generateVAPIDKeys());
  // Web Push delivery (v1.1 §4): decided and sent from the database by whichever node gets there first.
  const spans = new VisibleSpans(store.push.work, { streamsOf: (u) => hub.streamsOf(u), onStreamClosed: (cb) => streams.onStreamClosed(cb) });
  const send = webPushSender(push.vapid, vapidSubject(config.publicUrl), allow, Math.min(10_000, Math.floor(config.pushClaimMs / 2)));
  const delivery = new PushDelivery(store, store.push.work, spans, send, {
    delayMs: config.pushDelayMs,
    excerpt: config.pushExcerpt,
    claimMs: config.pushClaimMs,
    tickMs: Math.max(50, Math.min(1000, Math.floor(config.pushDelayMs / 4))),
  }, (what, err) => hooks.onError?.(what, err));
  if (config.push) delivery.start();
  // Email (v1.1 §4): verification mails, and digests decided and sent from the database like pushes.
  const mailer = config.smtpUrl ? smtpMailer(config.smtpUrl, config.smtpFrom) : null;
  const email = new EmailAccounts(store.email, mailer?.send ?? null, { publicUrl: config.publicUrl, onError: (what, err) => hooks.onError?.(what, err) });
  const digests = mailer && new EmailDigests(store, store.email, mailer.send, {
    delayMs: config.emailDelayMs,
    claimMs: EMAIL_CLAIM_MS,
    tickMs: Math.max(50, Math.min(1000, Math.floor(config.emailDelayMs / 4))),
    publicUrl: config.publicUrl,
  }, (what, err) => hooks.onError?.(what, err));
  digests?.start();
  // Bots and webhooks (v1.1 §6): outgoing hooks delivered by whichever node holds each one's lease.
  const bots = new Bots(store, (events) => relay.publish(events), (id, userId) => relay.sessionEnd(id, userId));
  const hookSend = webhookSender(allow);
  const hookDelivery = new HookDelivery(store, store.hooks, hookSend, {
    leaseMs: config.hookLeaseMs, retryMs: config.hookRetryMs, tickMs: HOOK_TICK_MS, lanesMax: HOOK_LANES_MAX,
  }, (what, err) => hooks.onError?.(what, err));
  hookDelivery.start();
  onEvents = () => hookDelivery.nudge();
  const previews = new LinkPreviews(store, (events) => relay.publish(events), (url) => fetchPreview(url, allow), { enabled: config.previews }, (what, err) => hooks.onError?.(what, err));

  let stopped = false;
  return {
    config, store, broker, metrics, feed, streams, relay, limits,
    auth, files, push, bots,
    hooks: new Hooks(store, (events) => relay.publish(events), { literalAllowed: (url) => literalAllowed(url, allow), onResumed: () => hookDelivery.nudge() }),
    admin: new Admin(store, (events) => relay.publish(events), (id, userId) => relay.sessionEnd(id, userId), {
      uploads: config.uploads, onFilesDead: () => files.reapSoon(), onDeactivated: (id) => bots.ownerDeactivated(id),
    }), email,
    oidc: config.oidc && new SingleSignOn(store.oidc, openIdProvider(config.oidc, (what, err) => hooks.onError?.(what, err)), {
      redirectUrl: config.oidc.redirectUrl,
      secret: () => store.push.serverKey('oidc_cookie', () => randomBytes(32).toString('base64url')),
      signIn: (user, userAgent) => auth.signIn(user, userAgent),
      publish: (events) => relay.publish(events),
      adminOf: (name) => config.admins && config.admins.some((a) => a.toLowerCase() === name.toLowerCase()),
      onError: (what, err) => hooks.onError?.(what, err),
    }),
    chat: new Chat(store, relay, presence, {
      uploadTtlMs: config.uploadTtlMs,
      onFilesDead: () => files.reapSoon(),
      onText: (roomId, message) => previews.request(roomId, message),
      ...(config.push && {
        onRead: (userId: string, roomId: number, seq: number) => delivery.onRead(userId, roomId, seq),
        onDeleted: (roomId: number, seq: number) => delivery.onDeleted(roomId, seq),
      }),
    }),
    finder: new Finder(store, presence),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(sweeper);
      clearInterval(fileSweeper);
      previews.close();
      await streams.shutdown(config.shutdownSpreadMs);
      feed.close();
      presence.close();
      await delivery.stop();
      await digests?.stop();
      await hookDelivery.stop();
      hookSend.close();
      mailer?.close();
    },
  };
}

/** Rounds of the webhook worker (each leases the hooks with new events), and hooks one node delivers at once. */
const HOOK_TICK_MS = 200;
const HOOK_LANES_MAX = 256;

/** How long one node holds a user's digest while sending it (far longer than a send may take: net/mailer.ts). */
const EMAIL_CLAIM_MS = 5 * 60_000;

/** How often expired sessions are swept: a quarter of the shorter lifetime, between 50 ms and a minute. */
function sweepEvery(config: Config): number {
  const lives = [config.sessionIdleMs, config.sessionMaxMs].filter((ms) => ms > 0);
  return lives.length === 0 ? 60_000 : Math.max(50, Math.min(60_000, Math.floor(Math.min(...lives) / 4)));
}
