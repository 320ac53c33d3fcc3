/**
 * Upload limits, refusals and settings (API v1.1 §3, Running, Clarifications) against real SQLite server
 * processes, each started with the settings it tests: the size limit while streaming and from
 * Content-Length (nothing kept on disk), 415/400/403 refusals, CSRF, NATTER_UPLOADS=0, NATTER_UPLOAD_RATE,
 * GET /api/v1/server, bytes deleted from disk with their upload or message, and NATTER_UPLOAD_TTL_MS expiry.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { Api, newUser, room } from '../helpers/api.ts';
import { assertError, rawRequest, rawSocketRequest } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';
import { attach, getFile, listStored, multipart, png, sendBytes, stored, upload, uploadParts } from '../helpers/uploads.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

const LIMIT = 100_000;
const SLACK = 64 * 1024;

/** A signed-in guest. */
async function guest(base: string): Promise<Api> {
  const api = new Api(base);
  const r = await api.post('/api/v1/auth/guest', { username: uniq('g') });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  api.token = r.body.token;
  return api;
}

describe(`uploads with NATTER_MAX_UPLOAD=${LIMIT} (SQLite)`, () => {
  const server = useServer({ NATTER_MAX_UPLOAD: String(LIMIT) }, { failIfDied: true });

  it('GET /api/v1/server: uploads true, max_upload the limit (no authentication needed)', async () => {
    const r = await new Api(server.url).get('/api/v1/server');
    assert.equal(r.status, 200);
    assert.equal(r.body.uploads, true);
    assert.equal(r.body.max_upload, LIMIT);
  });

  it('a file of exactly the limit is accepted (NATTER_MAX_BODY does not apply); one byte more → 413 payload_too_large', async () => {
    const u = await newUser(server.url, 'lim');
    const exact = randomBytes(LIMIT);
    const up = await upload(u, exact, 'exact.bin');
    assert.equal(up.size, LIMIT);
    assert.ok((await getFile(u.api, up.url)).bytes.equals(exact));
    const before = listStored(server.dbPath);
    assertError(await uploadParts(u.api, [{ name: 'file', filename: 'over.bin', data: randomBytes(LIMIT + 1) }]), 413, 'payload_too_large');
    assert.deepEqual(listStored(server.dbPath), before, 'nothing kept');
  });

  it('413 while streaming a chunked body (no Content-Length); nothing on disk, no .part file', async () => {
    const u = await newUser(server.url, 'chk');
    const before = listStored(server.dbPath);
    const { body, contentType } = multipart([{ name: 'file', filename: 'big.bin', data: randomBytes(LIMIT * 3) }]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += 16 * 1024) chunks.push(body.subarray(i, i + 16 * 1024));
    const r = await rawRequest(server.url, 'POST', '/api/v1/uploads', {
      headers: { authorization: `Bearer ${u.token}`, 'content-type': contentType, 'transfer-encoding': 'chunked' },
      chunks,
    });
    assertError(r, 413, 'payload_too_large');
    assert.deepEqual(listStored(server.dbPath), before, 'no new file and no .part file');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    await upload(u, 'still works', 'after.txt');
  });

  it('413 while streaming with an honest Content-Length under limit + 64 KiB; nothing on disk', async () => {
    const u = await newUser(server.url, 'hon');
    const before = listStored(server.dbPath);
    const { body, contentType } = multipart([{ name: 'file', filename: 'big.bin', data: randomBytes(LIMIT + SLACK / 2) }]);
    assert.ok(body.length < LIMIT + SLACK);
    const r = await rawRequest(server.url, 'POST', '/api/v1/uploads', {
      headers: { authorization: `Bearer ${u.token}`, 'content-type': contentType, 'content-length': String(body.length) },
      body,
    });
    assertError(r, 413, 'payload_too_large');
    assert.deepEqual(listStored(server.dbPath), before, 'no new file and no .part file');
  });

  it('a Content-Length above limit + 64 KiB is refused with 413 before the body is sent', async () => {
    const u = await newUser(server.url, 'early');
    const before = listStored(server.dbPath);
    for (const length of [LIMIT + SLACK + 1, 5_000_000_000]) {
      const head = [
        'POST /api/v1/uploads HTTP/1.1',
        `Host: 127.0.0.1:${server.port}`,
        `Authorization: Bearer ${u.token}`,
        'Content-Type: multipart/form-data; boundary=xyz',
        `Content-Length: ${length}`,
      ].join('\r\n');
      // Headers only: the answer must come without a single body byte.
      const r = await rawSocketRequest(server.url, head, '');
      assertError(r, 413, 'payload_too_large');
    }
    assert.deepEqual(listStored(server.dbPath), before);
  });

  it('with Expect: 100-continue, a Content-Length above limit + 64 KiB still gets its 413 without the body being sent', async () => {
    const u = await newUser(server.url, 'expect');
    const socket = connect(server.port, '127.0.0.1');
    let got = '';
    socket.on('data', (b: Buffer) => (got += b.toString('latin1')));
    socket.write([
      'POST /api/v1/uploads HTTP/1.1',
      `Host: 127.0.0.1:${server.port}`,
      `Authorization: Bearer ${u.token}`,
      'Content-Type: multipart/form-data; boundary=xyz',
      `Content-Length: ${LIMIT * 100}`,
      'Expect: 100-continue',
      '', '',
    ].join('\r\n'));
    try {
      // Interim 100 answers are allowed (they only invite the body); the final answer must come without it.
      await waitFor(() => /HTTP\/1\.1 [2-5]\d\d /.test(got) && got.includes('payload_too_large'), 'a final answer', 5000).catch(() => {
        throw new Error(`no final answer without the body; received: ${JSON.stringify(got)}`);
      });
      assert.match(got, /HTTP\/1\.1 413 /);
    } finally {
      socket.destroy();
    }
  });

  it('a client that goes away mid-upload leaves nothing on disk (the .part file is removed)', async () => {
    const u = await newUser(server.url, 'abort');
    const before = listStored(server.dbPath);
    const { body, contentType } = multipart([{ name: 'file', filename: 'half.bin', data: randomBytes(LIMIT - 1000) }]);
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    socket.write(`POST /api/v1/uploads HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${u.token}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body.subarray(0, Math.floor(body.length / 2)));
    await waitFor(() => listStored(server.dbPath).some((f) => f.endsWith('.part')), 'the upload under way (.part file)');
    socket.destroy();
    await waitFor(() => JSON.stringify(listStored(server.dbPath)) === JSON.stringify(before), 'nothing left on disk after the client left');
    await upload(u, 'next', 'next.txt');
  });

  it('415 unsupported_media_type for a JSON, text/plain or urlencoded body', async () => {
    const u = await newUser(server.url, 'ct');
    assertError(await u.api.post('/api/v1/uploads', { file: 'x' }), 415, 'unsupported_media_type');
    assertError(await u.api.req('POST', '/api/v1/uploads', 'just text', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    assertError(await u.api.req('POST', '/api/v1/uploads', 'file=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    assertError(await sendBytes(u.api, 'POST', '/api/v1/uploads', await png(4, 4), { 'content-type': 'image/png' }), 415, 'unsupported_media_type');
  });

  it('400 invalid_request: no file part, a file part not named "file", two files; nothing kept', async () => {
    const u = await newUser(server.url, 'parts');
    const before = listStored(server.dbPath);
    assertError(await uploadParts(u.api, [{ name: 'note', data: 'a field, no file' }]), 400, 'invalid_request');
    assertError(await uploadParts(u.api, [{ name: 'file', data: 'a field named file, no filename' }]), 400, 'invalid_request');
    assertError(await uploadParts(u.api, [{ name: 'upload', filename: 'x.txt', data: 'wrong part name' }]), 400, 'invalid_request');
    assertError(await uploadParts(u.api, [
      { name: 'file', filename: 'a.txt', data: 'first' },
      { name: 'file', filename: 'b.txt', data: 'second' },
    ]), 400, 'invalid_request');
    assertError(await uploadParts(u.api, [
      { name: 'file', filename: 'a.txt', data: 'first' },
      { name: 'other', filename: 'b.txt', data: 'second' },
    ]), 400, 'invalid_request');
    assertError(await uploadParts(u.api, [
      { name: 'file', filename: 'a.png', data: await png(20, 20) },
      { name: 'file', filename: 'b.txt', data: 'second' },
      { name: 'file', filename: 'c.txt', data: 'third' },
    ]), 400, 'invalid_request');
    await waitFor(() => JSON.stringify(listStored(server.dbPath)) === JSON.stringify(before), 'the first file of a refused two-file upload deleted from disk');
    const r = await uploadParts(u.api, [{ name: 'caption', data: 'a field beside the file is fine' }, { name: 'file', filename: 'ok.txt', data: 'ok' }]);
    assert.equal(r.status, 201, `one file part plus a text field: ${JSON.stringify(r.body)}`);
  });

  it('guests → 403 forbidden (and may still read an attached file in a public room)', async () => {
    const g = await guest(server.url);
    assertError(await uploadParts(g, [{ name: 'file', filename: 'g.txt', data: 'guest' }]), 403, 'forbidden');
    const u = await newUser(server.url, 'gown');
    const name = await room(u, 'public');
    const up = await upload(u, 'for all', 'all.txt');
    assert.equal((await attach(u, name, [up.id])).status, 201);
    assert.equal((await getFile(g, up.url)).status, 200);
  });

  it('unauthenticated upload → 401 unauthenticated', async () => {
    assertError(await uploadParts(new Api(server.url), [{ name: 'file', filename: 'a.txt', data: 'anon' }]), 401, 'unauthenticated');
  });

  it('CSRF: a cookie-authenticated upload or upload delete without X-Requested-With → 403 csrf; with it, 201/204', async () => {
    const u = await newUser(server.url, 'csrf');
    const before = listStored(server.dbPath);
    const cookie = { cookie: `natter_session=${u.token}` };
    assertError(await uploadParts(u.api, [{ name: 'file', filename: 'c.txt', data: 'csrf' }], cookie), 403, 'csrf');
    assert.deepEqual(listStored(server.dbPath), before, 'nothing stored');
    const ok = await uploadParts(u.api, [{ name: 'file', filename: 'c.txt', data: 'csrf' }], { ...cookie, 'x-requested-with': 'natter' });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const id = ok.body.upload.id;
    assertError(await u.api.req('DELETE', `/api/v1/uploads/${id}`, undefined, cookie), 403, 'csrf');
    assert.equal((await getFile(u.api, ok.body.upload.url, cookie)).status, 200, 'GET by cookie needs no header');
    assert.equal((await u.api.req('DELETE', `/api/v1/uploads/${id}`, undefined, { ...cookie, 'x-requested-with': 'natter' })).status, 204);
  });

  it('DELETE /uploads/:id deletes the bytes and the thumbnail from disk', async () => {
    const u = await newUser(server.url, 'deld');
    const up = await upload(u, await png(40, 40), 'bye.png');
    assert.ok(stored(server.dbPath, up.id) && stored(server.dbPath, `${up.id}-t`), 'bytes and thumbnail on disk');
    assert.equal((await u.api.del(`/api/v1/uploads/${up.id}`)).status, 204);
    await waitFor(() => !stored(server.dbPath, up.id) && !stored(server.dbPath, `${up.id}-t`), 'bytes deleted');
  });

  it('deleting the message deletes its attachments\' bytes and thumbnails from disk', async () => {
    const u = await newUser(server.url, 'delm');
    const name = await room(u, 'public');
    const a = await upload(u, await png(40, 40), 'a.png');
    const b = await upload(u, 'b', 'b.txt');
    const r = await attach(u, name, [a.id, b.id]);
    assert.equal(r.status, 201);
    assert.ok(stored(server.dbPath, a.id) && stored(server.dbPath, `${a.id}-t`) && stored(server.dbPath, b.id));
    assert.equal((await u.api.del(`/api/v1/rooms/${name}/messages/${r.body.message.id}`)).status, 204);
    assert.equal((await getFile(u.api, a.url)).status, 404, '404 at once');
    await waitFor(() => !stored(server.dbPath, a.id) && !stored(server.dbPath, `${a.id}-t`) && !stored(server.dbPath, b.id), 'bytes deleted');
  });
});

describe('NATTER_MAX_UPLOAD=0: no limit (SQLite)', () => {
  const server = useServer({ NATTER_MAX_UPLOAD: '0' }, { failIfDied: true });

  it('a file above the default 10 MiB is accepted, with an honest Content-Length and chunked', async () => {
    const u = await newUser(server.url, 'nolim');
    const big = randomBytes(11 * 1024 * 1024);
    const up = await upload(u, big, 'big.bin');
    assert.equal(up.size, big.length);
    const { body, contentType } = multipart([{ name: 'file', filename: 'big2.bin', data: big }]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += 1024 * 1024) chunks.push(body.subarray(i, i + 1024 * 1024));
    const r = await rawRequest(server.url, 'POST', '/api/v1/uploads', {
      headers: { authorization: `Bearer ${u.token}`, 'content-type': contentType, 'transfer-encoding': 'chunked' },
      chunks,
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.upload.size, big.length);
    assert.ok((await getFile(u.api, r.json.upload.url)).bytes.equals(big));
  });

  it('GET /api/v1/server: uploads true', async () => {
    const r = await new Api(server.url).get('/api/v1/server');
    assert.equal(r.body.uploads, true);
  });
});

describe('NATTER_UPLOADS=0 (SQLite)', () => {
  const server = useServer({ NATTER_UPLOADS: '0' }, { failIfDied: true });

  it('POST /uploads → 403 uploads_disabled', async () => {
    const u = await newUser(server.url, 'off');
    assertError(await uploadParts(u.api, [{ name: 'file', filename: 'a.txt', data: 'no' }]), 403, 'uploads_disabled');
    assert.deepEqual(listStored(server.dbPath), []);
  });

  it('GET /api/v1/server says uploads false, max_upload 0', async () => {
    const r = await new Api(server.url).get('/api/v1/server');
    assert.equal(r.status, 200);
    assert.equal(r.body.uploads, false);
    assert.equal(r.body.max_upload, 0);
  });

  it('attachments cannot be posted (no upload can exist): an unknown id → 400 invalid_attachment', async () => {
    const u = await newUser(server.url, 'off2');
    const name = await room(u, 'public');
    assertError(await attach(u, name, ['AAAAAAAAAAAAAAAAAAAAAA']), 400, 'invalid_attachment');
  });
});

describe('NATTER_UPLOAD_RATE=2/60s, default size limit (SQLite)', () => {
  const server = useServer({ NATTER_UPLOAD_RATE: '2/60s' }, { failIfDied: true });

  it('GET /api/v1/server: uploads true, max_upload 10485760 by default', async () => {
    const r = await new Api(server.url).get('/api/v1/server');
    assert.equal(r.body.uploads, true);
    assert.equal(r.body.max_upload, 10_485_760);
  });

  it('the third upload in the window → 429 rate_limited with Retry-After; another user has a budget of their own', async () => {
    const u = await newUser(server.url, 'rate');
    await upload(u, '1', '1.txt');
    await upload(u, '2', '2.txt');
    const third = await uploadParts(u.api, [{ name: 'file', filename: '3.txt', data: '3' }]);
    assertError(third, 429, 'rate_limited');
    const retry = Number(third.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${third.headers.get('retry-after')}`);
    const other = await newUser(server.url, 'rate2');
    await upload(other, 'mine', 'm.txt');
  });
});

