/**
 * The uploads part of the Store seam (store.ts; v1.1 §3): upload metadata and the file keys whose bytes may go.
 * The bytes themselves are in storage/files.ts.
 */
import type { Upload } from '../core/types.ts';

/** What `createUpload` stores (the bytes are already in the FileStore under `id`, the thumbnail under `${id}-t`). */
export interface NewUpload {
  id: string;
  ownerId: string;
  name: string;
  size: number;
  contentType: string;
  width: number | null;
  height: number | null;
  thumbnail: boolean;
}

/** An upload with what its access checks need. */
export interface UploadRecord {
  upload: Upload;
  ownerId: string;
  /** The message it is attached to, and that message's room, or null while unattached. */
  messageId: string | null;
  roomId: number | null;
  roomName: string | null;
  messageDeleted: boolean;
  avatar: boolean;
  thumbnail: boolean;
}

/** Uploads' metadata (v1.1 §3); their bytes are in storage/files.ts. */
export interface Uploads {
  createUpload(input: NewUpload): Promise<UploadRecord>;
  getUpload(id: string): Promise<UploadRecord | null>;
  /** Delete the owner's unattached upload: 'deleted', 'attached' (409), or 'missing' (not theirs, or none). */
  deleteUpload(id: string, ownerId: string): Promise<'deleted' | 'attached' | 'missing'>;
  /**
   * Unattached uploads (not avatars) created before `before` are gone: their rows leave `uploads` (404 at once)
   * and their file keys join the dead files. Deleting a message does the same for its attachments. Returns how many.
   */
  expireUploads(before: string): Promise<number>;
  /** Up to `limit` file keys whose bytes the caller must delete from the FileStore, then `forgetDeadFiles`. */
  deadFiles(limit: number): Promise<string[]>;
  forgetDeadFiles(keys: string[]): Promise<void>;
}
