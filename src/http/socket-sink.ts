/**
 * The raw-socket sink of an event stream. The response takes over the socket
 * (socket-takeover.ts): we write the head ourselves and then the event bytes with
 * no chunked framing (the body ends when the connection closes, valid HTTP/1.1),
 * so one event costs one buffer write and nothing per client is re-encoded.
 */
import type { Socket } from 'node:net';
import type { Sink } from '../core/subscriber.ts';

/** The stream's response head (STYLE habit 10: event-stream, no-cache, no proxy buffering). */
const HEAD = Buffer.from(
  'HTTP/1.1 200 OK\r\n' +
  'Content-Type: text/event-stream; charset=utf-8\r\n' +
  'Cache-Control: no-cache\r\n' +
  'X-Accel-Buffering: no\r\n' +
  'X-Content-Type-Options: nosniff\r\n' +
  'Connection: close\r\n\r\n',
);

/** How long an ended stream may take to flush before its socket is destroyed. */
const END_GRACE_MS = 1000;

/** A Sink over a taken-over socket. */
export class SocketSink implements Sink {
  private ended = false;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on('error', destroyOnError);
    // The head, the retry hint, `ready` and a replay from memory are usually written in the same tick:
    // corked until the tick's microtasks ran, they leave in one writev instead of four writes.
    socket.cork();
    socket.write(HEAD);
    process.nextTick(() => socket.uncork());
  }

  write(chunk: Buffer): void {
    if (!this.ended) this.socket.write(chunk);
  }

  backlog(): number {
    return this.socket.writableLength;
  }

  drained(): Promise<void> {
    return new Promise((resolve) => {
      // 'drain' comes only after a write was refused (above the high-water mark); below it there is nothing to wait for.
      if (this.ended || this.socket.destroyed || !this.socket.writableNeedDrain) return resolve();
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
    if (abort || this.socket.destroyed) {
      this.socket.destroy();
      return;
    }
    // Flush what is queued, then close; a client that stopped reading gets END_GRACE_MS, not forever
    // (it would otherwise hold server.close(), and so the shutdown, until TCP gives up).
    this.socket.end(() => this.socket.destroy());
    const deadline = setTimeout(() => this.socket.destroy(), END_GRACE_MS);
    deadline.unref();
    this.socket.once('close', () => clearTimeout(deadline));
  }

  onClose(cb: () => void): void {
    // `on`, not `once`: a socket closes once, and `once` keeps a wrapper, its state and a bound function per stream.
    this.socket.on('close', cb);
  }
}

// Module-level, not a closure per stream (`this` is the socket).
function destroyOnError(this: Socket): void {
  this.destroy();
}
