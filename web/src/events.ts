/** Applying live stream events (from this tab's stream or the leader tab's broadcast) to the store. */
import type { EventData, Message, Room, User } from '../../src/core/types.ts';
import { client } from './api.ts';
import { loadAfter, loadLatest, loadMembers, markRead } from './room-data.ts';
import { forgetRoom } from './rooms.ts';
import { loadDmPresence } from './people.ts';
import { mentionsMe } from './mentions.ts';
import { getState, mergeMessages, own, patchRoom, patchView, setRooms, update, upsertRoom } from './state.ts';
import type { StreamEvent } from '@natter/client/browser';
import { noteUser } from './users.ts';

export const TYPING_SHOWN_MS = 5000;
/** Live messages kept for a room whose history was never opened (bounded: opening it fetches the newest page). */
const UNLOADED_KEEP = 100;

/**
 * Applies one stream event to the page. Every branch is idempotent: after a leader takeover or a reconnect the
 * same event can arrive twice, and messages are keyed by seq, membership is a set, and unread counts only move
 * for a seq above the room's `last_seq`.
 */
export function applyEvent(ev: StreamEvent): void {
  const data: unknown = ev.data;
  switch (ev.type) {
    case 'ready':
      return onReady(data as EventData['ready']);
    case 'message':
      return onMessage((data as EventData['message']).message);
    case 'message_updated':
      return onUpdated((data as EventData['message_updated']).message);
    case 'member_joined':
      return onMembership(data as EventData['member_joined'], true);
    case 'member_left':
      return onMembership(data as EventData['member_left'], false);
    case 'room_updated':
      return onRoomUpdated(data as EventData['room_updated']);
    case 'typing':
      return onTyping(data as EventData['typing']);
    case 'presence':
      return onPresence(data as EventData['presence']);
    case 'read':
      return onRead(data as EventData['read']);
    case 'notification_level': {
      const d = data as EventData['notification_level'];
      return patchRoom(d.room, () => ({ notifications: d.level }));
    }
    case 'user_updated':
      return onUserUpdated((data as EventData['user_updated']).user);
    case 'reset':
      void refetchAll();
  }
}

function onReady(d: EventData['ready']): void {
  update(() => ({ me: d.user }));
  setRooms(d.rooms);
  // Presence is not replayed: learn the DM peers' afresh on every (re)connect, for the dots in the DM list.
  loadDmPresence(d.rooms);
  const cur = getState().current;
  if (cur) markRead(cur);
}

/** Our read marker moved on another device: a room read up to its newest message has nothing unread. */
function onRead(d: EventData['read']): void {
  patchRoom(d.room, (r) => (d.seq >= r.last_seq ? { unread: 0, mentions: 0 } : {}));
}

function onMessage(m: Message): void {
  const s = getState();
  const mine = m.author.id === s.me?.id;
  if (mine && m.client_id) {
    const cid = m.client_id;
    update((st) => ({ pending: st.pending.filter((p) => p.clientId !== cid) }));
  }
  if (!own(s.rooms, m.room)) void discoverRoom(m.room);
  // Kept even before the room's history is loaded: loadLatest keeps what is newer than the page it fetched.
  const view = own(s.views, m.room);
  patchView(m.room, (v) => {
    // A window of older history (opened at a search result) gets it when paging forward reaches the newest.
    if (v.newer) return {};
    const merged = mergeMessages(v.messages, [m]);
    return { messages: v.loaded ? merged : merged.slice(-UNLOADED_KEEP) };
  });
  const newest = view?.messages.at(-1)?.seq ?? 0;
  if (view?.loaded && !view.newer && newest > 0 && m.seq > newest + 1) void loadAfter(m.room, newest);
  patchRoom(m.room, (r) => counted(r, [m], s.me));
  clearTyping(m.room, m.author.username);
  if (s.current === m.room) markRead(m.room);
}

function onUpdated(m: Message): void {
  const s = getState();
  const view = own(s.views, m.room);
  const was = view?.messages.find((x) => x.seq === m.seq);
  if (!was) return;
  patchView(m.room, (v) => ({ messages: mergeMessages(v.messages, [m]) }));
  // An edit re-parses mentions (a deletion drops them): an unread message that starts or stops mentioning
  // you moves the count. Everything above the read marker is by others, so the marker is last_seq - unread.
  const delta = Number(mentionsMe(m, s.me)) - Number(mentionsMe(was, s.me));
  if (delta !== 0) {
    patchRoom(m.room, (r) => (m.seq > r.last_seq - r.unread ? { mentions: Math.max(0, (r.mentions ?? 0) + delta) } : {}));
  }
}

