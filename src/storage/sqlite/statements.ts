/** The prepared statements of the SQLite store, prepared once per connection. */
import type Database from 'better-sqlite3';
import type { Role } from '../../core/types.ts';
import type { EventRow, MessageRow, RoomRow, UserRow } from '../rows.ts';
import { MESSAGE_VIEW, READ_EVENTS, REACTIONS_OF, ROOM_ACCESS, ROOM_VIEW, USER_COLS } from './sql.ts';

export function prepareStatements(db: Database.Database) {
  const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
  return {
    roomByName: p<RoomRow>(`${ROOM_VIEW} WHERE r.name = @name`),
    roomAccess: p<RoomRow>(`${ROOM_ACCESS} WHERE r.name = @name`),
    roomById: p<RoomRow>(`${ROOM_VIEW} WHERE r.id = @id`),
    roomsVisible: p<RoomRow>(`${ROOM_VIEW} WHERE r.visibility = 'public' OR m.role IS NOT NULL ORDER BY r.name`),
    roomsMember: p<RoomRow>(`${ROOM_VIEW} WHERE m.role IS NOT NULL ORDER BY r.name`),
    head: p<{ pos: number | null }>('SELECT MAX(pos) AS pos FROM events'),
    append: p('INSERT INTO events (room_id, type, subject, data) VALUES (?, ?, ?, ?)'),
    userByKey: p<UserRow & { password_hash: string | null }>(`SELECT ${USER_COLS}, password_hash FROM users WHERE username_key = ?`),
    userById: p<UserRow>(`SELECT ${USER_COLS} FROM users WHERE id = ?`),
    insertUser: p<UserRow>(`INSERT INTO users (username, username_key, password_hash, guest, created_at) VALUES (?, ?, ?, ?, ?) RETURNING ${USER_COLS}`),
    session: p<UserRow & { sid: number }>(`SELECT s.id AS sid, ${USER_COLS.split(', ').map((c) => 'u.' + c).join(', ')} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`),
    insertSession: p('INSERT INTO sessions (token_hash, user_id, created_at) VALUES (?, ?, ?)'),
    deleteSession: p<{ id: number }>('DELETE FROM sessions WHERE token_hash = ? RETURNING id'),
    insertMember: p('INSERT INTO members (room_id, user_id, role, read_seq, joined_at) SELECT ?, ?, ?, last_seq, ? FROM rooms WHERE id = ? ON CONFLICT DO NOTHING'),
    deleteMember: p('DELETE FROM members WHERE room_id = ? AND user_id = ?'),
    openSpan: p('INSERT INTO member_spans (user_id, room_id, from_pos) VALUES (?, ?, ?)'),
    closeSpan: p('UPDATE member_spans SET to_pos = ? WHERE user_id = ? AND room_id = ? AND to_pos IS NULL'),
    members: p<{ id: number; username: string; role: Role }>('SELECT u.id, u.username, m.role FROM members m JOIN users u ON u.id = m.user_id WHERE m.room_id = ? ORDER BY m.role DESC, u.username_key'),
    insertRoom: p<{ id: number }>('INSERT INTO rooms (name, topic, visibility, kind, dm_a, dm_b, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id'),
    updateRoom: p('UPDATE rooms SET topic = ?, visibility = ? WHERE id = ?'),
    messageByClientId: p<MessageRow>(`${MESSAGE_VIEW} WHERE m.author_id = ? AND m.client_id = ?`),
    messageById: p<MessageRow>(`${MESSAGE_VIEW} WHERE m.room_id = ? AND m.id = ?`),
    bumpSeq: p<{ last_seq: number; name: string }>('UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq, name'),
    insertMessage: p<{ id: number }>('INSERT INTO messages (room_id, seq, author_id, text, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id'),
    markRead: p('UPDATE members SET read_seq = MIN(MAX(read_seq, ?), (SELECT last_seq FROM rooms WHERE id = ?)) WHERE room_id = ? AND user_id = ?'),
    historyLatest: p<MessageRow>(`SELECT * FROM (${MESSAGE_VIEW} WHERE m.room_id = ? ORDER BY m.seq DESC LIMIT ?) ORDER BY seq`),
    historyBefore: p<MessageRow>(`SELECT * FROM (${MESSAGE_VIEW} WHERE m.room_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?) ORDER BY seq`),
    historyAfter: p<MessageRow>(`${MESSAGE_VIEW} WHERE m.room_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`),
    reactionsOf: p<{ message_id: number; emoji: string; username: string }>(REACTIONS_OF),
    editMessage: p('UPDATE messages SET text = ?, edited_at = ? WHERE id = ?'),
    deleteMessage: p('UPDATE messages SET deleted = 1, text = \'\' WHERE id = ? AND deleted = 0'),
    deleteReactions: p('DELETE FROM reactions WHERE message_id = ?'),
    addReaction: p('INSERT INTO reactions (message_id, emoji, user_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    removeReaction: p('DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?'),
    readEvents: p<EventRow>(READ_EVENTS),
    readLog: p<EventRow>('SELECT pos, room_id, type, subject, data FROM events WHERE pos > ? AND pos <= ? ORDER BY pos LIMIT ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
