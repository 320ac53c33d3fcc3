import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '../../../src/core/types.ts';
import { useAutoSize } from '../auto-size.ts';
import { editMessage, toggleReaction } from '../compose.ts';

/** The pieces of a message row besides its text: the edit box, the reaction chips and the reaction picker. */

export const EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '👀', '✅'];

export function EditBox({ m, onDone }: { m: Message; onDone(): void }) {
  const [text, setText] = useState(m.text);
  const ref = useRef<HTMLTextAreaElement>(null);
  // Grows with the text like the composer; it sits in the scrolling history, so it may use most of the window.
  useAutoSize(ref, text, () => Math.max(200, Math.round(window.innerHeight * 0.6)));
  // A layout effect: focus and caret are set before the browser paints or handles the next input event.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const save = async () => {
    const t = text.trim();
    // Text may become empty only when the message has files to carry (API v1.1 §3).
    if ((!t && (m.attachments ?? []).length === 0) || t === m.text) return onDone();
    if (await editMessage(m.room, m.id, t)) onDone();
  };
  return (
    <div class="edit-box">
      <textarea
        ref={ref}
        aria-label="Edit message"
        data-testid="edit-input"
        value={text}
        rows={1}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onDone();
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void save();
          }
        }}
      />
      <div class="edit-actions">
        <span class="muted small">Enter to save · Esc to cancel</span>
        <button type="button" class="btn btn-quiet btn-small" onClick={onDone}>
          Cancel
        </button>
        <button type="button" class="btn btn-primary btn-small" onClick={() => void save()}>
          Save
        </button>
      </div>
    </div>
  );
}

export function Reactions({ m, me }: { m: Message; me: string }) {
  const entries = Object.entries(m.reactions).filter(([, who]) => who.length > 0);
  if (entries.length === 0) return null;
  return (
    <div class="reactions" data-testid="reactions">
      {entries.map(([emoji, who]) => {
        const mine = who.includes(me);
        const names = who.join(', ');
        return (
          <button
            type="button"
            class={'reaction' + (mine ? ' mine' : '')}
            aria-pressed={mine}
            aria-label={`${emoji} ${who.length}, reacted by ${names}`}
            title={`Reacted by ${names}`}
            data-testid="reaction"
            data-emoji={emoji}
            data-who={names}
            onClick={() => void toggleReaction(m.room, m.id, emoji, !mine)}
          >
            <span class="reaction-emoji">{emoji}</span>
            <span class="reaction-count" data-testid="reaction-count">
              {who.length}
            </span>
          </button>
        );
      })}
    </div>
  );
}

export function Picker({ m, me, onClose }: { m: Message; me: string; onClose(): void }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    ref.current?.querySelector('button')?.focus();
    // Closing (Escape, a choice, a click outside) gives focus back to "Add reaction" if it was in here; a
    // click elsewhere has already moved it where the person wanted.
    const picker = ref.current;
    return () => {
      if (picker?.contains(document.activeElement) && opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <div
      class="picker"
      role="group"
      aria-label="Pick a reaction"
      data-testid="reaction-picker"
      ref={ref}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      {EMOJI.map((emoji) => {
        const on = !(m.reactions[emoji] ?? []).includes(me);
        return (
          <button
            type="button"
            aria-label={`React with ${emoji}`}
            onClick={() => {
              onClose();
              void toggleReaction(m.room, m.id, emoji, on);
            }}
          >
            {emoji}
          </button>
        );
      })}
    </div>
  );
}
