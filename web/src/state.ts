/** The page's one store: plain immutable state, a tiny subscribe/notify, and helpers to merge messages. */
import { useEffect, useReducer } from 'preact/hooks';
import type { Member, Message, Room, Upload, User } from '../../src/core/types.ts';
import { errorText } from './api.ts';
import type { CheckResult } from '@natter/client';
import type { ConnStatus, StreamRole } from '@natter/client/browser';

/** A message typed here and not yet confirmed by the server. Retrying reuses `clientId`, so it never duplicates. */
export interface PendingMessage {
  clientId: string;
  room: string;
  text: string;
  createdAt: string;
  /** The server refused it for good (a 4xx): shown "not sent" with Retry and Discard. */
  failed: boolean;
  /** A send failed for a reason that may pass (no connection, server restarting): it goes out again by itself. */
  queued: boolean;
  error: string | null;
  /** v1.1: the id of the message this one replies to. */
  replyTo?: string | null;
  /** v1.1: the uploads it carries (their ids are sent; the objects show while it is pending). */
  attachments?: Upload[];
}

/**
 * What is shown of one room's history, ascending by `seq`. Once `loaded` (its newest page fetched) it is
 * contiguous; before that it holds only messages that arrived live.
 */
export interface RoomView {
  messages: Message[];
  loaded: boolean;
  hasMore: boolean;
  loadingOlder: boolean;
  error: string | null;
  /** The room does not exist, or is private and not yours (the server answers both the same way). */
  missing?: boolean;
  /**
   * A window of older history (opened at a search result): newer messages exist that are not shown. Scrolling
   * down loads them (history-window.ts); live messages wait until the window reaches the newest.
   */
  newer?: boolean;
  loadingNewer?: boolean;
  /** Scroll to this message and mark it briefly; `n` tells one request from the next for the same message. */
  jump?: { seq: number; n: number };
}

export interface AppState {
  /** `offline`: the first request could not reach the server; the page retries by itself. */
  phase: 'loading' | 'offline' | 'signed-out' | 'signed-in';
  me: User | null;
  /** Rooms this user is a member of (the sidebar), by name. */
  rooms: Record<string, Room>;
  current: string | null;
  views: Record<string, RoomView>;
  pending: PendingMessage[];
  members: Record<string, Member[]>;
  /** user id → online, from member lists and `presence` events. */
  presence: Record<string, boolean>;
  /** room → username → time (ms) until which "is typing" is shown. */
  typing: Record<string, Record<string, number>>;
  conn: ConnStatus;
  role: StreamRole;
  /** The stream path check found a buffering or compressing proxy (shown as a one-line warning), else null. */
  pathWarning: CheckResult[] | null;
  /** A short message about a failed action that has no field to sit next to. */
  notice: string | null;
  /** room → the first seq that was unread when you opened it (0: none), for the "New" line. */
  newFrom: Record<string, number>;
  /** The open room whose read marker waits until its newest message has been on screen (opened with unread). */
  holding: string | null;
  /** room → the message the composer replies to (shown quoted above it), until sent or cancelled. */
  replying: Record<string, Message>;
}

const initial: AppState = {
  phase: 'loading',
  me: null,
  rooms: {},
  current: null,
  views: {},
  pending: [],
  members: {},
  presence: {},
  typing: {},
  conn: 'connecting',
  role: 'follower',
  pathWarning: null,
  notice: null,
  newFrom: {},
  holding: null,
  replying: {},
};

let state: AppState = initial;
const listeners = new Set<() => void>();
let scheduled = false;

/** The current state; never mutate it, use `update`. */
/**
 * `rec[key]` if it is the record's own entry. Room names and usernames are user strings: `constructor` or
 * `__proto__` must not read Object.prototype members (writes use computed keys in literals, which define own
 * properties).
 */
export function own<T>(rec: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}

export function getState(): AppState {
  return state;
}

/** Replaces part of the state; subscribers re-render once per microtask however many updates happen. */
export function update(fn: (s: AppState) => Partial<AppState>): void {
  state = { ...state, ...fn(state) };
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    for (const l of listeners) l();
  });
}

/** Resets everything (sign-out). */
export function resetState(phase: AppState['phase']): void {
  update(() => ({ ...initial, phase }));
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

/** Clears the notice line. */
export function dismissNotice(): void {
  update(() => ({ notice: null }));
}

/** Subscribes a component to the whole state. The app is small enough that one store is the simple choice. */
export function useAppState(): AppState {
  const [, force] = useReducer((n: number) => n + 1, 0);
  const rendered = state;
  useEffect(() => {
    const l = () => force(0);
    listeners.add(l);
    // Effects run after paint: an update that landed between the first render and now would be lost.
    if (state !== rendered) l();
    return () => void listeners.delete(l);
  }, []);
  return state;
}

export const emptyView: RoomView = { messages: [], loaded: false, hasMore: true, loadingOlder: false, error: null };

/** Merges messages into a sorted, id- and seq-unique list; a newer copy of a message (edit, reaction) wins. */
export function mergeMessages(list: Message[], incoming: Message[]): Message[] {
  const bySeq = new Map<number, Message>();
  for (const m of list) bySeq.set(m.seq, m);
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Updates one room view. */
export function patchView(room: string, patch: (v: RoomView) => Partial<RoomView>): void {
  update((s) => {
    const v = own(s.views, room) ?? emptyView;
    return { views: { ...s.views, [room]: { ...v, ...patch(v) } } };
  });
}

/**
 * Lists a room fetched over REST. Fetches can overlap with each other and with live events, so a response older
 * than what we already know (a lower `last_seq`) keeps our newer counts.
 */
export function upsertRoom(room: Room): void {
  update((s) => {
    const cur = own(s.rooms, room.name);
    const next = cur && cur.last_seq > room.last_seq ? { ...room, last_seq: cur.last_seq, unread: cur.unread, mentions: cur.mentions } : room;
    return { rooms: { ...s.rooms, [room.name]: { ...next, member: true } } };
  });
}

/** The sidebar's rooms from a `GET /rooms` or `ready` list (members only). */
export function setRooms(rooms: Room[]): void {
  // fromEntries defines own properties, so a room named `__proto__` is an entry, not a new prototype.
  const map: Record<string, Room> = Object.fromEntries(rooms.filter((r) => r.member).map((r) => [r.name, r]));
  update(() => ({ rooms: map }));
}

/** Updates one sidebar room, if this user is in it. */
export function patchRoom(room: string, patch: (r: Room) => Partial<Room>): void {
  update((s) => {
    const r = own(s.rooms, room);
    return r ? { rooms: { ...s.rooms, [room]: { ...r, ...patch(r) } } } : {};
  });
}

/** The label a room goes by: `#name`, or the other person's name for a DM. */
export function roomLabel(r: Room | undefined, name: string): string {
  if (r?.kind === 'dm') return r.peer?.username ?? name;
  return name;
}
