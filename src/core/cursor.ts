/**
 * Stream cursors. Clients treat them as opaque; inside they are
 * `<position>-<logId>`: the log position plus the id of the database's log, so a
 * cursor from another database (a wiped or different deployment) is recognised
 * as unknown instead of silently skipping or repeating events.
 */
import { isUsername } from './validate.ts';

/** Encode a position of the log `logId`. */
export function encodeCursor(pos: number, logId: string): string {
  return `${pos}-${logId}`;
}

export type CursorCheck = { ok: true; pos: number } | { ok: false; reason: 'malformed' | 'unknown' | 'ahead' };

/** Decode and check a client's cursor against this log and its head. */
export function decodeCursor(raw: string, logId: string, head: number): CursorCheck {
  const m = /^(\d{1,15})-([A-Za-z0-9]{1,64})$/.exec(raw.trim());
  if (!m) return { ok: false, reason: 'malformed' };
  if (m[2] !== logId) return { ok: false, reason: 'unknown' };
  const pos = Number(m[1]);
  if (pos > head) return { ok: false, reason: 'ahead' };
  return { ok: true, pos };
}

/**
 * Member-list cursors (`GET /rooms/:room/members?limit=`): the last username_key of the page, base64url. Opaque
 * to clients; `decodeMemberCursor` accepts only what `encodeMemberCursor` could have made (else null).
 */
export function encodeMemberCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeMemberCursor(raw: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) return null;
  const key = Buffer.from(raw, 'base64url').toString('utf8');
  return isUsername(key) && key === key.toLowerCase() && encodeMemberCursor(key) === raw ? key : null;
}

/**
 * Cursors of lists that span rooms (search, the mentions inbox; API v1.1 Conventions): an opaque
 * `k<order key>` in base64url. `decodeListCursor` accepts only what `encodeListCursor` made (else null).
 */
export function encodeListCursor(key: number): string {
  return Buffer.from(`k${key}`, 'utf8').toString('base64url');
}

export function decodeListCursor(raw: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(raw)) return null;
  const m = /^k(\d{1,15})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  return m && encodeListCursor(Number(m[1])) === raw ? Number(m[1]) : null;
}
