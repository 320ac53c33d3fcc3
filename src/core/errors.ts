/**
 * The one error catalogue. Services throw `ChatError`; the HTTP edge turns it into
 * `{"error":{"code","message"}}` with the status below (STYLE habit 12).
 */

const STATUS = {
  invalid_request: 400,
  invalid_emoji: 400,
  invalid_cursor: 400,
  invalid_reply_to: 400,
  invalid_attachment: 400,
  invalid_subscription: 400,
  invalid_token: 400,
  invalid_avatar: 400,
  invalid_url: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf: 403,
  guests_disabled: 403,
  uploads_disabled: 403,
  registration_closed: 403,
  invite_required: 403,
  invalid_invite: 403,
  account_deactivated: 403,
  wrong_password: 403,
  not_found: 404,
  request_timeout: 408,
  conflict: 409,
  username_taken: 409,
  room_exists: 409,
  limit_reached: 409,
  last_admin: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof STATUS;

/** A failure the client can act on; `retryAfterS` becomes a Retry-After header (429). */
export class ChatError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, message: string, readonly retryAfterS?: number) {
    super(message);
    this.name = 'ChatError';
    this.status = STATUS[code];
  }
}

/** Shorthands for the common cases. */
export const notFound = (what: string): ChatError => new ChatError('not_found', `${what} not found`);
export const forbidden = (why: string): ChatError => new ChatError('forbidden', why);
export const invalid = (why: string): ChatError => new ChatError('invalid_request', why);
