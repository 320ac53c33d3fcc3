/**
 * POST /api/v1/uploads (API v1.1 §3 and its Clarifications) against real server processes, on SQLite and on
 * PostgreSQL: the upload object, the type sniffed from the bytes (never the name or the part's header), the
 * stored name, and malformed multipart bodies. Images: uploads-images; serving: uploads-serving; access and
 * deleting: uploads-access; attaching: uploads-attach; limits and settings (SQLite): uploads-limits.
 */
import assert from 'node:assert/strict';
import { it, before } from 'node:test';
import { newUser, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { getFile, multipart, png, sendBytes, upload, uploadParts } from '../helpers/uploads.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describeEachStore('uploads: POST /uploads', (server: StoreServer) => {
  let alice: TestUser;

  before(async () => {
    alice = await newUser(server.url, 'ua');
  });

  // ---- the upload object

  it('201 {"upload"} with exactly the contract fields', async () => {
    const bytes = await png(40, 30);
    const r = await uploadParts(alice.api, [{ name: 'file', filename: 'pic.png', type: 'image/png', data: bytes }]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body), ['upload']);
    const u = r.body.upload;
    assert.deepEqual(Object.keys(u).sort(), ['content_type', 'created_at', 'height', 'id', 'name', 'size', 'thumbnail_url', 'url', 'width']);
    assert.equal(typeof u.id, 'string');
    assert.ok(u.id.length > 0);
    assert.equal(u.name, 'pic.png');
    assert.equal(u.size, bytes.length);
    assert.equal(u.content_type, 'image/png');
    assert.equal(u.width, 40);
    assert.equal(u.height, 30);
    assert.equal(u.url, `/api/v1/files/${u.id}`);
    assert.equal(u.thumbnail_url, `/api/v1/files/${u.id}/thumbnail`);
    assert.match(u.created_at, ISO);
    assert.ok(Math.abs(Date.parse(u.created_at) - Date.now()) < 60_000);
    assert.equal(r.headers.get('cache-control'), 'no-store', 'a JSON answer of /api/v1 is no-store');
  });

  it('the type comes from the bytes: PNG bytes named x.txt sent as text/plain are image/png', async () => {
    const u = await upload(alice, await png(12, 8), 'x.txt', 'text/plain');
    assert.equal(u.content_type, 'image/png');
    assert.equal(u.name, 'x.txt');
    assert.equal(u.width, 12);
    assert.equal(u.height, 8);
    assert.notEqual(u.thumbnail_url, null);
  });

  it('PNG bytes named page.html sent as text/html are image/png, served inline as an image', async () => {
    const u = await upload(alice, await png(12, 8), 'page.html', 'text/html');
    assert.equal(u.content_type, 'image/png');
    const r = await fetch(`${server.url}${u.url}`, { headers: { authorization: `Bearer ${alice.token}` } });
    assert.equal(r.headers.get('content-type'), 'image/png');
    assert.match(r.headers.get('content-disposition') ?? '', /^inline; filename\*=UTF-8''page\.html$/);
  });

  it('text named x.png sent as image/png is application/octet-stream: no width, height or thumbnail', async () => {
    const u = await upload(alice, 'just some text, not an image\n', 'x.png', 'image/png');
    assert.equal(u.content_type, 'application/octet-stream');
    assert.equal(u.width, null);
    assert.equal(u.height, null);
    assert.equal(u.thumbnail_url, null);
    const f = await getFile(alice.api, u.url);
    assert.equal(f.status, 200);
    assert.equal(f.headers.get('content-type'), 'application/octet-stream');
    assert.match(f.headers.get('content-disposition') ?? '', /^attachment;/);
  });

  it('a PDF is application/pdf with no width, height or thumbnail', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
    const u = await upload(alice, pdf, 'doc.pdf', 'application/octet-stream');
    assert.equal(u.content_type, 'application/pdf');
    assert.deepEqual([u.width, u.height, u.thumbnail_url], [null, null, null]);
  });

  it('an empty file is accepted: size 0, application/octet-stream, served with Content-Length 0', async () => {
    const u = await upload(alice, Buffer.alloc(0), 'empty.bin');
    assert.equal(u.size, 0);
    assert.equal(u.content_type, 'application/octet-stream');
    const f = await getFile(alice.api, u.url);
    assert.equal(f.status, 200);
    assert.equal(f.bytes.length, 0);
    assert.equal(f.headers.get('content-length'), '0');
  });

  // ---- the stored name

  const names: [string, string, string][] = [
    ['path segments (/)', '../../etc/passwd', 'passwd'],
    ['an absolute path', '/var/tmp/report.txt', 'report.txt'],
    ['Windows path segments (\\)', 'C:\\Users\\me\\evil.txt', 'evil.txt'],
    ['control characters', 'a\u0001b\u007fc\u001f\u0009.txt', 'abc.txt'],
    ['non-ASCII kept', 'Grüße 東京 😀.txt', 'Grüße 東京 😀.txt'],
    ['an empty name', '', 'file'],
    ['a name that is only a path', 'dir/', 'file'],
  ];
  for (const [what, filename, expected] of names) {
    it(`name: ${what} → ${JSON.stringify(expected)}`, async () => {
      const u = await upload(alice, 'name test', filename);
      assert.equal(u.name, expected);
    });
  }

  it('name: more than 255 code points is cut to 255 code points (not UTF-16 units, not bytes)', async () => {
    const long = '😀'.repeat(300);
    const u = await upload(alice, 'long name', long);
    assert.equal([...u.name].length, 255);
    assert.equal(u.name, '😀'.repeat(255));
    const ascii = `${'n'.repeat(300)}.txt`;
    assert.equal((await upload(alice, 'long ascii', ascii)).name, 'n'.repeat(255));
  });

  it('name: a file part without a filename (octet-stream) is named "file"', async () => {
    const r = await uploadParts(alice.api, [{ name: 'file', type: 'application/octet-stream', data: 'no filename' }]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.upload.name, 'file');
  });
  it('name: a filename* parameter (RFC 5987, UTF-8) is decoded', async () => {
    const body = Buffer.from('--XX\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8\'\'%E6%9D%B1%20it%27s.txt\r\n\r\nabc\r\n--XX--\r\n');
    const r = await sendBytes(alice.api, 'POST', '/api/v1/uploads', body, { 'content-type': 'multipart/form-data; boundary=XX' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.upload.name, "東 it's.txt");
  });

  // ---- malformed multipart: bad input is 400, never a server error

  it('multipart/form-data without a boundary → 400 invalid_request (not 500)', async () => {
    const r = await sendBytes(alice.api, 'POST', '/api/v1/uploads', Buffer.from('hello'), { 'content-type': 'multipart/form-data' });
    assertError(r, 400, 'invalid_request');
  });

  it('a multipart body cut before its closing boundary → 400 invalid_request (not 500)', async () => {
    const { body, contentType } = multipart([{ name: 'file', filename: 'a.txt', data: 'abc' }]);
    const r = await sendBytes(alice.api, 'POST', '/api/v1/uploads', body.subarray(0, body.length - 20), { 'content-type': contentType });
    assertError(r, 400, 'invalid_request');
  });

  it('a body that is not multipart at all under a multipart Content-Type → 400 invalid_request (not 500)', async () => {
    const { contentType } = multipart([]);
    const r = await sendBytes(alice.api, 'POST', '/api/v1/uploads', Buffer.from('garbage, no boundary line anywhere'), { 'content-type': contentType });
    assertError(r, 400, 'invalid_request');
  });

  it('an empty body, or a multipart body of no parts → 400 invalid_request (no file part)', async () => {
    const { body, contentType } = multipart([]);
    assertError(await sendBytes(alice.api, 'POST', '/api/v1/uploads', Buffer.alloc(0), { 'content-type': contentType }), 400, 'invalid_request');
    assertError(await sendBytes(alice.api, 'POST', '/api/v1/uploads', body, { 'content-type': contentType }), 400, 'invalid_request');
  });

  it('after malformed bodies the server still takes uploads', async () => {
    const u = await upload(alice, await png(3, 3), 'fine.png');
    assert.equal((await getFile(alice.api, u.url)).status, 200);
  });
});
