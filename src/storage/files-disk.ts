/**
 * File storage on local disk (files.ts), under `<dir>/<first two characters of the key>/<key>`. A file is
 * written to a temporary name beside its final one, fsync'ed, and renamed into place only once complete
 * and within the limit, so a reader never sees half a file and an oversized upload leaves nothing.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HEAD_BYTES, HeadCollector, TooLarge, type ByteRange, type FileStore } from './files.ts';

const KEY = /^[A-Za-z0-9_-]{8,64}$/;

export class DiskFiles implements FileStore {
  private tmp = 0;

  /** `temporary`: the directory is this store's own and is removed on close (an in-memory SQLite store's files). */
  constructor(private readonly dir: string, private readonly temporary = false) {}

  private path(key: string): string {
    if (!KEY.test(key)) throw new Error(`bad file key ${JSON.stringify(key)}`);
    return join(this.dir, key.slice(0, 2), key);
  }

  async put(key: string, source: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>, maxBytes: number, headBytes = HEAD_BYTES): Promise<{ size: number; head: Buffer }> {
    const final = this.path(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    const temp = `${final}.${process.pid}.${++this.tmp}.part`;
    const file = await open(temp, 'wx');
    const head = new HeadCollector(headBytes);
    let size = 0;
    try {
      for await (const raw of source) {
        const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
        size += chunk.length;
        if (maxBytes > 0 && size > maxBytes) throw new TooLarge(maxBytes);
        head.add(chunk);
        await file.write(chunk);
      }
      await file.datasync();
      await file.close();
      await rename(temp, final);
    } catch (err) {
      await file.close().catch(() => {});
      await rm(temp, { force: true });
      throw err;
    }
    return { size, head: head.head };
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.path(key))).size;
    } catch {
      return null;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable | null> {
    if ((await this.size(key)) === null) return null;
    return createReadStream(this.path(key), range ? { start: range.start, end: range.end } : {});
  }

  async buffer(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(key));
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async close(): Promise<void> {
    if (this.temporary) await rm(this.dir, { recursive: true, force: true });
  }
}
