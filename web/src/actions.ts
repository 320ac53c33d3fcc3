/**
 * What the page does: boot and sign-in, opening rooms and paging history, read markers, optimistic sends with
 * retry, typing. Components call these; they talk to the API and update the one store (state.ts).
 */
import type { Message, Room, User } from '../../src/core/types.ts';
import { api, ApiError, errorText, setUnauthenticatedHandler } from './api.ts';
import { applyEvent, refetchAll } from './events.ts';
import { getState, mergeMessages, patchRoom, patchView, resetState, update, upsertRoom } from './state.ts';
import { announceSessionChange, onSessionChangeElsewhere } from './session-channel.ts';
import { startStream, type StreamHandle } from './stream.ts';

const PAGE = 50;
const TYPING_EVERY_MS = 3000;

let stream: StreamHandle | null = null;
const lastReadSent: Record<string, number> = {};
const lastTypingSent: Record<string, number> = {};

/** First thing on load: `GET /me` decides between the sign-in screen and the chat. */
export async function boot(): Promise<void> {
  setUnauthenticatedHandler(() => {
    if (getState().phase === 'signed-in') signedOut();
  });
  window.addEventListener('hashchange', () => {
    const name = roomFromHash();
    if (name && getState().phase === 'signed-in' && name !== getState().current) void openRoom(name);
  });
  onSessionChangeElsewhere(() => location.reload());
  document.addEventListener('visibilitychange', () => {
    const cur = getState().current;
    if (cur) markRead(cur);
  });
  await start();
}

/** Asks who we are; a server that cannot be reached (restarting, offline) is retried rather than shown as signed out. */
async function start(attempt = 0): Promise<void> {
  try {
    const { user } = await api.me();
    await signedIn(user);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      update(() => ({ phase: 'signed-out' }));
    } else if (getState().phase !== 'signed-in' || !stream) {
      update(() => ({ phase: 'offline', notice: errorText(e) }));
      setTimeout(() => void start(attempt + 1), Math.min(1000 * 2 ** attempt, 15000));
    }
  }
}

/** After sign-in (or on load with a session): load the rooms, join the tabs' stream, open a room. */
export async function signedIn(user: User): Promise<void> {
  update(() => ({ phase: 'signed-in', me: user, notice: null }));
  const { rooms, cursor } = await api.rooms();
  setRooms(rooms);
  stream?.stop();
  stream = startStream(cursor, {
    onEvent: applyEvent,
    onStatus: (conn) => update(() => ({ conn })),
    onRole: (role) => update(() => ({ role })),
    onTabMessage: (msg) => {
      if (msg.kind === 'read') {
        lastReadSent[msg.room] = Math.max(lastReadSent[msg.room] ?? 0, msg.seq);
        patchRoom(msg.room, (r) => (msg.seq >= r.last_seq ? { unread: 0 } : {}));
      }
    },
  });
  const fromHash = roomFromHash();
  const first = fromHash ?? (getState().rooms.general ? 'general' : Object.keys(getState().rooms)[0]);
  if (first) await openRoom(first);
}

/** The sidebar's rooms from a `GET /rooms` or `ready` list (members only). */
export function setRooms(rooms: Room[]): void {
  const map: Record<string, Room> = {};
  for (const r of rooms) if (r.member) map[r.name] = r;
  update(() => ({ rooms: map }));
}

function signedOut(): void {
  stream?.stop();
  stream = null;
  for (const k of Object.keys(lastReadSent)) delete lastReadSent[k];
  for (const k of Object.keys(lastTypingSent)) delete lastTypingSent[k];
  resetState('signed-out');
}

export async function logout(): Promise<void> {
  try {
    await api.logout();
  } finally {
    announceSessionChange();
    signedOut();
    history.replaceState(null, '', location.pathname);
  }
}

