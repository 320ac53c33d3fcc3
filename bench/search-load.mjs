// bench/search-load.mjs — the data loader of bench/search.mjs (not meant to be run alone, but can be).
// Runs under `node --import tsx` because it opens the Store directly (src/storage/…), no HTTP:
// authors, a viewer with a session token, rooms (public / private, the viewer a member of some private
// ones), then messages through Store.postMessage (which folds, indexes and parses mentions in the
// same transaction, exactly as a POST does), many in flight at once: on SQLite they share one
// group-committed transaction per tick, on PostgreSQL they run on a pool. Stops at --messages or
// --max-s, whichever comes first, and writes what it did (and the corpus word counts the query
// classes are drawn from) to --meta as JSON.
//
//   node --import tsx bench/search-load.mjs --store sqlite --db /tmp/x/natter.db --messages 20000 --meta /tmp/x/meta.json
//   node --import tsx bench/search-load.mjs --store postgres --db postgres://postgres@127.0.0.1:5432/natter_bench_search ...
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, flags, nowMs } from './lib.mjs';
import { corpus, prng, vocabulary } from './search-text.mjs';

const o = flags(process.argv.slice(2), {
  store: 'sqlite', db: '', messages: 1000000, 'max-s': 600, rooms: 200, public: 50, 'viewer-private': 50,
  authors: 200, 'members-per-room': 10, batch: 1000, concurrency: 16, meta: '', seed: 42, root: ROOT,
});
const log = (s) => process.stderr.write(`${s}\n`);
if (!o.db || !o.meta) { log('usage: node --import tsx bench/search-load.mjs --store sqlite|postgres --db PATH|URL --meta FILE [--messages N] [--max-s S]'); process.exit(2); }

const store = o.store === 'sqlite'
  ? (await import(join(o.root, 'src/storage/sqlite/sqlite-store.ts'))).openSqliteStore(o.db)
  : await (await import(join(o.root, 'src/storage/postgres/postgres-store.ts'))).openPostgresStore(o.db, { poolSize: o.concurrency });

const rnd = prng(o.seed + 1);
const t0 = nowMs();
// ---- people and rooms
const authors = [];
for (let i = 0; i < o.authors; i++) {
  authors.push((await store.createUser({ username: `author${i}`, passwordHash: 'not-a-real-hash', guest: false })).value);
}
const viewer = (await store.createUser({ username: 'viewer', passwordHash: 'not-a-real-hash', guest: false })).value;
const token = randomBytes(24).toString('base64url');
await store.sessions.create(viewer.id, createHash('sha256').update(token).digest(), 'bench/search');
const rooms = [];
for (let i = 0; i < o.rooms; i++) {
  const name = `room-${String(i).padStart(3, '0')}`;
  const visibility = i < o.public ? 'public' : 'private';
  const owner = authors[i % authors.length];
  await store.createRoom({ name, topic: `topic ${i}`, visibility, ownerId: owner.id });
  const id = (await store.findRoom(name, owner.id)).record.id;
  const members = new Set([owner]);
  while (members.size < Math.min(o['members-per-room'], authors.length)) members.add(authors[Math.floor(rnd() * authors.length)]);
  for (const m of members) if (m !== owner) await store.addMember(id, m.id, 'member');
  const viewerMember = visibility === 'private' && i < o.public + o['viewer-private'];
  if (viewerMember) await store.addMember(id, viewer.id, 'member');
  rooms.push({ id, name, visibility, readable: visibility === 'public' || viewerMember, members: [...members] });
}
log(`  ${authors.length} authors, viewer, ${rooms.length} rooms (${rooms.filter((r) => r.visibility === 'public').length} public, ${rooms.filter((r) => r.readable).length} readable by the viewer) in ${((nowMs() - t0) / 1000).toFixed(1)} s`);

// ---- messages
const vocab = vocabulary();
const gen = corpus(vocab, { seed: o.seed, users: authors.map((a) => a.username) });
const counts = new Uint32Array(vocab.words.length);
const readableCounts = new Uint32Array(vocab.words.length);
let posted = 0, readable = 0, cjk = 0, chars = 0;
function one() {
  const room = rooms[Math.floor(rnd() * rooms.length)];
  const author = room.members[Math.floor(rnd() * room.members.length)];
  const m = gen.next();
  for (const r of m.ranks) { counts[r]++; if (room.readable) readableCounts[r]++; }
  if (m.cjk) cjk++;
  if (room.readable) readable++;
  chars += m.text.length;
  posted++;
  return store.postMessage({ roomId: room.id, author: { id: author.id, username: author.username }, text: m.text, clientId: null });
}
const tLoad = nowMs();
const deadline = tLoad + o['max-s'] * 1000;
let lastLog = tLoad;
const progress = () => {
  const s = (nowMs() - tLoad) / 1000;
  log(`  ${posted.toLocaleString('en')} messages in ${s.toFixed(0)} s (${Math.round(posted / s)} msg/s)`);
};
if (o.store === 'sqlite') {
  // One batch per tick: all of it in one group-committed transaction.
  while (posted < o.messages && nowMs() < deadline) {
    const n = Math.min(o.batch, o.messages - posted);
    const ps = [];
    for (let i = 0; i < n; i++) ps.push(one());
    await Promise.all(ps);
    if (nowMs() - lastLog > 15000) { progress(); lastLog = nowMs(); }
  }
} else {
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (posted < o.messages && nowMs() < deadline) {
      await one();
      if (nowMs() - lastLog > 15000) { lastLog = nowMs(); progress(); }
    }
  }));
}
const loadS = (nowMs() - tLoad) / 1000;
progress();
await store.close();

const meta = {
  store: o.store, messages: posted, requested: o.messages, stopped_by: posted < o.messages ? 'max-s' : 'count',
  load_s: +loadS.toFixed(1), load_msg_per_s: Math.round(posted / loadS), setup_s: +((tLoad - t0) / 1000).toFixed(1),
  readable_messages: readable, cjk_messages: cjk, mean_utf16_len: +(chars / Math.max(1, posted)).toFixed(1),
  rooms: rooms.length, public_rooms: rooms.filter((r) => r.visibility === 'public').length,
  readable_rooms: rooms.filter((r) => r.readable).length, authors: authors.length,
  viewer: { id: viewer.id, username: viewer.username, token },
  room_names: rooms.map((r) => ({ name: r.name, readable: r.readable })),
  // Per vocabulary rank: occurrences (all rooms; rooms the viewer may read).
  counts: Array.from(counts), readable_counts: Array.from(readableCounts),
};
writeFileSync(o.meta, JSON.stringify(meta));
log(`  meta → ${o.meta}`);
