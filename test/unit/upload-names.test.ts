/** core/upload-names.ts: stored names, inline types and Content-Disposition (API v1.1 §3), table-driven. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentDisposition, isInline, uploadName, UPLOAD_NAME_MAX } from '../../src/core/upload-names.ts';

describe('uploadName', () => {
  const cases: [string | undefined | null, string][] = [
    ['report.pdf', 'report.pdf'],
    ['C:\\Users\\me\\shot.png', 'shot.png'],
    ['../../etc/passwd', 'passwd'],
    ['dir/', 'file'],
    ['', 'file'],
    [undefined, 'file'],
    [null, 'file'],
    ['..', 'file'],
    ['a\u0000b\u001fc\u007fd.txt', 'abcd.txt'],
    ['  spaced name.txt  ', 'spaced name.txt'],
    ['日本語のファイル.txt', '日本語のファイル.txt'],
    ['😀'.repeat(300), '😀'.repeat(UPLOAD_NAME_MAX)],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)?.slice(0, 40)} → ${want.slice(0, 20)}`, () => assert.equal(uploadName(input), want));
});

describe('isInline and contentDisposition', () => {
  const cases: [string, string, string][] = [
    ['image/png', 'a.png', "inline; filename*=UTF-8''a.png"],
    ['image/jpeg', 'Photo 1.jpg', "inline; filename*=UTF-8''Photo%201.jpg"],
    ['image/gif', 'x.gif', "inline; filename*=UTF-8''x.gif"],
    ['image/webp', 'x.webp', "inline; filename*=UTF-8''x.webp"],
    ['image/svg+xml', 'x.svg', "attachment; filename*=UTF-8''x.svg"],
    ['text/html', 'x.html', "attachment; filename*=UTF-8''x.html"],
    ['application/pdf', 'x.pdf', "attachment; filename*=UTF-8''x.pdf"],
    ['application/octet-stream', 'é "q";\'.bin', "attachment; filename*=UTF-8''%C3%A9%20%22q%22%3B%27.bin"],
    ['text/plain', '日.txt', "attachment; filename*=UTF-8''%E6%97%A5.txt"],
  ];
  for (const [type, name, want] of cases) {
    it(`${type} ${name}`, () => {
      assert.equal(contentDisposition(type, name), want);
      assert.equal(isInline(type), want.startsWith('inline'));
    });
  }
});
