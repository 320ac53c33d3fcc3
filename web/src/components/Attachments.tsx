import type { Preview, Upload } from '../../../src/core/types.ts';
import { fitWithin, humanSize } from '../format.ts';
import { safeUrl } from '../markdown.ts';
import { FileIcon } from './Icons.tsx';

/** The largest box an image attachment is shown in (the thumbnail itself fits 1200×800; CSS shrinks it further on phones). */
const IMAGE_BOX = { width: 360, height: 240 };

const EXTERNAL = { target: '_blank', rel: 'noopener noreferrer' } as const;

/** An image with a thumbnail: the thumbnail, scaled to fit, linking to the full file (served inline, in a new tab). */
function ImageAttachment({ a }: { a: Upload }) {
  const size = a.width && a.height ? fitWithin(a.width, a.height, IMAGE_BOX.width, IMAGE_BOX.height) : IMAGE_BOX;
  return (
    <li class="att-image" data-testid="attachment-image">
      <a href={a.url} {...EXTERNAL} title={`${a.name} (opens in a new tab)`}>
        <img src={a.thumbnail_url ?? a.url} alt={a.name} width={size.width} height={size.height} loading="lazy" decoding="async" />
      </a>
    </li>
  );
}

/** Any other file: an icon, its name, its size and a download link (the server serves it as an attachment). */
function FileAttachment({ a }: { a: Upload }) {
  return (
    <li class="att-file" data-testid="attachment-file">
      <FileIcon />
      <span class="att-file-text">
        <a href={a.url} download={a.name} class="att-file-name" data-testid="attachment-link">
          <bdi>{a.name}</bdi>
        </a>
        <span class="att-file-size">{humanSize(a.size)}</span>
      </span>
    </li>
  );
}

/** A message's files, in the order they were attached: images as thumbnails, other files as download rows. */
export function Attachments({ list }: { list: Upload[] | undefined }) {
  if (!list || list.length === 0) return null;
  return (
    <ul class="attachments" aria-label={list.length === 1 ? '1 attachment' : `${list.length} attachments`} data-testid="attachments">
      {list.map((a) => (a.thumbnail_url ? <ImageAttachment key={a.id} a={a} /> : <FileAttachment key={a.id} a={a} />))}
    </ul>
  );
}

/**
 * Link previews under a message: site name, title linking to the page, and the description clamped to a few
 * lines. `image_url` is deliberately never loaded: the server does not fetch it, and the browser fetching it would
 * tell a third-party site who reads this chat and when (the page's CSP forbids external images anyway).
 */
export function Previews({ list }: { list: Preview[] | undefined }) {
  const shown = (list ?? []).filter((p) => safeUrl(p.url) && /^https?:/i.test(p.url) && (p.title || p.description));
  if (shown.length === 0) return null;
  return (
    <ul class="previews" aria-label="Link previews" data-testid="previews">
      {shown.map((p) => (
        <li key={p.url} class="preview-card" data-testid="preview">
          {p.site_name && (
            <bdi class="preview-site" data-testid="preview-site">
              {p.site_name}
            </bdi>
          )}
          <a href={p.url} {...EXTERNAL} rel="noopener noreferrer nofollow" class="preview-title" data-testid="preview-title">
            <bdi>{p.title || p.url}</bdi>
          </a>
          {p.description && (
            <bdi class="preview-desc" data-testid="preview-description">
              {p.description}
            </bdi>
          )}
        </li>
      ))}
    </ul>
  );
}
