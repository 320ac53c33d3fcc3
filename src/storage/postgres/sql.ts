/**
 * All SQL text of the PostgreSQL store, kept apart from the control flow.
 *
 * `SQL` has the same keys, in the same order, as sqlite/sql.ts, so the two files
 * diff to dialect alone: `$n` parameters instead of `?`/`@name`, booleans instead
 * of 0/1, `= ANY($1::bigint[])` instead of `json_each`, LEAST/GREATEST instead of
 * MIN/MAX, `now()` where SQLite gets the time as a parameter. That likeness is on
 * purpose; sharing the text would tie each dialect's SQL to the other's schema.
 * Keys only PostgreSQL has: `snapshot`, `lockMessage`, `appendPosts`, `nextPos` (see below).
 */

import { prepareNamed } from './db.ts';

/** A room and the viewer ($1)'s role only: what access checks need, without ROOM_VIEW's unread count. */
const ROOM_ACCESS = `
SELECT r.id, r.name, r.topic, r.visibility, r.kind, r.created_at, r.last_seq, m.role
FROM rooms r LEFT JOIN members m ON m.room_id = r.id AND m.user_id = $1`;

/** Rooms as viewer `$1` sees them (role, unread count, DM peer); callers append a WHERE clause. */
const ROOM_VIEW = `
SELECT r.id, r.name, r.topic, r.visibility, r.kind, r.created_at, r.last_seq, m.role,
  CASE WHEN m.role IS NULL THEN 0 ELSE (
    -- migrations/postgres/015_unread.sql: the messages after the marker, less the deleted ones (a partial index)
    r.last_seq - m.read_seq - (SELECT COUNT(*) FROM messages x WHERE x.room_id = r.id AND x.seq > m.read_seq AND x.deleted)
  ) END AS unread,
  CASE WHEN m.role IS NULL THEN 0 ELSE (
    SELECT COUNT(*) FROM mentions x WHERE x.room_id = r.id AND x.user_id = $1 AND x.seq > m.read_seq
  ) END AS mentions,
  COALESCE(m.notifications, CASE r.kind WHEN 'dm' THEN 'all' ELSE 'mentions' END) AS notifications,
  p.id AS peer_id, p.username AS peer_name
FROM rooms r
LEFT JOIN members m ON m.room_id = r.id AND m.user_id = $1
LEFT JOIN users p ON r.kind = 'dm' AND p.id = CASE WHEN r.dm_a = $1 THEN r.dm_b ELSE r.dm_a END`;

/** A message with its author, mentions and the current state of the message it replies to (v1.1). */
export const MESSAGE_VIEW = `
SELECT m.id, r.name AS room, m.seq, m.author_id, u.username AS author_name, m.text, m.client_id,
  m.created_at, m.edited_at, m.deleted, m.mentions::text AS mentions, m.previews, m.alias,
  p.id AS reply_id, p.seq AS reply_seq, p.author_id AS reply_author_id, pu.username AS reply_author_name,
  CASE WHEN p.deleted THEN '' ELSE substr(p.text, 1, 120) END AS reply_excerpt, p.deleted AS reply_deleted
FROM messages m JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = m.room_id
LEFT JOIN messages p ON p.id = m.reply_to LEFT JOIN users pu ON pu.id = p.author_id`;

const REACTIONS_OF = `
SELECT x.message_id, x.emoji, u.username FROM reactions x JOIN users u ON u.id = x.user_id
WHERE x.message_id = ANY($1::bigint[]) ORDER BY x.id`;

/**
 * Replay for one user ($1): events of the rooms they belonged to, inside each
 * membership span (join and leave events included), in log order, within
 * ($2, $3], at most $4. Driven by the user's spans and the (room_id, pos) index.
 */
const READ_EVENTS = `
SELECT * FROM (SELECT e.pos, e.room_id, e.type, e.subject, e.data
FROM member_spans s
JOIN events e ON e.room_id = s.room_id AND e.pos >= s.from_pos AND e.pos <= COALESCE(s.to_pos, $3)
WHERE s.user_id = $1 AND (s.to_pos IS NULL OR s.to_pos > $2) AND e.pos > $2 AND e.pos <= $3
UNION ALL
-- v1.1 §5: events of no room (user_updated) reach everyone
SELECT e.pos, e.room_id, e.type, e.subject, e.data FROM events e WHERE e.room_id = 0 AND e.pos > $2 AND e.pos <= $3
) AS x ORDER BY pos LIMIT $4`;

