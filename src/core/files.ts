/**
 * Uploads and files (API v1.1 §3): accepting an upload (bytes streamed to the FileStore under the size limit,
 * the type sniffed, raster images measured and thumbnailed before the answer), deleting one, who may read a
 * file, and the sweep that expires unattached uploads and deletes the bytes of dead ones.
 *
 * Metadata lives in the Store (`uploads`), bytes in the FileStore (`files`): a file key is the upload id,
 * its thumbnail `${id}-t`. Access follows the row, read on every request, so deleting a message (which
 * deletes its upload rows in the same transaction) makes its files 404 at once on every node.
 */
import { randomBytes } from 'node:crypto';
import { TooLarge } from '../storage/files.ts';
import type { Store } from '../storage/store.ts';
import type { UploadRecord } from '../storage/uploads.ts';
import { seen } from './chat.ts';
import { ChatError, forbidden, notFound } from './errors.ts';
import type { Upload, User } from './types.ts';
import { uploadName } from './upload-names.ts';

/** A raster image's size as shown, and its thumbnail (null when none could or should be made). */
export interface ImageInfo {
  width: number;
  height: number;
  thumbnail: Buffer | null;
}

/** What the bytes are (src/media/images.ts; a seam so that core stays free of native libraries). */
export interface Media {
  /** The content type from the leading bytes; `application/octet-stream` when unrecognised. */
  sniff(head: Buffer): Promise<string>;
  /** Whether the type is one whose pixels are read (png, jpeg, gif, webp). */
  isRaster(contentType: string): boolean;
  /** Size and thumbnail of a raster image, or null when the bytes are not a readable image. */
  image(bytes: Buffer): Promise<ImageInfo | null>;
}

export interface FilesOptions {
  /** NATTER_UPLOADS: false refuses uploads with 403 uploads_disabled. */
  enabled: boolean;
  /** NATTER_MAX_UPLOAD in bytes; 0 = no limit. */
  maxBytes: number;
  /** NATTER_UPLOAD_TTL_MS: how long an unattached upload lives. */
  ttlMs: number;
}

/** Images larger than this are stored and served, but not measured nor thumbnailed (decoding holds them in memory). */
export const IMAGE_READ_MAX = 64 * 1024 * 1024;

/** How many dead file keys one round of the sweep deletes. */
const REAP_BATCH = 100;

export type FilesStore = Pick<Store, 'uploads' | 'files' | 'findRoom'>;

/** A file a request may read: the upload, and the key and size of the bytes to send. */
export interface OpenFile {
  upload: Upload;
  key: string;
  size: number;
  contentType: string;
}

const thumbKey = (id: string): string => `${id}-t`;

export class Files {
  private reaping: Promise<unknown> | null = null;

  constructor(
    private readonly store: FilesStore,
    private readonly media: Media,
    private readonly opts: FilesOptions,
    private readonly onError: (what: string, err: unknown) => void = () => {},
  ) {}

  /** Who may upload at all; checked before the body is read. */
  checkUploader(user: User): void {
    if (!this.opts.enabled) throw new ChatError('uploads_disabled', 'uploads are disabled on this server');
    if (user.guest) throw forbidden('guests cannot upload files');
  }

  /** The error of a file over the limit. */
  tooLarge(): ChatError {
    return new ChatError('payload_too_large', `the file is larger than the limit of ${this.opts.maxBytes} bytes`);
  }

