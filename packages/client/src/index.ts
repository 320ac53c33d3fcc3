/**
 * @natter/client: Natter's HTTP API as typed methods (http.ts), the live event stream with its resume rules
 * (live.ts), and the stream path check (path-check.ts). Browsers and Node 20+, no dependencies.
 */
export { ApiError, apiErrorOf, errorFromBody, NatterClient, networkError, type ClientOptions, type RequestOptions } from './http.ts';
export type { SignedIn } from './api/accounts.ts';
export { HOOK_EVENTS } from './api/integrations.ts';
export type { PostOptions } from './api/messages.ts';
export { LiveEvents, positionOf, type LiveHandlers, type LiveOptions, type LiveState } from './live.ts';
export { checkPath, judgePath, CHECK_BURST, type CheckResult, type CheckObservation, type Verdict } from './path-check.ts';
export { SseParser, readStream, type SseMessage } from './sse.ts';
export type * from './types.ts';
