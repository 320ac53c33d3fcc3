/**
 * Numbered SQL migrations for SQLite: files `NNN_name.sql` in
 * storage/migrations/sqlite, applied in order inside one transaction each, with
 * the schema version kept in PRAGMA user_version.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

const DIR = fileURLToPath(new URL('../migrations/sqlite/', import.meta.url));

/** Apply every migration newer than the database's user_version; returns how many ran. */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const files = readdirSync(DIR).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  let applied = 0;
  for (const file of files) {
    const version = Number(file.slice(0, 3));
    if (version <= current) continue;
    const sql = readFileSync(DIR + file, 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
    applied++;
  }
  return applied;
}
