/** What every API group sends its requests with: `NatterClient.request` (http.ts). */
export interface RequestOptions {
  /** Give up after this long (counts as no answer). */
  timeoutMs?: number;
  /** Let the request outlive the page (a report sent as a tab hides or closes). */
  keepalive?: boolean;
  /** Extra headers (`Idempotency-Key` of an incoming hook). */
  headers?: Record<string, string>;
}

/** Any API request; `path` is under `/api/v1`. Resolves with the JSON answer (null for 204). */
export type Send = <T>(method: string, path: string, body?: unknown, opts?: RequestOptions) => Promise<T>;

export const seg = encodeURIComponent;

/** A query string of the defined, non-empty values (`?a=1&b=x`), or '' when there are none. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
