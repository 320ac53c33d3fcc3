/**
 * Fetching one link preview (API v1.1 §3) through the fetch guard: ports 80 and 443 only (any port for
 * NATTER_FETCH_ALLOW), at most 5 redirects, 5 s and the first 1 MiB of the page, `text/html` only, no
 * cookies; one retry after a network failure. What the page says is read by core/links.ts parsePreview.
 */
import { parsePreview } from '../core/links.ts';
import type { Preview } from '../core/types.ts';
import { FetchRefused, guardedFetch, type FetchAllow } from './fetch-guard.ts';

const LIMITS = { maxBytes: 1024 * 1024, truncate: true, timeoutMs: 5000, maxRedirects: 5 } as const;
/** A fetch that failed on the way (connection reset or refused, timed out) is tried once more after this. */
const RETRY_AFTER_MS = 1000;

/**
 * The preview of `url` (as written in the text), or null: refused, failed, not HTML, or nothing to show.
 * A network failure or a timeout is tried once more a second later: a site that dropped one connection (a
 * keep-alive socket it had just closed, a restart) still gets its card; an answer of any kind is final.
 */
export async function fetchPreview(url: string, allow: FetchAllow, retryAfterMs = RETRY_AFTER_MS): Promise<Preview | null> {
  try {
    return await fetchOnce(url, allow);
  } catch (err) {
    if (!(err instanceof FetchRefused) || (err.reason !== 'network' && err.reason !== 'timeout')) throw err;
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs).unref());
    return fetchOnce(url, allow);
  }
}

async function fetchOnce(url: string, allow: FetchAllow): Promise<Preview | null> {
  const res = await guardedFetch(url, { ...LIMITS, allow, headers: { accept: 'text/html,application/xhtml+xml;q=0.9' } });
  const type = String(res.headers['content-type'] ?? '');
  if (res.status < 200 || res.status > 299 || !/^\s*(text\/html|application\/xhtml\+xml)\b/i.test(type)) return null;
  return parsePreview(decode(res.body, type), url, res.url);
}

/**
 * The body as text in the charset its Content-Type names, else the one a `<meta charset>` near its start
 * names, else UTF-8 (also when TextDecoder does not know the name).
 */
function decode(body: Buffer, contentType: string): string {
  const charset = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1]
    ?? /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(body.subarray(0, 2048).toString('latin1'))?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}
