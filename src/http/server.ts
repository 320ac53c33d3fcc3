/**
 * buildServer: the Fastify app of one node. Plugins, the JSON body parser, the
 * error edge, the routes, and the static web client with SPA fallback. Every
 * route that needs a session is registered in one encapsulated scope whose
 * onRequest hook checks it, so no route can forget to.
 */
import { existsSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { resolve } from 'node:path';
import cookie from '@fastify/cookie';
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { Rate } from '../config.ts';
import { ChatError } from '../core/errors.ts';
import type { Services } from '../services.ts';
import type { SharedLimit, App, RouteDeps } from './app.ts';
import { refuseWhileClosing } from './drain.ts';
import { securityHeaders } from './security-headers.ts';
import { errorHandler } from './errors.ts';
import { accountRoutes, authRoutes } from './routes/auth.ts';
import { arrivalTurn, endArrivalTurn, eventRoutes } from './routes/events.ts';
import { checkRoutes } from './routes/events-check.ts';
import { fileRoutes } from './routes/files.ts';
import { messageRoutes } from './routes/messages.ts';
import { oidcRoutes } from './routes/oidc.ts';
import { opsRoutes } from './routes/ops.ts';
import { profileRoutes } from './routes/profile.ts';
import { adminRoutes } from './routes/admin.ts';
import { botRoutes } from './routes/bots.ts';
import { hookRoutes, incomingHookRoutes } from './routes/hooks.ts';
import { pushRoutes } from './routes/push.ts';
import { roomRoutes } from './routes/rooms.ts';
import { searchRoutes } from './routes/search.ts';
import { decorateSession, requireSession } from './session.ts';
import { validatorCompiler } from './validator.ts';

export type { App } from './app.ts';

export interface ServerOptions {
  /** The pino logger to use; none when omitted. */
  logger?: FastifyBaseLogger;
}

export async function buildServer(services: Services, opts: ServerOptions): Promise<App> {
  const { config } = services;
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: config.maxBody,
    trustProxy: config.trustProxy,
    forceCloseConnections: 'idle',
    // Fastify's own 503-on-closing body is not the contract's error shape; refuseWhileClosing (drain.ts) answers instead.
    return503OnClosing: false,
    // Bad percent-encoding and over-long path parameters are answered by the router before any
    // route runs; without this they get Fastify's own body shape, not the contract's.
    frameworkErrors: errorHandler,
    clientErrorHandler: answerMalformed,
    ...requestTimeouts(config.requestTimeoutMs),
  }).withTypeProvider<TypeBoxTypeProvider>();
  if (config.requestTimeoutMs > 0) app.server.headersTimeout = Math.min(60_000, config.requestTimeoutMs);

  decorateSession(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(errorHandler);
  installJsonParser(app);
  await registerPlugins(app, services.limits.httpRateLimit());
  refuseWhileClosing(app, config.retryMs);
  noStoreForApi(app);

  const histogram = services.metrics.httpDuration;
  // Hooks on every request take Fastify's callback form: an async hook costs a promise and a microtask hop per request.
  app.addHook('onResponse', (req, reply, done) => {
    histogram.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  const deps: RouteDeps = {
    app, services,
    authLimit: sharedLimit(app, limit(config.authRate, (req) => `auth:${req.ip}`)),
    postLimit: limit(config.postRate, (req) => req.session?.user.id ?? req.ip),
    actionLimit: sharedLimit(app, limit(config.actionRate, (req) => `action:${req.session?.user.id ?? req.ip}`)),
    searchLimit: sharedLimit(app, limit(config.searchRate, (req) => `search:${req.session?.user.id ?? req.ip}`)),
    uploadLimit: sharedLimit(app, limit(config.uploadRate, (req) => `upload:${req.session?.user.id ?? req.ip}`)),
  };
  await authRoutes(deps);
  await oidcRoutes(deps);
  await opsRoutes(deps);
  await incomingHookRoutes(deps);
  await checkRoutes(deps);
  // The event stream in a scope of its own, so that only its requests pay for arrival turns: a reconnect storm's
  // stream requests are authenticated and admitted a slice of the event loop at a time (core/turns.ts); the turn is
  // taken before the session check and given back once the stream is opening (routes/events.ts), or with the answer.
  await app.register(async (streams: App) => {
    streams.addHook('onRequest', (req, _reply, done) => void arrivalTurn(req, services.streams.arrivals).then(() => done(), done));
    streams.addHook('onResponse', (req, _reply, done) => {
      endArrivalTurn(req);
      done();
    });
    streams.addHook('onRequest', requireSession(services.auth));
    await eventRoutes({ ...deps, app: streams });
  });
  await app.register(async (authed: App) => {
    authed.addHook('onRequest', requireSession(services.auth));
    const scoped = { ...deps, app: authed };
    await accountRoutes(scoped);
    await roomRoutes(scoped);
    await messageRoutes(scoped);
    await searchRoutes(scoped);
    await fileRoutes(scoped);
    await pushRoutes(scoped);
    await profileRoutes(scoped);
    await adminRoutes(scoped);
    await botRoutes(scoped);
    await hookRoutes(scoped);
  });
  await serveWeb(app, config.webDir);
  return app;
}

/**
 * Every /api/v1 answer is per user and current: `Cache-Control: no-store`, unless the route set its own.
 * The event stream writes its own head (socket-sink.ts, `no-cache`) and never passes through here.
 */
function noStoreForApi(app: App): void {
  app.addHook('onSend', (req, reply, payload, done) => {
    if (/^\/api\/v1(?:[/?]|$)/.test(req.url) && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}

/**
 * Cookies, security headers, rate limits and the OpenAPI document (served at /docs). `rateLimitStore`
 * puts the rate-limit counters in Redis in cluster mode, so a limit holds across nodes (core/limits.ts).
 */
async function registerPlugins(app: App, rateLimitStore: Record<string, unknown>): Promise<void> {
  await app.register(cookie);
  // Natter serves plain http by default (TLS belongs to the proxy), so no HSTS and no upgrade-insecure-requests,
  // which would send the page's own assets to an https port that is not there.
  securityHeaders(app, {
    hsts: false,
    contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'img-src': ["'self'", 'data:'], 'upgrade-insecure-requests': null } },
  });
  await app.register(rateLimit, { global: false, ...rateLimitStore });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Natter API', version: '1.0.0', description: 'Real-time team chat over Server-Sent Events. Contract: API.md v1. '
        + 'Every /api/v1 JSON response carries Cache-Control: no-store (the event stream: no-cache). '
        + 'Any request whose body has not fully arrived 30 s (NATTER_REQUEST_TIMEOUT_MS) after it began gets 408 request_timeout and its connection closes.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'natter_session' } } },
      security: [{ bearer: [] }, { cookie: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

/**
 * node:http's own limit on receiving a whole request (headers and body, from its first byte), which
 * answers through `clientErrorHandler` below. It covers only requests still arriving: an event stream's
 * GET is complete once its headers are in, and its socket then leaves node:http (socket-takeover.ts).
 * node checks its connections every `connectionsCheckingInterval` (30 s by default), which would let a
 * 30 s timeout fire at up to 60 s; a quarter of the timeout (at most 1 s) keeps it close.
 */
function requestTimeouts(ms: number): { requestTimeout: number; http?: { connectionsCheckingInterval: number } } {
  if (ms === 0) return { requestTimeout: 0 };
  return { requestTimeout: ms, http: { connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(ms / 4))) } };
}

/** What answerMalformed says for node:http's errors: status line, code, message. */
function clientErrorAnswer(code: string | undefined): [string, string, string] {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return ['408 Request Timeout', 'request_timeout', 'the request did not arrive in time'];
  if (code === 'HPE_HEADER_OVERFLOW') return ['431 Request Header Fields Too Large', 'invalid_request', 'request headers too large'];
  return ['400 Bad Request', 'invalid_request', 'malformed HTTP request'];
}

/**
 * A request node:http could not parse (bad request line, oversized headers) or did not receive in time
 * (requestTimeouts) never reaches a route: answer it in the contract's error shape too, then close the connection.
 */
function answerMalformed(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return void socket.destroy();
  const [status, code, message] = clientErrorAnswer(err.code);
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** A per-route limit for @fastify/rate-limit, answered in the contract's error shape with Retry-After. */
function limit(rate: Rate | null, key: (req: FastifyRequest) => string): RateLimitOptions | false {
  if (!rate) return false;
  return {
    max: rate.count,
    timeWindow: rate.windowMs,
    hook: 'preHandler',
    keyGenerator: key,
    errorResponseBuilder: (_req, ctx) => new ChatError('rate_limited', `too many requests: at most ${rate.count} per ${rate.windowMs / 1000} s; retry in ${ctx.after}`, Math.ceil(ctx.ttl / 1000)),
  };
}

/**
 * One budget for several routes. A route's `config.rateLimit` gets a store of its own (even with a
 * `groupId`, the local store is per route), so the routes instead share this one preHandler hook,
 * which @fastify/rate-limit builds around a single store.
 */
function sharedLimit(app: App, opts: RateLimitOptions | false): SharedLimit {
  return opts ? [app.rateLimit(opts) as SharedLimit[number]] : [];
}

/** JSON only, and only valid UTF-8 (API.md: other bodies are 400); text/plain is not accepted (415). */
function installJsonParser(app: App): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    if (body.length === 0) return done(null, undefined);
    if (!isUtf8(body)) return done(new ChatError('invalid_request', 'body is not valid UTF-8'), undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')));
    } catch {
      done(new ChatError('invalid_request', 'body is not valid JSON'), undefined);
    }
  });
}

/** The built web client at `/`, with index.html for unknown non-API GETs (client-side routes). */
async function serveWeb(app: App, webDir: string): Promise<void> {
  const root = resolve(webDir);
  const hasWeb = existsSync(resolve(root, 'index.html'));
  if (hasWeb) await app.register(fastifyStatic, { root, wildcard: false, index: ['index.html'] });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (hasWeb && req.method === 'GET' && !path.startsWith('/api/') && !path.includes('.')) return reply.sendFile('index.html');
    return reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${path}` } });
  });
}
