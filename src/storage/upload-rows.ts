/**
 * Upload rows as both stores read them (API v1.1 §3), beside rows.ts: the `uploads` row, the API's `upload`,
 * the record access checks use, and the error of an attachment that cannot be attached.
 */
import { ChatError } from '../core/errors.ts';
import type { Upload } from '../core/types.ts';
import type { UploadRecord } from './uploads.ts';
import { flag, iso, type Flag, type Time } from './values.ts';

/** An `uploads` row (both stores). */
export interface UploadRow {
  id: string;
  owner_id: number;
  name: string;
  size: number;
  content_type: string;
  width: number | null;
  height: number | null;
  thumbnail: Flag;
  created_at: Time;
  message_id: number | null;
  avatar: Flag;
}

/** The API's `upload` of a row. */
export function toUpload(r: UploadRow): Upload {
  return {
    id: r.id, name: r.name, size: Number(r.size), content_type: r.content_type, width: r.width, height: r.height,
    url: `/api/v1/files/${r.id}`, thumbnail_url: flag(r.thumbnail) ? `/api/v1/files/${r.id}/thumbnail` : null, created_at: iso(r.created_at),
  };
}

/** An upload with what access checks need (store.ts `UploadRecord`). */
export function toUploadRecord(r: UploadRow & { room_id: number | null; room_name: string | null; message_deleted: Flag | null }): UploadRecord {
  return {
    upload: toUpload(r), ownerId: String(r.owner_id), messageId: r.message_id === null ? null : String(r.message_id),
    roomId: r.room_id === null ? null : Number(r.room_id), roomName: r.room_name, messageDeleted: flag(r.message_deleted ?? false), avatar: flag(r.avatar), thumbnail: flag(r.thumbnail),
  };
}

/** An attachment that is not the author's own unattached, unexpired upload. */
export const invalidAttachment = (id: string): ChatError => new ChatError('invalid_attachment', `attachments: ${id.slice(0, 64)} is not an upload of yours that can be attached (unknown, already attached, or expired)`);