/** A member's notification level, with the default for the room's kind (members m, rooms r): push, email and rooms agree. */
export const NOTIFY_LEVEL = "COALESCE(m.notifications, CASE r.kind WHEN 'dm' THEN 'all' ELSE 'mentions' END)";

export const USER_COLS = 'u.id, u.username, u.guest, u.created_at, u.role, u.active, u.display_name, u.avatar_id, u.kind';

/** Every statement of the PostgreSQL store by name; the comment before a key lists its parameters where they are not obvious. */
export const SQL = {
  // lifecycle
  ping: 'SELECT 1',
  insertLogId: "INSERT INTO meta (key, value) VALUES ('log_id', $1) ON CONFLICT DO NOTHING",
  logId: "SELECT value FROM meta WHERE key = 'log_id'",
  /** The BEGIN of `listRooms`/`memberRooms`: rooms and head from one moment. */
  snapshot: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',

  // accounts and sessions
  usernameUsed: 'SELECT 1 FROM users WHERE username_key = $1',
  userByKey: `SELECT ${USER_COLS}, u.password_hash FROM users u WHERE u.username_key = $1`,
  userById: `SELECT ${USER_COLS} FROM users u WHERE u.id = $1`,
  insertUser: `INSERT INTO users AS u (username, username_key, password_hash, guest, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLS}`,
  usersByPrefix: `SELECT ${USER_COLS} FROM users u WHERE u.username_key COLLATE "C" >= $1 AND u.username_key COLLATE "C" < $2 ORDER BY u.username_key COLLATE "C" LIMIT $3`,

  // rooms and members; ($1 viewer, $2 name or id) for the views
  roomAccess: `${ROOM_ACCESS} WHERE r.name = $2`,
  roomByName: `${ROOM_VIEW} WHERE r.name = $2`,
  roomById: `${ROOM_VIEW} WHERE r.id = $2`,
  roomsVisible: `${ROOM_VIEW} WHERE r.visibility = 'public' OR m.role IS NOT NULL ORDER BY r.name`,
  roomsMember: `${ROOM_VIEW} WHERE m.role IS NOT NULL ORDER BY r.name`,
  roomId: 'SELECT id FROM rooms WHERE name = $1',
  roomName: 'SELECT name FROM rooms WHERE id = $1',
  insertRoom: `
INSERT INTO rooms (name, topic, visibility, kind, dm_a, dm_b, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (name) DO NOTHING RETURNING id`,
  updateRoom: 'UPDATE rooms SET topic = $1, visibility = $2 WHERE id = $3',
  // ($1 room, $2 user, $3 role); a new member has read everything already posted
  insertMember: `
INSERT INTO members (room_id, user_id, role, read_seq, joined_at)
SELECT $1, $2, $3, last_seq, now() FROM rooms WHERE id = $1 ON CONFLICT DO NOTHING`,
  deleteMember: 'DELETE FROM members WHERE room_id = $1 AND user_id = $2',
  openSpan: 'INSERT INTO member_spans (user_id, room_id, from_pos) VALUES ($1, $2, $3)',
  closeSpan: 'UPDATE member_spans SET to_pos = $1 WHERE user_id = $2 AND room_id = $3 AND to_pos IS NULL',
  members: 'SELECT u.id, u.username, m.role FROM members m JOIN users u ON u.id = m.user_id WHERE m.room_id = $1 ORDER BY m.role DESC, u.username_key',
  // ($1 room, $2 after key, $3 limit + 1): COLLATE "C" compares bytewise, as SQLite does
  membersPage: 'SELECT u.id, u.username, m.role, u.username_key FROM members m JOIN users u ON u.id = m.user_id WHERE m.room_id = $1 AND u.username_key COLLATE "C" > $2 ORDER BY u.username_key COLLATE "C" LIMIT $3',

  // messages
  messageByClientId: `${MESSAGE_VIEW} WHERE m.author_id = $1 AND m.client_id = $2`,
  messageById: `${MESSAGE_VIEW} WHERE m.room_id = $1 AND m.id = $2`,
  /** Locks the message row, so two changes of one message queue instead of racing. */
  lockMessage: 'SELECT 1 FROM messages WHERE room_id = $1 AND id = $2 FOR UPDATE',
  /**
   * A new message in one statement (one round trip, not three): the room's next seq (`b`, SQLite's bumpSeq: the
   * row lock queues concurrent posts to one room, see postgres-store.ts), the row, and the author's read marker
   * moved up to it (markRead, which that seq needs no cap for). ($1 room, $2 author, $3 text,
   * $4 client_id, $5 created_at, $6 reply_to, $7 folded text, $8 grams, $9 mentions, $10 alias.) Returns id,
   * last_seq (the message's seq) and the room's name; no row, and nothing written, when the room does not exist.
   */
  insertMessage: `WITH b AS (UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq, name),
    m AS (INSERT INTO messages (room_id, seq, author_id, text, client_id, created_at, reply_to, search_text, grams, mentions, alias)
      SELECT $1, b.last_seq, $2, $3::text, $4::text, $5::timestamptz, $6::bigint, $7::text, $8::text[], $9::jsonb, $10::text FROM b RETURNING id, seq),
    r AS (UPDATE members SET read_seq = GREATEST(read_seq, m.seq) FROM m WHERE room_id = $1 AND user_id = $2)
    SELECT m.id, m.seq AS last_seq, b.name FROM m, b`,
  // ($1 room, $2 user, $3 seq): forward only, capped at the room's last seq
  markRead: `
UPDATE members SET read_seq = LEAST(GREATEST(read_seq, $3), (SELECT last_seq FROM rooms WHERE id = $1))
WHERE room_id = $1 AND user_id = $2`,
  // ($1 room, $2 limit, $3 bound)
  historyLatest: `SELECT * FROM (${MESSAGE_VIEW} WHERE m.room_id = $1 ORDER BY m.seq DESC LIMIT $2) h ORDER BY seq`,
  historyBefore: `SELECT * FROM (${MESSAGE_VIEW} WHERE m.room_id = $1 AND m.seq < $3 ORDER BY m.seq DESC LIMIT $2) h ORDER BY seq`,
  historyAfter: `${MESSAGE_VIEW} WHERE m.room_id = $1 AND m.seq > $3 ORDER BY m.seq LIMIT $2`,
  reactionsOf: REACTIONS_OF,
  editMessage: 'UPDATE messages SET text = $1, edited_at = $2 WHERE id = $3',
  deleteMessage: "UPDATE messages SET deleted = true, text = '', previews = NULL WHERE id = $1 AND NOT deleted",
  // (previews JSON or null, message)
  setPreviews: 'UPDATE messages SET previews = $1 WHERE id = $2',
  deleteReactions: 'DELETE FROM reactions WHERE message_id = $1',
  addReaction: 'INSERT INTO reactions (message_id, emoji, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
  removeReaction: 'DELETE FROM reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3',
  /** Distinct emoji on a message, and whether `$2` is among them (the reaction cap; run under lockMessage). */
  reactionState: 'SELECT COUNT(DISTINCT emoji)::int AS n, COALESCE(BOOL_OR(emoji = $2), false) AS has FROM reactions WHERE message_id = $1',

  // what a message's text derives (v1.1): the reply parent, mentions, the search index
  replyParent: `${MESSAGE_VIEW} WHERE m.id = $1 AND m.room_id = $2`,
  mentionable: 'SELECT u.id, u.username, u.username_key, m.user_id IS NOT NULL AS member FROM users u LEFT JOIN members m ON m.room_id = $1 AND m.user_id = u.id WHERE u.active AND u.username_key = ANY($2::text[])',
  standing: `SELECT (SELECT role FROM members WHERE room_id = $1 AND user_id = u.id) AS role, u.guest, u.role = 'admin' AND u.active AS admin, (SELECT COUNT(*)::int FROM members WHERE room_id = $2) AS members FROM users u WHERE u.id = $3`,
  memberIds: 'SELECT user_id AS id FROM members WHERE room_id = $1',
  isMember: 'SELECT 1 AS yes FROM members WHERE room_id = $1 AND user_id = $2',
  // (folded text or null, mentions JSON or null, message, grams or null): PostgreSQL keeps the grams in the row (GIN)
  setDerived: 'UPDATE messages SET search_text = $1, mentions = $2::jsonb, grams = $4::text[] WHERE id = $3',
  deleteMentions: 'DELETE FROM mentions WHERE message_id = $1',
  insertMention: 'INSERT INTO mentions (user_id, message_id, room_id, seq, reason) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[])',
  /**
   * Only PostgreSQL: a batch of new messages placed in the log (writes.ts appendPosts). ($1 n; per message, in
   * order: $2 room, $3 event type, $4 subject, $5 event data, $6 id, $7 folded text, $8 floor id.) Takes the next
   * $1 positions from log_head (its row lock until COMMIT) before anything else in the statement runs, then writes
   * the events and the search order (migrations 004, 007), lowering earlier floors above the batch's smallest id.
   * Returns the position before the first.
   */
  appendPosts: `WITH head AS (UPDATE log_head SET pos = pos + $1 WHERE id = 1 RETURNING pos - $1 AS base),
    b AS (SELECT * FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::bigint[])
      WITH ORDINALITY AS b(room_id, type, subject, data, id, search_text, floor_id, n)),
    ev AS (INSERT INTO events (pos, room_id, type, subject, data) SELECT head.base + b.n, b.room_id, b.type, b.subject, b.data FROM head, b),
    lowered AS (UPDATE message_order SET floor_id = (SELECT min(floor_id) FROM b) WHERE floor_id > (SELECT min(floor_id) FROM b)),
    ord AS (INSERT INTO message_order (message_id, pos, room_id, search_text, floor_id) SELECT b.id, head.base + b.n, b.room_id, b.search_text, b.floor_id FROM head, b)
    SELECT base FROM head`,
  // (folded text or null, message): the copy the search scans (lookups.ts)
  setOrderText: 'UPDATE message_order SET search_text = $1 WHERE message_id = $2',
  setLevel: 'UPDATE members SET notifications = $1 WHERE room_id = $2 AND user_id = $3',

  // uploads (v1.1 §3); bytes are in the file store (postgres/files.ts)
  insertUpload: 'INSERT INTO uploads (id, owner_id, name, size, content_type, width, height, thumbnail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())',
  uploadById: 'SELECT up.*, m.room_id, r.name AS room_name, m.deleted AS message_deleted FROM uploads up LEFT JOIN messages m ON m.id = up.message_id LEFT JOIN rooms r ON r.id = m.room_id WHERE up.id = $1',
  lockUpload: 'SELECT message_id, avatar FROM uploads WHERE id = $1 AND owner_id = $2 FOR UPDATE',
  deleteUpload: 'DELETE FROM uploads WHERE id = $1',
  buryUpload: "INSERT INTO dead_files (key) SELECT id FROM uploads WHERE id = $1 UNION ALL SELECT id || '-t' FROM uploads WHERE id = $1 AND thumbnail ON CONFLICT DO NOTHING",
  // (message, position, id, owner, since): attach one of the owner's unattached, unexpired uploads
  attachUpload: 'UPDATE uploads SET message_id = $1, position = $2 WHERE id = $3 AND owner_id = $4 AND message_id IS NULL AND NOT avatar AND created_at >= $5::timestamptz',
  attachmentsOf: 'SELECT * FROM uploads WHERE message_id = ANY($1::bigint[]) ORDER BY message_id, position',
  buryAttachments: "INSERT INTO dead_files (key) SELECT id FROM uploads WHERE message_id = $1 UNION ALL SELECT id || '-t' FROM uploads WHERE message_id = $1 AND thumbnail ON CONFLICT DO NOTHING",
  forgetAttachments: 'DELETE FROM uploads WHERE message_id = $1',
  buryExpired: "INSERT INTO dead_files (key) SELECT id FROM uploads WHERE message_id IS NULL AND NOT avatar AND created_at < $1::timestamptz UNION ALL SELECT id || '-t' FROM uploads WHERE message_id IS NULL AND NOT avatar AND created_at < $1::timestamptz AND thumbnail ON CONFLICT DO NOTHING",
  forgetExpired: 'DELETE FROM uploads WHERE message_id IS NULL AND NOT avatar AND created_at < $1::timestamptz',
  deadFiles: 'SELECT key FROM dead_files LIMIT $1',
  forgetDeadFiles: 'DELETE FROM dead_files WHERE key = ANY($1::text[])',

  // event log
  /** The newest committed position: log_head only ever holds committed values to other sessions. */
  head: 'SELECT pos FROM log_head WHERE id = 1',
  // (from): every message at a position after `from` has an id from this one on (migration 007)
  windowStart: 'SELECT floor_id AS id FROM message_order WHERE pos > $1 ORDER BY pos LIMIT 1',
  /**
   * Take the next log position. The UPDATE holds log_head's row lock until this
   * transaction commits or rolls back (see postgres-store.ts, "Positions").
   */
  nextPos: 'UPDATE log_head SET pos = pos + 1 WHERE id = 1 RETURNING pos',
  append: 'INSERT INTO events (pos, room_id, type, subject, data) VALUES ($1, $2, $3, $4, $5)',
  readEvents: READ_EVENTS,
  readLog: 'SELECT pos, room_id, type, subject, data FROM events WHERE pos > $1 AND pos <= $2 ORDER BY pos LIMIT $3',
} as const;

// Hot and fixed: sent as named prepared statements (db.ts). Not the `*` selects of uploads, whose columns a later
// migration may change under a running node.
prepareNamed('s', Object.fromEntries(Object.entries(SQL).filter(([k]) => k !== 'uploadById' && k !== 'attachmentsOf')));
