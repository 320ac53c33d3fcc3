/**
 * Fetching one link preview (API v1.1 §3) through the fetch guard: ports 80 and 443 only (any port for
 * NATTER_FETCH_ALLOW), at most 5 redirects, 5 s and the first 1 MiB of the page, `text/html` only, no
 * cookies. What the page says is read by core/links.ts parsePreview.
 */
import { parsePreview } from '../core/links.ts';
import type { Preview } from '../core/types.ts';
import { guardedFetch, type FetchAllow } from './fetch-guard.ts';

const LIMITS = { maxBytes: 1024 * 1024, truncate: true, timeoutMs: 5000, maxRedirects: 5 } as const;

/** The preview of `url` (as written in the text), or null: refused, failed, not HTML, or nothing to show. */
export async function fetchPreview(url: string, allow: FetchAllow): Promise<Preview | null> {
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
