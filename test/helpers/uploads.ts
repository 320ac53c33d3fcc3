/**
 * Uploads and files from a test (API v1.1 §3): multipart bodies built byte for byte (so a test controls
 * every filename, part name and part header), POST /uploads, GET/HEAD of files as raw bytes, test images
 * made with sharp, and where a SQLite server keeps the bytes on disk.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Api, Res, TestUser } from './api.ts';

/** One part of a multipart/form-data body. `filename` undefined: no filename parameter at all. */
export interface Part {
  name: string;
  filename?: string;
  /** The part's Content-Type header, if any. */
  type?: string;
  data: Buffer | string;
}

/** A multipart/form-data body with these parts, and its Content-Type header. */
export function multipart(parts: Part[]): { body: Buffer; contentType: string } {
  const boundary = `----natter${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename.replace(/"/g, '%22')}"`;
    head += '\r\n';
    if (p.type !== undefined) head += `Content-Type: ${p.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data, 'utf8'), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A request with a bytes body (Api.req sends JSON or strings only); bearer auth from `api` unless headers set it. */
export async function sendBytes(api: Api, method: string, path: string, body: Buffer | undefined, headers: Record<string, string> = {}): Promise<Res> {
  const h: Record<string, string> = { ...headers };
  if (api.token && !('authorization' in h) && !('cookie' in h)) h.authorization = `Bearer ${api.token}`;
  const res = await fetch(api.base + path, { method, headers: h, body: body === undefined ? undefined : new Uint8Array(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, body: parsed as any, headers: res.headers };
}

/** POST /api/v1/uploads with these parts; the answer as it came. */
export function uploadParts(api: Api, parts: Part[], headers: Record<string, string> = {}): Promise<Res> {
  const { body, contentType } = multipart(parts);
  return sendBytes(api, 'POST', '/api/v1/uploads', body, { 'content-type': contentType, ...headers });
}

/** Upload `data` as one part named `file`; asserts 201 and returns the `upload` object. */
export async function upload(u: TestUser | Api, data: Buffer | string, filename = 'file.bin', type = 'application/octet-stream'): Promise<any> {
  const api = 'api' in u ? u.api : u;
  const r = await uploadParts(api, [{ name: 'file', filename, type, data }]);
  assert.equal(r.status, 201, `upload ${filename}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.upload;
}

/** A file response as bytes. */
export interface FileRes {
  status: number;
  headers: Headers;
  bytes: Buffer;
  /** The body parsed as JSON, when it is JSON (error answers). */
  json: any;
}

/** GET (or HEAD) a file path with `api`'s token and extra headers; the body as bytes. */
export async function getFile(api: Api, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<FileRes> {
  const h: Record<string, string> = { ...headers };
  if (api.token && !('authorization' in h) && !('cookie' in h)) h.authorization = `Bearer ${api.token}`;
  const res = await fetch(api.base + path, { method, headers: h });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  try { json = JSON.parse(bytes.toString('utf8')); } catch { /* bytes */ }
  return { status: res.status, headers: res.headers, bytes, json };
}

/** Send a message with attachments (and optional text and client_id); the answer as it came. */
export function attach(u: TestUser, room: string, ids: string[], text = '', extra: Record<string, unknown> = {}): Promise<Res> {
  return u.api.post(`/api/v1/rooms/${room}/messages`, { text, attachments: ids, ...extra });
}

// ---- what every file response carries

/** The headers every file response carries (API v1.1 §3 Serving and the Clarifications). */
/** A fresh 20×10 PNG of `u`'s attached to a new message in `room`; returns [upload, message]. */
export async function attachedUpload(u: TestUser, room: string): Promise<[any, any]> {
  const up = await upload(u, await png(20, 10), 'a.png');
  const r = await attach(u, room, [up.id]);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return [up, r.body.message];
}

export function assertFileHeaders(h: Headers, contentType: string): void {
  assert.equal(h.get('x-content-type-options'), 'nosniff');
  assert.equal(h.get('content-security-policy'), "sandbox; default-src 'none'");
  assert.equal(h.get('cache-control'), 'private');
  assert.equal(h.get('content-type'), contentType);
}

/** A getFile() answer in the shape assertError() reads (status, body = the JSON, headers). */
export function fileError(f: { status: number; json: any; headers: Headers }): { status: number; body: any; headers: Headers } {
  return { status: f.status, body: f.json, headers: f.headers };
}

/** HEAD over a raw socket (Connection: close), so that any body bytes after the head are seen. */
export function rawHead(base: string, path: string, token: string): Promise<{ status: number; headers: Record<string, string>; bodyBytes: number }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let buf = Buffer.alloc(0);
    socket.on('data', (b: Buffer) => (buf = Buffer.concat([buf, b])));
    socket.on('error', reject);
    socket.on('close', () => {
      const i = buf.indexOf('\r\n\r\n');
      if (i < 0) return reject(new Error(`no response head: ${buf.toString('latin1')}`));
      const lines = buf.subarray(0, i).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).trim().toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers, bodyBytes: buf.length - i - 4 });
    });
    socket.write(`HEAD ${path} HTTP/1.1\r\nhost: ${u.host}\r\nauthorization: Bearer ${token}\r\nconnection: close\r\n\r\n`);
  });
}

