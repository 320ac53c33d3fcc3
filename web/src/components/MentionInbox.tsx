import { useEffect, useRef, useState } from 'preact/hooks';
import type { Room } from '../../../src/core/types.ts';
import { client, errorText, type MentionEntry } from '../api.ts';
import { bidiClosers, filesLabel, fullTime, timeOfDay, dayLabel } from '../format.ts';
import { openAt } from '../search.ts';
import { own, roomLabel } from '../state.ts';
import { Avatar } from './Avatar.tsx';
import { BotBadge, KnownBotBadge } from './BotBadge.tsx';
import { MenuIcon } from './Icons.tsx';

const REASONS: Record<MentionEntry['reason'], string> = {
  user: 'mentioned you',
  reply: 'replied to you',
  room: 'mentioned @room',
  here: 'mentioned @here',
};

interface Props {
  rooms: Record<string, Room>;
  /** Phone width: show the menu of rooms. */
  onMenu(): void;
  /** An item was chosen: its room opens (the inbox closes). */
  onOpen(): void;
}

/** Opens the room of a mention at its message (the history around it loads when it is far back). */
function open(e: MentionEntry): void {
  void openAt(e.message.room, e.message.seq);
}

/** The mentions inbox: messages that mention you, newest first, why, and whether you have read them. */
export function MentionInbox({ rooms, onMenu, onOpen }: Props) {
  const [items, setItems] = useState<MentionEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = async (cursor: string | null) => {
    setLoading(true);
    try {
      const page = await client.messages.mentions({ cursor, limit: 30 });
      setItems((cur) => (cursor ? [...cur, ...page.mentions] : page.mentions));
      setNext(page.next);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => void load(null), []);
  // Opened from the sidebar (which closes on a phone): the focus moves to the inbox, at its heading.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  return (
    <section class="room inbox" aria-label="Mentions" data-testid="mention-inbox">
      <header class="room-head">
        <button type="button" class="icon-btn menu-btn" aria-label="Show rooms" onClick={onMenu}>
          <MenuIcon />
        </button>
        <div class="room-title">
          <h1 ref={heading} tabIndex={-1}>
            Mentions
          </h1>
          <p class="room-topic">Messages that mention you or reply to you, newest first.</p>
        </div>
      </header>
      <div class="messages inbox-scroll">
        {error && (
          <p class="field-error" role="alert">
            Could not load your mentions: {error}
          </p>
        )}
        {!loading && !error && items.length === 0 && <p class="muted pad inbox-empty">Nobody has mentioned you yet.</p>}
        <ul class="inbox-list">
          {items.map((e) => {
            const m = e.message;
            const r = own(rooms, m.room);
            const where = r?.kind === 'dm' ? roomLabel(r, m.room) : '#' + m.room;
            return (
              <li key={m.id} class={'inbox-item' + (e.read ? '' : ' unread')} data-testid="mention-item" data-reason={e.reason} data-read={String(e.read)}>
                <button type="button" class="inbox-open" onClick={() => { onOpen(); open(e); }}>
                  <Avatar name={m.author.username} />
                  <span class="inbox-body">
                    <span class="inbox-head">
                      <bdi class="msg-author">{m.author.username}</bdi>
                      {m.alias ? <BotBadge /> : <KnownBotBadge user={m.author} />}
                      <span class="muted small"> {REASONS[e.reason]} in </span>
                      <bdi class="inbox-room">{where}</bdi>
                      <time class="msg-time" dateTime={m.created_at} title={fullTime(m.created_at)}>
                        {dayLabel(m.created_at)} {timeOfDay(m.created_at)}
                      </time>
                      {!e.read && <span class="inbox-unread">unread</span>}
                    </span>
                    <bdi class="inbox-text" data-bidi-close={bidiClosers(m.text) || undefined}>
                      {m.text || filesLabel(m.attachments?.length ?? 0)}
                    </bdi>
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
        {loading && <p class="muted pad" role="status">Loading mentions…</p>}
        {next && !loading && (
          <button type="button" class="btn btn-quiet btn-small inbox-more" onClick={() => void load(next)}>
            Load more
          </button>
        )}
      </div>
    </section>
  );
}
