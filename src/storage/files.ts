/**
 * The file-storage seam (API v1.1 §3): where the bytes of uploads and thumbnails live. The metadata
 * (owner, name, type, attachment) is the Store's; this holds bytes by key, nothing else.
 *
 * Two implementations, one contract suite (test/contract/files.contract.ts):
 * - `DiskFiles` (files-disk.ts): files under the data directory, the default of a single node on SQLite.
 * - `PostgresFiles` (postgres/files.ts): chunks in the PostgreSQL database, the default in cluster mode,
 *   because every node must serve every file and the cluster already has that database (no new service to
 *   run, back up or secure; it is as durable and as shared as the messages that reference the files).
 *
 * `put` enforces the size limit while the bytes stream in: over the limit it throws `TooLarge` and keeps
 * nothing. A key is written once (uploads are immutable); `delete` is idempotent.
 */
import type { Readable } from 'node:stream';

/** Bytes `start`..`end`, both inclusive (an HTTP Range, resolved against the size). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface FileStore {
  /**
   * Store `source` under `key`. `maxBytes` 0 means no limit. Resolves with the size and the first
   * `headBytes` bytes (for sniffing the type); throws `TooLarge` (nothing kept) past `maxBytes`.
   */
  put(key: string, source: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>, maxBytes: number, headBytes?: number): Promise<{ size: number; head: Buffer }>;
  /** The stored size, or null when there is no such key. */
  size(key: string): Promise<number | null>;
  /** The bytes (all, or `range`), or null when there is no such key. */
  read(key: string, range?: ByteRange): Promise<Readable | null>;
  /** The whole file in memory (thumbnails: at most the upload limit), or null. */
  buffer(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by `put` when the bytes exceed the limit. */
export class TooLarge extends Error {
  constructor(readonly limit: number) {
    super(`file larger than ${limit} bytes`);
    this.name = 'TooLarge';
  }
}

/** How many leading bytes `put` keeps for sniffing by default (file-type reads at most 4100). */
export const HEAD_BYTES = 4_100;

/** Collects the first `n` bytes of a stream as it passes. */
export class HeadCollector {
  private readonly parts: Buffer[] = [];
  private have = 0;
  constructor(private readonly n: number) {}

  add(chunk: Buffer): void {
    if (this.have >= this.n) return;
    const part = chunk.subarray(0, this.n - this.have);
    this.parts.push(Buffer.from(part));
    this.have += part.length;
  }

  get head(): Buffer {
    return Buffer.concat(this.parts);
  }
}
