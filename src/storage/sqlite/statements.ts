/**
 * The SQLite store's statements (sql.ts), prepared once per connection and typed
 * with the rows they return. PostgreSQL has no such step: its writes.ts passes the
 * SQL text to each query.
 */
import type Database from 'better-sqlite3';
import type { EventRow, MemberRow, MessageRow, ReactionRow, RoomRow, UserRow } from '../rows.ts';
import type { UploadRow } from '../upload-rows.ts';
import { SQL } from './sql.ts';

/** Prepare every statement of `SQL` on `db`, under the same names; they live as long as the connection. */
export function prepareStatements(db: Database.Database) {
  const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
  return {
    ping: p(SQL.ping),
    insertLogId: p(SQL.insertLogId),
    logId: p<{ value: string }>(SQL.logId),
    usernameUsed: p(SQL.usernameUsed),
    userByKey: p<UserRow & { password_hash: string | null }>(SQL.userByKey),
    userById: p<UserRow>(SQL.userById),
    insertUser: p<UserRow>(SQL.insertUser),
    usersByPrefix: p<UserRow>(SQL.usersByPrefix),
    roomAccess: p<RoomRow>(SQL.roomAccess),
    roomByName: p<RoomRow>(SQL.roomByName),
    roomById: p<RoomRow>(SQL.roomById),
    roomsVisible: p<RoomRow>(SQL.roomsVisible),
    roomsMember: p<RoomRow>(SQL.roomsMember),
    roomId: p<{ id: number }>(SQL.roomId),
    roomName: p<{ name: string }>(SQL.roomName),
    insertRoom: p<{ id: number }>(SQL.insertRoom),
    updateRoom: p(SQL.updateRoom),
    insertMember: p(SQL.insertMember),
    deleteMember: p(SQL.deleteMember),
    openSpan: p(SQL.openSpan),
    closeSpan: p(SQL.closeSpan),
    members: p<MemberRow>(SQL.members),
    membersPage: p<MemberRow & { username_key: string }>(SQL.membersPage),
    messageByClientId: p<MessageRow>(SQL.messageByClientId),
    messageById: p<MessageRow>(SQL.messageById),
    bumpSeq: p<{ last_seq: number; name: string }>(SQL.bumpSeq),
    insertMessage: p<{ id: number }>(SQL.insertMessage),
    markRead: p(SQL.markRead),
    historyLatest: p<MessageRow>(SQL.historyLatest),
    historyBefore: p<MessageRow>(SQL.historyBefore),
    historyAfter: p<MessageRow>(SQL.historyAfter),
    replyParent: p<MessageRow>(SQL.replyParent),
    mentionable: p<{ id: number; username: string; username_key: string; member: number }>(SQL.mentionable),
    standing: p<{ role: string | null; guest: number; admin: number; members: number }>(SQL.standing),
    memberIds: p<{ id: number }>(SQL.memberIds),
    isMember: p<{ yes: number }>(SQL.isMember),
    setDerived: p(SQL.setDerived),
    setPreviews: p(SQL.setPreviews),
    deleteMentions: p(SQL.deleteMentions),
    insertMention: p(SQL.insertMention),
    markDirty: p(SQL.markDirty),
    insertUpload: p(SQL.insertUpload),
    uploadById: p<UploadRow & { room_id: number | null; room_name: string | null; message_deleted: number | null }>(SQL.uploadById),
    uploadOwner: p<{ message_id: number | null; avatar: number }>(SQL.uploadOwner),
    deleteUpload: p(SQL.deleteUpload),
    buryUpload: p(SQL.buryUpload),
    attachUpload: p(SQL.attachUpload),
    attachmentsOf: p<UploadRow>(SQL.attachmentsOf),
    buryAttachments: p(SQL.buryAttachments),
    forgetAttachments: p(SQL.forgetAttachments),
    buryExpired: p(SQL.buryExpired),
    forgetExpired: p(SQL.forgetExpired),
    deadFiles: p<{ key: string }>(SQL.deadFiles),
    forgetDeadFile: p(SQL.forgetDeadFile),
    setLevel: p(SQL.setLevel),
    reactionsOf: p<ReactionRow>(SQL.reactionsOf),
    editMessage: p(SQL.editMessage),
    deleteMessage: p(SQL.deleteMessage),
    deleteReactions: p(SQL.deleteReactions),
    addReaction: p(SQL.addReaction),
    removeReaction: p(SQL.removeReaction),
    reactionState: p<{ n: number; has: number }>(SQL.reactionState),
    head: p<{ pos: number | null }>(SQL.head),
    append: p(SQL.append),
    readEvents: p<EventRow>(SQL.readEvents),
    readLog: p<EventRow>(SQL.readLog),
  };
}

/** The prepared statements, by name. */
export type Statements = ReturnType<typeof prepareStatements>;
