import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Room } from '../../../src/core/types.ts';
import { LEVELS, setLevel } from '../mentions.ts';
import { BellIcon } from './Icons.tsx';

/**
 * The room header's notification level, as an ARIA menu button: the button says the current level; Enter, Space
 * or an arrow opens a menu of three radio items with the focus on the current one; arrows, Home and End move,
 * Enter or Space chooses (saved at once), Escape closes and gives the focus back to the button, Tab closes.
 */
export function NotificationMenu({ room }: { room: Room }) {
  const [open, setOpen] = useState(false);
  const [focus, setFocus] = useState(0);
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);
  const level = room.notifications ?? (room.kind === 'dm' ? 'all' : 'mentions');
  const cur = Math.max(0, LEVELS.findIndex((l) => l.level === level));

  useLayoutEffect(() => {
    if (open) menu.current?.querySelectorAll<HTMLElement>('[role="menuitemradio"]')[focus]?.focus();
  }, [open, focus]);

  // A click anywhere else closes the menu (the focus goes where the click put it).
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (!wrap.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [open]);

  const show = (at: number) => {
    setFocus(at);
    setOpen(true);
  };
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  const choose = (i: number) => {
    const l = LEVELS[i];
    close(true);
    if (l && l.level !== level) void setLevel(room.name, l.level);
  };

  const onMenuKey = (e: KeyboardEvent) => {
    const n = LEVELS.length;
    const moves: Record<string, number> = { ArrowDown: (focus + 1) % n, ArrowUp: (focus - 1 + n) % n, Home: 0, End: n - 1 };
    if (e.key in moves) setFocus(moves[e.key]!);
    else if (e.key === 'Enter' || e.key === ' ') choose(focus);
    else if (e.key === 'Escape') {
      e.stopPropagation();
      close(true);
    } else if (e.key === 'Tab') {
      close(false);
      return;
    } else return;
    e.preventDefault();
  };

  const label = LEVELS[cur]!.label;
  return (
    <div class="notif" ref={wrap}>
      <button
        ref={button}
        type="button"
        class="btn btn-quiet btn-small notif-btn"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls="notif-menu"
        data-testid="notification-button"
        data-level={level}
        title="Notifications for this room"
        onClick={() => (open ? close(true) : show(cur))}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            show(cur);
          }
        }}
      >
        <BellIcon />
        <span class="sr-only">Notifications: </span>
        <span class="notif-level">{label}</span>
      </button>
      {open && (
        <ul id="notif-menu" class="notif-menu" role="menu" aria-label="Notifications for this room" ref={menu} onKeyDown={onMenuKey}>
          {LEVELS.map((l, i) => (
            <li
              role="menuitemradio"
              aria-checked={l.level === level}
              aria-labelledby={`notif-${l.level}`}
              aria-describedby={`notif-${l.level}-hint`}
              tabIndex={-1}
              class={'notif-item' + (l.level === level ? ' checked' : '')}
              data-level={l.level}
              onClick={() => choose(i)}
            >
              <span class="notif-check" aria-hidden="true" />
              <span class="notif-text">
                <span id={`notif-${l.level}`}>{l.label}</span>
                <span id={`notif-${l.level}-hint`} class="muted small">
                  {l.hint}
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
