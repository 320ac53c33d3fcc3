/**
 * The data of stored events, encoded once when the event is appended (STYLE
 * habit 9): stores call these inside their transaction and keep the JSON text,
 * and the hub writes that text verbatim to every stream.
 */
import { encodeData } from './sse-frame.ts';
import type { Message, Room, StoredEventType, User, UserRef } from './types.ts';

/** An event about to be appended: the store assigns its position. */
export interface NewEvent {
  type: StoredEventType;
  roomId: number;
  subject: string | null;
  data: string;
}

export function messageEvent(roomId: number, message: Message, updated: boolean): NewEvent {
  // The author is the subject (v1.1 §6: outgoing hooks leave out messages by bots without reading the data).
  return { type: updated ? 'message_updated' : 'message', roomId, subject: message.author.id, data: encodeData({ message }) };
}

export function memberEvent(roomId: number, room: string, user: UserRef, joined: boolean): NewEvent {
  return {
    type: joined ? 'member_joined' : 'member_left',
    roomId,
    subject: user.id,
    data: encodeData({ room, user: { id: user.id, username: user.username } }),
  };
}

/**
 * `room_updated` goes to every member, encoded once, so the per-viewer fields
 * take member values: `member` is true and `unread` is 0 (a stream client keeps
 * its own unread count from the messages it receives).
 */
/** v1.1 §5: the log's room id for events that belong to no room (`user_updated`). */
export const NO_ROOM = 0;

export function userUpdatedEvent(user: User): NewEvent {
  return { type: 'user_updated', roomId: NO_ROOM, subject: user.id, data: encodeData({ user }) };
}

export function roomUpdatedEvent(roomId: number, room: Room): NewEvent {
  const { peer: _peer, mentions: _mentions, notifications: _notifications, ...shared } = room;
  return { type: 'room_updated', roomId, subject: null, data: encodeData({ room: { ...shared, member: true, unread: 0 } }) };
}
