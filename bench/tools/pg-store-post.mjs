#!/usr/bin/env node
// Store-level POST throughput on PostgreSQL, without HTTP: open one or two PostgresStores (as one or two nodes) of
// a checkout (--root, default this one) on a fresh database, create --rooms rooms (plus general) and --users users
// in all of them, then --callers concurrent callers each call postMessage back to back for --s seconds (texts of
// 20–400 chars, a client_id each). Prints one JSON line: msgs/s, latency percentiles, messages stored.
//   node --import tsx bench/tools/pg-store-post.mjs [--nodes 1] [--callers 64] [--s 5] [--root DIR]
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_PG, ROOT, flags, nowMs, percentiles, pgDatabaseUrl, pgQuery } from '../lib.mjs';

const o = flags(process.argv.slice(2), { nodes: 1, callers: 64, s: 5, rooms: 50, users: 50, root: ROOT, pg: BENCH_PG });
const { openPostgresStore } = await import(pathToFileURL(join(resolve(o.root), 'src/storage/postgres/postgres-store.ts')).href);
const name = `natter_bench_${process.pid}_store`;
await pgQuery(o.pg, `CREATE DATABASE ${name}`);
const url = pgDatabaseUrl(o.pg, name);
const stores = [];
try {
  for (let i = 0; i < o.nodes; i++) stores.push(await openPostgresStore(url));
  const s = stores[0];
  const users = [];
  for (let i = 0; i < o.users; i++) users.push((await s.createUser({ username: `u${i}`, passwordHash: null, guest: true })).value);
  const rooms = [(await s.getRoom('general', users[0].id)).record.id];
  for (let i = 0; i < o.rooms; i++) {
    const r = (await s.createRoom({ name: `r${i}`, topic: '', visibility: 'public', ownerId: users[0].id })).value;
    const id = (await s.getRoom(r.name, users[0].id)).record.id;
    for (const u of users.slice(1)) await s.addMember(id, u.id, 'member');
    rooms.push(id);
  }
  for (const u of users.slice(1)) await s.addMember(rooms[0], u.id, 'member');
  let seed = 7, n = 0;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const lat = [];
  const end = nowMs() + o.s * 1000, t0 = nowMs();
  await Promise.all(Array.from({ length: o.callers }, async (_, c) => {
    while (nowMs() < end) {
      const u = users[Math.floor(rnd() * users.length)];
      const roomId = rnd() < 1 / 6 ? rooms[0] : rooms[1 + Math.floor(rnd() * o.rooms)];
      const text = 'word '.repeat(4 + Math.floor(rnd() * 80));
      const t = nowMs();
      await stores[c % stores.length].postMessage({ roomId, author: u, text, clientId: `c${++n}` });
      lat.push(nowMs() - t);
    }
  }));
  const secs = (nowMs() - t0) / 1000;
  const stored = Number((await pgQuery(url, 'SELECT count(*) AS n FROM messages'))[0].n);
  console.log(JSON.stringify({ root: o.root, nodes: o.nodes, callers: o.callers, msgs_per_s: Math.round(lat.length / secs), latency_ms: percentiles(lat, [50, 99]), stored }));
} finally {
  for (const s of stores) await s.close().catch(() => {});
  await pgQuery(o.pg, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
