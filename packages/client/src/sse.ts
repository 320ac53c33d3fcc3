/**
 * A Server-Sent Events parser over a fetch body (WHATWG HTML §9.2.6): fields `event`, `data` (joined with
 * newlines), `id` (ignored when it holds NUL), `retry` (digits only), comments, and CR, LF or CRLF line ends.
 * Works wherever `fetch` streams (browsers, Node 18+), so the library needs no EventSource.
 */

export interface SseMessage {
  /** `message` when the block had no `event:` field. */
  event: string;
  data: string;
  /** The stream's last event id after this block (what a reconnect sends as Last-Event-ID). */
  lastEventId: string;
  /** Whether this block set an `id:` itself. */
  hasId: boolean;
}

export interface SseHandlers {
  message(m: SseMessage): void;
  /** A `retry:` field (ms). */
  retry?(ms: number): void;
  /** A comment line (`: ping`), e.g. to notice the heartbeat. */
  comment?(text: string): void;
  /** A block with only an `id:` (it dispatches no event but moves the last event id). */
  id?(lastEventId: string): void;
}

/** Feeds text chunks in and calls the handlers per complete block. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private lastEventId = '';
  private blockId = false;
  private sawCr = false;
  private first = true;

  constructor(private readonly on: SseHandlers, initialId = '') {
    this.lastEventId = initialId;
  }

  push(chunk: string): void {
    if (this.first) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      if (chunk.length > 0) this.first = false;
    }
    let text = this.buffer + chunk;
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c !== '\n' && c !== '\r') continue;
      this.line(text.slice(start, i));
      if (c === '\r') {
        if (i + 1 === text.length) this.sawCr = true;
        else if (text[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.buffer = text.slice(start);
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return this.on.comment?.(line.slice(1).trimStart());
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) {
      this.lastEventId = value;
      this.blockId = true;
    } else if (field === 'retry' && /^\d+$/.test(value)) this.on.retry?.(Number(value));
  }

  private dispatch(): void {
    const hadId = this.blockId;
    this.blockId = false;
    if (this.data.length === 0) {
      this.event = '';
      if (hadId) this.on.id?.(this.lastEventId);
      return;
    }
    const m: SseMessage = { event: this.event || 'message', data: this.data.join('\n'), lastEventId: this.lastEventId, hasId: hadId };
    this.data = [];
    this.event = '';
    this.on.message(m);
  }
}

/** Read a fetch body through a parser until it ends (or `signal` aborts). */
export async function readStream(body: ReadableStream<Uint8Array>, parser: SseParser): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
  } finally {
    reader.releaseLock();
  }
}
