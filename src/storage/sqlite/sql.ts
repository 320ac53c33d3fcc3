/**
 * All SQL text of the SQLite store, kept apart from the control flow;
 * statements.ts prepares it once per connection.
 *
 * `SQL` has the same keys, in the same order, as postgres/sql.ts, so the two
 * files diff to dialect alone (see there). That likeness is on purpose; sharing
 * the text would tie each dialect's SQL to the other's schema. PostgreSQL's
 * `snapshot`, `lockMessage` and `nextPos` have no counterpart here: SQLite's
 * single writer already orders transactions. `@viewer` is the user looking.
 */

const ROOM_VIEW = `
SELECT r.id, r.name, r.topic, r.visibility, r.kind, r.created_at, r.last_seq, m.role,
  CASE WHEN m.role IS NULL THEN 0 ELSE (
    -- migrations/sqlite/012_unread.sql: the messages after the marker, less the deleted ones (a partial index)
    r.last_seq - m.read_seq - (SELECT COUNT(*) FROM messages x WHERE x.room_id = r.id AND x.seq > m.read_seq AND x.deleted = 1)
  ) END AS unread,
  CASE WHEN m.role IS NULL THEN 0 ELSE (
    SELECT COUNT(*) FROM mentions x WHERE x.room_id = r.id AND x.user_id = @viewer AND x.seq > m.read_seq
  ) END AS mentions,
  COALESCE(m.notifications, CASE r.kind WHEN 'dm' THEN 'all' ELSE 'mentions' END) AS notifications,
  p.id AS peer_id, p.username AS peer_name
FROM rooms r
LEFT JOIN members m ON m.room_id = r.id AND m.user_id = @viewer
LEFT JOIN users p ON r.kind = 'dm' AND p.id = CASE WHEN r.dm_a = @viewer THEN r.dm_b ELSE r.dm_a END`;

/** A room and the viewer's role only: what access checks need, without ROOM_VIEW's unread count. */
const ROOM_ACCESS = `
SELECT r.id, r.name, r.topic, r.visibility, r.kind, r.created_at, r.last_seq, m.role
FROM rooms r LEFT JOIN members m ON m.room_id = r.id AND m.user_id = @viewer`;

/** A message with its author, mentions and the current state of the message it replies to (v1.1). */
/** An upload's file keys: its id, and its id + '-t' when it has a thumbnail (join with uploads, filter on f.suffix). */
const FILE_KEYS = "(SELECT '' AS suffix UNION ALL SELECT '-t') f";

export const MESSAGE_VIEW = `
SELECT m.id, r.name AS room, m.seq, m.author_id, u.username AS author_name, m.text, m.client_id,
  m.created_at, m.edited_at, m.deleted, m.mentions, m.previews, m.alias,
  p.id AS reply_id, p.seq AS reply_seq, p.author_id AS reply_author_id, pu.username AS reply_author_name,
  CASE WHEN p.deleted THEN '' ELSE substr(p.text, 1, 120) END AS reply_excerpt, p.deleted AS reply_deleted
FROM messages m JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = m.room_id
LEFT JOIN messages p ON p.id = m.reply_to LEFT JOIN users pu ON pu.id = p.author_id`;

const REACTIONS_OF = `
SELECT x.message_id, x.emoji, u.username FROM reactions x JOIN users u ON u.id = x.user_id
WHERE x.message_id IN (SELECT value FROM json_each(?)) ORDER BY x.id`;

/**
 * Replay for one user: events of the rooms they belonged to, inside each membership
 * span (join and leave events included), in log order. Driven by the user's spans and
 * the (room_id, pos) index, so its cost follows the user's rooms, not the whole log.
 */
const READ_EVENTS = `
SELECT * FROM (SELECT e.pos, e.room_id, e.type, e.subject, e.data
FROM member_spans s
JOIN events e ON e.room_id = s.room_id AND e.pos >= s.from_pos AND e.pos <= COALESCE(s.to_pos, @upTo)
WHERE s.user_id = @user AND (s.to_pos IS NULL OR s.to_pos > @after) AND e.pos > @after AND e.pos <= @upTo
UNION ALL
-- v1.1 §5: events of no room (user_updated) reach everyone
SELECT e.pos, e.room_id, e.type, e.subject, e.data FROM events e WHERE e.room_id = 0 AND e.pos > @after AND e.pos <= @upTo
) AS x ORDER BY pos LIMIT @limit`;

/** A member's notification level, with the default for the room's kind (members m, rooms r): push, email and rooms agree. */
export const NOTIFY_LEVEL = "COALESCE(m.notifications, CASE r.kind WHEN 'dm' THEN 'all' ELSE 'mentions' END)";

export const USER_COLS = 'id, username, guest, created_at, role, active, display_name, avatar_id, kind';

