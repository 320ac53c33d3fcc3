/**
 * Mentions, replies and notification levels on the page (API v1.1 §2): whether a live message mentions you (the
 * server's rule, mirrored), what a room's sidebar badge shows at its level, changing the level, and the message
 * the composer replies to.
 */
import type { Message, NotificationLevel, Room, User } from '../../src/core/types.ts';
import { client } from './api.ts';
import { attempt, getState, own, patchRoom, update } from './state.ts';

/**
 * The server's rule: a message mentions you when `mentions.users` lists you, `@room` counted, `@here` counted and
 * you were online at commit (a page with a live stream is online), or it replies to a message of yours and is not
 * your own. Never your own message. `is` tells whether a user is you.
 */
function mentions(m: Message, is: (u: { id: string; username: string }) => boolean): boolean {
  if (m.deleted || is(m.author)) return false;
  const mt = m.mentions;
  if (mt && (mt.room || mt.here || mt.users.some(is))) return true;
  return !!m.reply_to && is(m.reply_to.author);
}

/** Whether a live message mentions the signed-in user (by id). */
export function mentionsMe(m: Message, me: Pick<User, 'id'> | null): boolean {
  return !!me && mentions(m, (u) => u.id === me.id);
}

/** The same by username (message rows know who is signed in by name; usernames are unique in any case). */
export function mentionsName(m: Message, me: string): boolean {
  const name = me.toLowerCase();
  return !!me && mentions(m, (u) => u.username.toLowerCase() === name);
}

/** What a room's sidebar entry shows at its level: `all` → unread count, `mentions` → mention count, `none` → nothing. */
export function roomBadges(r: Room): { unread: number; mentions: number } {
  const level = r.notifications ?? (r.kind === 'dm' ? 'all' : 'mentions');
  if (level === 'none') return { unread: 0, mentions: 0 };
  return { unread: level === 'all' ? r.unread : 0, mentions: r.mentions ?? 0 };
}

/** True when a room's badge asks for attention (the menu button's dot, the tab title). */
export function badgeCount(r: Room): number {
  const b = roomBadges(r);
  return Math.max(b.unread, b.mentions);
}

export const LEVELS: { level: NotificationLevel; label: string; hint: string }[] = [
  { level: 'all', label: 'All messages', hint: 'Count every new message' },
  { level: 'mentions', label: 'Mentions only', hint: 'Count messages that mention you' },
  { level: 'none', label: 'Nothing', hint: 'No badge for this room' },
];

/** Changes your level in a room (shown at once; the server's answer and its `notification_level` event confirm it). */
export async function setLevel(room: string, level: NotificationLevel): Promise<void> {
  const before = own(getState().rooms, room)?.notifications;
  patchRoom(room, () => ({ notifications: level }));
  const ok = await attempt(() => client.rooms.setNotifications(room, level));
  if (!ok && before) patchRoom(room, () => ({ notifications: before }));
}

/** The composer of `m`'s room will reply to `m`; the message box takes the focus. */
export function startReply(m: Message): void {
  if (!own(getState().rooms, m.room)) {
    update(() => ({ notice: `Join #${m.room} to reply.` }));
    return;
  }
  update((s) => ({ replying: { ...s.replying, [m.room]: m } }));
  document.getElementById('composer')?.focus();
}

/** The composer of `room` no longer replies to anything. */
export function cancelReply(room: string): void {
  if (!own(getState().replying, room)) return;
  update((s) => {
    const next = { ...s.replying };
    delete next[room];
    return { replying: next };
  });
}