  /**
   * Store an upload: the bytes under the limit (nothing kept past it), then its type, size in pixels and
   * thumbnail, then its row. Whatever fails after the bytes are stored deletes them again.
   */
  async upload(user: User, filename: string | undefined, source: AsyncIterable<Buffer>): Promise<Upload> {
    this.checkUploader(user);
    const id = randomBytes(16).toString('base64url');
    let stored: { size: number; head: Buffer };
    try {
      stored = await this.store.files.put(id, source, this.opts.maxBytes);
    } catch (err) {
      throw err instanceof TooLarge ? this.tooLarge() : err;
    }
    let thumbnail = false;
    try {
      const contentType = await this.media.sniff(stored.head);
      let width: number | null = null;
      let height: number | null = null;
      if (this.media.isRaster(contentType) && stored.size <= IMAGE_READ_MAX) {
        const bytes = await this.store.files.buffer(id);
        const info = bytes ? await this.media.image(bytes) : null;
        if (info) {
          ({ width, height } = info);
          if (info.thumbnail) {
            await this.store.files.put(thumbKey(id), [info.thumbnail], 0);
            thumbnail = true;
          }
        }
      }
      const record = await this.store.uploads.createUpload({
        id, ownerId: user.id, name: uploadName(filename), size: stored.size, contentType, width, height, thumbnail,
      });
      return record.upload;
    } catch (err) {
      await this.store.files.delete(id).catch(() => {});
      if (thumbnail) await this.store.files.delete(thumbKey(id)).catch(() => {});
      throw err;
    }
  }

  /** Delete your own unattached upload (204); 409 once attached; 404 when not yours or gone. */
  async remove(user: User, id: string): Promise<void> {
    const outcome = await this.store.uploads.deleteUpload(id, user.id);
    if (outcome === 'attached') throw new ChatError('conflict', 'the upload is attached to a message: delete the message instead');
    if (outcome === 'missing') throw notFound(`upload ${id}`);
    this.reapSoon();
  }

  /** The bytes `user` may read for `GET /files/:id` (or its thumbnail); 404 for everyone else. */
  async open(user: User, id: string, thumbnail: boolean): Promise<OpenFile> {
    const rec = await this.store.uploads.getUpload(id);
    if (!rec || !(await this.mayRead(user, rec)) || (thumbnail && !rec.thumbnail)) throw notFound(`file ${id}`);
    const key = thumbnail ? thumbKey(id) : id;
    const size = await this.store.files.size(key);
    if (size === null) throw notFound(`file ${id}`);
    return { upload: rec.upload, key, size, contentType: thumbnail ? 'image/webp' : rec.upload.content_type };
  }

  private async mayRead(user: User, rec: UploadRecord): Promise<boolean> {
    if (rec.avatar) return true;
    if (rec.messageId === null) return rec.ownerId === user.id && !this.expired(rec.upload);
    if (rec.messageDeleted || rec.roomName === null) return false;
    try {
      seen(await this.store.findRoom(rec.roomName, user.id), rec.roomName);
      return true;
    } catch {
      return false;
    }
  }

  private expired(upload: Upload): boolean {
    return Date.parse(upload.created_at) + this.opts.ttlMs <= Date.now();
  }

  /**
   * Expire unattached uploads past their lifetime, then delete the bytes of every dead file (expired,
   * deleted by their owner, or attached to a deleted message). Safe on several nodes at once: deleting is
   * idempotent and a key is forgotten only after its bytes are gone.
   */
  async sweep(): Promise<{ expired: number; deleted: number }> {
    const expired = await this.store.uploads.expireUploads(new Date(Date.now() - this.opts.ttlMs).toISOString());
    return { expired, deleted: await this.reap() };
  }

  private async reap(): Promise<number> {
    let deleted = 0;
    for (;;) {
      const keys = await this.store.uploads.deadFiles(REAP_BATCH);
      if (keys.length === 0) return deleted;
      for (const key of keys) await this.store.files.delete(key);
      await this.store.uploads.forgetDeadFiles(keys);
      deleted += keys.length;
      if (keys.length < REAP_BATCH) return deleted;
    }
  }

  /** Delete dead bytes now, in the background (a deleted upload or message); the periodic sweep catches what this misses. */
  reapSoon(): void {
    this.reaping ??= this.reap()
      .catch((err: unknown) => this.onError('file reap', err))
      .finally(() => (this.reaping = null));
  }
}
