/**
 * What an upload's bytes are (API v1.1 §3), for core/files.ts: the content type from the leading bytes
 * (file-type: magic numbers only, never the part's header or the name), and for raster images their size in
 * pixels and a thumbnail (sharp: WebP, fitted within 1200×800, never enlarged, metadata stripped).
 */
import { fileTypeFromBuffer } from 'file-type';
import sharp, { type Metadata } from 'sharp';
import type { ImageInfo, Media } from '../core/files.ts';

/** Types whose pixels are read (and thumbnailed): the raster types a browser shows inline. */
const RASTER = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** No thumbnail above this many pixels (decoding one costs memory in proportion). */
export const THUMBNAIL_MAX_PIXELS = 50_000_000;

/** The box a thumbnail fits in. */
export const THUMBNAIL_BOX = { width: 1200, height: 800 } as const;

// libvips' own cache keeps decoded images around between calls; uploads are one-off.
sharp.cache(false);

export const media: Media = {
  async sniff(head: Buffer): Promise<string> {
    const found = await fileTypeFromBuffer(head).catch(() => undefined);
    // An animated PNG is a PNG (its first frame is one; every browser shows it inline): measured, thumbnailed, inline.
    if (found?.mime === 'image/apng') return 'image/png';
    return found?.mime ?? 'application/octet-stream';
  },

  isRaster(contentType: string): boolean {
    return RASTER.has(contentType);
  },

  async image(bytes: Buffer): Promise<ImageInfo | null> {
    let meta: Metadata;
    try {
      meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    } catch {
      return null; // looks like an image, is not one sharp can read: an ordinary file
    }
    // The size as shown: EXIF orientation 5–8 swaps width and height.
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) return null;
    // A GIF's or WebP's pages are stacked in `height` only when asked for; metadata() reports one frame's size.
    if (width * height > THUMBNAIL_MAX_PIXELS) return { width, height, thumbnail: null };
    try {
      const thumbnail = await sharp(bytes, { limitInputPixels: THUMBNAIL_MAX_PIXELS, animated: false })
        .rotate() // apply the EXIF orientation, then drop the metadata (sharp keeps none unless asked)
        .resize({ ...THUMBNAIL_BOX, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
      return { width, height, thumbnail };
    } catch {
      return { width, height, thumbnail: null }; // truncated or corrupt pixel data: no thumbnail, still a file
    }
  },
};
