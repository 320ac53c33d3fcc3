/**
 * Taking an event stream's socket away from node:http once its response head is
 * ours to write. This reaches into Node internals on purpose (see detachFromHttp):
 * it roughly halves the heap an idle stream holds. It is isolated here, and every
 * step is guarded, so a Node without these internals only costs memory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Node's internal HTTP parser, as far as the handover below touches it. */
interface Parser {
  _consumed?: boolean;
  incoming: unknown;
  socket: unknown;
  onIncoming: unknown;
  unconsume(): void;
  finish(): void;
  remove(): void;
  close(): void;
}

/**
 * Take the socket away from node:http, the way Node itself hands a socket over on
 * an HTTP Upgrade (lib/_http_server.js, onParserExecuteCommon): drop the server's
 * socket listeners, release the parser, detach the response. Without this every
 * idle stream keeps an IncomingMessage, a ServerResponse, a parser and Fastify's
 * request/reply alive, about 4 KiB of heap per stream that is never used again.
 * Every step is guarded: on a Node without these internals the stream still works,
 * it just holds more memory.
 */
export function detachFromHttp(req: IncomingMessage, res: ServerResponse): Socket {
  const socket = req.socket as Socket & { parser?: Parser | null };
  // Every listener is node:http's (its 'data', 'end', 'close', 'drain', 'error', 'timeout', 'resume', 'pause', and net's
  // own 'end' handler, replaced below). Removing them all at once gives the socket a fresh listener table: removing
  // them one event at a time deletes keys, which turns the table into a slow dictionary kept for the stream's life.
  socket.removeAllListeners();
  // node:http wraps these on the socket instance; put the prototype's plain versions back the way Node does when
  // the parser is gone (socketListenerWrap). Assigned, not deleted: a `delete` turns the socket into a dictionary
  // object, about 1.5 KiB more heap per stream (issue 17 target 5, bench/README.md).
  const own = socket as unknown as Record<string, unknown>;
  const proto = Object.getPrototypeOf(socket) as Record<string, unknown>;
  for (const fn of ['on', 'addListener', 'prependListener', 'setEncoding']) if (Object.hasOwn(own, fn)) own[fn] = proto[fn];
  const parser = socket.parser;
  if (parser) {
    if (parser._consumed) parser.unconsume();
    parser.finish();
    parser.incoming = null;
    parser.socket = null;
    parser.onIncoming = null;
    parser.remove();
    socket.parser = null;
    setImmediate(closeParser, parser);
  }
  res.detachSocket(socket);
  // The client sends nothing more; keep reading only to see it go away.
  socket.on('end', destroySocket);
  socket.resume();
  return socket;
}

// Module-level on purpose: a closure created inside detachFromHttp would share its
// scope and keep the parser (and through it the request) alive for the stream's life.
// `remove()` again first: when the stream was taken over inside the parser's own execute (a handler that runs
// synchronously), the parser completes the message after detachFromHttp returned and puts itself back into the
// server's connection list. Left there with no socket, node:http's closeIdleConnections() (server.close()) threw
// on it, and once closed here, closeAllConnections() read freed memory (a segmentation fault). By this immediate
// the parser's execute has returned, so the removal holds.
function closeParser(parser: Parser): void {
  parser.remove();
  parser.close();
}
function destroySocket(this: Socket): void {
  this.destroy();
}
