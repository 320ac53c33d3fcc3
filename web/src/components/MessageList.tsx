import type { JSX } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '../../../src/core/types.ts';
import { discard, retry } from '../compose.ts';
import { loadNewer, scrollToMessage } from '../history-window.ts';
import { loadLatest, loadOlder, releaseRead } from '../room-data.ts';
import { dayKey, dayLabel } from '../format.ts';
import { type PendingMessage, patchView, type RoomView } from '../state.ts';
import { Avatar } from './Avatar.tsx';
import { ArrowDownIcon } from './Icons.tsx';
import { UNPIN_EVENT } from './Foldable.tsx';
import { Attachments } from './Attachments.tsx';
import { MessageItem } from './MessageItem.tsx';
import { MessageText } from './MessageText.tsx';

interface Props {
  room: string;
  view: RoomView;
  pending: PendingMessage[];
  me: string;
  isOwner: boolean;
  editingId: string | null;
  onEdit(id: string | null): void;
  /** Draw the "New" line above this seq (0: none). */
  newFrom: number;
  /** The room was opened with unread messages not yet seen: land at the "New" line, read once at the end. */
  holding: boolean;
  /** The room's unread count, for the "N new messages" bar. */
  unread: number;
  /** In a DM, the other person's name (the history starts as a conversation with them, not as a room). */
  dmPeer?: string;
}

const GROUP_MS = 5 * 60 * 1000;
const NEAR_BOTTOM_PX = 80;

function startsGroup(prev: Message | undefined, m: Message): boolean {
  // An incoming hook posts as one bot under many names (`alias`): each name starts its own group.
  if (!prev || prev.author.id !== m.author.id || (prev.alias ?? null) !== (m.alias ?? null) || prev.deleted || m.deleted) return true;
  if (dayKey(prev.created_at) !== dayKey(m.created_at)) return true;
  return Date.parse(m.created_at) - Date.parse(prev.created_at) > GROUP_MS;
}

/** The top of a message element relative to the scroller's viewport (0 when it is not rendered). */
function anchorTop(scroller: HTMLElement, id: string): number {
  const el = id ? scroller.querySelector(`[data-id="${CSS.escape(id)}"]`) : null;
  return el ? el.getBoundingClientRect().top - scroller.getBoundingClientRect().top : 0;
}

function PendingItem({ p, me }: { p: PendingMessage; me: string }) {
  return (
    <li
      class={'msg mine pending' + (p.failed ? ' failed' : '')}
      data-testid="pending-message"
      data-client-id={p.clientId}
      data-state={p.failed ? 'failed' : p.queued ? 'queued' : 'sending'}
    >
      <div class="msg-gutter">
        <Avatar name={me} />
      </div>
      <div class="msg-main">
        <div class="msg-head">
          <bdi class="msg-author">{me}</bdi>
          <span class="msg-time" title={p.queued ? 'Sends by itself when the connection is back' : undefined}>
            {p.failed ? 'not sent' : p.queued ? 'waiting to send' : 'sending…'}
          </span>
        </div>
        {p.text && (
          <div class="msg-text">
            <MessageText text={p.text} testid={null} />
          </div>
        )}
        <Attachments list={p.attachments} />
        {p.failed && (
          <div class="send-failed" role="alert">
            <span>{p.error ?? 'Not sent.'}</span>
            <button type="button" class="btn btn-small" data-testid="retry-send" onClick={() => retry(p.clientId)}>
              Retry
            </button>
            <button type="button" class="btn btn-quiet btn-small" onClick={() => discard(p.clientId)}>
              Discard
            </button>
          </div>
        )}
      </div>
    </li>
  );
}

/**
 * The scrolling history of one room. Loading older messages keeps what you were looking at in place (the
 * height added above is added to scrollTop); new messages scroll into view only if you were already at the end.
 */
