/** The FileStore contract on local disk: a fresh directory per run. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { DiskFiles } from '../../src/storage/files-disk.ts';
import { describeFiles } from './files.contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'natter-files-'));

describeFiles('disk', async () => ({
  sizes: [65_536, 65_537, 1_000_003],
  async open() {
    return new DiskFiles(dir);
  },
  async cleanup() {
    // No temporary file survives a refused or broken upload.
    const left = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.part'));
    assert.deepEqual(left, []);
    rmSync(dir, { recursive: true, force: true });
  },
}));

it('refuses keys that could leave its directory', async () => {
  const files = new DiskFiles(join(tmpdir(), 'natter-files-keys'));
  for (const key of ['../../etc/passwd', 'a/b', '', 'short', '..%2f..%2fx0000000']) {
    await assert.rejects(files.put(key, (async function* () {})(), 0), /bad file key/);
  }
});
