// bench/tools/exp-fts-variants.mjs — what the SQLite search worker pays per message (fold + 3-grams, FTS5 insert, COMMIT) for
// variants of the index: as shipped, tokens deduplicated, automerge 8/16, no prefix indexes, pgsz 4000. Not a bench target:
// an experiment for issue 17 (bench/README.md). Run pinned: taskset -c 0 node --import tsx bench/tools/exp-fts-variants.mjs 60000 [variant …]
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { fold, trigramTokens } from '../../src/core/fold.ts';
import { vocabulary, corpus } from '../search-text.mjs';

const N = Number(process.argv[2] ?? 60000);
const PER_TX = 600;
const c = corpus(vocabulary());
const texts = [];
for (let i = 0; i < N; i++) texts.push(c.next().text);

function dedupe(tokens) {
  return [...new Set(tokens.split(' '))].join(' ');
}

function run(name, opts) {
  const path = `/tmp/fts-exp-${process.pid}.db`;
  rmSync(path, { force: true }); rmSync(path + '-wal', { force: true }); rmSync(path + '-shm', { force: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE VIRTUAL TABLE g USING fts5(grams, content='', contentless_delete=1, detail='none', tokenize='ascii', prefix='${opts.prefix ?? '1 2'}')`);
  if (opts.automerge !== undefined) db.exec(`INSERT INTO g(g, rank) VALUES('automerge', ${opts.automerge})`);
  if (opts.pgsz !== undefined) db.exec(`INSERT INTO g(g, rank) VALUES('pgsz', ${opts.pgsz})`);
  const ins = db.prepare('INSERT INTO g (rowid, grams) VALUES (?, ?)');
  let tok = 0, fts = 0, commit = 0;
  for (let i = 0; i < N; i += PER_TX) {
    const t0 = performance.now();
    const batch = [];
    for (let j = i; j < Math.min(N, i + PER_TX); j++) { let t = trigramTokens(fold(texts[j])); if (opts.dedupe) t = dedupe(t); batch.push(t); }
    const t1 = performance.now();
    db.exec('BEGIN');
    batch.forEach((t, k) => ins.run(i + k + 1, t));
    const t2 = performance.now();
    db.exec('COMMIT');
    const t3 = performance.now();
    tok += t1 - t0; fts += t2 - t1; commit += t3 - t2;
  }
  const us = (x) => ((x * 1000) / N).toFixed(1);
  console.log(`${name.padEnd(22)} µs/msg: tokenise ${us(tok)}, insert ${us(fts)}, commit ${us(commit)}, total ${us(tok + fts + commit)}`);
  db.close();
  rmSync(path, { force: true }); rmSync(path + '-wal', { force: true }); rmSync(path + '-shm', { force: true });
}
const which = process.argv.slice(3);
const variants = {
  base: {}, dedupe: { dedupe: true }, automerge8: { automerge: 8 }, automerge16: { automerge: 16 }, noprefix: { prefix: '' }, 'dedupe+am8': { dedupe: true, automerge: 8 }, pgsz4000: { pgsz: 4000 },
};
for (const v of which.length ? which : Object.keys(variants)) run(v, variants[v]);