// ---- test images

/** A solid PNG of this size. */
export function png(width: number, height: number, background = '#08f'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();
}

/** A JPEG of this size with EXIF (a copyright), an ICC profile and XMP: all of it must be gone from a thumbnail. */
export function jpegWithMetadata(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#c40' } })
    .withMetadata({ exif: { IFD0: { Copyright: 'natter test', Artist: 'someone' } } })
    .jpeg()
    .toBuffer();
}

/** A GIF of this size. */
export function gif(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#0a0' } }).gif().toBuffer();
}

/** A WebP of this size. */
export function webp(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#a0a' } }).webp().toBuffer();
}

// ---- the bytes on disk (SQLite: DiskFiles beside the database)

/** The directory a SQLite server keeps uploaded bytes in. */
export function filesDir(dbPath: string): string {
  return join(dirname(dbPath), 'files');
}

/** Where the bytes of file `key` live (a thumbnail's key is `<id>-t`). */
export function storedPath(dbPath: string, key: string): string {
  return join(filesDir(dbPath), key.slice(0, 2), key);
}

/** Whether the bytes of `key` are on disk. */
export function stored(dbPath: string, key: string): boolean {
  return existsSync(storedPath(dbPath, key));
}

/** Every file name under the files directory (final files and `.part` temporaries alike), sorted. */
export function listStored(dbPath: string): string[] {
  const dir = filesDir(dbPath);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(dir, d.name)))
    .sort();
}

/** CRC-32 (ISO-HDLC, as PNG chunks use). */
function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A PNG chunk of `type` with `data`, length and CRC included. */
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** The chunks of a PNG (after the signature), in order. */
function pngChunks(png: Buffer): { type: string; data: Buffer }[] {
  const out: { type: string; data: Buffer }[] = [];
  for (let i = 8; i < png.length;) {
    const len = png.readUInt32BE(i);
    out.push({ type: png.subarray(i + 4, i + 8).toString('latin1'), data: png.subarray(i + 8, i + 8 + len) });
    i += 12 + len;
  }
  return out;
}

/**
 * An animated PNG (APNG) of one frame: the PNG of `width`×`height` with an acTL and an fcTL chunk
 * before its image data. Every PNG decoder shows it as the still image it also is.
 */
export async function apng(width: number, height: number): Promise<Buffer> {
  const still = await png(width, height);
  const chunks = pngChunks(still);
  const acTL = Buffer.alloc(8);
  acTL.writeUInt32BE(1, 0); // frames
  acTL.writeUInt32BE(0, 4); // plays (0 = forever)
  const fcTL = Buffer.alloc(26);
  fcTL.writeUInt32BE(0, 0); // sequence
  fcTL.writeUInt32BE(width, 4);
  fcTL.writeUInt32BE(height, 8);
  fcTL.writeUInt16BE(1, 20); // delay 1/10 s
  fcTL.writeUInt16BE(10, 22);
  const parts: Buffer[] = [still.subarray(0, 8)];
  for (const c of chunks) {
    if (c.type === 'IDAT' && !parts.some((p) => p.includes(Buffer.from('acTL')))) parts.push(pngChunk('acTL', acTL), pngChunk('fcTL', fcTL));
    parts.push(pngChunk(c.type, c.data));
  }
  return Buffer.concat(parts);
}

/** A PNG whose header claims `width`×`height` but whose image data is a few garbage bytes (a decompression-bomb shape). */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), pngChunk('IHDR', ihdr), pngChunk('IDAT', Buffer.from('789c0300000000ff', 'hex')), pngChunk('IEND', Buffer.alloc(0))]);
}
