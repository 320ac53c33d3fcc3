/** SQL text of the SQLite store, kept apart from the control flow. `@viewer` is the user looking. */

export const ROOM_VIEW = `
SELECT r.id, r.name, r.topic, r.visibility, r.kind, r.created_at, r.last_seq, m.role,
  CASE WHEN m.role IS NULL THEN 0 ELSE (
    SELECT COUNT(*) FROM messages x
    WHERE x.room_id = r.id AND x.seq > m.read_seq AND x.author_id <> @viewer AND x.deleted = 0
  ) END AS unread,
  p.id AS peer_id, p.username AS peer_name
FROM rooms r
LEFT JOIN members m ON m.room_id = r.id AND m.user_id = @viewer
LEFT JOIN users p ON r.kind = 'dm' AND p.id = CASE WHEN r.dm_a = @viewer THEN r.dm_b ELSE r.dm_a END`;

/** A room and the viewer's role only: what access checks need, without ROOM_VIEW's unread count. */
export const ROOM_ACCESS = `
SELECT r.id, r.name, r.topic, r.visibility, r.kind, r.created_at, r.last_seq, m.role
FROM rooms r LEFT JOIN members m ON m.room_id = r.id AND m.user_id = @viewer`;

export const MESSAGE_VIEW = `
SELECT m.id, r.name AS room, m.seq, m.author_id, u.username AS author_name, m.text, m.client_id,
  m.created_at, m.edited_at, m.deleted
FROM messages m JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = m.room_id`;

export const REACTIONS_OF = `
SELECT x.message_id, x.emoji, u.username FROM reactions x JOIN users u ON u.id = x.user_id
WHERE x.message_id IN (SELECT value FROM json_each(?)) ORDER BY x.id`;

/**
 * Replay for one user: events of the rooms they belonged to, inside each membership
 * span (join and leave events included), in log order. Driven by the user's spans and
 * the (room_id, pos) index, so its cost follows the user's rooms, not the whole log.
 */
export const READ_EVENTS = `
SELECT e.pos, e.room_id, e.type, e.subject, e.data
FROM member_spans s
JOIN events e ON e.room_id = s.room_id AND e.pos >= s.from_pos AND e.pos <= COALESCE(s.to_pos, @upTo)
WHERE s.user_id = @user AND (s.to_pos IS NULL OR s.to_pos > @after) AND e.pos > @after AND e.pos <= @upTo
ORDER BY e.pos LIMIT @limit`;

export const USER_COLS = 'id, username, guest, created_at';
