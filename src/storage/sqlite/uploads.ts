/**
 * Uploads' metadata on SQLite (store.ts `Uploads`, v1.1 §3); attaching happens in the post's own transaction
 * (writes.ts). Writes go through the store's group commit. Mirrors postgres/uploads.ts.
 */
import type { NewUpload, UploadRecord, Uploads } from '../store.ts';
import { now, parseId } from '../rows.ts';
import { toUploadRecord } from '../upload-rows.ts';
import type { Statements } from './statements.ts';

export class SqliteUploads implements Uploads {
  constructor(private readonly s: Statements, private readonly write: <T>(fn: () => T) => Promise<T>) {}

  async createUpload(input: NewUpload): Promise<UploadRecord> {
    await this.write(() => this.s.insertUpload.run(input.id, parseId(input.ownerId), input.name, input.size, input.contentType, input.width, input.height, input.thumbnail ? 1 : 0, now()));
    return (await this.getUpload(input.id))!;
  }

  async getUpload(id: string): Promise<UploadRecord | null> {
    const row = this.s.uploadById.get(id);
    return row ? toUploadRecord(row) : null;
  }

  async deleteUpload(id: string, ownerId: string): Promise<'deleted' | 'attached' | 'missing'> {
    return this.write(() => {
      const row = this.s.uploadOwner.get(id, parseId(ownerId));
      if (!row) return 'missing';
      if (row.message_id !== null || row.avatar) return 'attached';
      this.s.buryUpload.run(id);
      this.s.deleteUpload.run(id);
      return 'deleted';
    });
  }

  async expireUploads(before: string): Promise<number> {
    return this.write(() => {
      this.s.buryExpired.run(before);
      return this.s.forgetExpired.run(before).changes;
    });
  }

  async deadFiles(limit: number): Promise<string[]> {
    return this.s.deadFiles.all(limit).map((r) => r.key);
  }

  async forgetDeadFiles(keys: string[]): Promise<void> {
    await this.write(() => {
      for (const k of keys) this.s.forgetDeadFile.run(k);
    });
  }
}
