import type { SearchHit } from '../api.ts';
import { dayLabel, fullTime, timeOfDay } from '../format.ts';
import { snippet } from '../search.ts';
import { BotBadge, KnownBotBadge } from './BotBadge.tsx';
import { getState, own, roomLabel } from '../state.ts';

interface Props {
  id: string;
  hit: SearchHit;
  active: boolean;
  onOpen(): void;
}

/**
 * One search result, an option of the results listbox: where (room), who, when, and the text (cut around its
 * first match when long) with each match in <mark>. The text is built as text nodes, never as HTML.
 */
export function SearchResult({ id, hit, active, onOpen }: Props) {
  const m = hit.message;
  const r = own(getState().rooms, m.room);
  const where = r?.kind === 'dm' ? roomLabel(r, m.room) : '#' + m.room;
  const parts = snippet(m.text, hit.highlights);
  return (
    <li
      role="option"
      id={id}
      aria-selected={active}
      class={'search-result' + (active ? ' active' : '')}
      data-testid="search-result"
      // Keeps focus in the search box, so the click opens the result and focus handling stays in one place.
      onMouseDown={(e) => e.preventDefault()}
      onClick={onOpen}
    >
      <div class="search-meta">
        <bdi class="search-room" data-testid="search-result-room">{where}</bdi>
        <bdi class="search-author" data-testid="search-result-author">{m.author.username}</bdi>
        {m.alias ? <BotBadge /> : <KnownBotBadge user={m.author} />}
        <time class="search-time" dateTime={m.created_at} title={fullTime(m.created_at)}>
          {dayLabel(m.created_at)}, {timeOfDay(m.created_at)}
        </time>
      </div>
      <p class="search-text" data-testid="search-result-text">
        <bdi>{parts.map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : p.text))}</bdi>
      </p>
    </li>
  );
}
