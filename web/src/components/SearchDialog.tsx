import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { client, type SearchHit } from '../api.ts';
import { openAt, searchErrorText } from '../search.ts';
import { CloseIcon, SearchIcon } from './Icons.tsx';
import { SearchResult } from './SearchResult.tsx';

/** idle: nothing typed; pending: waiting for typing to pause; loading: a request is out; done / error: its answer. */
type Status = 'idle' | 'pending' | 'loading' | 'done' | 'error';

/** Typing pauses this long before a search goes out (the server allows 30 searches a minute). */
const DEBOUNCE_MS = 300;
const PAGE = 20;

/** Whether a key typed here is text (an input, a text area, an editable element), not a shortcut. */
function isTextField(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  return t instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(t.type);
}

/**
 * The search shortcuts: `/` (when not typing in a field) and Ctrl-K / Cmd-K call `open`; while the search is
 * open, Ctrl-K goes back to its input. Other dialogs keep their keys.
 */
export function useSearchShortcut(enabled: boolean, open: () => void): void {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || e.altKey) return;
      const modK = (e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'k';
      const slash = e.key === '/' && !e.ctrlKey && !e.metaKey && !isTextField(e.target);
      if (!modK && !slash) return;
      const d = document.querySelector('dialog[open]');
      if (d && !d.classList.contains('search-dialog')) return;
      e.preventDefault();
      if (d) document.getElementById('search-input')?.focus();
      else open();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [enabled]);
}

/**
 * Searching messages: a modal dialog with a search box (an ARIA combobox whose results are a listbox; the arrow
 * keys choose one, Enter or a click opens its room at that message). Results come newest first, 20 at a time
 * ("Load more"); "In this room" limits them to the open room. Escape closes it and focus returns to where it was.
 */
export function SearchDialog({ room, onClose }: { room: string | null; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [q, setQ] = useState('');
  const [inRoom, setInRoom] = useState(false);
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>('idle');
  const [error, setError] = useState('');
  const [active, setActive] = useState(-1);
  const req = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  useLayoutEffect(() => {
    const d = ref.current;
    if (!d) return;
    const before = document.activeElement as HTMLElement | null;
    d.showModal();
    // As in Dialogs.tsx: close the modal first (everything outside it is inert), then give focus back.
    return () => {
      clearTimeout(timer.current);
      if (d.open) d.close();
      if (before?.isConnected) before.focus();
    };
  }, []);

  useEffect(() => {
    if (active >= 0) document.getElementById(`search-opt-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  /** One search (or its next page); true when it answered and is still the latest. */
  const run = async (query: string, here: boolean, cursor: string | null): Promise<boolean> => {
    const n = ++req.current;
    clearTimeout(timer.current);
    setStatus('loading');
    try {
      const r = await client.messages.search({ q: query.trim(), room: here && room ? room : undefined, limit: PAGE, cursor });
      if (n !== req.current) return false;
      setHits((prev) => (cursor ? [...prev, ...r.results] : r.results));
      setNext(r.next);
      if (!cursor) setActive(-1);
      setStatus('done');
      return true;
    } catch (e) {
      if (n !== req.current) return false;
      setError(searchErrorText(e));
      setStatus('error');
      return false;
    }
  };

  // The next page; then the first of its results is chosen, and focus stays in the search box (the button goes
  // away on the last page).
  const more = async () => {
    if (status === 'loading' || !next) return;
    const at = hits.length;
    if (await run(q, inRoom, next)) setActive(at);
    document.getElementById('search-input')?.focus();
  };

  /** A new query or filter: searches once typing pauses (an answer to an older query is dropped). */
  const change = (query: string, here: boolean) => {
    setQ(query);
    setInRoom(here);
    req.current++;
    clearTimeout(timer.current);
    if (!query.trim()) {
      setHits([]);
      setNext(null);
      setActive(-1);
      setStatus('idle');
      return;
    }
    setStatus('pending');
    timer.current = setTimeout(() => void run(query, here, null), DEBOUNCE_MS);
  };

  const open = (h: SearchHit) => {
    onClose();
    void openAt(h.message.room, h.message.seq);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (hits.length === 0) return;
      setActive((a) => (e.key === 'ArrowDown' ? Math.min(hits.length - 1, a + 1) : Math.max(0, a - 1)));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const h = hits[active];
      if (h && status !== 'pending') open(h);
      else if (q.trim()) void run(q, inRoom, null);
    }
  };

  const expanded = hits.length > 0;
  return (
    <dialog ref={ref} class="modal search-dialog" aria-label="Search messages" onClose={onClose} onCancel={onClose}>
      <div class="search-bar">
        <SearchIcon />
        <input
          id="search-input"
          class="search-input"
          type="text"
          role="combobox"
          aria-label="Search messages"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={expanded ? 'search-results' : undefined}
          aria-activedescendant={active >= 0 && expanded ? `search-opt-${active}` : undefined}
          autocomplete="off"
          spellcheck={false}
          enterKeyHint="search"
          placeholder="Search messages"
          value={q}
          onInput={(e) => change(e.currentTarget.value, inRoom)}
          onKeyDown={onKeyDown}
        />
        <button type="button" class="icon-btn" aria-label="Close search" onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      <div class="search-options">
        {room && (
          <label class="search-filter">
            <input type="checkbox" checked={inRoom} onChange={(e) => change(q, e.currentTarget.checked)} /> In this room
          </label>
        )}
        <span class="search-keys muted small" aria-hidden="true">
          Arrow keys choose · Enter opens · Esc closes
        </span>
      </div>
      {status === 'loading' && <div class="search-progress" aria-hidden="true" />}
      <div class="search-status" role="status" data-testid="search-status" data-state={status}>
        {status === 'loading' && <span class="muted small">Searching…</span>}
        {status === 'error' && <p class="field-error">{error}</p>}
        {status === 'done' && hits.length === 0 && <p class="search-empty">No messages found</p>}
        {status === 'done' && hits.length > 0 && (
          <span class="sr-only">
            {hits.length} {hits.length === 1 ? 'message' : 'messages'} found{next ? ', more with Load more' : ''}
          </span>
        )}
      </div>
      {expanded && (
        <ul class="search-results" id="search-results" role="listbox" aria-label="Search results">
          {hits.map((h, i) => (
            <SearchResult key={h.message.id} id={`search-opt-${i}`} hit={h} active={i === active} onOpen={() => open(h)} />
          ))}
        </ul>
      )}
      {next && expanded && (
        <div class="search-more">
          <button type="button" class="btn btn-small" aria-disabled={status === 'loading'} onClick={() => void more()}>
            Load more
          </button>
        </div>
      )}
    </dialog>
  );
}
