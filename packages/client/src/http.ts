/**
 * The HTTP API (docs/API.md, v1 and v1.1) as typed methods. Authentication is a bearer token (bots, scripts,
 * the CLI) or, in a browser, the session cookie with the CSRF header the contract asks of cookie requests.
 * Every error is an `ApiError` with the contract's code and, for 429, how long to wait.
 */
import type { Hook, Message, Room, SearchResult, Upload, User } from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait (429 `Retry-After`), else null. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  /** The server's origin, e.g. `https://chat.example.com` ('' in a page served by Natter). */
  baseUrl: string;
  /** A bearer token; without one a browser's session cookie is used. */
  token?: string | null;
  fetch?: typeof fetch;
}

export interface PostOptions {
  clientId?: string;
  replyTo?: string;
  attachments?: string[];
}

const seg = encodeURIComponent;

export class NatterClient {
  readonly baseUrl: string;
  token: string | null;
  private readonly doFetch: typeof fetch;

  constructor(opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/$/, '');
    this.token = opts.token ?? null;
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Headers of an authenticated request: the bearer token, or the CSRF header for a cookie. */
  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : { 'x-requested-with': 'natter' };
  }

  /** Any API request; `path` is under `/api/v1`. Resolves with the JSON answer (null for 204). */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { ...this.authHeaders() };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await this.doFetch(`${this.baseUrl}/api/v1${path}`, { method, headers, body: payload, credentials: 'same-origin' });
    if (res.status === 204) return null as T;
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: reported below */
    }
    if (!res.ok) {
      const retry = res.headers.get('retry-after');
      throw new ApiError(res.status, json?.error?.code ?? 'http_error', json?.error?.message ?? `HTTP ${res.status}`, retry === null ? null : Number(retry));
    }
    return json as T;
  }

  // accounts
  login(username: string, password: string): Promise<{ user: User; token: string }> {
    return this.request('POST', '/auth/login', { username, password });
  }
  me(): Promise<{ user: User }> {
    return this.request('GET', '/me');
  }

  // rooms
  rooms(): Promise<{ rooms: Room[]; cursor: string }> {
    return this.request('GET', '/rooms');
  }
  room(name: string): Promise<{ room: Room }> {
    return this.request('GET', `/rooms/${seg(name)}`);
  }
  join(name: string): Promise<{ room: Room }> {
    return this.request('POST', `/rooms/${seg(name)}/join`);
  }

  // messages
  post(room: string, text: string, opts: PostOptions = {}): Promise<{ message: Message }> {
    return this.request('POST', `/rooms/${seg(room)}/messages`, {
      text, ...(opts.clientId && { client_id: opts.clientId }), ...(opts.replyTo && { reply_to: opts.replyTo }),
      ...(opts.attachments && { attachments: opts.attachments }),
    });
  }
  history(room: string, q: { before?: number; after?: number; limit?: number } = {}): Promise<{ messages: Message[] }> {
    const qs = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    return this.request('GET', `/rooms/${seg(room)}/messages${qs.size ? `?${qs}` : ''}`);
  }
  markRead(room: string, seq: number): Promise<null> {
    return this.request('POST', `/rooms/${seg(room)}/read`, { seq });
  }

  // files and search
  upload(file: Blob, name: string): Promise<{ upload: Upload }> {
    const form = new FormData();
    form.append('file', file, name);
    return this.request('POST', '/uploads', form);
  }
  search(q: string, opts: { room?: string; limit?: number; cursor?: string } = {}): Promise<SearchResult> {
    const qs = new URLSearchParams({ q, ...(opts.room && { room: opts.room }), ...(opts.limit && { limit: String(opts.limit) }), ...(opts.cursor && { cursor: opts.cursor }) });
    return this.request('GET', `/search?${qs}`);
  }

  // bots and hooks (v1.1 §6)
  createBot(username: string, displayName?: string): Promise<{ user: User; token: string }> {
    return this.request('POST', '/bots', { username, ...(displayName && { display_name: displayName }) });
  }
  hooks(room: string): Promise<{ hooks: Hook[] }> {
    return this.request('GET', `/rooms/${seg(room)}/hooks`);
  }
}
