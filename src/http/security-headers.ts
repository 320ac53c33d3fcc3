/**
 * The security headers of every response (helmet's), computed once at start. @fastify/helmet builds a new
 * helmet middleware, parsing the whole Content-Security-Policy, for every request: 6.7 % of the event loop
 * under bench/post's load (issue 17 profile). Natter uses no per-request CSP nonces, so the headers are the
 * same for every response: helmet runs once against a recorder and each request copies its result.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { App } from './app.ts';

/** The headers `helmet(options)` sets on a response (a header it removes is not listed). */
export function helmetHeaders(options: HelmetOptions): [string, string][] {
  const set = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: unknown) => void set.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => void set.delete(name.toLowerCase()),
    getHeader: (name: string) => set.get(name.toLowerCase()),
  } as unknown as ServerResponse;
  helmet(options)({} as IncomingMessage, recorder, (err?: unknown) => {
    if (err) throw err;
  });
  return [...set];
}

/** Every response gets `helmet(options)`'s headers. */
export function securityHeaders(app: App, options: HelmetOptions): void {
  const headers = helmetHeaders(options);
  app.addHook('onRequest', (_req, reply, done) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    done();
  });
}
