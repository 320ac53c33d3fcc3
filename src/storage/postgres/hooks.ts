/**
 * Webhooks on PostgreSQL (hooks.ts `HookStore`, API v1.1 §6). The per-room limit is counted under a lock on the
 * room's row; leases are taken with `FOR UPDATE SKIP LOCKED` and every delivery change is fenced by the lease
 * holder, so of nodes racing for a hook one delivers it. Mirrors sqlite/hooks.ts.
 */
import type pg from 'pg';
import { ChatError } from '../../core/errors.ts';
import type { LogEvent, User } from '../../core/types.ts';
import type { Changed } from '../accounts.ts';
import { toHook, type HookRecord, type HookRow, type HookStore, type LeaseState, type NewHook } from '../hooks.ts';
import { now, parseId, toEvent, toUser, type EventRow, type UserRow } from '../rows.ts';
import type { Tx } from './db.ts';
import { USER_COLS } from './sql.ts';
import { join, userById, type Db } from './writes.ts';

/** The feed of hook $1 in ($2, $3] (API v1.1 §6): its room's events of its types, while its creator was a member. */
const FEED = `FROM hooks h JOIN member_spans s ON s.user_id = h.created_by AND s.room_id = h.room_id
JOIN events e ON e.room_id = s.room_id AND e.pos >= s.from_pos AND e.pos <= COALESCE(s.to_pos, $3)
WHERE h.id = $1 AND (s.to_pos IS NULL OR s.to_pos > $2) AND e.pos > $2 AND e.pos <= $3 AND e.type = ANY(h.events)
  AND (h.include_bots OR e.type NOT IN ('message', 'message_updated')
    OR NOT EXISTS (SELECT 1 FROM users b WHERE b.id = e.subject AND b.kind = 'bot'))`;

const VIEW = `SELECT h.*, r.name AS room, c.username AS creator_name, b.username AS bot_name
FROM hooks h JOIN rooms r ON r.id = h.room_id JOIN users c ON c.id = h.created_by LEFT JOIN users b ON b.id = h.bot_id`;
const WITH_BACKLOG = `SELECT v.*, (SELECT COUNT(*) ${FEED.replace('h.id = $1', 'h.id = v.id').replaceAll('$2', 'v.pos').replaceAll('$3', '(SELECT pos FROM log_head WHERE id = 1)')}) AS backlog
FROM (${VIEW}) v`;
/** Outgoing hooks with work at `now`: active, their creator active, not leased, not waiting to retry, events after `pos` up to `head`. */
const due = (now: string, head: string): string => `SELECT h.id FROM hooks h JOIN users c ON c.id = h.created_by
WHERE h.kind = 'outgoing' AND h.active AND c.active AND h.next_at <= ${now} AND h.lease_until < ${now}
  AND EXISTS (SELECT 1 FROM events e WHERE e.room_id = h.room_id AND e.pos > h.pos AND e.pos <= ${head})`;
/** The holder's fence: every change a delivery makes ($1 hook, $2 node). */
const HELD = 'id = $1 AND lease_owner = $2';
const STATE = 'RETURNING active AND (SELECT active FROM users WHERE id = created_by) AS deliverable';

const SQL = {
  lockRoom: 'SELECT name, visibility FROM rooms WHERE id = $1 FOR UPDATE',
  countHooks: 'SELECT COUNT(*)::int AS n FROM hooks WHERE room_id = $1',
  insert: `INSERT INTO hooks (room_id, kind, created_by, created_at, bot_id, secret_hash, url, secret, events, include_bots, pos)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, (SELECT pos FROM log_head WHERE id = 1)) RETURNING id`,
  list: `${WITH_BACKLOG} WHERE v.room_id = $1 ORDER BY v.id`,
  get: `${WITH_BACKLOG} WHERE v.room_id = $1 AND v.id = $2`,
  leased: `${VIEW} WHERE h.id = $1`,
  setActive: "UPDATE hooks SET active = $1 WHERE room_id = $2 AND id = $3 AND kind = 'outgoing'",
  delete: 'DELETE FROM hooks WHERE room_id = $1 AND id = $2',
  incoming: `${VIEW} WHERE h.secret_hash = $1 AND h.kind = 'incoming'`,
  botState: `SELECT ${USER_COLS}, (SELECT o.active FROM users o WHERE o.id = u.owner_id) AS owner_active,
    EXISTS (SELECT 1 FROM members m WHERE m.room_id = $1 AND m.user_id = u.id) AS member FROM users u WHERE u.id = $2`,
  // ($1 node, $2 now, $3 until, $4 head, $5 limit)
  due: `${due('$1', '$2')} LIMIT 1`,
  lease: `UPDATE hooks SET lease_owner = $1, lease_until = $3 WHERE id IN (${due('$2', '$4')} ORDER BY h.next_at, h.id LIMIT $5 FOR UPDATE OF h SKIP LOCKED) RETURNING id`,
  feed: `SELECT e.pos, e.room_id, e.type, e.subject, e.data ${FEED} ORDER BY e.pos LIMIT $4`,
  // ($3 pos, $4 status, $5 at, $6 until)
  ack: `UPDATE hooks SET pos = $3, acked_pos = $3, attempts = 0, next_at = 0, last_at = $5, last_pos = $3,
    last_status = $4, last_error = NULL, lease_until = $6 WHERE ${HELD} ${STATE}`,
  // ($3 to, $4 until)
  skip: `UPDATE hooks SET pos = GREATEST(pos, $3), lease_until = $4 WHERE ${HELD} ${STATE}`,
  // ($3 pos, $4 status, $5 error, $6 at, $7 nextAt)
  fail: `UPDATE hooks SET attempts = attempts + 1, next_at = $7, last_at = $6, last_pos = $3, last_status = $4,
    last_error = $5, lease_owner = NULL, lease_until = 0 WHERE ${HELD}`,
  renew: `UPDATE hooks SET lease_until = $3 WHERE ${HELD}`,
  release: `UPDATE hooks SET lease_owner = NULL, lease_until = 0 WHERE ${HELD}`,
} as const;

