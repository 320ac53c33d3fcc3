/** SQL text of the PostgreSQL store, kept apart from the control flow. */

/** Rooms as viewer `$1` sees them; callers append a WHERE clause. */
/** A room and the viewer ($1)'s role only: what access checks need, without ROOM_VIEW's unread count. */
export const ROOM_ACCESS = `
SELECT r.id, r.name, r.topic, r.visibility, r.kind, r.created_at, r.last_seq, m.role
FROM rooms r LEFT JOIN members m ON m.room_id = r.id AND m.user_id = $1`;

export const ROOM_VIEW = `
SELECT r.id, r.name, r.topic, r.visibility, r.kind, r.created_at, r.last_seq, m.role,
  CASE WHEN m.role IS NULL THEN 0 ELSE (
    SELECT COUNT(*) FROM messages x
    WHERE x.room_id = r.id AND x.seq > m.read_seq AND x.author_id <> $1 AND NOT x.deleted
  ) END AS unread,
  p.id AS peer_id, p.username AS peer_name
FROM rooms r
LEFT JOIN members m ON m.room_id = r.id AND m.user_id = $1
LEFT JOIN users p ON r.kind = 'dm' AND p.id = CASE WHEN r.dm_a = $1 THEN r.dm_b ELSE r.dm_a END`;

export const MESSAGE_VIEW = `
SELECT m.id, r.name AS room, m.seq, m.author_id, u.username AS author_name, m.text, m.client_id,
  m.created_at, m.edited_at, m.deleted
FROM messages m JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = m.room_id`;

export const REACTIONS_OF = `
SELECT x.message_id, x.emoji, u.username FROM reactions x JOIN users u ON u.id = x.user_id
WHERE x.message_id = ANY($1::bigint[]) ORDER BY x.id`;

/**
 * Replay for one user ($1): events of the rooms they belonged to, inside each
 * membership span (join and leave events included), in log order, within
 * ($2, $3], at most $4. Driven by the user's spans and the (room_id, pos) index.
 */
export const READ_EVENTS = `
SELECT e.pos, e.room_id, e.type, e.subject, e.data
FROM member_spans s
JOIN events e ON e.room_id = s.room_id AND e.pos >= s.from_pos AND e.pos <= COALESCE(s.to_pos, $3)
WHERE s.user_id = $1 AND (s.to_pos IS NULL OR s.to_pos > $2) AND e.pos > $2 AND e.pos <= $3
ORDER BY e.pos LIMIT $4`;

export const READ_LOG = 'SELECT pos, room_id, type, subject, data FROM events WHERE pos > $1 AND pos <= $2 ORDER BY pos LIMIT $3';

/**
 * Take the next log position. The UPDATE holds log_head's row lock until this
 * transaction commits or rolls back (see postgres-store.ts, "Positions").
 */
export const NEXT_POS = 'UPDATE log_head SET pos = pos + 1 WHERE id = 1 RETURNING pos';
/** The newest committed position: log_head only ever holds committed values to other sessions. */
export const HEAD = 'SELECT pos FROM log_head WHERE id = 1';
export const APPEND = 'INSERT INTO events (pos, room_id, type, subject, data) VALUES ($1, $2, $3, $4, $5)';

export const USER_COLS = 'u.id, u.username, u.guest, u.created_at';

export const INSERT_MEMBER = `
INSERT INTO members (room_id, user_id, role, read_seq, joined_at)
SELECT $1, $2, $3, last_seq, now() FROM rooms WHERE id = $1 ON CONFLICT DO NOTHING`;

export const MARK_READ = `
UPDATE members SET read_seq = LEAST(GREATEST(read_seq, $3), (SELECT last_seq FROM rooms WHERE id = $1))
WHERE room_id = $1 AND user_id = $2`;

export const INSERT_ROOM = `
INSERT INTO rooms (name, topic, visibility, kind, dm_a, dm_b, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (name) DO NOTHING RETURNING id`;

export const HISTORY_LATEST = `SELECT * FROM (${MESSAGE_VIEW} WHERE m.room_id = $1 ORDER BY m.seq DESC LIMIT $2) h ORDER BY seq`;
export const HISTORY_BEFORE = `SELECT * FROM (${MESSAGE_VIEW} WHERE m.room_id = $1 AND m.seq < $3 ORDER BY m.seq DESC LIMIT $2) h ORDER BY seq`;
export const HISTORY_AFTER = `${MESSAGE_VIEW} WHERE m.room_id = $1 AND m.seq > $3 ORDER BY m.seq LIMIT $2`;
