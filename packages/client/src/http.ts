/**
 * The HTTP API (docs/API.md, v1 and v1.1) as typed methods. Authentication is a bearer token (bots, scripts,
 * the CLI) or, in a browser, the session cookie with the CSRF header the contract asks of cookie requests.
 * Every error is an `ApiError` with the contract's code and, for 429, how long to wait.
 */
import { AuthApi, UsersApi } from './api/accounts.ts';
import { AdminApi } from './api/admin.ts';
import { BotsApi, HooksApi } from './api/integrations.ts';
import { MessagesApi, UploadsApi } from './api/messages.ts';
import { EventsApi, PushApi } from './api/notifications.ts';
import { RoomsApi } from './api/rooms.ts';
import type { RequestOptions, Send } from './api/send.ts';
import type { ServerInfo } from './types.ts';

export type { RequestOptions };

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

/**
 * The whole API, one group per part of docs/API.md: `client.messages.post(room, text)`, `client.rooms.list()`…
 * Every method resolves with the answer's JSON (null for 204) and rejects with an `ApiError`.
 */
export class NatterClient {
  readonly baseUrl: string;
  token: string | null;
  onUnauthenticated: (() => void) | null;
  private readonly doFetch: typeof fetch;
  private readonly networkErrors: boolean;
  readonly auth: AuthApi;
  readonly users: UsersApi;
  readonly rooms: RoomsApi;
  readonly messages: MessagesApi;
  readonly uploads: UploadsApi;
  readonly push: PushApi;
  readonly events: EventsApi;
  readonly bots: BotsApi;
  readonly hooks: HooksApi;
  readonly admin: AdminApi;

  constructor(opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/$/, '');
    this.token = opts.token ?? null;
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.networkErrors = opts.networkErrors ?? false;
    this.onUnauthenticated = opts.onUnauthenticated ?? null;
    const send: Send = (method, path, body, o) => this.request(method, path, body, o);
    this.auth = new AuthApi(send);
    this.users = new UsersApi(send);
    this.rooms = new RoomsApi(send);
    this.messages = new MessagesApi(send);
    this.uploads = new UploadsApi(send, (path) => this.download(path));
    this.push = new PushApi(send);
    this.events = new EventsApi(send);
    this.bots = new BotsApi(send);
    this.hooks = new HooksApi(send);
    this.admin = new AdminApi(send);
  }

  /** What this server enables (no authentication needed). */
  server(): Promise<ServerInfo> {
    return this.request('GET', '/server');
  }

  /** Headers of an authenticated request: the bearer token, or the CSRF header cookie requests carry (`X-Requested-With: natter`). */
  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : { 'x-requested-with': 'natter' };
  }

  /** fetch as this client does it (its `fetch` option), for a URL under `baseUrl`. */
  fetch(path: string, init: RequestInit): Promise<Response> {
    return this.doFetch(`${this.baseUrl}${path}`, { credentials: 'same-origin', ...init });
  }

  /** A file's bytes (`path` under `/api/v1`), with this client's credentials; an `ApiError` when not ok. */
  async download(path: string, opts: RequestOptions = {}): Promise<Blob> {
    return (await this.call('GET', path, {}, undefined, opts)).blob();
  }

  /** Any API request; `path` is under `/api/v1`. Resolves with the JSON answer (null for 204). */
  async request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await this.call(method, path, headers, payload, opts);
    if (res.status === 204) return null as T;
    return (await res.json().catch(() => null)) as T;
  }

  /** One authenticated request under `/api/v1`: the ok response, else an `ApiError` (status 0 without an answer, under `networkErrors`). */
  private async call(method: string, path: string, headers: Record<string, string>, body: BodyInit | undefined, opts: RequestOptions): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetch(`/api/v1${path}`, {
        method, headers: { ...headers, ...this.authHeaders(), ...opts.headers }, body, ...(opts.keepalive && { keepalive: true }),
        ...(opts.timeoutMs && { signal: AbortSignal.timeout(opts.timeoutMs) }),
      });
    } catch (err) {
      throw this.networkErrors ? networkError(err) : err;
    }
    if (!res.ok) {
      if (res.status === 401 && !path.startsWith('/auth/')) this.onUnauthenticated?.();
      throw await apiErrorOf(res);
    }
    return res;
  }
}
