/**
 * Connection draining for a graceful stop. server.close() stops accepting and
 * reaps keep-alive connections that are idle at that moment, but node:http does
 * not count a connection as idle until it has carried a request (the headers
 * timer runs from connect), so a connection that was opened and never used, which
 * HTTP clients do while pooling, held the exit for the keep-alive timeout (~70 s).
 * `trackConnections` keeps the sockets; `reapUnused` closes every one that has no
 * request in flight. Taken-over event-stream sockets have no parser: they are
 * ended by the streams' own shutdown, which flushes their last frames.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

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