/**
 * A room's counts after live messages: each newer than `last_seq` counts as unread (and as a mention if it names
 * you); your own message moves the read marker, so it clears both. Mentions count from the same read marker as
 * unread, so they clear together.
 */
function counted(r: Room, messages: Message[], me: User | null): Partial<Room> {
  let { last_seq, unread } = r;
  let mentions = r.mentions ?? 0;
  for (const m of messages) {
    if (m.seq <= last_seq) continue;
    const mine = m.author.id === me?.id;
    last_seq = m.seq;
    unread = mine ? 0 : unread + 1;
    mentions = mine ? 0 : mentions + Number(mentionsMe(m, me));
  }
  return last_seq === r.last_seq ? {} : { last_seq, unread, mentions };
}

/**
 * A room we got a message for but do not list yet (someone opened a DM with us, or added us to a room): fetch and
 * list it. Messages that arrived while it was unlisted are kept in its view; those newer than the fetched room
 * are counted on top, so no unread message or mention is lost to the race.
 */
async function discoverRoom(name: string): Promise<void> {
  try {
    const { room } = await client.rooms.get(name);
    if (!room.member) return;
    const listed = !!own(getState().rooms, name);
    upsertRoom(room);
    if (listed) return;
    const s = getState();
    patchRoom(name, (r) => counted(r, own(s.views, name)?.messages ?? [], s.me));
  } catch {
    /* not visible to us */
  }
}

function onMembership(d: EventData['member_joined'], joined: boolean): void {
  const s = getState();
  if (d.user.id === s.me?.id) {
    if (joined) void discoverRoom(d.room);
    else forgetRoom(d.room);
    return;
  }
  if (own(s.members, d.room)) void loadMembers(d.room);
}

function onRoomUpdated(d: EventData['room_updated']): void {
  // The event's room object is shared by all viewers, so the viewer-specific fields stay ours.
  const { name, topic, visibility, kind, peer } = d.room;
  patchRoom(name, (r) => ({ topic, visibility, kind, peer: peer ?? r.peer, last_seq: Math.max(r.last_seq, d.room.last_seq ?? 0) }));
}

/**
 * A profile, role or activation changed (v1.1 §5): names and avatars follow, and so do member lists. Your own
 * deactivation: the server ends the session, and asking `GET /me` makes its 401 show the sign-in screen.
 */
function onUserUpdated(user: User): void {
  noteUser(user);
  const s = getState();
  const members = Object.fromEntries(Object.entries(s.members).map(([room, list]) => [room, list.map((m) => (m.user.id === user.id ? { ...m, user } : m))]));
  update(() => ({ members, ...(s.me?.id === user.id ? { me: { ...s.me, ...user } } : {}) }));
  if (s.me?.id === user.id && !user.active) void client.users.me().catch(() => {});
}

function onTyping(d: EventData['typing']): void {
  if (d.user.id === getState().me?.id) return;
  update((s) => ({
    typing: { ...s.typing, [d.room]: { ...(own(s.typing, d.room) ?? {}), [d.user.username]: Date.now() + TYPING_SHOWN_MS } },
  }));
}

function clearTyping(room: string, username: string): void {
  const t = own(getState().typing, room);
  if (!t || !Object.hasOwn(t, username)) return;
  update((s) => {
    const next = { ...(own(s.typing, room) ?? {}) };
    delete next[username];
    return { typing: { ...s.typing, [room]: next } };
  });
}

function onPresence(d: EventData['presence']): void {
  update((s) => ({ presence: { ...s.presence, [d.user.id]: d.online } }));
}

/** After `reset`: the stream cannot fill the gap, so refetch the room list and the open room over REST. */
export async function refetchAll(): Promise<void> {
  try {
    const { rooms } = await client.rooms.list();
    setRooms(rooms);
  } catch {
    return;
  }
  const cur = getState().current;
  update(() => ({ views: {} }));
  if (cur) {
    await loadLatest(cur);
    void loadMembers(cur);
    markRead(cur);
  }
}