export function MessageList({ room, view, pending, me, isOwner, editingId, onEdit, newFrom, holding, unread, dmPeer }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const snap = useRef({ room: '', first: 0, atBottom: true, count: 0, pending: 0, anchor: '', anchorTop: 0, landed: true, newer: false, jumpN: 0, toBottom: false });
  const [away, setAway] = useState(false);
  // The tapped message, whose actions show on touch screens (which have no hover); tapping it again hides them.
  const [selected, setSelected] = useState<string | null>(null);
  const onSelect = useCallback((id: string) => setSelected((cur) => (cur === id ? null : id)), []);
  useEffect(() => setSelected(null), [room]);
  // A tap beside the messages (the day line, the empty space) hides the actions again.
  const deselect = (e: MouseEvent) => {
    if (!(e.target as Element).closest('.msg')) setSelected(null);
  };

  // If you were at the newest message, you stay there when the list's box or its content changes size: the
  // message box grows by a line (the list gets shorter), a long message folds, the phone rotates.
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (snap.current.atBottom && snap.current.landed && !snap.current.newer) el.scrollTop = el.scrollHeight;
    });
    ro.observe(el);
    const list = el.querySelector('.message-list');
    if (list) ro.observe(list);
    const unpin = () => void (snap.current.atBottom = false);
    el.addEventListener(UNPIN_EVENT, unpin);
    return () => {
      ro.disconnect();
      el.removeEventListener(UNPIN_EVENT, unpin);
    };
  }, []);

  // Where the anchor message sits in the viewport. The anchor is the second-oldest shown message: the oldest
  // one can lose its author line when older messages of the same author are put above it.
  const remember = (el: HTMLDivElement) => {
    const s = snap.current;
    s.anchor = view.messages[1]?.id ?? view.messages[0]?.id ?? '';
    s.anchorTop = anchorTop(el, s.anchor);
    s.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
  };

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const s = snap.current;
    const first = view.messages[0]?.seq ?? 0;
    const count = view.messages.length + pending.length;
    if (s.room !== room) {
      s.landed = !holding;
      el.scrollTop = el.scrollHeight;
    } else if (first < s.first && s.first !== 0) {
      // Older messages went in above: scroll by however far the anchor moved, so the view stays put.
      el.scrollTop += anchorTop(el, s.anchor) - s.anchorTop;
    } else if (pending.length > s.pending && view.newer) {
      toNewest();
    } else if ((count !== s.count && s.atBottom && !s.newer) || pending.length > s.pending || (s.toBottom && !view.newer)) {
      // (Not when a window of older history grows by paging forward: that keeps what you were reading in place.)
      s.toBottom = false;
      // New messages follow you if you were at the end; your own send always brings you there.
      el.scrollTop = el.scrollHeight;
    }
    const j = view.jump;
    if (j && j.n !== s.jumpN && view.loaded && scrollToMessage(el, view.messages.find((m) => m.seq === j.seq)?.id)) {
      // Opened at a message (a search result): it is in view and marked, instead of the "New" line or the end.
      Object.assign(s, { jumpN: j.n, landed: true });
      el.focus({ preventScroll: true });
      patchView(room, (v) => (v.jump?.n === j.n ? { jump: undefined } : {}));
    }
    if (!s.landed && view.loaded) {
      // Opened with unread messages: put the "New" line (or the first unread message) at the top.
      s.landed = true;
      const firstUnread = view.messages.find((m) => m.seq >= newFrom);
      const target =
        el.querySelector('[data-testid="new-separator"]') ??
        (firstUnread ? el.querySelector(`[data-id="${CSS.escape(firstUnread.id)}"]`) : null);
      if (target) el.scrollTop += target.getBoundingClientRect().top - el.getBoundingClientRect().top - 8;
    }
    Object.assign(s, { room, first, count, pending: pending.length, newer: !!view.newer });
    remember(el);
    if (holding && s.landed && s.atBottom && view.loaded && !view.newer) releaseRead(room);
  });

  // To the newest message; from a window of older history, by loading the newest page first.
  function toNewest() {
    const el = scroller.current;
    if (el && !view.newer) el.scrollTop = el.scrollHeight;
    else if (el) {
      snap.current.toBottom = true;
      void loadLatest(room);
    }
  }

  const jumpToNewest = () => {
    const el = scroller.current;
    if (!el) return;
    toNewest();
    el.focus();
    releaseRead(room);
  };

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    remember(el);
    setAway(!snap.current.atBottom);
    if (holding && snap.current.landed && snap.current.atBottom && view.loaded && !view.newer) releaseRead(room);
    if (view.newer && el.scrollHeight - el.scrollTop - el.clientHeight < 400) void loadNewer(room);
    if (el.scrollTop < 120 && view.hasMore && !view.loadingOlder) void loadOlder(room);
  };

  const items: JSX.Element[] = [];
  let prev: Message | undefined;
  for (const m of view.messages) {
    // Dividers are items of the list (an <ol> holds only <li>), each a heading to jump between days with.
    if (!prev || dayKey(prev.created_at) !== dayKey(m.created_at)) {
      items.push(
        <li class="day-sep" data-testid="day-separator" key={'d' + m.seq}>
          <h2 class="sep-label">{dayLabel(m.created_at)}</h2>
        </li>,
      );
    }
    if (newFrom > 0 && m.seq === newFrom && m.seq !== view.messages[0]?.seq) {
      items.push(
        <li class="new-sep" data-testid="new-separator" key="new">
          <h2 class="sep-label">
            New<span class="sr-only"> messages</span>
          </h2>
        </li>,
      );
    }
    items.push(
      <MessageItem
        key={m.id}
        m={m}
        me={me}
        isOwner={isOwner}
        compact={!startsGroup(prev, m)}
        editing={editingId === m.id}
        onEdit={onEdit}
        selected={selected === m.id}
        onSelect={onSelect}
      />,
    );
    prev = m;
  }

  return (
    <div class="messages-wrap">
      <div class="messages" ref={scroller} onScroll={onScroll} onClick={deselect} data-testid="message-scroller" tabIndex={0} role="region" aria-label="Messages">
        <div class="history-top">
          {view.hasMore && view.loaded ? (
            <button type="button" class="btn btn-quiet btn-small" data-testid="load-older" disabled={view.loadingOlder} onClick={() => void loadOlder(room)}>
              {view.loadingOlder ? 'Loading…' : 'Load older messages'}
            </button>
          ) : view.loaded ? (
            <p class="muted small" data-testid="history-start">
              {dmPeer ? (
                <>
                  This is the beginning of your conversation with <bdi>{dmPeer}</bdi>.
                </>
              ) : (
                'This is the beginning of the room.'
              )}
            </p>
          ) : (
            <p class="muted small">Loading messages…</p>
          )}
          {view.error && <p class="field-error">{view.error}</p>}
        </div>
        <ol class="message-list" data-testid="message-list">
          {items}
          {pending.map((p) => (
            <PendingItem key={p.clientId} p={p} me={me} />
          ))}
        </ol>
        {view.newer && (
          <div class="history-top">
            <button type="button" class="btn btn-quiet btn-small" data-testid="load-newer" disabled={view.loadingNewer} onClick={() => void loadNewer(room)}>
              {view.loadingNewer ? 'Loading…' : 'Load newer messages'}
            </button>
          </div>
        )}
      </div>
      {holding && view.loaded && unread > 0 ? (
        <button type="button" class="btn btn-small btn-primary jump-latest" data-testid="jump-unread" onClick={jumpToNewest}>
          {unread} new {unread === 1 ? 'message' : 'messages'} · Jump to newest
        </button>
      ) : (
        (away || view.newer) && (
          <button type="button" class="btn btn-small jump-latest" onClick={toNewest}>
            <ArrowDownIcon /> Latest messages
          </button>
        )
      )}
    </div>
  );
}
