/**
 * Raster uploads (API v1.1 §3) against real server processes, on SQLite and on PostgreSQL: width and height,
 * WebP thumbnails fitted within 1200×800 and never enlarged, metadata stripped, png/jpeg/gif/webp, the
 * 50-megapixel bound, and broken images that must still upload as plain files.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, it } from 'node:test';
import sharp from 'sharp';
import { newUser, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { apng, fileError, getFile, gif, jpegWithMetadata, png, pngHeaderOnly, upload, webp } from '../helpers/uploads.ts';

/** A PNG signature, then garbage. */
const CORRUPT_PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(2000)]);

describeEachStore('uploads: image sizes and thumbnails', (server: StoreServer) => {
  let alice: TestUser;

  before(async () => {
    alice = await newUser(server.url, 'ui');
  });

  it('thumbnail: WebP fitted within 1200×800 (1600×900 → 1200×675); the upload reports the original size', async () => {
    const u = await upload(alice, await png(1600, 900), 'wide.png');
    assert.deepEqual([u.width, u.height], [1600, 900]);
    const t = await getFile(alice.api, u.thumbnail_url);
    assert.equal(t.status, 200);
    assert.equal(t.headers.get('content-type'), 'image/webp');
    const m = await sharp(t.bytes).metadata();
    assert.equal(m.format, 'webp');
    assert.deepEqual([m.width, m.height], [1200, 675]);
  });

  it('thumbnail: a tall image is fitted by height (900×1600 → 450×800)', async () => {
    const u = await upload(alice, await png(900, 1600), 'tall.png');
    const m = await sharp((await getFile(alice.api, u.thumbnail_url)).bytes).metadata();
    assert.deepEqual([m.format, m.width, m.height], ['webp', 450, 800]);
  });

  it('thumbnail: never enlarged (30×20 → 30×20)', async () => {
    const u = await upload(alice, await png(30, 20), 'small.png');
    assert.deepEqual([u.width, u.height], [30, 20]);
    const m = await sharp((await getFile(alice.api, u.thumbnail_url)).bytes).metadata();
    assert.deepEqual([m.format, m.width, m.height], ['webp', 30, 20]);
  });

  it('thumbnail of a JPEG with EXIF, ICC and XMP: WebP with no metadata at all', async () => {
    const jpeg = await jpegWithMetadata(1300, 700);
    const src = await sharp(jpeg).metadata();
    assert.ok(src.exif, 'the test image carries EXIF');
    const u = await upload(alice, jpeg, 'photo.jpg', 'image/jpeg');
    assert.equal(u.content_type, 'image/jpeg');
    assert.deepEqual([u.width, u.height], [1300, 700]);
    const t = await getFile(alice.api, u.thumbnail_url);
    const m = await sharp(t.bytes).metadata();
    assert.equal(m.format, 'webp');
    assert.ok(m.width! <= 1200 && m.height! <= 800, `${m.width}×${m.height}`);
    assert.equal(m.exif, undefined, 'EXIF stripped');
    assert.equal(m.icc, undefined, 'ICC stripped');
    assert.equal(m.xmp, undefined, 'XMP stripped');
    assert.equal(m.iptc, undefined, 'IPTC stripped');
    assert.ok(!t.bytes.includes(Buffer.from('natter test')), 'the copyright text is not in the thumbnail');
    const original = await getFile(alice.api, u.url);
    assert.ok(original.bytes.equals(jpeg), 'the original is served as uploaded, metadata and all');
  });

  it('thumbnails of GIF and WebP too', async () => {
    const g = await upload(alice, await gif(1600, 1000), 'anim.gif');
    assert.deepEqual([g.content_type, g.width, g.height], ['image/gif', 1600, 1000]);
    const gm = await sharp((await getFile(alice.api, g.thumbnail_url)).bytes).metadata();
    assert.deepEqual([gm.format, gm.width, gm.height], ['webp', 1200, 750]);

    const w = await upload(alice, await webp(2400, 800), 'pic.webp');
    assert.deepEqual([w.content_type, w.width, w.height], ['image/webp', 2400, 800]);
    const wm = await sharp((await getFile(alice.api, w.thumbnail_url)).bytes).metadata();
    assert.deepEqual([wm.format, wm.width, wm.height], ['webp', 1200, 400]);
  });

  it('a corrupt PNG (valid signature, garbage after) is stored as a file without a thumbnail, and the server lives on', async () => {
    const u = await upload(alice, CORRUPT_PNG, 'broken.png', 'image/png');
    assert.equal(u.size, CORRUPT_PNG.length);
    assert.equal(u.thumbnail_url, null);
    assert.equal(u.width, null);
    assert.equal(u.height, null);
    const f = await getFile(alice.api, u.url);
    assert.equal(f.status, 200);
    assert.ok(f.bytes.equals(CORRUPT_PNG));
    assertError(fileError(await getFile(alice.api, `${u.url}/thumbnail`)), 404, 'not_found');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  it('a truncated PNG (header readable, pixel data cut) is stored; no thumbnail; no crash', async () => {
    const full = await sharp(randomBytes(300 * 200 * 3), { raw: { width: 300, height: 200, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    const cut = full.subarray(0, Math.floor(full.length / 2));
    const u = await upload(alice, cut, 'cut.png');
    assert.equal(u.content_type, 'image/png');
    assert.equal(u.thumbnail_url, null);
    assert.equal((await getFile(alice.api, u.url)).status, 200);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  it('no thumbnail above 50 megapixels (10000×5001), but width and height are still given', async () => {
    const big = await sharp({ create: { width: 10000, height: 5001, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer();
    const u = await upload(alice, big, 'huge.png');
    assert.equal(u.content_type, 'image/png');
    assert.deepEqual([u.width, u.height], [10000, 5001]);
    assert.equal(u.thumbnail_url, null);
  });

  it('thumbnail 404 not_found where thumbnail_url is null (non-image)', async () => {
    const u = await upload(alice, 'plain text', 'notes.txt');
    assert.equal(u.thumbnail_url, null);
    assertError(fileError(await getFile(alice.api, `${u.url}/thumbnail`)), 404, 'not_found');
    assert.equal((await getFile(alice.api, `${u.url}/thumbnail`, {}, 'HEAD')).status, 404);
  });

  it('exactly 50 megapixels (10000×5000) still gets a thumbnail (1200×600)', async () => {
    const big = await sharp({ create: { width: 10000, height: 5000, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer();
    const u = await upload(alice, big, 'fifty.png');
    assert.deepEqual([u.width, u.height], [10000, 5000]);
    assert.notEqual(u.thumbnail_url, null);
    const m = await sharp((await getFile(alice.api, u.thumbnail_url)).bytes).metadata();
    assert.deepEqual([m.format, m.width, m.height], ['webp', 1200, 600]);
  });

  it('a PNG header claiming 100000×100000 over a few bytes (a decompression bomb): stored, no thumbnail, no crash', async () => {
    const bomb = pngHeaderOnly(100_000, 100_000);
    const u = await upload(alice, bomb, 'bomb.png');
    assert.equal(u.thumbnail_url, null);
    assert.equal(u.size, bomb.length);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  it('a JPEG with EXIF orientation 6 (rotated): the thumbnail keeps the aspect of the reported width and height', async () => {
    const rotated = await sharp({ create: { width: 1600, height: 900, channels: 3, background: '#123' } }).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const u = await upload(alice, rotated, 'rotated.jpg');
    const m = await sharp((await getFile(alice.api, u.thumbnail_url)).bytes).metadata();
    assert.ok(m.width! <= 1200 && m.height! <= 800);
    assert.equal(m.orientation, undefined, 'no orientation left in the thumbnail');
    assert.ok(Math.abs(m.width! / m.height! - u.width / u.height) < 0.01, `thumbnail ${m.width}×${m.height} vs upload ${u.width}×${u.height}`);
  });

  it('an animated GIF: the size of one frame, and a thumbnail', async () => {
    const frames = await Promise.all(['#f00', '#00f', '#0f0'].map((c) => sharp({ create: { width: 40, height: 30, channels: 3, background: c } }).png().toBuffer()));
    const anim = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    const u = await upload(alice, anim, 'anim.gif');
    assert.deepEqual([u.content_type, u.width, u.height], ['image/gif', 40, 30]);
    const m = await sharp((await getFile(alice.api, u.thumbnail_url)).bytes).metadata();
    assert.deepEqual([m.format, m.width, m.height], ['webp', 40, 30]);
  });

  it('an animated PNG (APNG) is a PNG: width, height and a thumbnail like any PNG', async () => {
    const bytes = await apng(300, 200);
    assert.deepEqual(await sharp(bytes).metadata().then((m) => [m.format, m.width, m.height]), ['png', 300, 200], 'the test file is a readable PNG');
    const u = await upload(alice, bytes, 'moving.png');
    assert.deepEqual([u.width, u.height], [300, 200], `an APNG answered as ${JSON.stringify(u)}`);
    assert.notEqual(u.thumbnail_url, null);
  });

  it('other image formats (TIFF, AVIF): width and height null, no thumbnail, served as attachment', async () => {
    const base = () => sharp({ create: { width: 20, height: 10, channels: 3, background: '#fff' } });
    for (const [bytes, name] of [[await base().tiff().toBuffer(), 'x.tif'], [await base().avif().toBuffer(), 'x.avif']] as const) {
      const u = await upload(alice, bytes, name);
      assert.match(u.content_type, /^image\//, `${name}: sniffed as an image type (${u.content_type})`);
      assert.deepEqual([u.width, u.height, u.thumbnail_url], [null, null, null], name);
      const f = await getFile(alice.api, u.url);
      assert.match(f.headers.get('content-disposition') ?? '', /^attachment;/, name);
    }
  });
});
