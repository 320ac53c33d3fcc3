import { type RefObject } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Member } from '../../../src/core/types.ts';
import { Avatar } from './Avatar.tsx';
import { PresenceDot } from './PeoplePicker.tsx';

/** One suggestion: a member, or the @room / @here keyword. */
export interface Suggestion {
  name: string;
  hint: string;
  online?: boolean;
}

/** At most this many suggestions show at once; typing more letters narrows them. */
const MAX_SHOWN = 8;

/** The `@` word ending at the caret (the server's rule: an `@` after no letter, digit, `_`, `.`, `-` or `@`). */
export function atQuery(text: string, caret: number): { start: number; q: string } | null {
  const m = /(?<![\p{L}\p{N}_.@-])@([A-Za-z0-9_.-]*)$/u.exec(text.slice(0, caret));
  return m ? { start: m.index, q: m[1] ?? '' } : null;
}

/** Members (not you) whose name starts with `q`, by name, then @room and @here (rooms only), case-insensitively. */
export function suggestions(q: string, members: Member[] | undefined, me: string, dm: boolean): Suggestion[] {
  const lq = q.toLowerCase();
  const people = (members ?? [])
    .filter((m) => m.user.username.toLowerCase() !== me.toLowerCase() && m.user.username.toLowerCase().startsWith(lq))
    .sort((a, b) => a.user.username.localeCompare(b.user.username))
    .map((m) => ({ name: m.user.username, hint: m.online ? 'online' : 'offline', online: m.online }));
  const keywords = dm
    ? []
    : [
        { name: 'room', hint: 'everyone in the room' },
        { name: 'here', hint: 'everyone online' },
      ].filter((k) => k.name.startsWith(lq));
  return [...people, ...keywords].slice(0, MAX_SHOWN);
}

const LIST_ID = 'mention-list';
const optId = (i: number) => `mention-opt-${i}`;

interface Options {
  ref: RefObject<HTMLTextAreaElement>;
  text: string;
  setText(v: string): void;
  members: Member[] | undefined;
  me: string;
  dm: boolean;
}

/**
 * `@` autocomplete for the message box, in the ARIA listbox pattern for a text box: the box keeps the focus and
 * names the active option (aria-activedescendant); arrows move, Enter or Tab inserts `@name `, Escape closes.
 * Returns the box's ARIA attributes, its key handler (true when it used the key), `sync` (call after input or a
 * caret move) and the list to render next to the box.
 */
export function useMentionAutocomplete({ ref, text, setText, members, me, dm }: Options) {
  const [at, setAt] = useState<{ start: number; q: string } | null>(null);
  const [active, setActive] = useState(0);
  const caretTo = useRef<number | null>(null);
  const shown = at ? suggestions(at.q, members, me, dm) : [];
  const open = shown.length > 0;
  const current = Math.min(active, shown.length - 1);

  // After an insertion the box re-renders with its new value: put the caret after the inserted name.
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && caretTo.current !== null) {
      el.setSelectionRange(caretTo.current, caretTo.current);
      caretTo.current = null;
    }
  });

  const sync = () => {
    const el = ref.current;
    const next = el && el.selectionStart === el.selectionEnd ? atQuery(el.value, el.selectionStart) : null;
    if (next?.start !== at?.start || next?.q !== at?.q) setActive(0);
    setAt(next);
  };
  const close = () => setAt(null);

  const pick = (s: Suggestion) => {
    const el = ref.current;
    if (!el || !at) return;
    const rest = text.slice(el.selectionStart);
    const insert = '@' + s.name + (rest.startsWith(' ') ? '' : ' ');
    setText(text.slice(0, at.start) + insert + rest);
    caretTo.current = at.start + insert.length + (rest.startsWith(' ') ? 1 : 0);
    setAt(null);
  };

  const onKeyDown = (e: KeyboardEvent): boolean => {
    if (!open || e.isComposing) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const n = shown.length;
      setActive(e.key === 'ArrowDown' ? (current + 1) % n : (current - 1 + n) % n);
    } else if ((e.key === 'Enter' && !e.shiftKey) || (e.key === 'Tab' && !e.shiftKey)) {
      pick(shown[current]!);
    } else if (e.key === 'Escape') {
      // Only the suggestions close; the next Escape reaches whatever is around.
      e.stopPropagation();
      close();
    } else return false;
    e.preventDefault();
    return true;
  };

  const boxProps = {
    'aria-autocomplete': 'list' as const,
    'aria-controls': LIST_ID,
    'aria-activedescendant': open ? optId(current) : undefined,
  };

  const list = (
    <>
      <ul id={LIST_ID} role="listbox" aria-label="Mention suggestions" class="mention-list" hidden={!open} data-testid="mention-list">
        {shown.map((s, i) => (
          <li
            key={s.name}
            id={optId(i)}
            role="option"
            aria-selected={i === current}
            class={'person-option' + (i === current ? ' active' : '')}
            data-name={s.name}
            // Keep the focus in the box: a click picks without blurring it.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(s)}
          >
            {s.online === undefined ? (
              <span class="mention-kw" aria-hidden="true">@</span>
            ) : (
              <span class="presence-wrap">
                <Avatar name={s.name} small />
                <PresenceDot online={s.online} />
              </span>
            )}
            <bdi class="person-name">{s.name}</bdi>
            <span class="person-state muted small">{s.hint}</span>
          </li>
        ))}
      </ul>
      <p class="sr-only" role="status">
        {open ? `${shown.length} ${shown.length === 1 ? 'suggestion' : 'suggestions'}` : ''}
      </p>
    </>
  );

  return { boxProps, onKeyDown, sync, close, list };
}
