/**
 * Link previews, the pure part (API v1.1 §3): which URLs of a text get previews, which stored previews an
 * edit keeps, how fetched previews merge into a message, and what a page's HTML says about itself
 * (Open Graph tags, falling back to `<title>` and `<meta name="description">`).
 */
import { decodeHTML } from 'entities';
import type { Preview } from './types.ts';

/** Previews per message (API v1.1 Limits). */
export const PREVIEW_URLS_MAX = 3;
export const TITLE_MAX = 300;
export const DESCRIPTION_MAX = 1000;

/** Characters that end a sentence rather than a URL when they trail it. */
const TRAILING = /[.,;:!?'")\]}>]+$/;
const URL_START = /(?<![A-Za-z0-9+.-])https?:\/\/\S+/gi;

/** The first PREVIEW_URLS_MAX distinct http(s) URLs of a text, as written (a URL ends at whitespace, less trailing punctuation). */
export function previewUrls(text: string): string[] {
  const urls: string[] = [];
  for (const m of text.matchAll(URL_START)) {
    const url = m[0].replace(TRAILING, '');
    if (urls.includes(url) || !isHttpUrl(url)) continue;
    urls.push(url);
    if (urls.length === PREVIEW_URLS_MAX) break;
  }
  return urls;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** The previews an edit keeps: those of URLs still in the text, in the text's order. */
export function keptPreviews(previews: readonly Preview[], text: string): Preview[] {
  return previewUrls(text).flatMap((url) => previews.filter((p) => p.url === url).slice(0, 1));
}

/**
 * A message's previews once fetches for some of its URLs ended: for each URL of its current text in order,
 * the preview just found (none when `found` says null), else the one it had. URLs no longer in the text
 * (an edit while fetching) are dropped.
 */
export function mergePreviews(current: readonly Preview[], found: ReadonlyMap<string, Preview | null>, text: string): Preview[] {
  return previewUrls(text).flatMap((url) => {
    const p = found.has(url) ? found.get(url) : current.find((c) => c.url === url);
    return p ? [p] : [];
  });
}

/** Whether two preview lists are the same (then nothing is written and no event goes out). */
export function samePreviews(a: readonly Preview[], b: readonly Preview[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const META = /<meta\b[^>]*>/gi;
const ATTR = /([^\s=/"'>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** The attributes of one tag, names lower-cased (the first of a repeated name wins). */
function attributes(tag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of tag.replace(/^<meta\b/i, '').replace(/\/?>$/, '').matchAll(ATTR)) {
    const name = m[1]!.toLowerCase();
    if (!attrs.has(name)) attrs.set(name, m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** Decoded, whitespace collapsed, at most `max` code points; null when empty. */
function clean(raw: string | undefined, max: number): string | null {
  if (raw === undefined) return null;
  const text = decodeHTML(raw).replace(/\s+/g, ' ').trim();
  if (text === '') return null;
  const points = [...text];
  return points.length > max ? points.slice(0, max).join('') : text;
}

/**
 * What a page says about itself, as a preview of `url` (the URL as written); `pageUrl` is where the page
 * was finally fetched from (after redirects), against which `og:image` is made absolute. Null when the
 * page has neither a title nor a description.
 */
export function parsePreview(html: string, url: string, pageUrl: string): Preview | null {
  // Comments, scripts and styles hold no metadata, but may hold text that looks like it.
  const doc = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<(script|style|template)\b[\s\S]*?<\/\1\s*>/gi, '');
  const og = new Map<string, string>();
  const named = new Map<string, string>();
  for (const [tag] of doc.matchAll(META)) {
    const a = attributes(tag);
    const content = a.get('content');
    if (content === undefined) continue;
    const property = a.get('property')?.toLowerCase();
    const name = a.get('name')?.toLowerCase();
    if (property?.startsWith('og:') && !og.has(property)) og.set(property, content);
    else if (name?.startsWith('og:') && !og.has(name)) og.set(name, content); // a common mistake, honoured
    if (name && !named.has(name)) named.set(name, content);
  }
  const titleTag = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(doc)?.[1];
  const title = clean(og.get('og:title'), TITLE_MAX) ?? clean(titleTag, TITLE_MAX);
  const description = clean(og.get('og:description'), DESCRIPTION_MAX) ?? clean(named.get('description'), DESCRIPTION_MAX);
  if (title === null && description === null) return null;
  return { url, title, description, site_name: clean(og.get('og:site_name'), TITLE_MAX), image_url: absoluteHttp(og.get('og:image'), pageUrl) };
}

/** `raw` made absolute against `base`, when it is an http(s) URL; else null. */
function absoluteHttp(raw: string | undefined, base: string): string | null {
  if (raw === undefined) return null;
  const value = decodeHTML(raw).trim();
  if (value === '') return null;
  try {
    const u = new URL(value, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}