export class PostgresHooks implements HookStore {
  constructor(
    private readonly write: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
    private readonly read: <T>(fn: (db: Db) => Promise<T>) => Promise<T>,
  ) {}

  private async rows<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
    return (await this.read((db) => db.query<R>(sql, params))).rows;
  }

  async create(input: NewHook): Promise<Changed<HookRecord>> {
    return this.write(async (tx) => {
      const room = (await tx.query<{ name: string; visibility: string }>(SQL.lockRoom, [input.roomId])).rows[0]!;
      if ((await tx.query<{ n: number }>(SQL.countHooks, [input.roomId])).rows[0]!.n >= input.limit) {
        throw new ChatError('limit_reached', `at most ${input.limit} hooks per room`);
      }
      const joiner = input.kind === 'incoming' ? input.botId : room.visibility === 'public' ? input.createdBy : null;
      const events: LogEvent[] = joiner === null ? [] : await join(tx, input.roomId, room.name, await userById(tx, parseId(joiner)), 'member');
      const out = input.kind === 'outgoing' ? input : null;
      const { id } = (await tx.query<{ id: string }>(SQL.insert, [
        input.roomId, input.kind, parseId(input.createdBy), now(), input.kind === 'incoming' ? parseId(input.botId) : null,
        input.kind === 'incoming' ? input.secretHash : null, out?.url ?? null, out?.secret ?? null, out?.events ?? null, out?.includeBots ?? false,
      ])).rows[0]!;
      return { value: toHook((await tx.query<HookRow>(SQL.get, [input.roomId, id])).rows[0]!), events };
    });
  }

  async list(roomId: number): Promise<HookRecord[]> {
    return (await this.rows<HookRow>(SQL.list, [roomId])).map(toHook);
  }

  async get(roomId: number, id: string): Promise<HookRecord | null> {
    const row = (await this.rows<HookRow>(SQL.get, [roomId, parseId(id)]))[0];
    return row ? toHook(row) : null;
  }

  async setActive(roomId: number, id: string, active: boolean): Promise<HookRecord | null> {
    await this.write((tx) => tx.query(SQL.setActive, [active, roomId, parseId(id)]));
    return this.get(roomId, id);
  }

  async delete(roomId: number, id: string): Promise<boolean> {
    return !!(await this.write((tx) => tx.query(SQL.delete, [roomId, parseId(id)]))).rowCount;
  }

  async incoming(secretHash: Buffer): Promise<{ hook: HookRecord; bot: User | null; member: boolean; ownerActive: boolean } | null> {
    const row = (await this.rows<HookRow>(SQL.incoming, [secretHash]))[0];
    if (!row) return null;
    const hook = toHook(row);
    const b = (await this.rows<UserRow & { owner_active: boolean | null; member: boolean }>(SQL.botState, [hook.roomId, parseId(hook.bot!.id)]))[0]!;
    const bot = toUser(b);
    return { hook, bot: bot.active ? bot : null, member: b.member, ownerActive: b.owner_active === true };
  }

  async lease(node: string, at: number, until: number, head: number, limit: number): Promise<string[]> {
    // A read first: an idle node's rounds write nothing.
    if ((await this.rows(SQL.due, [at, head])).length === 0) return [];
    return (await this.write((tx) => tx.query<{ id: string }>(SQL.lease, [node, at, until, head, limit]))).rows.map((r) => String(r.id));
  }

  async leased(id: string): Promise<HookRecord | null> {
    const row = (await this.rows<HookRow>(SQL.leased, [parseId(id)]))[0];
    return row ? toHook(row) : null;
  }

  async feed(hook: HookRecord, after: number, upTo: number, limit: number): Promise<LogEvent[]> {
    return (await this.rows<EventRow>(SQL.feed, [parseId(hook.id), after, upTo, limit])).map(toEvent);
  }

  async ack(id: string, node: string, pos: number, status: number, at: string, until: number): Promise<LeaseState | null> {
    return this.fenced(SQL.ack, [parseId(id), node, pos, status, at, until]);
  }

  async skip(id: string, node: string, to: number, until: number): Promise<LeaseState | null> {
    return this.fenced(SQL.skip, [parseId(id), node, to, until]);
  }

  private async fenced(sql: string, params: unknown[]): Promise<LeaseState | null> {
    const row = (await this.statement<{ deliverable: boolean }>(sql, params)).rows[0];
    return row ? { deliverable: row.deliverable } : null;
  }

  /**
   * A delivery's bookkeeping is one UPDATE of the hook's row, fenced by the lease: it commits by itself
   * (autocommit), one round trip instead of BEGIN/UPDATE/COMMIT. Each is idempotent (`fail` and `release` give the
   * lease up, so a second run matches no row), so the read path's retry on a connection fault is safe.
   */
  private statement<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    return this.read((db) => db.query<R>(sql, params));
  }

  async fail(id: string, node: string, a: { pos: number; status: number | null; error: string; at: string; nextAt: number }): Promise<void> {
    await this.statement(SQL.fail, [parseId(id), node, a.pos, a.status, a.error, a.at, a.nextAt]);
  }

  async renew(id: string, node: string, until: number): Promise<boolean> {
    return !!(await this.statement(SQL.renew, [parseId(id), node, until])).rowCount;
  }

  async release(id: string, node: string): Promise<void> {
    await this.statement(SQL.release, [parseId(id), node]);
  }
}
