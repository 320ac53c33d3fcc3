/**
 * Server-Sent Events framing per WHATWG HTML §9.2 "Server-sent events". All of
 * Natter's framing lives here (STYLE habit 10), pure and heavily tested.
 *
 * An event is `id: <id>\n` (optional), `event: <type>\n`, one `data: <json>\n`
 * and a blank line. The data is single-line JSON: JSON.stringify escapes CR, LF,
 * NUL and every other C0 control, and since ES2019 it escapes lone surrogates,
 * so no user text can end a line or start a field. We also escape U+2028/U+2029,
 * which SSE parsers treat as ordinary characters but some JavaScript consumers
 * mishandle. `id`/`event` values are ours, but are checked anyway: one with CR,
 * LF or NUL would let a value open a new field (and a NUL id is ignored by
 * browsers), so we throw instead of writing a corrupt stream.
 */

const LINE_BREAK_OR_NUL = /[\r\n\0]/;
const SEPARATORS = /[\u2028\u2029]/g;

/** JSON-encode a value on one line, safe as an SSE `data:` field. */
export function encodeData(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('SSE data must be JSON-serialisable');
  return escapeSeparators(json);
}

/** Make already-encoded single-line JSON safe for a `data:` field (escapes U+2028/9). */
export function escapeSeparators(json: string): string {
  return json.replace(SEPARATORS, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}

/**
 * One complete event frame. `data` must be single-line JSON text (from encodeData or
 * a stored event); `id` is omitted for events that are not stored.
 */
export function encodeEvent(event: string, data: string, id?: string): string {
  checkField('event', event);
  if (LINE_BREAK_OR_NUL.test(data)) throw new TypeError('SSE data must be single-line JSON');
  if (id === undefined) return `event: ${event}\ndata: ${data}\n\n`;
  checkField('id', id);
  return `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

/**
 * A block with only an `id:` field. It dispatches no event, but per WHATWG §9.2.6
 * the client's last event ID becomes `id` (set at every dispatch, even of a block
 * without data), so a browser that reconnects before any stored event arrives still
 * sends a Last-Event-ID.
 */
export function encodeIdOnly(id: string): string {
  checkField('id', id);
  return `id: ${id}\n\n`;
}

/** A comment line (ignored by clients), e.g. the heartbeat `: ping`. */
export function encodeComment(text: string): string {
  if (LINE_BREAK_OR_NUL.test(text)) throw new TypeError('SSE comment must be one line');
  return `: ${text}\n\n`;
}

/** The reconnection-delay field, sent first on every stream. */
export function encodeRetry(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new TypeError('retry must be a non-negative integer');
  return `retry: ${ms}\n\n`;
}

/** The reconnection-delay field for one stream: `baseMs` jittered between 0.5× and 1.5×, so clients do not all come back at once. */
export function encodeJitteredRetry(baseMs: number): string {
  return encodeRetry(Math.round(baseMs * (0.5 + Math.random())));
}

function checkField(name: string, value: string): void {
  if (value.length === 0 && name === 'event') throw new TypeError('SSE event type must not be empty');
  if (LINE_BREAK_OR_NUL.test(value)) throw new TypeError(`SSE ${name} must not contain CR, LF or NUL`);
}
