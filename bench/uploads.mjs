#!/usr/bin/env node
// bench/uploads.mjs — uploads and file serving (issue 12). Per store (SQLite: files on disk; PostgreSQL: files
// in the database), on a real Natter server (taskset -c 0):
//   1. --files uploads of --mib MiB each (random bytes: stored as they are), --concurrency at a time over HTTP:
//      throughput, per-upload p50/p95, and the server's RSS before, at its peak and after. Streaming means the
//      peak does not grow with the file size (it would by ~size × concurrency if bodies were buffered).
//   2. --images photos of 4000×3000 (12 MP JPEG, made with sharp): time to answer (sniff, measure, thumbnail).
//   3. downloads of every uploaded file (GET /files/:id): throughput; and 1,000 Range requests of 64 KiB.
//   4. POST /messages latency while uploads run beside (--files again, in the background), against without.
// One JSON line per store → --out (default bench/results/uploads.jsonl); a table on stdout.
//
//   node bench/uploads.mjs --store sqlite
//   node bench/uploads.mjs --store postgres --pg postgres://postgres@127.0.0.1:5432/postgres
import { appendFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { dirname, join } from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { ROOT, flags, gitRev, makeUsers, nowMs, percentiles, rssKiB, startNatter } from './lib.mjs';

const o = flags(process.argv.slice(2), {
  store: 'sqlite', files: 40, mib: 8, concurrency: 4, images: 10, posts: 300, label: 'uploads',
  out: join(ROOT, 'bench/results/uploads.jsonl'), pg: process.env.NATTER_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres',
});
const log = (s) => process.stderr.write(`${s}\n`);
const isPg = o.store === 'postgres';

async function admin(sql) {
  const c = new pg.Client({ connectionString: o.pg });
  await c.connect();
  try { return (await c.query(sql)).rows; } finally { await c.end(); }
}

/** One multipart POST /uploads of `body` (streamed by node:http); resolves with status, JSON and ms. */
function upload(port, token, body, name, agent) {
  const boundary = `----natterbench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const started = nowMs();
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/api/v1/uploads', agent, headers: {
      authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + body.length + tail.length,
    } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text), ms: nowMs() - started }));
    });
    req.on('error', reject);
    req.write(head);
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    req.end(tail);
  });
}

/** GET `path` and count the bytes; resolves with status, bytes and ms. */
function download(port, token, path, agent, headers = {}) {
  const started = nowMs();
  return new Promise((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', path, agent, headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      let bytes = 0;
      res.on('data', (c) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode, bytes, ms: nowMs() - started }));
    }).on('error', reject);
  });
}

async function inParallel(items, n, f) {
  const out = [];
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) { const i = next++; out[i] = await f(items[i], i); }
  }));
  return out;
}

async function run() {
  let dbName = null;
  let databaseUrl = null;
  if (isPg) {
    dbName = `natter_bench_uploads_${process.pid}`;
    await admin(`CREATE DATABASE ${dbName}`);
    databaseUrl = o.pg.replace(/\/[^/]*$/, `/${dbName}`);
  }
  const natter = await startNatter({ databaseUrl, env: { NATTER_UPLOAD_RATE: '0', NATTER_POST_RATE: '0', NATTER_MAX_UPLOAD: String(64 * 1024 * 1024), LOG_LEVEL: 'warn' } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const [user] = await makeUsers(natter.port, 1, { prefix: 'ub' });
    const token = user.token;
    const files = Array.from({ length: o.files }, () => randomBytes(o.mib * 1024 * 1024));
    const rssBefore = rssKiB(natter.pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, rssKiB(natter.pid)); }, 20);
    const t0 = nowMs();
    const ups = await inParallel(files, o.concurrency, (b, i) => upload(natter.port, token, b, `f${i}.bin`, agent));
    const upS = (nowMs() - t0) / 1000;
    clearInterval(sampler);
    if (ups.some((u) => u.status !== 201)) throw new Error(`upload failed: ${JSON.stringify(ups.find((u) => u.status !== 201))}`);
    const rssAfter = rssKiB(natter.pid);

    const photo = await sharp({ create: { width: 4000, height: 3000, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer();
    const imageMs = [];
    for (let i = 0; i < o.images; i++) {
      const r = await upload(natter.port, token, photo, `photo${i}.jpg`, agent);
      if (r.status !== 201 || !r.body.upload.thumbnail_url) throw new Error(`photo upload: ${JSON.stringify(r.body)}`);
      imageMs.push(r.ms);
    }

    const t1 = nowMs();
    const downs = await inParallel(ups, o.concurrency, (u) => download(natter.port, token, u.body.upload.url, agent));
    const downS = (nowMs() - t1) / 1000;
    if (downs.some((d, i) => d.status !== 200 || d.bytes !== files[i].length)) throw new Error('download mismatch');
    const ranges = await inParallel(Array.from({ length: 1000 }, (_, i) => i), 8, (i) => {
      const u = ups[i % ups.length].body.upload;
      const start = (i * 7919 * 1024) % (o.mib * 1024 * 1024 - 65536);
      return download(natter.port, token, u.url, agent, { range: `bytes=${start}-${start + 65535}` });
    });
    if (ranges.some((r) => r.status !== 206 || r.bytes !== 65536)) throw new Error('range mismatch');

    const postLatency = async () => {
      const ms = [];
      for (let i = 0; i < o.posts; i++) {
        const started = nowMs();
        const r = await fetch(`http://127.0.0.1:${natter.port}/api/v1/rooms/general/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: `m${i}` }) });
        await r.arrayBuffer();
        ms.push(nowMs() - started);
      }
      return percentiles(ms, [50, 95, 99]);
    };
    const quiet = await postLatency();
    const busyUploads = inParallel(files, o.concurrency, (b, i) => upload(natter.port, token, b, `g${i}.bin`, agent));
    const busy = await postLatency();
    await busyUploads;

    const mib = (o.files * o.mib);
    const result = {
      label: o.label, store: o.store, rev: gitRev(), at: new Date().toISOString(), files: o.files, mib_each: o.mib, concurrency: o.concurrency,
      upload_mib_s: +(mib / upS).toFixed(1), upload_ms: percentiles(ups.map((u) => u.ms), [50, 95]),
      rss_mib: { before: +(rssBefore / 1024).toFixed(1), peak: +(rssPeak / 1024).toFixed(1), after: +(rssAfter / 1024).toFixed(1) },
      photo_12mp_ms: percentiles(imageMs, [50, 95]), photo_bytes: photo.length,
      download_mib_s: +(mib / downS).toFixed(1), range_64k_ms: percentiles(ranges.map((r) => r.ms), [50, 95]),
      post_ms_quiet: quiet, post_ms_while_uploading: busy,
    };
    mkdirSync(dirname(o.out), { recursive: true });
    appendFileSync(o.out, `${JSON.stringify(result)}\n`);
    console.log(JSON.stringify(result, null, 1));
  } finally {
    agent.destroy();
    await natter.stop();
    if (dbName) await admin(`DROP DATABASE IF EXISTS ${dbName}`).catch(() => {});
  }
}

run().catch((err) => { console.error(err); process.exit(1); });
