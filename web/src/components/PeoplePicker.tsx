import { useEffect, useRef, useState } from 'preact/hooks';
import type { User } from '../../../src/core/types.ts';
import { errorText } from '../api.ts';
import { findPeople, type Person } from '../people.ts';
import { Avatar } from './Avatar.tsx';
import { BotBadge } from './BotBadge.tsx';
import { DisplayName } from './DisplayName.tsx';

interface Props {
  /** The input's id: the caller's `<label for>` names it. */
  id: string;
  value: string;
  onInput(value: string): void;
  /** People not to suggest (yourself for a DM, the members already in for "Add member"). */
  skip(u: User): boolean;
  invalid?: boolean;
  placeholder?: string;
  testId?: string;
  /** Takes the focus when it appears (in a dialog: the field, not the Close button). */
  autofocus?: boolean;
}

/** Waits this long after the last keystroke before asking the server, so typing a name is one request. */
const DEBOUNCE_MS = 120;

/** A presence dot: filled when online, a ring when not (shape, not colour alone); callers also say it in words. */
export function PresenceDot({ online, testId }: { online: boolean; testId?: string }) {
  return <span class={'presence ' + (online ? 'online' : 'offline')} aria-hidden="true" data-testid={testId} data-online={String(online)} />;
}

/**
 * A username field that suggests people whose name starts with what you typed, as an ARIA combobox: arrows move
 * through the suggestions, Enter takes one (the form's own Enter still submits once none is highlighted), Escape
 * closes them and a click picks one. Taking a suggestion only fills the field; the form's button acts.
 */
export function PeoplePicker({ id, value, onInput, skip, invalid, placeholder, testId, autofocus }: Props) {
  const [people, setPeople] = useState<Person[] | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [error, setError] = useState<string | null>(null);
  const asked = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);

  const search = (q: string, now = false) => {
    clearTimeout(timer.current);
    const n = ++asked.current;
    const run = () =>
      findPeople(q.trim(), skip).then(
        (found) => {
          if (n !== asked.current) return;
          setPeople(found);
          setError(null);
          setActive(-1);
        },
        (e) => {
          if (n !== asked.current) return;
          setPeople(null);
          setError(`Suggestions are not available: ${errorText(e)}`);
        },
      );
    if (now) void run();
    else timer.current = setTimeout(run, DEBOUNCE_MS);
  };

  const close = () => {
    clearTimeout(timer.current);
    asked.current++;
    setOpen(false);
    setActive(-1);
  };
  const choose = (p: Person) => {
    onInput(p.user.username);
    close();
  };

  const listId = `${id}-list`;
  const optId = (i: number) => `${id}-opt-${i}`;
  const shown = open && people ? people : [];
  const expanded = shown.length > 0;
  const note = open ? (error ?? (people && people.length === 0 && value.trim() ? `No one found whose name starts with “${value.trim()}”.` : null)) : null;

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!expanded) {
        setOpen(true);
        search(value, true);
        return;
      }
      const n = shown.length;
      setActive(e.key === 'ArrowDown' ? (active + 1) % n : active <= 0 ? n - 1 : active - 1);
    } else if (e.key === 'Enter' && expanded && active >= 0 && shown[active]) {
      e.preventDefault();
      choose(shown[active]!);
    } else if (e.key === 'Escape' && (expanded || note)) {
      // The first Escape closes the suggestions only; the next one reaches the dialog.
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  };

  return (
    <div class="people-picker">
      <input
        id={id}
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? optId(active) : undefined}
        aria-invalid={invalid}
        autoComplete="off"
        autoCapitalize="off"
        spellcheck={false}
        placeholder={placeholder}
        autofocus={autofocus}
        data-testid={testId}
        value={value}
        onInput={(e) => {
          const v = e.currentTarget.value;
          onInput(v);
          if (v.trim()) {
            setOpen(true);
            search(v);
          } else close();
        }}
        onKeyDown={onKeyDown}
        onBlur={close}
      />
      <ul id={listId} role="listbox" aria-label="Suggestions" class="people-list" hidden={!expanded}>
        {shown.map((p, i) => (
          <li
            id={optId(i)}
            role="option"
            aria-selected={i === active}
            class={'person-option' + (i === active ? ' active' : '')}
            data-username={p.user.username}
            // Keep the focus in the field: a click picks without blurring (which would close the list first).
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => choose(p)}
          >
            <span class="presence-wrap">
              <Avatar name={p.user.username} small />
              <PresenceDot online={p.online} />
            </span>
            {/* What you type matches the username, so it comes first here; the display name follows, muted. */}
            <bdi class="person-name">{p.user.username}</bdi>
            <DisplayName name={p.user.display_name} after />
            {p.user.kind === 'bot' && <BotBadge />}
            <span class="person-state muted small">{p.online ? 'online' : 'offline'}</span>
          </li>
        ))}
      </ul>
      {/* Always in the page, so screen readers announce the text when it appears. */}
      <p class="muted small picker-note" role="status">
        {note}
      </p>
    </div>
  );
}
