/**
 * File storage in PostgreSQL (storage/files.ts), the default in cluster mode: every node reads the same
 * bytes. A file is a row of `files` and its bytes are `file_chunks` of CHUNK bytes, written in one
 * transaction as they stream in (an upload over the limit, or cut off, rolls back and leaves nothing).
 * Reads fetch only the chunks a range covers, a few at a time, so a large file is never held in memory.
 */
import { Readable } from 'node:stream';
import type pg from 'pg';
import { HEAD_BYTES, HeadCollector, TooLarge, type ByteRange, type FileStore } from '../files.ts';
import { retrying, transaction, type StoreLog } from './db.ts';

/** Bytes per chunk row (large values are TOASTed, so a row stays cheap to skip). */
export const CHUNK = 256 * 1024;
/** Chunk rows fetched per query while reading. */
const READ_AHEAD = 4;

export class PostgresFiles implements FileStore {
  constructor(private readonly pool: pg.Pool, private readonly log: StoreLog, private readonly chunk = CHUNK) {}

  async put(key: string, source: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>, maxBytes: number, headBytes = HEAD_BYTES): Promise<{ size: number; head: Buffer }> {
    const head = new HeadCollector(headBytes);
    return transaction(this.pool, this.log, async (tx) => {
      let size = 0;
      let n = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async (all: boolean) => {
        let buf = Buffer.concat(pending);
        while (buf.length >= this.chunk || (all && buf.length > 0)) {
          const part = buf.subarray(0, this.chunk);
          await tx.query('INSERT INTO file_chunks (key, n, data) VALUES ($1, $2, $3)', [key, n++, part]);
          buf = buf.subarray(part.length);
        }
        pending = buf.length > 0 ? [buf] : [];
        pendingBytes = buf.length;
      };
      for await (const raw of source) {
        const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
        size += chunk.length;
        if (maxBytes > 0 && size > maxBytes) throw new TooLarge(maxBytes);
        head.add(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= this.chunk) await flush(false);
      }
      await flush(true);
      await tx.query('INSERT INTO files (key, size, chunk) VALUES ($1, $2, $3)', [key, size, this.chunk]);
      return { size, head: head.head };
    });
  }

  async size(key: string): Promise<number | null> {
    const rows = await this.query<{ size: number }>('SELECT size FROM files WHERE key = $1', [key]);
    return rows[0]?.size ?? null;
  }

  async read(key: string, range?: ByteRange): Promise<Readable | null> {
    const meta = (await this.query<{ size: number; chunk: number }>('SELECT size, chunk FROM files WHERE key = $1', [key]))[0];
    if (!meta) return null;
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? meta.size - 1, meta.size - 1);
    const query = this.query.bind(this);
    async function* chunks(): AsyncGenerator<Buffer> {
      if (end < start) return;
      const last = Math.floor(end / meta!.chunk);
      for (let n = Math.floor(start / meta!.chunk); n <= last; n += READ_AHEAD) {
        const rows = await query<{ n: number; data: Buffer }>(
          'SELECT n, data FROM file_chunks WHERE key = $1 AND n >= $2 AND n <= $3 ORDER BY n', [key, n, Math.min(n + READ_AHEAD - 1, last)]);
        for (const r of rows) {
          const base = r.n * meta!.chunk;
          const from = Math.max(start - base, 0);
          const to = Math.min(end - base + 1, r.data.length);
          if (to > from) yield r.data.subarray(from, to);
        }
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async buffer(key: string): Promise<Buffer | null> {
    const stream = await this.read(key);
    if (!stream) return null;
    const parts: Buffer[] = [];
    for await (const part of stream) parts.push(part as Buffer);
    return Buffer.concat(parts);
  }

  async delete(key: string): Promise<void> {
    await transaction(this.pool, this.log, async (tx) => {
      await tx.query('DELETE FROM file_chunks WHERE key = $1', [key]);
      await tx.query('DELETE FROM files WHERE key = $1', [key]);
    });
  }

  async close(): Promise<void> {}

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    return retrying('files', this.log, 4, async () => (await this.pool.query<R>(sql, params)).rows);
  }
}
