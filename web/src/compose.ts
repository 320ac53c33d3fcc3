/** Writing: optimistic sends queued per room and retried by themselves, edits, deletes, reactions and the typing signal. */
import type { Message, Upload } from '../../src/core/types.ts';
import { client, ApiError, errorText, SEND_TIMEOUT_MS } from './api.ts';
import { noteReadSent } from './room-data.ts';
import { attempt, getState, mergeMessages, patchRoom, patchView, type PendingMessage, update } from './state.ts';

const TYPING_EVERY_MS = 3000;

const lastTypingSent = new Map<string, number>();

/** The first wait before a failed send is tried again; it doubles up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 15000;

/** Rooms whose queue is being sent right now (one request at a time per room keeps the order). */
const sending = new Set<string>();
/** room → the timer of its next attempt after a failure that may pass, and the wait after that one. */
const retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
const retryWait = new Map<string, number>();

/** This tab's messages still to be sent, kept in sessionStorage so that a reload sends them too. */
const OUTBOX_KEY = 'natter-outbox';

/**
 * Optimistic send: shows the message at once and queues it. Each room's queue goes out in the order it was
 * written; a send that failed for a reason that can pass (no connection, server error, restart) waits and is
 * sent again by itself with the same `client_id`, which the server deduplicates, so it never posts twice.
 */
export function send(room: string, text: string, replyTo: string | null = null, attachments: Upload[] = []): void {
  const clientId = crypto.randomUUID();
  const createdAt = new Date().toISOString();
  update((s) => ({
    pending: [...s.pending, { clientId, room, text, createdAt, failed: false, queued: false, error: null, replyTo, attachments }],
  }));
  saveOutbox();
  void flush(room);
}

/** Sends a failed message again, with the same `client_id`. */
export function retry(clientId: string): void {
  const p = getState().pending.find((x) => x.clientId === clientId);
  if (!p) return;
  setPending((x) => x.clientId === clientId, { failed: false, queued: false, error: null });
  retryWait.delete(p.room);
  void flush(p.room);
}

/** Drops a pending (failed) message from the page. */
export function discard(clientId: string): void {
  update((s) => ({ pending: s.pending.filter((p) => p.clientId !== clientId) }));
  saveOutbox();
}

/** The connection is back (or "Retry now"): every waiting message is tried again at once. */
export function resendQueued(): void {
  const rooms = new Set(getState().pending.filter((p) => !p.failed).map((p) => p.room));
  for (const room of rooms) {
    retryWait.delete(room);
    void flush(room);
  }
}

function setPending(which: (p: PendingMessage) => boolean, patch: Partial<PendingMessage>): void {
  update((s) => ({ pending: s.pending.map((p) => (which(p) ? { ...p, ...patch } : p)) }));
  saveOutbox();
}

/**
 * Keeps what is still to be sent in this tab's sessionStorage. A copy the stream confirmed meanwhile may linger
 * there; sent again after a reload, its `client_id` makes the server answer with the stored message.
 */
function saveOutbox(): void {
  const { me, pending } = getState();
  const waiting = pending.filter((p) => !p.failed);
  try {
    if (me && waiting.length > 0) sessionStorage.setItem(OUTBOX_KEY, JSON.stringify({ user: me.id, pending: waiting }));
    else sessionStorage.removeItem(OUTBOX_KEY);
  } catch {
    /* storage off or full: the queue still lives in the page */
  }
}

function readOutbox(): { user?: unknown; pending?: unknown } | null {
  try {
    return JSON.parse(sessionStorage.getItem(OUTBOX_KEY) ?? 'null') as { user?: unknown; pending?: unknown } | null;
  } catch {
    return null;
  }
}

/** After sign-in: what this tab had not sent before a reload goes out now (same `client_id`: never twice). */
export function restoreOutbox(userId: string): void {
  const saved = readOutbox();
  if (saved?.user !== userId || !Array.isArray(saved.pending)) return;
  const known = new Set(getState().pending.map((p) => p.clientId));
  const add = (saved.pending as Partial<PendingMessage>[])
    .filter((p) => typeof p?.clientId === 'string' && typeof p.room === 'string' && typeof p.text === 'string' && !known.has(p.clientId))
    .map((p) => ({ ...(p as PendingMessage), attachments: savedUploads(p.attachments), failed: false, queued: true, error: null }));
  if (add.length === 0) return;
  update((s) => ({ pending: [...s.pending, ...add] }));
  for (const room of new Set(add.map((p) => p.room))) void flush(room);
}

