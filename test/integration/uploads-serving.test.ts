/**
 * GET and HEAD /api/v1/files/:id and /thumbnail (API v1.1 §3 Serving and the Clarifications) against real
 * server processes, on SQLite and on PostgreSQL: the headers of every file response, Content-Disposition,
 * identical bytes, ETag and If-None-Match, byte ranges (across PostgreSQL's chunks too), HEAD.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, it } from 'node:test';

import { newUser, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { assertFileHeaders, fileError, getFile, gif, jpegWithMetadata, png, rawHead, upload, uploadParts, webp } from '../helpers/uploads.ts';

describeEachStore('uploads: serving files', (server: StoreServer) => {
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    alice = await newUser(server.url, 'ua');
    bob = await newUser(server.url, 'ub');
  });

  it('GET: the stored bytes, byte for byte, with the contract headers', async () => {
    const bytes = randomBytes(70_000);
    const u = await upload(alice, bytes, 'random.bin');
    const f = await getFile(alice.api, u.url);
    assert.equal(f.status, 200);
    assert.ok(f.bytes.equals(bytes), 'identical bytes');
    assertFileHeaders(f.headers, u.content_type);
    assert.equal(f.headers.get('content-length'), String(bytes.length));
    assert.equal(f.headers.get('content-disposition'), "attachment; filename*=UTF-8''random.bin");
  });

  it('Content-Disposition inline for png, jpeg, gif and webp; filename* percent-encodes a non-ASCII name', async () => {
    const cases: [Buffer, string][] = [
      [await png(5, 5), 'image/png'],
      [await jpegWithMetadata(5, 5), 'image/jpeg'],
      [await gif(5, 5), 'image/gif'],
      [await webp(5, 5), 'image/webp'],
    ];
    for (const [bytes, type] of cases) {
      const u = await upload(alice, bytes, 'Grüße 1.img');
      assert.equal(u.content_type, type);
      const f = await getFile(alice.api, u.url);
      assert.equal(f.status, 200);
      assertFileHeaders(f.headers, type);
      assert.equal(f.headers.get('content-disposition'), "inline; filename*=UTF-8''Gr%C3%BC%C3%9Fe%201.img", type);
      assert.ok(f.bytes.equals(bytes));
    }
  });

  it('Content-Disposition attachment for SVG, HTML, PDF and others, whatever the part header or name claims', async () => {
    const svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>';
    const html = '<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>';
    const pdf = '%PDF-1.4\n%%EOF\n';
    for (const [data, name, claimed] of [[svg, 'x.svg', 'image/svg+xml'], [svg, 'x.png', 'image/png'], [html, 'x.html', 'text/html'], [pdf, 'x.pdf', 'application/pdf'], ['zip?', 'x.zip', 'application/zip']] as [string, string, string][]) {
      const r = await uploadParts(alice.api, [{ name: 'file', filename: name, type: claimed, data }]);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const u = r.body.upload;
      assert.ok(!['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml', 'text/html'].includes(u.content_type), `${name}: sniffed ${u.content_type}`);
      assert.equal(u.thumbnail_url, null);
      const f = await getFile(alice.api, u.url);
      assert.equal(f.status, 200);
      assertFileHeaders(f.headers, u.content_type);
      assert.equal(f.headers.get('content-disposition'), `attachment; filename*=UTF-8''${encodeURIComponent(name)}`, name);
    }
  });

  it('the thumbnail is served with the same headers, as image/webp, inline', async () => {
    const u = await upload(alice, await png(100, 100), 'thumb.png');
    const t = await getFile(alice.api, u.thumbnail_url);
    assert.equal(t.status, 200);
    assertFileHeaders(t.headers, 'image/webp');
    assert.match(t.headers.get('content-disposition') ?? '', /^inline; filename\*=UTF-8''/);
  });

  it('ETag, and If-None-Match with it → 304 without a body', async () => {
    const u = await upload(alice, 'etag me', 'e.txt');
    const f = await getFile(alice.api, u.url);
    const etag = f.headers.get('etag');
    assert.ok(etag, 'an ETag');
    const again = await getFile(alice.api, u.url, { 'if-none-match': etag! });
    assert.equal(again.status, 304);
    assert.equal(again.bytes.length, 0);
    assert.equal(again.headers.get('etag'), etag, 'a 304 repeats the ETag');
    assert.equal(again.headers.get('cache-control'), 'private', 'a 304 repeats Cache-Control');
    assert.equal((await getFile(alice.api, u.url, { 'if-none-match': `W/${etag}, "x"` })).status, 304, 'a weak or listed match too');
    const other = await getFile(alice.api, u.url, { 'if-none-match': '"something-else"' });
    assert.equal(other.status, 200);
    assert.equal(other.bytes.toString(), 'etag me');
    const u2 = await upload(alice, 'etag me', 'e.txt');
    assert.notEqual((await getFile(alice.api, u2.url)).headers.get('etag'), etag, 'another upload of the same bytes has its own ETag (or at least not a wrong 304)');
  });

  it('Range: bytes=0-9 → 206 with Content-Range; suffix bytes=-5; open bytes=10-', async () => {
    const bytes = randomBytes(100);
    const u = await upload(alice, bytes, 'r.bin');
    const first = await getFile(alice.api, u.url, { range: 'bytes=0-9' });
    assert.equal(first.status, 206);
    assert.equal(first.headers.get('content-range'), 'bytes 0-9/100');
    assert.equal(first.headers.get('content-length'), '10');
    assert.ok(first.bytes.equals(bytes.subarray(0, 10)));
    assertFileHeaders(first.headers, 'application/octet-stream');

    const suffix = await getFile(alice.api, u.url, { range: 'bytes=-5' });
    assert.equal(suffix.status, 206);
    assert.equal(suffix.headers.get('content-range'), 'bytes 95-99/100');
    assert.ok(suffix.bytes.equals(bytes.subarray(95)));

    const open = await getFile(alice.api, u.url, { range: 'bytes=10-' });
    assert.equal(open.status, 206);
    assert.equal(open.headers.get('content-range'), 'bytes 10-99/100');
    assert.ok(open.bytes.equals(bytes.subarray(10)));

    const past = await getFile(alice.api, u.url, { range: 'bytes=90-500' });
    assert.equal(past.status, 206, 'an end past the file is cut to it');
    assert.equal(past.headers.get('content-range'), 'bytes 90-99/100');
    assert.ok(past.bytes.equals(bytes.subarray(90)));
  });

  it('an unsatisfiable range → 416 with Content-Range: bytes */size', async () => {
    const u = await upload(alice, randomBytes(100), 'r.bin');
    for (const range of ['bytes=100-', 'bytes=500-600']) {
      const r = await getFile(alice.api, u.url, { range });
      assert.equal(r.status, 416, range);
      assert.equal(r.headers.get('content-range'), 'bytes */100', range);
    }
  });

  it('HEAD: the headers and Content-Length of GET, no body', async () => {
    const bytes = randomBytes(1234);
    const u = await upload(alice, bytes, 'h.bin');
    const h = await rawHead(server.url, u.url, alice.token);
    assert.equal(h.status, 200);
    assert.equal(h.headers['content-length'], '1234');
    assert.equal(h.bodyBytes, 0, 'no body');
    assert.equal(h.headers['x-content-type-options'], 'nosniff');
    assert.equal(h.headers['content-security-policy'], "sandbox; default-src 'none'");
    assert.equal(h.headers['cache-control'], 'private');
    assert.equal(h.headers['content-type'], 'application/octet-stream');
    assert.equal(h.headers['content-disposition'], "attachment; filename*=UTF-8''h.bin");
    const t = await upload(alice, await png(50, 50), 'h.png');
    const th = await rawHead(server.url, t.thumbnail_url, alice.token);
    assert.equal(th.status, 200);
    assert.equal(th.headers['content-type'], 'image/webp');
    assert.ok(Number(th.headers['content-length']) > 0);
    assert.equal(th.bodyBytes, 0);
  });

  it('an unknown file id → 404 not_found; a thumbnail\'s storage key is no file id; bob never sees alice\'s unattached upload', async () => {
    assertError(fileError(await getFile(alice.api, '/api/v1/files/AAAAAAAAAAAAAAAAAAAAAA')), 404, 'not_found');
    assertError(fileError(await getFile(alice.api, '/api/v1/files/..%2F..%2Fetc%2Fpasswd')), 404, 'not_found');
    const u = await upload(alice, await png(8, 8), 'mine.png');
    assertError(fileError(await getFile(bob.api, u.url)), 404, 'not_found');
    assertError(fileError(await getFile(alice.api, `${u.url}-t`)), 404, 'not_found');
  });

  it('If-None-Match does not bypass access: someone who may not read the file gets 404, not 304', async () => {
    const u = await upload(alice, 'private', 'p.txt');
    const etag = (await getFile(alice.api, u.url)).headers.get('etag')!;
    assert.equal((await getFile(bob.api, u.url, { 'if-none-match': etag })).status, 404);
    assert.equal((await getFile(bob.api, u.url, { 'if-none-match': '*' })).status, 404);
  });

  it('Range edge cases: bytes=0-0, a HEAD with a range, several ranges (whole file or 206), If-Range with another ETag (whole file)', async () => {
    const bytes = randomBytes(50);
    const u = await upload(alice, bytes, 'edge.bin');
    const one = await getFile(alice.api, u.url, { range: 'bytes=0-0' });
    assert.equal(one.status, 206);
    assert.equal(one.headers.get('content-range'), 'bytes 0-0/50');
    assert.ok(one.bytes.equals(bytes.subarray(0, 1)));
    const head = await getFile(alice.api, u.url, { range: 'bytes=10-19' }, 'HEAD');
    assert.equal(head.status, 206);
    assert.equal(head.headers.get('content-length'), '10');
    assert.equal(head.headers.get('content-range'), 'bytes 10-19/50');
    const multi = await getFile(alice.api, u.url, { range: 'bytes=0-1,5-6' });
    assert.ok(multi.status === 200 || multi.status === 206, String(multi.status));
    if (multi.status === 200) assert.ok(multi.bytes.equals(bytes));
    const ifRange = await getFile(alice.api, u.url, { range: 'bytes=0-9', 'if-range': '"not-the-etag"' });
    assert.equal(ifRange.status, 200);
    assert.ok(ifRange.bytes.equals(bytes));
    const etag = one.headers.get('etag')!;
    const ifRangeOk = await getFile(alice.api, u.url, { range: 'bytes=0-9', 'if-range': etag });
    assert.equal(ifRangeOk.status, 206);
  });

  it('a range of an empty file → 416 bytes */0; the whole empty file → 200', async () => {
    const u = await upload(alice, Buffer.alloc(0), 'empty');
    const r = await getFile(alice.api, u.url, { range: 'bytes=0-' });
    assert.equal(r.status, 416);
    assert.equal(r.headers.get('content-range'), 'bytes */0');
    assert.equal((await getFile(alice.api, u.url)).status, 200);
  });

  it('a file of several hundred KiB: identical bytes, and ranges that cross storage chunk boundaries (256 KiB)', async () => {
    const bytes = randomBytes(600_000);
    const u = await upload(alice, bytes, 'large.bin');
    const whole = await getFile(alice.api, u.url);
    assert.ok(whole.bytes.equals(bytes), 'whole file identical');
    for (const [start, end] of [[262_140, 262_149], [262_144, 262_144], [100, 524_300], [524_287, 599_999]] as const) {
      const r = await getFile(alice.api, u.url, { range: `bytes=${start}-${end}` });
      assert.equal(r.status, 206, `${start}-${end}`);
      assert.equal(r.headers.get('content-range'), `bytes ${start}-${end}/600000`);
      assert.ok(r.bytes.equals(bytes.subarray(start, end + 1)), `bytes ${start}-${end}`);
    }
    const suffix = await getFile(alice.api, u.url, { range: 'bytes=-400000' });
    assert.ok(suffix.bytes.equals(bytes.subarray(200_000)));
  });

  it('filename*: every byte outside RFC 8187 attr-char is percent-encoded', async () => {
    const u = await upload(alice, 'x', "it's (1)*;%,é.txt");
    const f = await getFile(alice.api, u.url);
    assert.equal(f.headers.get('content-disposition'), "attachment; filename*=UTF-8''it%27s%20%281%29%2A%3B%25%2C%C3%A9.txt");
  });
});
