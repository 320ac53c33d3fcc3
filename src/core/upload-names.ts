/**
 * The pure rules of serving uploads (API v1.1 §3): the stored name of an uploaded file, which types a browser
 * may show inline, and the Content-Disposition header that names the file.
 */

/** Longest stored name, in code points. */
export const UPLOAD_NAME_MAX = 255;

/** Raster images shown inline; everything else (SVG, HTML and PDF included) is downloaded. */
const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * The name to store for a part's filename: its last path segment (after `/` or `\`), without control
 * characters, at most UPLOAD_NAME_MAX code points, `file` when nothing is left.
 */
export function uploadName(filename: string | undefined | null): string {
  const last = (filename ?? '').split(/[/\\]/).pop() ?? '';
  const clean = [...last.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')].slice(0, UPLOAD_NAME_MAX).join('').trim();
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}

/** Whether a stored content type may be shown inline. */
export function isInline(contentType: string): boolean {
  return INLINE.has(contentType);
}

/** `inline` or `attachment`, with the name as RFC 8187 `filename*=UTF-8''…` (every byte outside attr-char encoded). */
export function contentDisposition(contentType: string, name: string): string {
  const encoded = Array.from(new TextEncoder().encode(name), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9!#$&+.^_`|~-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
  return `${isInline(contentType) ? 'inline' : 'attachment'}; filename*=UTF-8''${encoded}`;
}
