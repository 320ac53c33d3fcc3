/**
 * Extra helpers for the REST integration suites: raw HTTP requests (exact bytes,
 * chunked bodies, no client-side JSON handling), cookie parsing, error assertions.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Res } from './api.ts';

export interface RawRes {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/**
 * Send `body` exactly as given. With `chunked`, the body goes out in `chunks` pieces
 * with Transfer-Encoding: chunked and no Content-Length. Resolves with the response,
 * even when the server answers before the whole body was sent.
 */
export function rawRequest(base: string, method: string, path: string, opts: {
  headers?: Record<string, string>;
  body?: Buffer | string;
  chunks?: (Buffer | string)[];
} = {}): Promise<RawRes> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: Number(u.port), method, path, headers: opts.headers ?? {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json: unknown = undefined;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    // The server may answer (413) and close while we are still writing: that is not a test failure.
    req.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e); });
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

/** Assert the contract's error shape: status, `{"error":{"code","message"}}`, and no stack trace. */
export function assertError(res: Res | RawRes, status: number, code: string): void {
  const body = 'json' in res ? res.json : res.body;
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${JSON.stringify(body)}`);
  assert.equal(typeof body, 'object', `error body is JSON: ${JSON.stringify(body)}`);
  assert.equal(body.error?.code, code, `error code: ${JSON.stringify(body)}`);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assertNoStack(JSON.stringify(body));
}

/** A response body must never carry a stack trace or source paths. */
export function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /\bat .+\(.*:\d+:\d+\)|\.ts:\d+|node_modules|"stack"/, `stack trace in response: ${text.slice(0, 500)}`);
}

/** The `natter_session` Set-Cookie header of a response, split into value and attributes. */
export function sessionCookie(headers: Headers): { value: string; attrs: string[]; raw: string } | null {
  const raw = headers.getSetCookie().find((c) => c.startsWith('natter_session='));
  if (!raw) return null;
  const [pair, ...attrs] = raw.split(';').map((s) => s.trim());
  return { value: pair!.slice('natter_session='.length), attrs, raw };
}
