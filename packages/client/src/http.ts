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
    /** Seconds to wait (429 `Retry-After`), else null. Status 0: no answer (the client's `networkErrors`). */
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
  /**
   * A request that gets no answer (network down, server restarting, `timeoutMs` passed) rejects with an
   * `ApiError` of status 0 and code `network` (the fetch error as its `cause`) rather than fetch's own error.
   */
  networkErrors?: boolean;
  /** Called when a request outside `/auth/` answers 401: the token or the session is gone. */
  onUnauthenticated?: (() => void) | null;
}

export interface PostOptions {
  clientId?: string;
  replyTo?: string;
  attachments?: string[];
}

export interface RequestOptions {
  /** Give up after this long (counts as no answer). */
  timeoutMs?: number;
  /** Let the request outlive the page (a report sent as a tab hides or closes). */
  keepalive?: boolean;
}

/** The `ApiError` of a response that is not ok: the contract's error body, else `http_<status>`. */
export async function apiErrorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let json: { error?: { code?: string; message?: string } } | null = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON (a proxy's error page): reported by status */
  }
  return errorFromBody(res.status, json, res.headers.get('retry-after'));
}

/** The `ApiError` for a status and its parsed body (also used by the browser upload, which has no Response). */
export function errorFromBody(status: number, body: unknown, retryAfter: string | null = null): ApiError {
  const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
  const retry = retryAfter === null ? NaN : Number(retryAfter);
  return new ApiError(status, err?.code ?? `http_${status}`, err?.message ?? `Request failed (HTTP ${status})`, Number.isFinite(retry) ? retry : null);
}

/** What a request that got no answer rejects with under `networkErrors`. */
export function networkError(cause: unknown): ApiError {
  const err = new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  (err as { cause?: unknown }).cause = cause;
  return err;
}

const seg = encodeURIComponent;

export class NatterClient {
  readonly baseUrl: string;
  token: string | null;
  onUnauthenticated: (() => void) | null;
  private readonly doFetch: typeof fetch;
  private readonly networkErrors: boolean;

  constructor(opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/$/, '');
    this.token = opts.token ?? null;
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.networkErrors = opts.networkErrors ?? false;
    this.onUnauthenticated = opts.onUnauthenticated ?? null;
  }

  /** Headers of an authenticated request: the bearer token, or the CSRF header cookie requests carry (`X-Requested-With: natter`). */
  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : { 'x-requested-with': 'natter' };
  }

  /** fetch as this client does it (its `fetch` option), for a URL under `baseUrl`. */
  fetch(path: string, init: RequestInit): Promise<Response> {
    return this.doFetch(`${this.baseUrl}${path}`, { credentials: 'same-origin', ...init });
  }

  /** Any API request; `path` is under `/api/v1`. Resolves with the JSON answer (null for 204). */
  async request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.authHeaders() };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await this.fetch(`/api/v1${path}`, {
        method, headers, body: payload, ...(opts.keepalive && { keepalive: true }),
        ...(opts.timeoutMs && { signal: AbortSignal.timeout(opts.timeoutMs) }),
      });
    } catch (err) {
      throw this.networkErrors ? networkError(err) : err;
    }
    if (res.status === 204) return null as T;
    if (!res.ok) {
      if (res.status === 401 && !path.startsWith('/auth/')) this.onUnauthenticated?.();
      throw await apiErrorOf(res);
    }
    return (await res.json().catch(() => null)) as T;
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
