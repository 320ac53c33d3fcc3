import { useState } from 'preact/hooks';
import type { Preview, Upload } from '../../../src/core/types.ts';
import { fitWithin, humanSize } from '../format.ts';
import { safeUrl } from '../markdown.ts';
import { Modal } from './Dialogs.tsx';
import { FileIcon } from './Icons.tsx';

/** The largest box an image attachment is shown in (the thumbnail itself fits 1200×800; CSS shrinks it further on phones). */
const IMAGE_BOX = { width: 360, height: 240 };

const EXTERNAL = { target: '_blank', rel: 'noopener noreferrer' } as const;

/** The largest box the lightbox shows an image in, before CSS fits it to the window. */
const LIGHTBOX_BOX = { width: 1600, height: 1200 };

/**
 * An image with a thumbnail: the thumbnail, scaled to fit (its size reserved, so nothing jumps as it loads). A
 * click (or Enter) opens the full image in a lightbox; a middle or modified click opens it in a new tab as links do.
 */
function ImageAttachment({ a }: { a: Upload }) {
  const [open, setOpen] = useState(false);
  const size = a.width && a.height ? fitWithin(a.width, a.height, IMAGE_BOX.width, IMAGE_BOX.height) : IMAGE_BOX;
  const full = a.width && a.height ? fitWithin(a.width, a.height, LIGHTBOX_BOX.width, LIGHTBOX_BOX.height) : null;
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    setOpen(true);
  };
  return (
    <li class="att-image" data-testid="attachment-image">
      <a href={a.url} {...EXTERNAL} title={a.name} onClick={onClick} data-testid="attachment-open">
        <img src={a.thumbnail_url ?? a.url} alt={a.name} width={size.width} height={size.height} loading="lazy" decoding="async" />
      </a>
      {open && (
        <Modal title={a.name} onClose={() => setOpen(false)}>
          <div class="lightbox" data-testid="lightbox">
            <img src={a.url} alt={a.name} width={full?.width} height={full?.height} data-testid="lightbox-image" />
            <p class="lightbox-meta">
              {a.width && a.height ? `${a.width} × ${a.height} · ` : ''}
              {humanSize(a.size)} ·{' '}
              <a href={a.url} {...EXTERNAL}>
                Open original
              </a>
            </p>
          </div>
        </Modal>
      )}
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