/** Every statement of the SQLite store by name; the comment before a key lists its parameters where they are not obvious. */
export const SQL = {
  // lifecycle
  ping: 'SELECT 1',
  insertLogId: "INSERT INTO meta (key, value) VALUES ('log_id', ?) ON CONFLICT DO NOTHING",
  logId: "SELECT value FROM meta WHERE key = 'log_id'",

  // accounts and sessions
  usernameUsed: 'SELECT 1 FROM users WHERE username_key = ?',
  userByKey: `SELECT ${USER_COLS}, password_hash FROM users WHERE username_key = ?`,
  userById: `SELECT ${USER_COLS} FROM users WHERE id = ?`,
  insertUser: `INSERT INTO users (username, username_key, password_hash, guest, created_at) VALUES (?, ?, ?, ?, ?) RETURNING ${USER_COLS}`,
  usersByPrefix: `SELECT ${USER_COLS} FROM users WHERE username_key >= ? AND username_key < ? ORDER BY username_key LIMIT ?`,

  // rooms and members
  roomAccess: `${ROOM_ACCESS} WHERE r.name = @name`,
  roomByName: `${ROOM_VIEW} WHERE r.name = @name`,
  roomById: `${ROOM_VIEW} WHERE r.id = @id`,
  roomsVisible: `${ROOM_VIEW} WHERE r.visibility = 'public' OR m.role IS NOT NULL ORDER BY r.name`,
  roomsMember: `${ROOM_VIEW} WHERE m.role IS NOT NULL ORDER BY r.name`,
  roomId: 'SELECT id FROM rooms WHERE name = ?',
  roomName: 'SELECT name FROM rooms WHERE id = ?',
  insertRoom: 'INSERT INTO rooms (name, topic, visibility, kind, dm_a, dm_b, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id',
  updateRoom: 'UPDATE rooms SET topic = ?, visibility = ? WHERE id = ?',
  // (room, user, role, joined_at, room again); a new member has read everything already posted
  insertMember: 'INSERT INTO members (room_id, user_id, role, read_seq, joined_at) SELECT ?, ?, ?, last_seq, ? FROM rooms WHERE id = ? ON CONFLICT DO NOTHING',
  deleteMember: 'DELETE FROM members WHERE room_id = ? AND user_id = ?',
  openSpan: 'INSERT INTO member_spans (user_id, room_id, from_pos) VALUES (?, ?, ?)',
  closeSpan: 'UPDATE member_spans SET to_pos = ? WHERE user_id = ? AND room_id = ? AND to_pos IS NULL',
  members: 'SELECT u.id, u.username, m.role FROM members m JOIN users u ON u.id = m.user_id WHERE m.room_id = ? ORDER BY m.role DESC, u.username_key',
  // (room, after key, limit + 1): keys compare bytewise (SQLite's BINARY collation)
  membersPage: 'SELECT u.id, u.username, m.role, u.username_key FROM members m JOIN users u ON u.id = m.user_id WHERE m.room_id = ? AND u.username_key > ? ORDER BY u.username_key LIMIT ?',

  // messages
  messageByClientId: `${MESSAGE_VIEW} WHERE m.author_id = ? AND m.client_id = ?`,
  messageById: `${MESSAGE_VIEW} WHERE m.room_id = ? AND m.id = ?`,
  bumpSeq: 'UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq, name',
  insertMessage: 'INSERT INTO messages (room_id, seq, author_id, text, client_id, created_at, reply_to, mentions, alias) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
  // (seq, room, room again, user): forward only, capped at the room's last seq
  markRead: 'UPDATE members SET read_seq = MIN(MAX(read_seq, ?), (SELECT last_seq FROM rooms WHERE id = ?)) WHERE room_id = ? AND user_id = ?',
  // (room, bound, limit)
  historyLatest: `SELECT * FROM (${MESSAGE_VIEW} WHERE m.room_id = ? ORDER BY m.seq DESC LIMIT ?) ORDER BY seq`,
  historyBefore: `SELECT * FROM (${MESSAGE_VIEW} WHERE m.room_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?) ORDER BY seq`,
  historyAfter: `${MESSAGE_VIEW} WHERE m.room_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`,
  reactionsOf: REACTIONS_OF,
  editMessage: 'UPDATE messages SET text = ?, edited_at = ? WHERE id = ?',
  deleteMessage: "UPDATE messages SET deleted = 1, text = '', previews = NULL WHERE id = ? AND deleted = 0",
  // (previews JSON or null, message)
  setPreviews: 'UPDATE messages SET previews = ? WHERE id = ?',
  deleteReactions: 'DELETE FROM reactions WHERE message_id = ?',
  addReaction: 'INSERT INTO reactions (message_id, emoji, user_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  removeReaction: 'DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?',
  /** Distinct emoji on a message, and whether `emoji` is among them (the reaction cap). */
  reactionState: 'SELECT COUNT(DISTINCT emoji) AS n, COALESCE(MAX(emoji = ?), 0) AS has FROM reactions WHERE message_id = ?',

  // what a message's text derives (v1.1): the reply parent, mentions, the search index
  // (parent id, room): the parent of a reply, only in the same room
  replyParent: `${MESSAGE_VIEW} WHERE m.id = ? AND m.room_id = ?`,
  // (room, JSON array of lower-cased names): the users with those names, and whether each is a member
  mentionable: 'SELECT u.id, u.username, u.username_key, m.user_id IS NOT NULL AS member FROM users u LEFT JOIN members m ON m.room_id = ? AND m.user_id = u.id WHERE u.active = 1 AND u.username_key IN (SELECT value FROM json_each(?))',
  // (room, room, user): the author's role and guest flag, and the room's size, for @room/@here
  standing: `SELECT (SELECT role FROM members WHERE room_id = ? AND user_id = u.id) AS role, u.guest, u.role = 'admin' AND u.active AS admin, (SELECT COUNT(*) FROM members WHERE room_id = ?) AS members FROM users u WHERE u.id = ?`,
  memberIds: 'SELECT user_id AS id FROM members WHERE room_id = ?',
  isMember: 'SELECT 1 AS yes FROM members WHERE room_id = ? AND user_id = ?',
  // (mentions JSON or null, message)
  setDerived: 'UPDATE messages SET mentions = ? WHERE id = ?',
  deleteMentions: 'DELETE FROM mentions WHERE message_id = ?',
  insertMention: 'INSERT INTO mentions (user_id, message_id, room_id, seq, reason) VALUES (?, ?, ?, ?, ?)',
  // uploads (v1.1 §3); bytes are in the file store
  insertUpload: 'INSERT INTO uploads (id, owner_id, name, size, content_type, width, height, thumbnail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  uploadById: 'SELECT up.*, m.room_id, r.name AS room_name, m.deleted AS message_deleted FROM uploads up LEFT JOIN messages m ON m.id = up.message_id LEFT JOIN rooms r ON r.id = m.room_id WHERE up.id = ?',
  uploadOwner: 'SELECT message_id, avatar FROM uploads WHERE id = ? AND owner_id = ?',
  deleteUpload: 'DELETE FROM uploads WHERE id = ?',
  buryUpload: `INSERT OR IGNORE INTO dead_files (key) SELECT id || f.suffix FROM uploads, ${FILE_KEYS} WHERE id = ? AND (f.suffix = '' OR thumbnail = 1)`,
  // (message, position, id, owner, since): attach one of the owner's unattached, unexpired uploads
  attachUpload: 'UPDATE uploads SET message_id = ?, position = ? WHERE id = ? AND owner_id = ? AND message_id IS NULL AND avatar = 0 AND created_at >= ?',
  attachmentsOf: 'SELECT * FROM uploads WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, position',
  // (message): its attachments' files die with it
  buryAttachments: `INSERT OR IGNORE INTO dead_files (key) SELECT id || f.suffix FROM uploads, ${FILE_KEYS} WHERE message_id = ? AND (f.suffix = '' OR thumbnail = 1)`,
  forgetAttachments: 'DELETE FROM uploads WHERE message_id = ?',
  // (before): unattached uploads created before it
  buryExpired: `INSERT OR IGNORE INTO dead_files (key) SELECT id || f.suffix FROM uploads, ${FILE_KEYS} WHERE message_id IS NULL AND avatar = 0 AND created_at < ? AND (f.suffix = '' OR thumbnail = 1)`,
  forgetExpired: 'DELETE FROM uploads WHERE message_id IS NULL AND avatar = 0 AND created_at < ?',
  deadFiles: 'SELECT key FROM dead_files LIMIT ?',
  forgetDeadFile: 'DELETE FROM dead_files WHERE key = ?',
  // (message): its text changed, for the search index to re-read (search-index.ts)
  markDirty: 'INSERT INTO search_dirty (message_id) VALUES (?)',
  // (room, user, level or null)
  setLevel: 'UPDATE members SET notifications = ? WHERE room_id = ? AND user_id = ?',

  // event log
  /** The newest position in the file, committed or in the open batch: the store keeps `committedHead` for readers. */
  head: 'SELECT MAX(pos) AS pos FROM events',
  append: 'INSERT INTO events (room_id, type, subject, data) VALUES (?, ?, ?, ?)',
  readEvents: READ_EVENTS,
  readLog: 'SELECT pos, room_id, type, subject, data FROM events WHERE pos > ? AND pos <= ? ORDER BY pos LIMIT ?',
} as const;
