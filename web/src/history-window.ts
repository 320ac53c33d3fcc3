/**
 * History away from the newest page: a room opened at one message (a search result), however far back. The
 * view then holds a window around that message (`newer`: more exist below it); scrolling down pages forward
 * until the newest, after which live messages join it again (events.ts skips them while `newer` is set).
 */
import type { Message } from '../../src/core/types.ts';
import { client, errorText } from './api.ts';
import { getState, mergeMessages, own, patchView } from './state.ts';

/** Messages fetched on each side of the target, and per forward page. */
const SIDE = 50;
const FORWARD = 100;
/** How long a message opened at stays marked. */
const MARK_MS = 4000;

let jumps = 0;

/**
 * Shows message `seq` of room `name`: scrolls to it when the view already holds it, else replaces the view with
 * the messages around it (the target, the 49 before it and the 50 after it). MessageList scrolls to `jump`.
 */
export async function loadAround(name: string, seq: number): Promise<void> {
  const n = ++jumps;
  const v = own(getState().views, name);
  if (v?.loaded && !v.error && v.messages.some((m) => m.seq === seq)) {
    patchView(name, () => ({ jump: { seq, n } }));
    return;
  }
  patchView(name, () => ({ loaded: false, error: null }));
  try {
    const [older, newer] = await Promise.all([
      client.messages.history(name, { before: seq + 1, limit: SIDE }),
      client.messages.history(name, { after: seq, limit: SIDE }),
    ]);
    if (n !== jumps) return;
    const page = mergeMessages(older.messages, newer.messages);
    const more = newer.messages.length >= SIDE;
    const last = page.at(-1)?.seq ?? 0;
    patchView(name, (cur) => ({
      // Reaching the newest: messages that arrived while the requests were in flight are newer and stay.
      messages: more ? page : mergeMessages(page, cur.messages.filter((m) => m.seq > last)),
      loaded: true,
      hasMore: (page[0]?.seq ?? 1) > 1,
      loadingOlder: false,
      newer: more,
      loadingNewer: false,
      error: null,
      jump: { seq, n },
    }));
    if (!more) void catchUp(name);
  } catch (e) {
    patchView(name, () => ({ loaded: true, hasMore: false, error: errorText(e) }));
  }
}

/** Scrolling down in a window: the next page after its newest message; the last page ends the window. */
export async function loadNewer(name: string): Promise<void> {
  const v = own(getState().views, name);
  if (!v?.newer || v.loadingNewer) return;
  const last = v.messages.at(-1)?.seq ?? 0;
  patchView(name, () => ({ loadingNewer: true }));
  try {
    const { messages } = await client.messages.history(name, { after: last, limit: FORWARD });
    const more = messages.length >= FORWARD;
    let merged = false;
    patchView(name, (cur) => {
      // The view was replaced meanwhile (another jump, the newest page): this page does not follow it.
      if (!cur.newer || cur.messages.at(-1)?.seq !== last) return { loadingNewer: false };
      merged = true;
      return { messages: mergeMessages(cur.messages, messages), newer: more, loadingNewer: false };
    });
    if (merged && !more) void catchUp(name);
  } catch (e) {
    patchView(name, () => ({ loadingNewer: false, error: errorText(e) }));
  }
}

/** After a window reached the newest: fetches what arrived live while it was a window (events.ts skipped it). */
async function catchUp(name: string): Promise<void> {
  const s = getState();
  const v = own(s.views, name);
  const newest = v?.messages.at(-1)?.seq ?? 0;
  const lastSeq = own(s.rooms, name)?.last_seq ?? 0;
  if (!v || v.newer || lastSeq <= newest) return;
  try {
    const got: Message[] = (await client.messages.history(name, { after: newest, limit: 200 })).messages;
    patchView(name, (cur) => (cur.newer ? {} : { messages: mergeMessages(cur.messages, got) }));
  } catch {
    /* the next live message fills the gap (events.ts) */
  }
}

/**
 * In the message scroller: puts message `id` a third of the way down the view and marks it (data-jumped) for a
 * few seconds. False when it is not rendered.
 */
export function scrollToMessage(scroller: HTMLElement, id: string | undefined): boolean {
  const el = id ? scroller.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"]`) : null;
  if (!el) return false;
  const top = el.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
  scroller.scrollTop += top - Math.max(8, (scroller.clientHeight - el.offsetHeight) / 3);
  // An attribute Preact does not manage, so a re-render in the meantime keeps it.
  el.setAttribute('data-jumped', 'true');
  setTimeout(() => el.removeAttribute('data-jumped'), MARK_MS);
  return true;
}
