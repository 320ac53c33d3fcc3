/**
 * The web client's pure helpers for files, run in Node (like web-format.test.ts): sizes in words, images fitted
 * into their box without enlarging, and upload errors turned into the sentences people see.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../web/src/api.ts';
import { fitWithin, humanSize } from '../../web/src/format.ts';
import { uploadErrorText } from '../../web/src/upload-text.ts';

describe('humanSize', () => {
  it('says bytes, then KB, MB, GB with at most one decimal', () => {
    const table: [number, string][] = [
      [0, '0 bytes'],
      [1, '1 byte'],
      [1023, '1023 bytes'],
      [1024, '1 KB'],
      [1536, '1.5 KB'],
      [1400, '1.4 KB'],
      [10 * 1024 + 100, '10 KB'],
      [1024 * 1024, '1 MB'],
      [10 * 1024 * 1024, '10 MB'],
      [1.25 * 1024 ** 3, '1.3 GB'],
    ];
    for (const [bytes, want] of table) assert.equal(humanSize(bytes), want, String(bytes));
  });
});

describe('fitWithin', () => {
  it('scales down to the box keeping the aspect ratio, and never up', () => {
    assert.deepEqual(fitWithin(800, 400, 360, 240), { width: 360, height: 180 });
    assert.deepEqual(fitWithin(400, 800, 360, 240), { width: 120, height: 240 });
    assert.deepEqual(fitWithin(40, 30, 360, 240), { width: 40, height: 30 });
    assert.deepEqual(fitWithin(10_000, 1, 360, 240), { width: 360, height: 1 }, 'at least one pixel');
  });
});

describe('uploadErrorText', () => {
  const err = (status: number, code: string) => new ApiError(status, code, 'server words');
  it('names the limit of a too-large file, and says the other refusals plainly', () => {
    assert.equal(uploadErrorText(err(413, 'payload_too_large'), 10 * 1024 * 1024), "That file is larger than the server's limit of 10 MB.");
    assert.equal(uploadErrorText(err(413, 'payload_too_large'), 0), 'That file is larger than the server accepts.');
    assert.equal(uploadErrorText(err(403, 'uploads_disabled'), 1), 'Uploads are turned off on this server.');
    assert.match(uploadErrorText(err(403, 'forbidden'), 1), /^Guests cannot upload files/);
    assert.match(uploadErrorText(err(429, 'rate_limited'), 1), /^Too many uploads/);
    assert.match(uploadErrorText(new ApiError(0, 'network', 'x'), 1), /^The upload did not reach the server/);
  });
});
