/**
 * Webhooks on SQLite (hooks.ts `HookStore`, API v1.1 §6). Writes join the store's group commit and run without
 * yielding, so the limit, the joins and the leases' fencing are each one transaction.
 * Mirrors postgres/hooks.ts.
 */
import type Database from 'better-sqlite3';
import { ChatError } from '../../core/errors.ts';
import type { LogEvent, User } from '../../core/types.ts';
import type { Changed } from '../accounts.ts';
import { toHook, type HookRecord, type HookRow, type HookStore, type LeaseState, type NewHook } from '../hooks.ts';
import { now, parseId, toEvent, toUser, type EventRow, type UserRow } from '../rows.ts';
import { USER_COLS } from './sql.ts';
import type { Statements } from './statements.ts';
import { join, userById } from './writes.ts';

/** The feed of hook @id after @after up to @upTo (API v1.1 §6): its room's events of its types, while its creator was a member. */
const FEED = `FROM hooks h JOIN member_spans s ON s.user_id = h.created_by AND s.room_id = h.room_id
JOIN events e ON e.room_id = s.room_id AND e.pos >= s.from_pos AND e.pos <= COALESCE(s.to_pos, @upTo)
WHERE h.id = @id AND (s.to_pos IS NULL OR s.to_pos > @after) AND e.pos > @after AND e.pos <= @upTo
  AND e.type IN (SELECT value FROM json_each(h.events))
  AND (h.include_bots = 1 OR e.type NOT IN ('message', 'message_updated')
    OR NOT EXISTS (SELECT 1 FROM users b WHERE b.id = e.subject AND b.kind = 'bot'))`;

const VIEW = `SELECT h.*, r.name AS room, c.username AS creator_name, b.username AS bot_name
FROM hooks h JOIN rooms r ON r.id = h.room_id JOIN users c ON c.id = h.created_by LEFT JOIN users b ON b.id = h.bot_id`;
const WITH_BACKLOG = `SELECT v.*, (SELECT COUNT(*) ${FEED.replace('h.id = @id', 'h.id = v.id').replaceAll('@after', 'v.pos').replaceAll('@upTo', '@head')}) AS backlog
FROM (${VIEW}) v`;
/** Outgoing hooks with work now: active, their creator active, not leased, not waiting to retry, events after `pos`. */
const DUE = `SELECT h.id FROM hooks h JOIN users c ON c.id = h.created_by
WHERE h.kind = 'outgoing' AND h.active = 1 AND c.active = 1 AND h.next_at <= @now AND h.lease_until < @now
  AND EXISTS (SELECT 1 FROM events e WHERE e.room_id = h.room_id AND e.pos > h.pos AND e.pos <= @head)`;
/** The holder's fence: every change a delivery makes. */
const HELD = 'id = @id AND lease_owner = @node';
const STATE = "RETURNING active = 1 AND (SELECT active FROM users WHERE id = created_by) = 1 AS deliverable";

const SQL = {
  countHooks: 'SELECT COUNT(*) AS n FROM hooks WHERE room_id = ?',
  room: 'SELECT name, visibility FROM rooms WHERE id = ?',
  insert: `INSERT INTO hooks (room_id, kind, created_by, created_at, bot_id, secret_hash, url, secret, events, include_bots, pos)
    VALUES (@room, @kind, @by, @at, @bot, @hash, @url, @secret, @events, @bots, (SELECT COALESCE(MAX(pos), 0) FROM events)) RETURNING id`,
  list: `${WITH_BACKLOG} WHERE v.room_id = @room ORDER BY v.id`,
  get: `${WITH_BACKLOG} WHERE v.room_id = @room AND v.id = @id`,
  leased: `${VIEW} WHERE h.id = ?`,
  setActive: "UPDATE hooks SET active = ? WHERE room_id = ? AND id = ? AND kind = 'outgoing'",
  delete: 'DELETE FROM hooks WHERE room_id = ? AND id = ?',
  incoming: `${VIEW} WHERE h.secret_hash = ? AND h.kind = 'incoming'`,
  botState: `SELECT ${USER_COLS}, (SELECT active FROM users o WHERE o.id = users.owner_id) AS owner_active,
    EXISTS (SELECT 1 FROM members m WHERE m.room_id = @room AND m.user_id = users.id) AS member FROM users WHERE id = @bot`,
  due: `${DUE} LIMIT 1`,
  lease: `UPDATE hooks SET lease_owner = @node, lease_until = @until WHERE id IN (${DUE} ORDER BY h.next_at, h.id LIMIT @limit) RETURNING id`,
  feed: `SELECT e.pos, e.room_id, e.type, e.subject, e.data ${FEED} ORDER BY e.pos LIMIT @limit`,
  ack: `UPDATE hooks SET pos = @pos, acked_pos = @pos, attempts = 0, next_at = 0, last_at = @at, last_pos = @pos,
    last_status = @status, last_error = NULL, lease_until = @until WHERE ${HELD} ${STATE}`,
  skip: `UPDATE hooks SET pos = MAX(pos, @to), lease_until = @until WHERE ${HELD} ${STATE}`,
  fail: `UPDATE hooks SET attempts = attempts + 1, next_at = @nextAt, last_at = @at, last_pos = @pos, last_status = @status,
    last_error = @error, lease_owner = NULL, lease_until = 0 WHERE ${HELD}`,
  renew: `UPDATE hooks SET lease_until = @until WHERE ${HELD}`,
  release: `UPDATE hooks SET lease_owner = NULL, lease_until = 0 WHERE ${HELD}`,
} as const;

