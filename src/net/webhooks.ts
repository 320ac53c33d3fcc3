/**
 * Sending outgoing webhook deliveries (API v1.1 §6) through the fetch guard: any port (receivers often listen on
 * one of their own) but never a blocked address, no redirects followed, 10 s for the whole exchange, and
 * keep-alive connections so a backlog drains without a handshake per event.
 */
import http from 'node:http';
import https from 'node:https';
import type { SendHook } from '../core/hook-delivery.ts';
import { SEND_TIMEOUT_MS } from '../core/hook-delivery.ts';
import { guardedFetch, type FetchAllow } from './fetch-guard.ts';

/** Bytes of a receiver's answer read at most (the answer is not used, only its status). */
const ANSWER_MAX = 16 * 1024;

export function webhookSender(allow: FetchAllow): SendHook & { close(): void } {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const send = async (url: string, body: string, headers: Record<string, string>): Promise<number> => {
    const res = await guardedFetch(url, {
      allow, method: 'POST', body, headers: { ...headers, 'user-agent': 'Natter-Webhooks/1.1' },
      timeoutMs: SEND_TIMEOUT_MS, maxRedirects: 0, maxBytes: ANSWER_MAX, truncate: true, ports: 'any',
      agent: url.startsWith('https:') ? agents.https : agents.http,
    });
    return res.status;
  };
  return Object.assign(send, {
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  });
}
