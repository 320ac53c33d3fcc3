/**
 * An SSE parser written from WHATWG HTML §9.2.6 "Interpreting an event stream",
 * independent of the server's framing code, used to check what a browser would see.
 * Input is bytes (UTF-8 decoded as a stream); lines end at CRLF, LF or CR.
 */
import { StringDecoder } from 'node:string_decoder';

/** One dispatched event, as a browser's EventSource would see it. */
export interface SseEvent {
  event: string;
  data: string;
  /** The last event ID buffer when this event was dispatched ('' if none). */
  id: string;
  /** Whether this event's own block had an `id` field. */
  hasId: boolean;
}

/** Feed it bytes with push(); it collects events, comments, the last event ID and retry. */
export class SseParser {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** The "last event ID string": updated only when a block is dispatched (a blank line), as a browser does. */
  lastEventId = '';
  /** The "last event ID buffer": set by `id:` fields of the block being read. */
  private idBuffer = '';
  retry: number | null = null;
  private decoder = new StringDecoder('utf8');
  private buf = '';
  private first = true;
  private data = '';
  private eventType = '';
  private sawId = false;
  private pendingCr = false;

  /** Parse the next chunk of the stream (a chunk may end anywhere, even inside a character). */
  push(chunk: Buffer | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (this.first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.first = false;
    }
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buf += text;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      if (m[0] === '\r' && m.index === this.buf.length - 1) { this.pendingCr = true; }
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) { this.comments.push(line.slice(1).trimStart()); return; }
    const c = line.indexOf(':');
    const field = c < 0 ? line : line.slice(0, c);
    let value = c < 0 ? '' : line.slice(c + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event': this.eventType = value; break;
      case 'data': this.data += value + '\n'; break;
      case 'id': if (!value.includes('\0')) { this.idBuffer = value; this.sawId = true; } break;
      case 'retry': if (/^\d+$/.test(value)) this.retry = Number(value); break;
      default: break;
    }
  }

  private dispatch(): void {
    // WHATWG step 1: the string takes the buffer's value at every dispatch, even of an empty block;
    // an id in a block cut off before its blank line never counts.
    this.lastEventId = this.idBuffer;
    const hasId = this.sawId;
    this.sawId = false;
    if (this.data === '') { this.eventType = ''; return; }
    const data = this.data.endsWith('\n') ? this.data.slice(0, -1) : this.data;
    this.events.push({ event: this.eventType || 'message', data, id: this.lastEventId, hasId });
    this.data = '';
    this.eventType = '';
  }
}
