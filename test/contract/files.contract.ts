/**
 * The file-storage contract (src/storage/files.ts) as one suite, run against every implementation
 * (files-disk.test.ts, files-postgres.test.ts): round trips of every size around the chunk boundaries,
 * ranges, the size limit enforced while streaming with nothing kept, an upload cut off mid-stream, and
 * idempotent deletes. A fixture may open a second store on the same data (another node).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TooLarge, type FileStore } from '../../src/storage/files.ts';

export interface FilesFixture {
  open(): Promise<FileStore>;
  cleanup(): Promise<void>;
  /** Sizes worth trying for this implementation (around its chunk size). */
  sizes: number[];
}

let keys = 0;
const newKey = () => `k${Date.now().toString(36)}${(++keys).toString(36).padStart(4, '0')}`;

async function* pieces(buf: Buffer, size = 7_919): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function collect(s: NodeJS.ReadableStream | null): Promise<Buffer | null> {
  if (!s) return null;
  const parts: Buffer[] = [];
  for await (const p of s) parts.push(Buffer.from(p as Buffer));
  return Buffer.concat(parts);
}

export function describeFiles(name: string, fixture: () => Promise<FilesFixture>): void {
  describe(`FileStore contract: ${name}`, () => {
    let fx: FilesFixture;
    let files: FileStore;
    before(async () => {
      fx = await fixture();
      files = await fx.open();
    });
    after(async () => {
      await files?.close();
      await fx?.cleanup();
    });

    it('stores and returns the same bytes, whole and as a buffer, with the size and the leading bytes', async () => {
      for (const size of [0, 1, ...fx.sizes]) {
        const key = newKey();
        const data = randomBytes(size);
        const put = await files.put(key, pieces(data), 0, 16);
        assert.equal(put.size, size);
        assert.deepEqual(put.head, data.subarray(0, 16), `head of ${size}`);
        assert.equal(await files.size(key), size);
        assert.ok((await collect(await files.read(key)))!.equals(data), `read of ${size}`);
        assert.ok((await files.buffer(key))!.equals(data), `buffer of ${size}`);
      }
    });

    it('reads any range, inclusive at both ends', async () => {
      const size = Math.max(...fx.sizes);
      const data = randomBytes(size);
      const key = newKey();
      await files.put(key, pieces(data), 0);
      const cuts = [[0, 0], [0, size - 1], [size - 1, size - 1], [1, 2], [Math.floor(size / 3), Math.floor((2 * size) / 3)], ...fx.sizes.filter((s) => s < size).map((s) => [s - 1, s])];
      for (const [start, end] of cuts) {
        const got = await collect(await files.read(key, { start: start!, end: end! }));
        assert.ok(got!.equals(data.subarray(start!, end! + 1)), `range ${start}-${end}`);
      }
    });

    it('refuses more than the limit while streaming and keeps nothing; the limit itself fits', async () => {
      const limit = fx.sizes[0]!;
      const fits = newKey();
      assert.equal((await files.put(fits, pieces(randomBytes(limit)), limit)).size, limit);
      const over = newKey();
      let pulled = 0;
      async function* endless(): AsyncGenerator<Buffer> {
        for (;;) {
          pulled++;
          yield randomBytes(4096);
        }
      }
      await assert.rejects(files.put(over, endless(), limit), (err) => err instanceof TooLarge);
      assert.ok(pulled * 4096 <= limit + 8192, 'stopped reading once past the limit');
      assert.equal(await files.size(over), null);
      assert.equal(await files.read(over), null);
    });

    it('an upload cut off mid-stream keeps nothing', async () => {
      const key = newKey();
      async function* broken(): AsyncGenerator<Buffer> {
        yield randomBytes(fx.sizes[0]! + 10);
        throw new Error('client went away');
      }
      await assert.rejects(files.put(key, broken(), 0), /client went away/);
      assert.equal(await files.size(key), null);
      assert.equal(await files.buffer(key), null);
    });

    it('another store on the same data serves the file; delete is at once and idempotent', async () => {
      const key = newKey();
      const data = randomBytes(1000);
      await files.put(key, pieces(data), 0);
      const other = await fx.open();
      try {
        assert.ok((await other.buffer(key))!.equals(data));
        await other.delete(key);
        assert.equal(await files.size(key), null);
        assert.equal(await files.read(key), null);
        await files.delete(key);
        await files.delete('never-existed-key');
      } finally {
        await other.close();
      }
    });
  });
}
