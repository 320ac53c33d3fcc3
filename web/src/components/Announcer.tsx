import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '../../../src/core/types.ts';
import { type AppState, own } from '../state.ts';

/** New messages that arrive within this long of the first are announced together. */
const GATHER_MS = 600;
/** How much of a message is read out. */
const EXCERPT_CHARS = 140;

function excerpt(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  const chars = [...t];
  return chars.length > EXCERPT_CHARS ? chars.slice(0, EXCERPT_CHARS - 1).join('') + '…' : t;
}

/** "alice: the text", or for several at once "5 new messages" (with "from alice" when they are all hers). */
export function announcement(batch: Message[]): string {
  const [first] = batch;
  if (batch.length === 1 && first) return `${first.author.username}: ${excerpt(first.text)}`;
  const authors = new Set(batch.map((m) => m.author.username));
  return `${batch.length} new messages` + (authors.size === 1 && first ? ` from ${first.author.username}` : '');
}

/**
 * What a screen reader hears about new messages: a visually hidden polite status, instead of the whole message
 * list being a live region. Only messages by others that arrive in the open room while the stream is live
 * count: not your own, not the history shown when a room opens or pages back, not what a reconnect replays.
 * A burst is gathered into one "N new messages".
 */
export function Announcer({ s }: { s: AppState }) {
  const [text, setText] = useState('');
  // The open room and the newest seq already accounted for in it (-1: its history is not loaded yet).
  const seen = useRef<{ room: string | null; seq: number }>({ room: null, seq: -1 });
  const queue = useRef<Message[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const room = s.current;
  const view = room ? own(s.views, room) : undefined;
  const meId = s.me?.id;

  useEffect(() => {
    const b = seen.current;
    if (b.room !== room) {
      b.room = room;
      b.seq = -1;
      queue.current = [];
      clearTimeout(timer.current);
      timer.current = undefined;
      setText('');
    }
    if (!room || !view?.loaded) return;
    const newest = view.messages.at(-1)?.seq ?? 0;
    if (b.seq < 0 || newest <= b.seq) {
      b.seq = Math.max(b.seq, newest);
      return;
    }
    const fresh = view.messages.filter((m) => m.seq > b.seq && !m.deleted && m.author.id !== meId);
    b.seq = newest;
    if (s.conn !== 'live' || fresh.length === 0) return;
    queue.current.push(...fresh);
    timer.current ??= setTimeout(() => {
      const batch = queue.current;
      queue.current = [];
      timer.current = undefined;
      // The same words twice in a row would not be read again: make the second differ, invisibly.
      if (batch.length) setText((t) => (announcement(batch) === t ? announcement(batch) + '\u00a0' : announcement(batch)));
    }, GATHER_MS);
  }, [room, view, s.conn, meId]);

  useEffect(() => () => clearTimeout(timer.current), []);

  return (
    <div class="sr-only" role="status" aria-live="polite" aria-atomic="true" data-testid="announcer">
      {text}
    </div>
  );
}
