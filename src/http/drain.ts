/**
 * Connection draining for a graceful stop. server.close() stops accepting and
 * reaps keep-alive connections that are idle at that moment, but node:http does
 * not count a connection as idle until it has carried a request (the headers
 * timer runs from connect), so a connection that was opened and never used, which
 * HTTP clients do while pooling, held the exit for the keep-alive timeout (~70 s).
 * `trackConnections` keeps the sockets; `reapUnused` closes every one that has no
 * request in flight. Taken-over event-stream sockets have no parser: they are
 * ended by the streams' own shutdown, which flushes their last frames.
 * `refuseWhileClosing` answers what still arrives meanwhile. src/node.ts runs
 * the whole sequence (its close()).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { ChatError } from '../core/errors.ts';
import { encodeJitteredRetry } from '../core/sse-frame.ts';
import type { App } from './app.ts';

type HttpSocket = Socket & { parser?: { incoming?: unknown } | null; _httpMessage?: unknown };

export interface ConnectionTracker {
  /** Close every HTTP connection that has no request in flight. */
  reapUnused(): void;
  /** Close every connection (the last resort after the grace period). */
  closeAll(): void;
}

export function trackConnections(server: Server): ConnectionTracker {
  const sockets = new Set<HttpSocket>();
  server.on('connection', (s: HttpSocket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return {
    reapUnused() {
      for (const s of sockets) if (s.parser && !s.parser.incoming && !s._httpMessage) s.destroy();
    },
    closeAll() {
      for (const s of sockets) s.destroy();
    },
  };
}

/**
 * While the app closes, requests that still arrive on open connections get 503 in the
 * contract's shape, and every response closes its connection: server.close() reaps only
 * the connections idle at that moment, so one whose request was still in flight would
 * otherwise stay open as keep-alive until keepAliveTimeout (72 s) and hold up the exit.
 * An event stream is the exception: a browser's EventSource never reconnects after a
 * non-200 answer, and streams closed early in the shutdown spread come back while the
 * node still listens. They get a stream that is only a jittered `retry:` hint (`retryMs`,
 * 0.5× to 1.5×) and ends: EventSource reconnects after it, from the same Last-Event-ID.
 */
export function refuseWhileClosing(app: App, retryMs: number): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback hooks: they run on every request, and an async hook costs a promise and a microtask hop each time.
  app.addHook('onRequest', (req, reply, done) => {
    if (!closing) return done();
    if (req.method === 'GET' && req.url.split('?')[0] === '/api/v1/events') {
      void reply.code(200).type('text/event-stream').send(encodeJitteredRetry(retryMs));
      return;
    }
    done(new ChatError('unavailable', 'the server is shutting down: retry'));
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
}