/** The uploads a saved pending message carries, keeping only entries that look like uploads. */
function savedUploads(list: unknown): Upload[] {
  return Array.isArray(list) ? (list as Upload[]).filter((a) => typeof a?.id === 'string' && typeof a.url === 'string') : [];
}

/** Signed out: nothing of this user's is sent any more. */
export function forgetOutbox(): void {
  for (const t of retryTimers.values()) clearTimeout(t);
  retryTimers.clear();
  retryWait.clear();
  try {
    sessionStorage.removeItem(OUTBOX_KEY);
  } catch {
    /* storage off */
  }
}

/** A failure that can pass by itself: no answer, a server error or restart, a timeout, a rate limit. */
function mayPass(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 0 || e.status >= 500 || e.status === 408 || e.status === 429);
}

/** Sends a room's queue, oldest first, until it is empty or a send fails for a reason that may pass. */
async function flush(room: string): Promise<void> {
  if (sending.has(room)) return; // the running loop picks up what was added
  clearTimeout(retryTimers.get(room));
  retryTimers.delete(room);
  sending.add(room);
  try {
    for (;;) {
      const p = getState().pending.find((x) => x.room === room && !x.failed);
      if (!p) break;
      if (p.queued) setPending((x) => x.clientId === p.clientId, { queued: false });
      if (!(await deliver(p))) {
        setPending((x) => x.room === room && !x.failed, { queued: true });
        const wait = retryWait.get(room) ?? RETRY_FIRST_MS;
        retryWait.set(room, Math.min(wait * 2, RETRY_MAX_MS));
        retryTimers.set(room, setTimeout(() => void flush(room), wait * (0.8 + Math.random() * 0.4)));
        return;
      }
    }
    retryWait.delete(room);
  } finally {
    sending.delete(room);
  }
}

/** One attempt; false when it failed for a reason that may pass (it stays queued). */
async function deliver(p: PendingMessage): Promise<boolean> {
  try {
    const ids = (p.attachments ?? []).map((a) => a.id);
    const { message } = await client.messages.post(p.room, p.text, { clientId: p.clientId, replyTo: p.replyTo, attachments: ids, timeoutMs: SEND_TIMEOUT_MS });
    patchView(p.room, (v) => ({ messages: mergeMessages(v.messages, [message]) }));
    patchRoom(p.room, (r) => ({ last_seq: Math.max(r.last_seq, message.seq), unread: 0, mentions: 0 }));
    noteReadSent(p.room, message.seq);
    discard(p.clientId);
    return true;
  } catch (e) {
    if (mayPass(e)) return false;
    setPending((x) => x.clientId === p.clientId, { failed: true, queued: false, error: errorText(e) });
    return true;
  }
}

/** Tells the room we are typing, at most once per few seconds. */
export function typing(room: string): void {
  const now = Date.now();
  if (now - (lastTypingSent.get(room) ?? 0) < TYPING_EVERY_MS) return;
  lastTypingSent.set(room, now);
  client.rooms.typing(room).catch(() => {});
}

/** After a send: the next keystroke tells the room again, without waiting out the throttle. */
export function stopTyping(room: string): void {
  lastTypingSent.set(room, 0);
}

/** Forgets the typing throttle of every room (sign-out). */
export function forgetTyping(): void {
  lastTypingSent.clear();
}

/** Applies a changed message we got back from a REST call, without waiting for its event. */
function applyMessage(room: string, m: Message): void {
  patchView(room, (v) => ({ messages: mergeMessages(v.messages, [m]) }));
}

/** Edits one of our messages; a failure becomes the notice line. */
export const editMessage = (room: string, id: string, text: string) =>
  attempt(async () => applyMessage(room, (await client.messages.edit(room, id, text)).message));

/** Deletes a message; a failure becomes the notice line. */
export const deleteMessage = (room: string, id: string) => attempt(() => client.messages.remove(room, id));

/** Adds (`on`) or removes our reaction to a message; a failure becomes the notice line. */
export const toggleReaction = (room: string, id: string, emoji: string, on: boolean) =>
  attempt(() => client.messages.react(room, id, emoji, on));
