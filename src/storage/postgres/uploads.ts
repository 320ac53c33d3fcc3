/**
 * Uploads' metadata on PostgreSQL (store.ts `Uploads`, v1.1 §3); attaching happens in the post's own
 * transaction (writes.ts). Runs through the store's transaction helpers. Mirrors sqlite/uploads.ts.
 */
import type { NewUpload, UploadRecord, Uploads } from '../store.ts';
import { parseId } from '../rows.ts';
import { toUploadRecord, type UploadRow } from '../upload-rows.ts';
import type { Tx } from './db.ts';
import { SQL } from './sql.ts';
import type { Db } from './writes.ts';

export class PostgresUploads implements Uploads {
  constructor(
    private readonly write: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
    private readonly read: <T>(fn: (db: Db) => Promise<T>) => Promise<T>,
  ) {}

  async createUpload(input: NewUpload): Promise<UploadRecord> {
    await this.write((tx) => tx.query(SQL.insertUpload, [input.id, parseId(input.ownerId), input.name, input.size, input.contentType, input.width, input.height, input.thumbnail]));
    return (await this.getUpload(input.id))!;
  }

  async getUpload(id: string): Promise<UploadRecord | null> {
    const row = await this.read(async (db) => (await db.query<UploadRow & { room_id: number | null; room_name: string | null; message_deleted: boolean | null }>(SQL.uploadById, [id])).rows[0]);
    return row ? toUploadRecord(row) : null;
  }

  async deleteUpload(id: string, ownerId: string): Promise<'deleted' | 'attached' | 'missing'> {
    return this.write(async (tx) => {
      const row = (await tx.query<{ message_id: number | null; avatar: boolean }>(SQL.lockUpload, [id, parseId(ownerId)])).rows[0];
      if (!row) return 'missing';
      if (row.message_id !== null || row.avatar) return 'attached';
      await tx.query(SQL.buryUpload, [id]);
      await tx.query(SQL.deleteUpload, [id]);
      return 'deleted';
    });
  }

  async expireUploads(before: string): Promise<number> {
    return this.write(async (tx) => {
      await tx.query(SQL.buryExpired, [before]);
      return (await tx.query(SQL.forgetExpired, [before])).rowCount ?? 0;
    });
  }

  async deadFiles(limit: number): Promise<string[]> {
    return this.read(async (db) => (await db.query<{ key: string }>(SQL.deadFiles, [limit])).rows.map((r) => r.key));
  }

  async forgetDeadFiles(keys: string[]): Promise<void> {
    await this.write((tx) => tx.query(SQL.forgetDeadFiles, [keys]));
  }
}
