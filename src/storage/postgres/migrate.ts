/**
 * Numbered SQL migrations for PostgreSQL: files `NNN_name.sql` in
 * storage/migrations/postgres, each applied in its own transaction and recorded
 * in `schema_migrations`.
 *
 * Two nodes may start at once against an empty database. Every node takes the
 * same session-level `pg_advisory_lock` before it reads the applied versions,
 * so one node migrates while the others wait; when they get the lock they find
 * nothing left to do. The lock is released explicitly, and by PostgreSQL itself
 * if the node dies while holding it (it belongs to the session).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const DIR = fileURLToPath(new URL('../migrations/postgres/', import.meta.url));
/** An arbitrary constant shared by every Natter node: "natter migrations". */
const LOCK_KEY = 7_243_911_305;

/** Apply every migration not yet recorded; returns how many ran. */
export async function migrate(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    // Waiting for another node's migration, or running a long one, may take longer
    // than the pool's statement_timeout (db.ts): lift it for this session only.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const files = readdirSync(DIR).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
      let applied = 0;
      for (const file of files) {
        const version = Number(file.slice(0, 3));
        if (done.has(version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(readFileSync(DIR + file, 'utf8'));
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, file]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${file} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        applied++;
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
      await client.query('RESET statement_timeout');
    }
  } finally {
    client.release();
  }
}