type Prepared = { [K in keyof typeof SQL]: Database.Statement<unknown[], unknown> };

const limitReached = (what: string): ChatError => new ChatError('limit_reached', what);

export class SqliteHooks implements HookStore {
  private readonly q: Prepared;

  constructor(
    db: Database.Database,
    private readonly s: Statements,
    private readonly write: <T>(fn: () => T) => Promise<T>,
    /** The committed log head (what readers may see). */
    private readonly head: () => number,
  ) {
    this.q = Object.fromEntries(Object.entries(SQL).map(([k, sql]) => [k, db.prepare(sql)])) as Prepared;
  }

  // hooks

  async create(input: NewHook): Promise<Changed<HookRecord>> {
    return this.write(() => {
      if ((this.q.countHooks.get(input.roomId) as { n: number }).n >= input.limit) throw limitReached(`at most ${input.limit} hooks per room`);
      const room = this.q.room.get(input.roomId) as { name: string; visibility: string };
      const joiner = input.kind === 'incoming' ? input.botId : room.visibility === 'public' ? input.createdBy : null;
      const events: LogEvent[] = joiner === null ? [] : join(this.s, input.roomId, room.name, userById(this.s, parseId(joiner)), 'member');
      const { id } = this.q.insert.get({
        room: input.roomId, kind: input.kind, by: parseId(input.createdBy), at: now(),
        bot: input.kind === 'incoming' ? parseId(input.botId) : null, hash: input.kind === 'incoming' ? input.secretHash : null,
        url: input.kind === 'outgoing' ? input.url : null, secret: input.kind === 'outgoing' ? input.secret : null,
        events: input.kind === 'outgoing' ? JSON.stringify(input.events) : null, bots: input.kind === 'outgoing' && input.includeBots ? 1 : 0,
      }) as { id: number };
      return { value: toHook(this.q.get.get({ room: input.roomId, id, head: this.head() }) as HookRow), events };
    });
  }

  async list(roomId: number): Promise<HookRecord[]> {
    return (this.q.list.all({ room: roomId, head: this.head() }) as HookRow[]).map(toHook);
  }

  async get(roomId: number, id: string): Promise<HookRecord | null> {
    const row = this.q.get.get({ room: roomId, id: parseId(id), head: this.head() }) as HookRow | undefined;
    return row ? toHook(row) : null;
  }

  async setActive(roomId: number, id: string, active: boolean): Promise<HookRecord | null> {
    await this.write(() => this.q.setActive.run(active ? 1 : 0, roomId, parseId(id)));
    return this.get(roomId, id);
  }

  async delete(roomId: number, id: string): Promise<boolean> {
    return this.write(() => this.q.delete.run(roomId, parseId(id)).changes > 0);
  }

  async incoming(secretHash: Buffer): Promise<{ hook: HookRecord; bot: User | null; member: boolean; ownerActive: boolean } | null> {
    const row = this.q.incoming.get(secretHash) as HookRow | undefined;
    if (!row) return null;
    const hook = toHook(row);
    const b = this.q.botState.get({ room: hook.roomId, bot: parseId(hook.bot!.id) }) as UserRow & { owner_active: number | null; member: number };
    const bot = toUser(b);
    return { hook, bot: bot.active ? bot : null, member: b.member === 1, ownerActive: b.owner_active === 1 };
  }

  // delivery

  async lease(node: string, at: number, until: number, head: number, limit: number): Promise<string[]> {
    // A read first: an idle node's rounds write nothing.
    if (!this.q.due.get({ now: at, head })) return [];
    return this.write(() => (this.q.lease.all({ node, now: at, until, head, limit }) as { id: number }[]).map((r) => String(r.id)));
  }

  async leased(id: string): Promise<HookRecord | null> {
    const row = this.q.leased.get(parseId(id)) as HookRow | undefined;
    return row ? toHook(row) : null;
  }

  async feed(hook: HookRecord, after: number, upTo: number, limit: number): Promise<LogEvent[]> {
    return (this.q.feed.all({ id: parseId(hook.id), after, upTo, limit }) as EventRow[]).map(toEvent);
  }

  async ack(id: string, node: string, pos: number, status: number, at: string, until: number): Promise<LeaseState | null> {
    return this.fenced(this.q.ack, { id: parseId(id), node, pos, status, at, until });
  }

  async skip(id: string, node: string, to: number, until: number): Promise<LeaseState | null> {
    return this.fenced(this.q.skip, { id: parseId(id), node, to, until });
  }

  private async fenced(stmt: Database.Statement<unknown[], unknown>, params: Record<string, unknown>): Promise<LeaseState | null> {
    const row = (await this.write(() => stmt.get(params))) as { deliverable: number } | undefined;
    return row ? { deliverable: row.deliverable === 1 } : null;
  }

  async fail(id: string, node: string, a: { pos: number; status: number | null; error: string; at: string; nextAt: number }): Promise<void> {
    await this.write(() => this.q.fail.run({ id: parseId(id), node, ...a }));
  }

  async renew(id: string, node: string, until: number): Promise<boolean> {
    return this.write(() => this.q.renew.run({ id: parseId(id), node, until }).changes > 0);
  }

  async release(id: string, node: string): Promise<void> {
    await this.write(() => this.q.release.run({ id: parseId(id), node }));
  }
}
