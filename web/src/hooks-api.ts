/**
 * Bots and webhooks helpers for the page (API v1.1 §6; the calls are `client.bots` and `client.hooks` of
 * @natter/client). Tokens, incoming URLs and signing secrets come back only in the answer that creates them: the
 * page shows them once and keeps them nowhere.
 */
import type { IncomingHook, OutgoingHook } from '@natter/client';

export { HOOK_EVENTS } from '@natter/client';
export type { Bot, HookDelivery, HookEvent, IncomingHook, OutgoingHook } from '@natter/client';

/** A hook as the page lists it: incoming or outgoing. */
export type Hook = IncomingHook | OutgoingHook;

/** An incoming hook's URL as someone outside the page uses it: absolute, on this origin. */
export function absoluteHookUrl(path: string): string {
  return new URL(path, location.origin).href;
}

/** The shell command that posts a test message through an incoming hook. */
export function curlExample(url: string): string {
  return `curl -X POST -H 'Content-Type: application/json' -d '{"text":"Hello from curl"}' ${url}`;
}
