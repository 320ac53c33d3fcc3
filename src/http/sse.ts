/**
 * The raw-socket sink of an event stream and the GET /api/v1/events route.
 *
 * The response takes over the socket: we write the head ourselves and then the
 * event bytes with no chunked framing (the body ends when the connection closes,
 * valid HTTP/1.1), so one event costs one buffer write and nothing per client is
 * re-encoded. Errors that can be answered in JSON (401, 429) are sent before the
 * takeover, which stops a browser's EventSource from retrying.
 */
import type { Socket } from 'node:net';
import { Type } from 'typebox';
import type { Sink } from '../core/subscriber.ts';
import { errors } from './schemas.ts';
import { requireSession, sessionOf } from './session.ts';
import type { RouteDeps } from './server.ts';

const HEAD = Buffer.from(
  'HTTP/1.1 200 OK\r\n' +
  'Content-Type: text/event-stream; charset=utf-8\r\n' +
  'Cache-Control: no-cache\r\n' +
  'X-Accel-Buffering: no\r\n' +
  'X-Content-Type-Options: nosniff\r\n' +
  'Connection: close\r\n\r\n',
);

/** A Sink over a taken-over socket. */
export class SocketSink implements Sink {
  private ended = false;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on('error', () => socket.destroy());
    socket.write(HEAD);
  }

  write(chunk: Buffer): void {
    if (!this.ended) this.socket.write(chunk);
  }

  backlog(): number {
    return this.socket.writableLength;
  }

  drained(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ended || this.socket.destroyed || this.socket.writableLength === 0) return resolve();
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  end(abort: boolean): void {
    if (this.ended) return;
    this.ended = true;
    if (abort || this.socket.destroyed) this.socket.destroy();
    else this.socket.end(() => this.socket.destroy());
  }

  onClose(cb: () => void): void {
    this.socket.once('close', cb);
  }
}

export async function eventRoutes({ app, services }: RouteDeps): Promise<void> {
  app.get('/api/v1/events', {
    schema: {
      tags: ['events'],
      description: 'Server-Sent Events stream of every room the user belongs to (see API.md, "The event stream").',
      querystring: Type.Object({ last_event_id: Type.Optional(Type.String({ maxLength: 200 })) }),
      response: { 200: Type.String({ description: 'text/event-stream' }), ...errors(429) },
    },
    onRequest: requireSession(services.auth),
  }, async (req, reply) => {
    const session = sessionOf(req);
    services.streams.checkCaps(session.user.id, req.ip);
    const header = req.headers['last-event-id'];
    const cursor = typeof header === 'string' ? header : req.query.last_event_id;
    reply.hijack();
    const sink = new SocketSink(req.raw.socket);
    await services.streams.open(session, req.ip, sink, cursor).catch((err: unknown) => {
      services.metrics.storeErrors.inc();
      req.log.error({ err }, 'event stream failed while opening');
    });
  });
}
