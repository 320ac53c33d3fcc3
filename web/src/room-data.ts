/**
 * One room's data over REST: opening a room, paging its history, its member list, and the read marker (sent to
 * the server and to the other tabs). Components, rooms.ts and events.ts call these.
 */
import type { Message } from '../../src/core/types.ts';
import { client, ApiError, errorText } from './api.ts';
import { loadAround } from './history-window.ts';
import { broadcast } from './live.ts';
import { getState, mergeMessages, own, patchRoom, patchView, update, upsertRoom } from './state.ts';

const PAGE = 50;
/** Unread messages beyond this many: open the room at the first unread one rather than at the newest page. */
const LAND_FROM = PAGE - 10;
/** Read messages shown above the "New" line when landing there. */
const CONTEXT = 5;
/** The forward pages (of 200) fetched to land at the first unread; more unread than that opens at the newest. */
const MAX_FORWARD_PAGES = 10;

/** room → the highest seq we told the server we read (or know it has), so each marker is sent once. */
const lastReadSent = new Map<string, number>();

/** Notes that the server already has our read marker at `seq` (our own post, or another tab's `read`). */
export function noteReadSent(room: string, seq: number): void {
  lastReadSent.set(room, Math.max(lastReadSent.get(room) ?? 0, seq));
}

/** Forgets every read marker sent (sign-out). */
export function forgetReadSent(): void {
  lastReadSent.clear();
}

/**
 * Shows a room: loads its history once (the newest page, or with many unread, from the first unread message on),
 * its members, and marks it read, or, when it has unread messages, holds the marker until the newest message was
 * on screen (MessageList calls releaseRead). With `at`, opens at that message instead (history-window.ts).
 */
export async function openRoom(name: string, at?: number): Promise<void> {
  // Messages above your read marker are all by others (posting moves it), so the first unread is exact.
  let from = 0;
  let last = 0;
  update((s) => {
    const r = own(s.rooms, name);
    from = r && r.unread > 0 ? Math.max(1, r.last_seq - r.unread + 1) : 0;
    last = r?.last_seq ?? 0;
    return { current: name, notice: null, newFrom: { ...s.newFrom, [name]: from }, holding: from > 0 ? name : null };
  });
  const hash = '#/r/' + encodeURIComponent(name);
  if (location.hash !== hash) history.replaceState(null, '', hash);
  if (!own(getState().rooms, name)) {
    try {
      const { room } = await client.rooms.get(name);
      if (room.member) upsertRoom(room);
    } catch (e) {
      const missing = e instanceof ApiError && (e.status === 404 || e.status === 403);
      patchView(name, () => ({ loaded: true, hasMore: false, error: errorText(e), missing }));
      return;
    }
  }
  void loadMembers(name);
  if (at !== undefined) await loadAround(name, at);
  else if (!own(getState().views, name)?.loaded) {
    const many = from > 0 && last - from + 1 > LAND_FROM && last - from + 1 < MAX_FORWARD_PAGES * 200 - CONTEXT;
    await (many ? loadFrom(name, from, last) : loadLatest(name));
  }
  markRead(name);
}

/** Lets the open room's read marker move again (its newest message was on screen, or "Jump to newest"). */
export function releaseRead(name: string): void {
  if (getState().holding !== name) return;
  update(() => ({ holding: null }));
  markRead(name);
}

/** Loads a room from a few messages before `from` (its first unread) up to `last`, in pages of 200. */
async function loadFrom(name: string, from: number, last: number): Promise<void> {
  try {
    const got: Message[] = [];
    let after = Math.max(0, from - 1 - CONTEXT);
    for (let i = 0; i < MAX_FORWARD_PAGES; i++) {
      const { messages } = await client.messages.history(name, { after, limit: 200 });
      got.push(...messages);
      const end = messages.at(-1)?.seq ?? last;
      if (messages.length < 200 || end >= last) break;
      after = end;
    }
    showLoaded(name, got);
  } catch (e) {
    showLoadError(name, e);
  }
}

/**
 * (Re)loads the newest page of a room (on open and after `reset`). Messages that arrived while the request was
 * in flight (live events, our own sends) are newer than the page and are kept; anything older is replaced.
 */
export async function loadLatest(name: string): Promise<void> {
  try {
    const { messages } = await client.messages.history(name, { limit: PAGE });
    showLoaded(name, messages);
  } catch (e) {
    showLoadError(name, e);
  }
}

/**
 * Shows `page` (ascending, up to the newest at the time of the request) as the room's history. Messages that
 * arrived while the request was in flight (live events, our own sends) are newer than the page and are kept.
 */
function showLoaded(name: string, page: Message[]): void {
  const newest = page.at(-1)?.seq ?? 0;
  patchView(name, (v) => ({
    messages: mergeMessages(page, v.messages.filter((m) => m.seq > newest)),
    loaded: true,
    hasMore: (page[0]?.seq ?? 1) > 1,
    newer: false,
    loadingNewer: false,
    error: null,
  }));
}

function showLoadError(name: string, e: unknown): void {
  patchView(name, () => ({ loaded: true, hasMore: false, error: errorText(e) }));
}

/** Fills a gap after the newest shown message (a live event arrived with a seq we skipped). */
export async function loadAfter(name: string, after: number): Promise<void> {
  try {
    const { messages } = await client.messages.history(name, { after, limit: 200 });
    patchView(name, (v) => ({ messages: mergeMessages(v.messages, messages) }));
  } catch {
    /* the next event or a reset will try again */
  }
}

/** Scroll-back: the page before the oldest shown message. */
export async function loadOlder(name: string): Promise<void> {
  const v = own(getState().views, name);
  if (!v || !v.hasMore || v.loadingOlder) return;
  const oldest = v.messages[0]?.seq;
  if (oldest === undefined) return;
  patchView(name, () => ({ loadingOlder: true }));
  try {
    const { messages } = await client.messages.history(name, { before: oldest, limit: PAGE });
    patchView(name, (cur) => ({
      messages: mergeMessages(cur.messages, messages),
      hasMore: messages.length > 0 && (messages[0]?.seq ?? 1) > 1,
      loadingOlder: false,
    }));
  } catch (e) {
    patchView(name, () => ({ loadingOlder: false, error: errorText(e) }));
  }
}

/** Loads a room's member list and the presence it carries. */
export async function loadMembers(name: string): Promise<void> {
  try {
    const { members } = await client.rooms.members(name);
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
 * Moves the read marker to the newest message of the open room, when the tab is visible and the room is not held
 * (opened with unread messages whose newest one has not been on screen yet).
 * Other tabs hear about it too, so their badges clear without their own request.
 */
export function markRead(name: string): void {
  const s = getState();
  if (s.current !== name || s.holding === name || document.visibilityState !== 'visible') return;
  const room = own(s.rooms, name);
  if (!room) return;
  const newest = own(s.views, name)?.messages.at(-1)?.seq ?? 0;
  const seq = Math.max(room.last_seq, newest);
  if (room.unread !== 0 || room.mentions) patchRoom(name, () => ({ unread: 0, mentions: 0 }));
  if (seq <= 0 || seq <= (lastReadSent.get(name) ?? 0)) return;
  lastReadSent.set(name, seq);
  broadcast({ kind: 'read', room: name, seq });
  client.rooms.read(name, seq).catch(() => {
    lastReadSent.set(name, 0);
  });
}
