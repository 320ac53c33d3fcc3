/** A small HTTP client for tests: JSON in, status + JSON out, bearer or cookie auth. */
import { uniq } from './wait.ts';

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class Api {
  constructor(readonly base: string, public token?: string) {}

  async req<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.token && !('authorization' in h) && !('cookie' in h)) h.authorization = `Bearer ${this.token}`;
    if (body !== undefined && !('content-type' in h)) h['content-type'] = 'application/json';
    const res = await fetch(this.base + path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = any>(path: string): Promise<Res<T>> { return this.req('GET', path); }
  post<T = any>(path: string, body?: unknown): Promise<Res<T>> { return this.req('POST', path, body); }
  patch<T = any>(path: string, body?: unknown): Promise<Res<T>> { return this.req('PATCH', path, body); }
  put<T = any>(path: string): Promise<Res<T>> { return this.req('PUT', path); }
  del<T = any>(path: string): Promise<Res<T>> { return this.req('DELETE', path); }
}

/** Register a fresh user (random name with `prefix`) and return an authenticated client. */
export async function newUser(base: string, prefix = 'u'): Promise<{ api: Api; user: { id: string; username: string }; token: string }> {
  const api = new Api(base);
  const username = uniq(prefix);
  const r = await api.post('/api/v1/auth/register', { username, password: 'correct horse' });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  api.token = r.body.token;
  return { api, user: r.body.user, token: r.body.token };
}
