/**
 * Extra helpers for the REST integration suites: raw HTTP requests (exact bytes,
 * chunked bodies, no client-side JSON handling), cookie parsing, error assertions.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Res } from './api.ts';

/** A response read without a client's help: status, headers, body text and its JSON (undefined if not JSON). */
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

/**
 * Write `head` (request line and headers, without the blank line) and then `body` over a raw socket,
 * and resolve as soon as a complete response (head plus Content-Length bytes) has arrived, without
 * ending the request: this shows whether the server answers before it has the whole body.
 */
export function rawSocketRequest(base: string, head: string, body: Buffer | string): Promise<RawRes> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let buf = Buffer.alloc(0);
    const finish = (): boolean => {
      const text = buf.toString('latin1');
      const i = text.indexOf('\r\n\r\n');
      if (i < 0) return false;
      const lines = text.slice(0, i).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).trim().toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      const len = Number(headers['content-length'] ?? -1);
      const bodyBytes = buf.subarray(Buffer.byteLength(text.slice(0, i + 4), 'latin1'));
      if (len < 0 || bodyBytes.length < len) return false;
      const t = bodyBytes.subarray(0, len).toString('utf8');
      let json: unknown = undefined;
      try { json = JSON.parse(t); } catch { /* not JSON */ }
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers, text: t, json });
      socket.destroy();
      return true;
    };
    socket.on('data', (b: Buffer) => { buf = Buffer.concat([buf, b]); finish(); });
    socket.on('error', (e: NodeJS.ErrnoException) => { if (!finish() && e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e); });
    socket.on('close', () => { if (!finish()) reject(new Error(`closed without a complete response: ${buf.toString('latin1').slice(0, 300)}`)); });
    socket.write(`${head}\r\n\r\n`);
    socket.write(body);
  });
}