describe('NATTER_UPLOAD_TTL_MS=1000 (SQLite)', () => {
  const server = useServer({ NATTER_UPLOAD_TTL_MS: '1000' }, { failIfDied: true });

  it('an unattached upload expires: 404 for its owner, not attachable, bytes and thumbnail deleted from disk', async () => {
    const u = await newUser(server.url, 'ttl');
    const name = await room(u, 'public');
    const up = await upload(u, await png(30, 30), 'soon.png');
    assert.ok(stored(server.dbPath, up.id));
    await waitFor(async () => (await getFile(u.api, up.url)).status === 404, 'the upload expired');
    assert.equal((await getFile(u.api, up.thumbnail_url)).status, 404);
    assertError(await attach(u, name, [up.id], 'too late'), 400, 'invalid_attachment');
    assert.equal((await u.api.get(`/api/v1/rooms/${name}/messages`)).body.messages.length, 0, 'nothing posted');
    await waitFor(() => !stored(server.dbPath, up.id) && !stored(server.dbPath, `${up.id}-t`), 'expired bytes deleted from disk');
  });

  it('an attached upload does not expire', async () => {
    const u = await newUser(server.url, 'ttl2');
    const reader = await newUser(server.url, 'ttl3');
    const name = await room(u, 'public');
    const kept = await upload(u, 'kept', 'kept.txt');
    const r = await attach(u, name, [kept.id]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // A later unattached upload: once it has expired and its bytes are gone, the sweep has passed `kept`'s lifetime too.
    const control = await upload(u, 'control', 'control.txt');
    await waitFor(() => !stored(server.dbPath, control.id), 'the later unattached upload swept');
    assert.equal((await getFile(u.api, kept.url)).status, 200);
    assert.equal((await getFile(reader.api, kept.url)).bytes.toString(), 'kept');
    assert.ok(stored(server.dbPath, kept.id), 'its bytes stay on disk');
    assertError(await u.api.del(`/api/v1/uploads/${kept.id}`), 409, 'conflict');
  });
});