function roomFromHash(): string | null {
  const m = /^#\/r\/(.+)$/.exec(location.hash);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

/** Shows a room: loads its newest page once, its members, and marks it read. */
export async function openRoom(name: string): Promise<void> {
  // Messages above your read marker are all by others (posting moves it), so the first unread is exact.
  update((s) => {
    const r = s.rooms[name];
    const from = r && r.unread > 0 ? r.last_seq - r.unread + 1 : 0;
    return { current: name, notice: null, newFrom: { ...s.newFrom, [name]: from } };
  });
  const hash = '#/r/' + encodeURIComponent(name);
  if (location.hash !== hash) history.replaceState(null, '', hash);
  if (!getState().rooms[name]) {
    try {
      const { room } = await api.room(name);
      if (room.member) upsertRoom(room);
    } catch (e) {
      patchView(name, () => ({ loaded: true, hasMore: false, error: errorText(e) }));
      return;
    }
  }
  void loadMembers(name);
  if (!getState().views[name]?.loaded) await loadLatest(name);
  markRead(name);
}

/**
 * (Re)loads the newest page of a room (on open and after `reset`). Messages that arrived while the request was
 * in flight (live events, our own sends) are newer than the page and are kept; anything older is replaced.
 */
export async function loadLatest(name: string): Promise<void> {
  try {
    const { messages } = await api.messages(name, { limit: PAGE });
    const newest = messages.at(-1)?.seq ?? 0;
    patchView(name, (v) => ({
      messages: mergeMessages(messages, v.messages.filter((m) => m.seq > newest)),
      loaded: true,
      hasMore: (messages[0]?.seq ?? 1) > 1,
      error: null,
    }));
  } catch (e) {
    patchView(name, () => ({ loaded: true, hasMore: false, error: errorText(e) }));
  }
}

/** Fills a gap after the newest shown message (a live event arrived with a seq we skipped). */
export async function loadAfter(name: string, after: number): Promise<void> {
  try {
    const { messages } = await api.messages(name, { after, limit: 200 });
    patchView(name, (v) => ({ messages: mergeMessages(v.messages, messages) }));
  } catch {
    /* the next event or a reset will try again */
  }
}

/** Scroll-back: the page before the oldest shown message. */
export async function loadOlder(name: string): Promise<void> {
  const v = getState().views[name];
  if (!v || !v.hasMore || v.loadingOlder) return;
  const oldest = v.messages[0]?.seq;
  if (oldest === undefined) return;
  patchView(name, () => ({ loadingOlder: true }));
  try {
    const { messages } = await api.messages(name, { before: oldest, limit: PAGE });
    patchView(name, (cur) => ({
      messages: mergeMessages(cur.messages, messages),
      hasMore: messages.length > 0 && (messages[0]?.seq ?? 1) > 1,
      loadingOlder: false,
    }));
  } catch (e) {
    patchView(name, () => ({ loadingOlder: false, error: errorText(e) }));
  }
}

export async function loadMembers(name: string): Promise<void> {
  try {
    const { members } = await api.members(name);
    update((s) => {
      const presence = { ...s.presence };
      for (const m of members) presence[m.user.id] = m.online;
      return { members: { ...s.members, [name]: members }, presence };
    });
  } catch {
    /* a DM or private room we cannot see: no member list */
  }
}

/**
 * Moves the read marker to the newest message of the open room, when the tab is visible.
 * Other tabs hear about it too, so their badges clear without their own request.
 */
export function markRead(name: string): void {
  const s = getState();
  if (s.current !== name || document.visibilityState !== 'visible') return;
  const room = s.rooms[name];
  if (!room) return;
  const newest = s.views[name]?.messages.at(-1)?.seq ?? 0;
  const seq = Math.max(room.last_seq, newest);
  if (room.unread !== 0) patchRoom(name, () => ({ unread: 0 }));
  if (seq <= 0 || seq <= (lastReadSent[name] ?? 0)) return;
  lastReadSent[name] = seq;
  stream?.broadcast({ kind: 'read', room: name, seq });
  api.read(name, seq).catch(() => {
    lastReadSent[name] = 0;
  });
}

/** Optimistic send: shows the message at once, then confirms it; the same `client_id` is reused on retry. */
export function send(room: string, text: string): void {
  const clientId = crypto.randomUUID();
  update((s) => ({
    pending: [
      ...s.pending,
      { clientId, room, text, createdAt: new Date().toISOString(), failed: false, error: null },
    ],
  }));
  void deliverPending(clientId);
}

export function retry(clientId: string): void {
  update((s) => ({
    pending: s.pending.map((p) => (p.clientId === clientId ? { ...p, failed: false, error: null } : p)),
  }));
  void deliverPending(clientId);
}

export function discard(clientId: string): void {
  update((s) => ({ pending: s.pending.filter((p) => p.clientId !== clientId) }));
}

async function deliverPending(clientId: string): Promise<void> {
  const p = getState().pending.find((x) => x.clientId === clientId);
  if (!p) return;
  try {
    const { message } = await api.post(p.room, p.text, clientId);
    patchView(p.room, (v) => ({ messages: mergeMessages(v.messages, [message]) }));
    patchRoom(p.room, (r) => ({ last_seq: Math.max(r.last_seq, message.seq), unread: 0 }));
    lastReadSent[p.room] = Math.max(lastReadSent[p.room] ?? 0, message.seq);
    discard(clientId);
  } catch (e) {
    update((s) => ({
      pending: s.pending.map((x) => (x.clientId === clientId ? { ...x, failed: true, error: errorText(e) } : x)),
    }));
  }
}

/** Tells the room we are typing, at most once per few seconds. */
export function typing(room: string): void {
  const now = Date.now();
  if (now - (lastTypingSent[room] ?? 0) < TYPING_EVERY_MS) return;
  lastTypingSent[room] = now;
  api.typing(room).catch(() => {});
}

export function stopTyping(room: string): void {
  lastTypingSent[room] = 0;
}

/** Runs an action; a failure becomes the notice line. */
export async function attempt(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    update(() => ({ notice: errorText(e) }));
    return false;
  }
}

export function dismissNotice(): void {
  update(() => ({ notice: null }));
}

/** Applies a changed message we got back from a REST call, without waiting for its event. */
function applyMessage(room: string, m: Message): void {
  patchView(room, (v) => ({ messages: mergeMessages(v.messages, [m]) }));
}

export const editMessage = (room: string, id: string, text: string) =>
  attempt(async () => applyMessage(room, (await api.edit(room, id, text)).message));

export const deleteMessage = (room: string, id: string) => attempt(() => api.remove(room, id));

export const toggleReaction = (room: string, id: string, emoji: string, on: boolean) =>
  attempt(() => api.react(room, id, emoji, on));

export { refetchAll };
