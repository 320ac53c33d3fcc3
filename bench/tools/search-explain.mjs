// bench/tools/search-explain.mjs — the plan and timing of one search query, outside the server, on a
// database loaded by bench/search-load.mjs. Rebuilds the statement of src/storage/{postgres,sqlite}/
// lookups.ts `messages()` (first page, no filters; keep in step with it by hand) with the terms and
// grams of src/core/fold.ts. PostgreSQL: EXPLAIN (ANALYZE, BUFFERS); SQLite: EXPLAIN QUERY PLAN and
// the time of 3 runs.
//   node --import tsx bench/tools/search-explain.mjs --db postgres://…/natter_bench_search --viewer 201 --q 'the'
//   node --import tsx bench/tools/search-explain.mjs --db /tmp/x/natter.db --viewer 201 --q 'ploy'
//   --root DIR: take src/ from that checkout (e.g. the worktree the server runs from)
import { join } from 'node:path';
import { ROOT, flags, nowMs } from '../lib.mjs';

const o = flags(process.argv.slice(2), { db: '', viewer: '', q: '', limit: 20, root: ROOT });
const { parseQuery, queryGrams, gramToken } = await import(join(o.root, 'src/core/fold.ts'));
const terms = parseQuery(o.q);
const grams = queryGrams(terms);
const viewer = Number(o.viewer);
console.log(`q=${JSON.stringify(o.q)} terms=${JSON.stringify(terms)} grams=${JSON.stringify(grams)}`);

if (o.db.startsWith('postgres')) {
  const pg = (await import('pg')).default;
  const { MESSAGE_VIEW } = await import(join(o.root, 'src/storage/postgres/sql.ts'));
  const params = [viewer, grams, o.limit + 1, ...terms];
  const where = ['m.grams @> $2::text[]', 'NOT m.deleted',
    `(r.visibility = 'public' OR EXISTS (SELECT 1 FROM members v WHERE v.room_id = m.room_id AND v.user_id = $1))`,
    ...terms.map((_, i) => `strpos(m.search_text, $${i + 4}) > 0`)];
  const c = new pg.Client({ connectionString: o.db });
  await c.connect();
  try {
    // Since 7ba2b67 the order key lives in message_order (migration 004); before, in messages.pos.
    const ordered = (await c.query("SELECT to_regclass('message_order') AS t")).rows[0].t !== null;
    const sql = ordered
      ? `${MESSAGE_VIEW.replace('SELECT m.id,', 'SELECT o.pos, m.id,')} JOIN message_order o ON o.message_id = m.id WHERE ${where.join(' AND ')} ORDER BY o.pos DESC LIMIT $3`
      : `${MESSAGE_VIEW} WHERE ${where.join(' AND ')} ORDER BY m.pos DESC LIMIT $3`;
    for (const r of (await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows) console.log(r['QUERY PLAN']);
  } finally { await c.end(); }
} else {
  const Database = (await import('better-sqlite3')).default;
  const { MESSAGE_VIEW } = await import(join(o.root, 'src/storage/sqlite/sql.ts'));
  const d = new Database(o.db, { readonly: true });
  const params = { viewer, match: grams.map(gramToken).join(' '), limit: o.limit + 1 };
  const where = ['message_grams MATCH @match', 'm.deleted = 0',
    `(r.visibility = 'public' OR EXISTS (SELECT 1 FROM members v WHERE v.room_id = m.room_id AND v.user_id = @viewer))`];
  terms.forEach((t, i) => { where.push(`instr(m.search_text, @t${i}) > 0`); params[`t${i}`] = t; });
  const sql = `${MESSAGE_VIEW} JOIN message_grams ON message_grams.rowid = m.id WHERE ${where.join(' AND ')} ORDER BY message_grams.rowid DESC LIMIT @limit`;
  for (const r of d.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params)) console.log(`${r.id}\t${r.parent}\t${r.detail}`);
  const st = d.prepare(sql);
  for (let i = 0; i < 3; i++) { const t = nowMs(); const n = st.all(params).length; console.log(`run ${i + 1}: ${(nowMs() - t).toFixed(1)} ms, ${n} rows`); }
  const cnt = d.prepare('SELECT COUNT(*) FROM message_grams WHERE message_grams MATCH ?').pluck();
  for (const g of grams) console.log(`  gram ${JSON.stringify(g)}: ${cnt.get(gramToken(g))} messages`);
  d.close();
}
