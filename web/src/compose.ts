/** Writing: optimistic sends with retry, edits, deletes, reactions and the typing signal. */
import type { Message } from '../../src/core/types.ts';
import { api, errorText } from './api.ts';
import { noteReadSent } from './room-data.ts';
import { attempt, getState, mergeMessages, patchRoom, patchView, update } from './state.ts';

const TYPING_EVERY_MS = 3000;

const lastTypingSent = new Map<string, number>();

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

/** Sends a failed message again, with the same `client_id`. */
export function retry(clientId: string): void {
  update((s) => ({
    pending: s.pending.map((p) => (p.clientId === clientId ? { ...p, failed: false, error: null } : p)),
  }));
  void deliverPending(clientId);
}

/** Drops a pending (failed) message from the page. */
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
    noteReadSent(p.room, message.seq);
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
  if (now - (lastTypingSent.get(room) ?? 0) < TYPING_EVERY_MS) return;
  lastTypingSent.set(room, now);
  api.typing(room).catch(() => {});
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
  attempt(async () => applyMessage(room, (await api.edit(room, id, text)).message));

/** Deletes a message; a failure becomes the notice line. */
export const deleteMessage = (room: string, id: string) => attempt(() => api.remove(room, id));

/** Adds (`on`) or removes our reaction to a message; a failure becomes the notice line. */
export const toggleReaction = (room: string, id: string, emoji: string, on: boolean) =>
  attempt(() => api.react(room, id, emoji, on));
