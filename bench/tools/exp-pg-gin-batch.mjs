// bench/tools/exp-pg-gin-batch.mjs — issue 17, target 2: does indexing grams in batches, off the post, cost PostgreSQL less
// CPU than the GIN insert inside each post? In a scratch database (created and dropped here): a messages-like table with
// the grams inline and GIN-indexed (today's layout) and a narrow (message_id, grams) table with its own GIN index (the
// background layout), each preloaded with --preload rows of the search bench's corpus; then --n more rows go into each
// way and the backend's CPU (from /proc) per row is printed:
//   inline   one row per INSERT, transactions of 5, grams in the row (today's post)
//   bare     the same rows without grams (what the post would cost with the index off it)
//   batched  the grams of --batch rows per INSERT into the narrow table (what a background indexer would pay)
// --fastupdate off: the narrow table's GIN index without its pending list; --grams 3: only the 3-grams (what the
// index would cost without its 1- and 2-grams); --grams 3x: the 3-grams and the 1- and 2-grams with a non-ASCII code point;
// --grams 23x: every 2- and 3-gram and the non-ASCII 1-grams; 2nsx: 3x and the ASCII 2-grams without whitespace; 12nsx: 2nsx
// and the ASCII 1-grams but whitespace.
//   node --import tsx bench/tools/exp-pg-gin-batch.mjs [--preload 200000] [--n 10000] [--batch 500] [--fastupdate on|off] [--grams all|3|3x|23x|2nsx|12nsx]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT, flags } from '../lib.mjs';
import { corpus, vocabulary } from '../search-text.mjs';

const o = flags(process.argv.slice(2), { preload: 200000, n: 10000, batch: 500, fastupdate: 'on', grams: 'all', url: 'postgres://postgres@127.0.0.1:5432/postgres' });
const { fold, gramsOf } = await import(join(ROOT, 'src/core/fold.ts'));
const admin = new pg.Client({ connectionString: o.url });
await admin.connect();
await admin.query('DROP DATABASE IF EXISTS natter_exp_gin');
await admin.query('CREATE DATABASE natter_exp_gin');
const c = new pg.Client({ connectionString: o.url.replace(/\/[^/]*$/, '/natter_exp_gin') });
await c.connect();
const q = (s, p) => c.query(s, p);

const pickGrams = (all) => o.grams === '3' ? all.filter((g) => [...g].length === 3)
  : o.grams === '2nsx' ? all.filter((g) => [...g].length === 3 || /[^\x00-\x7f]/.test(g) || (g.length === 2 && !/\s/.test(g)))
  : o.grams === '12nsx' ? all.filter((g) => [...g].length === 3 || /[^\x00-\x7f]/.test(g) || !/\s/.test(g))
  : o.grams === '23x' ? all.filter((g) => [...g].length >= 2 || /[^\x00-\x7f]/.test(g))
  : o.grams === '3x' ? all.filter((g) => [...g].length === 3 || /[^\x00-\x7f]/.test(g)) : all;
const gen = corpus(vocabulary());
const rows = [];
for (let i = 0; i < o.preload + 3 * o.n; i++) {
  const text = gen.next().text;
  const folded = fold(text);
  rows.push({ id: i + 1, room: (i % 200) + 1, seq: Math.floor(i / 200) + 1, text, folded, grams: pickGrams(gramsOf(folded)) });
}
await q('CREATE TABLE wide (id bigint PRIMARY KEY, room_id bigint, seq bigint, author_id bigint, text text, created_at timestamptz, search_text text, grams text[])');
await q('CREATE TABLE narrow (message_id bigint PRIMARY KEY, grams text[] NOT NULL)');
const pre = rows.slice(0, o.preload);
for (let i = 0; i < pre.length; i += 2000) {
  const b = pre.slice(i, i + 2000);
  const g = b.map((r) => JSON.stringify(r.grams));
  await q(`INSERT INTO wide SELECT id, room, seq, 1, t, now(), f, ARRAY(SELECT jsonb_array_elements_text(g)) FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::jsonb[]) AS x(id, room, seq, t, f, g)`,
    [b.map((r) => r.id), b.map((r) => r.room), b.map((r) => r.seq), b.map((r) => r.text), b.map((r) => r.folded), g]);
  await q('INSERT INTO narrow SELECT id, ARRAY(SELECT jsonb_array_elements_text(g)) FROM unnest($1::bigint[], $2::jsonb[]) AS x(id, g)', [b.map((r) => r.id), g]);
}
await q('CREATE INDEX wide_grams ON wide USING gin (grams)');
await q('CREATE UNIQUE INDEX wide_rs ON wide (room_id, seq)');
await q(`CREATE INDEX narrow_grams ON narrow USING gin (grams) WITH (fastupdate = ${o.fastupdate === 'off' ? 'off' : 'on'})`);
await q('VACUUM ANALYZE wide');
await q('VACUUM ANALYZE narrow');

const pid = (await q('SELECT pg_backend_pid() AS p')).rows[0].p;
const cpu = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
async function measure(label, part, fn) {
  const c0 = cpu();
  const w0 = Date.now();
  await fn(part);
  console.log(`${label.padEnd(8)} ${(((cpu() - c0) * 1000) / part.length).toFixed(0).padStart(4)} µs backend CPU per row, ${(((Date.now() - w0) * 1000) / part.length).toFixed(0)} µs wall`);
}
const one = (withGrams) => async (part) => {
  for (let i = 0; i < part.length; i += 5) {
    await q('BEGIN');
    for (const r of part.slice(i, i + 5)) {
      await q('INSERT INTO wide (id, room_id, seq, author_id, text, created_at, search_text, grams) VALUES ($1, $2, $3, 1, $4, now(), $5, $6)', [r.id, r.room, r.seq, r.text, r.folded, withGrams ? r.grams : null]);
    }
    await q('COMMIT');
  }
};
const batched = async (part) => {
  for (let i = 0; i < part.length; i += o.batch) {
    const b = part.slice(i, i + o.batch);
    await q('INSERT INTO narrow (message_id, grams) SELECT id, ARRAY(SELECT jsonb_array_elements_text(g)) FROM unnest($1::bigint[], $2::jsonb[]) AS x(id, g) ON CONFLICT (message_id) DO NOTHING', [b.map((r) => r.id), b.map((r) => JSON.stringify(r.grams))]);
  }
};
const base = o.preload;
console.log(`preloaded ${o.preload} rows; ${o.n} rows per way, batches of ${o.batch}, narrow fastupdate ${o.fastupdate}, grams ${o.grams}`);
await measure('inline', rows.slice(base, base + o.n), one(true));
await measure('bare', rows.slice(base + o.n, base + 2 * o.n), one(false));
await measure('batched', rows.slice(base, base + o.n), batched);
await measure('batched', rows.slice(base + o.n, base + 2 * o.n), batched);
await c.end();
await admin.query('DROP DATABASE natter_exp_gin');
await admin.end();
