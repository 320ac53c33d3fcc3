/**
 * The REST API from a test: a small HTTP client (JSON in, status + JSON out, bearer
 * or cookie auth), and the steps most tests start with: a new user, a room, a post.
 */
import assert from 'node:assert/strict';
import type { PushService } from './push-service.ts';
import { uniq } from './wait.ts';

/** A response: status, parsed JSON body (or the text when it is not JSON), headers. */
export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** An HTTP client for `base`; sends `token` as a bearer token unless a request sets its own authorization or cookie. */
export class Api {
  constructor(readonly base: string, public token?: string) {}

  /** Any request; a `body` that is not a string is sent as JSON. */
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

  /** GET `path`. */
  get<T = any>(path: string): Promise<Res<T>> { return this.req('GET', path); }
  /** POST `path` with an optional JSON body. */
  post<T = any>(path: string, body?: unknown): Promise<Res<T>> { return this.req('POST', path, body); }
  /** PATCH `path` with an optional JSON body. */
  patch<T = any>(path: string, body?: unknown): Promise<Res<T>> { return this.req('PATCH', path, body); }
  /** PUT `path` without a body. */
  put<T = any>(path: string): Promise<Res<T>> { return this.req('PUT', path); }
  /** DELETE `path`. */
  del<T = any>(path: string): Promise<Res<T>> { return this.req('DELETE', path); }
}

/** The password of every user newUser() registers. */
export const PASSWORD = 'correct horse';

/** A registered user and a client signed in as them. */
export interface TestUser {
  api: Api;
  id: string;
  /** The username. */
  name: string;
  token: string;
}

/** Register a fresh user (a unique name starting with `prefix`, password PASSWORD). */
export async function newUser(base: string, prefix = 'u'): Promise<TestUser> {
  const api = new Api(base);
  const r = await api.post('/api/v1/auth/register', { username: uniq(prefix), password: PASSWORD });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  api.token = r.body.token;
  return { api, id: r.body.user.id, name: r.body.user.username, token: r.body.token };
}

/** A fresh room owned by `owner`, with `members` added (the owner's own join comes first); returns its name. */
export async function room(owner: TestUser, visibility: 'public' | 'private' = 'private', members: TestUser[] = []): Promise<string> {
  const name = uniq('r');
  const r = await owner.api.post('/api/v1/rooms', { name, visibility });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  for (const m of members) {
    const a = await owner.api.post(`/api/v1/rooms/${name}/members`, { username: m.name });
    assert.equal(a.status, 200, JSON.stringify(a.body));
  }
  return name;
}

/** A fresh user with one push subscription at the local push service (test/helpers/push-service.ts). */
export async function subscribedUser(base: string, service: PushService, prefix = 'ps'): Promise<TestUser & { sub: string }> {
  const u = await newUser(base, prefix);
  const s = service.subscription();
  const r = await u.api.post('/api/v1/push/subscriptions', s.json);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { ...u, sub: s.id };
}

/** The DM room of `from` and `to` (opened on first use); returns its name. */
export async function dm(from: TestUser, to: TestUser): Promise<string> {
  const r = await from.api.post(`/api/v1/dm/${to.name}`, {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.room.name;
}

/** Post a message as `u`; returns the stored message. */
export async function post(u: TestUser, roomName: string, text: string): Promise<any> {
  const r = await u.api.post(`/api/v1/rooms/${roomName}/messages`, { text });
  assert.equal(r.status, 201, `post to ${roomName}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.message;
}

/** The cursor of a fresh snapshot: GET /rooms. */
export async function cursorNow(u: TestUser): Promise<string> {
  const r = await u.api.get('/api/v1/rooms');
  assert.equal(r.status, 200);
  assert.equal(typeof r.body.cursor, 'string');
  return r.body.cursor;
}
