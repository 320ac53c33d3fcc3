/**
 * The edge of the error catalogue: every error becomes
 * `{"error":{"code","message"}}` with its status, never a stack (STYLE habit 12).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ChatError, type ErrorCode } from '../core/errors.ts';

/** Fastify's own error codes mapped to ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
  FST_ERR_VALIDATION: 'invalid_request',
  // @fastify/multipart (POST /uploads)
  FST_REQ_FILE_TOO_LARGE: 'payload_too_large',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
  FST_FILES_LIMIT: 'invalid_request',
  FST_PARTS_LIMIT: 'invalid_request',
  FST_FIELDS_LIMIT: 'invalid_request',
  FST_PROTO_VIOLATION: 'invalid_request',
};

/** Turn any thrown value into the status and body of the contract. */
export function toChatError(err: unknown): ChatError {
  if (err instanceof ChatError) return err;
  // `throw null` or a thrown primitive must still map to 500 internal, not crash the error handler.
  const e = (typeof err === 'object' && err !== null ? err : {}) as FastifyError & { validationContext?: string };
  if (e.validation) return new ChatError('invalid_request', e.message);
  const mapped = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return new ChatError(mapped, mapped === 'unsupported_media_type' ? 'unsupported Content-Type: send application/json (multipart/form-data to /api/v1/uploads)' : e.message);
  if (e.statusCode === 429) return new ChatError('rate_limited', e.message || 'too many requests');
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new ChatError(e.statusCode === 404 ? 'not_found' : 'invalid_request', e.message);
  return new ChatError('internal', 'internal server error');
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const ce = toChatError(err);
  if (ce.status >= 500) req.log.error({ err }, 'request failed');
  if (ce.retryAfterS !== undefined) reply.header('retry-after', String(ce.retryAfterS));
  void reply.status(ce.status).send({ error: { code: ce.code, message: ce.message } });
}
