import { memo } from 'preact/compat';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '../../../src/core/types.ts';
import { useAutoSize } from '../auto-size.ts';
import { deleteMessage, editMessage, toggleReaction } from '../compose.ts';
import { bidiClosers, fullTime, linkify, timeOfDay } from '../format.ts';
import { Avatar } from './Avatar.tsx';
import { Foldable } from './Foldable.tsx';
import { EditIcon, ReactIcon, TrashIcon } from './Icons.tsx';

export const EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '👀', '✅'];

/**
 * User text as text: links become anchors whose content is still a text node. Never HTML. Callers wrap it in a
 * `<bdi data-bidi-close={bidiClosers(text)}>`, so a U+202E in it cannot reorder the UI around it.
 */
export function RichText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((p, i) =>
        p.kind === 'link' ? (
          <a key={i} href={p.href} target="_blank" rel="noopener noreferrer nofollow">
            {p.text}
          </a>
        ) : (
          p.text
        ),
      )}
    </>
  );
}

interface Props {
  m: Message;
  me: string;
  isOwner: boolean;
  compact: boolean;
  editing: boolean;
  onEdit(id: string | null): void;
  /** Tapped on a touch screen: its actions show (elsewhere they show on hover or when focus is inside). */
  selected: boolean;
  onSelect(id: string): void;
}

/** Touch screens have no hover: there a tap on a message shows its actions. */
const noHover = () => window.matchMedia('(hover: none)').matches;

function EditBox({ m, onDone }: { m: Message; onDone(): void }) {
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
    if (!t || t === m.text) return onDone();
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

function Reactions({ m, me }: { m: Message; me: string }) {
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

function Picker({ m, me, onClose }: { m: Message; me: string; onClose(): void }) {
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

/** One message: author, time, text, reactions, and the actions this user may take on it. */
function MessageItemImpl({ m, me, isOwner, compact, editing, onEdit, selected, onSelect }: Props) {
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const mine = m.author.username === me;
  useEffect(() => {
    if (!confirming) return;
    const t = setTimeout(() => setConfirming(false), 4000);
    return () => clearTimeout(t);
  }, [confirming]);
  // The picker closes when you click anywhere outside this message's toolbar.
  const toolbar = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!picking) return;
    const onDown = (e: PointerEvent) => {
      if (!toolbar.current?.contains(e.target as Node)) setPicking(false);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [picking]);

  return (
    <li
      class={'msg' + (compact ? ' compact' : '') + (mine ? ' mine' : '') + (m.deleted ? ' deleted' : '') + (selected ? ' selected' : '')}
      onClick={(e) => {
        // A tap on the message itself, not on a link, a button or the edit box inside it.
        if (noHover() && !(e.target as Element).closest('a, button, textarea, .msg-actions, .reactions')) onSelect(m.id);
      }}
      data-testid="message"
      data-id={m.id}
      data-seq={m.seq}
      data-author={m.author.username}
    >
      <div class="msg-gutter">
        {compact ? (
          <>
            {/* Grouped under the author's previous message: the name is not shown, but a screen reader hears it. */}
            <bdi class="sr-only" data-testid="message-author-sr">{m.author.username}</bdi>
            <time class="msg-time-hover" dateTime={m.created_at} title={fullTime(m.created_at)}>
              {timeOfDay(m.created_at)}
            </time>
          </>
        ) : (
          <Avatar name={m.author.username} />
        )}
      </div>
      <div class="msg-main">
        {!compact && (
          <div class="msg-head">
            <bdi class="msg-author" data-testid="message-author">
              {m.author.username}
            </bdi>
            <time class="msg-time" dateTime={m.created_at} title={fullTime(m.created_at)}>
              {timeOfDay(m.created_at)}
            </time>
          </div>
        )}
        {m.deleted ? (
          <p class="msg-text msg-deleted" data-testid="message-deleted">
            This message was deleted.
          </p>
        ) : editing ? (
          <EditBox m={m} onDone={() => onEdit(null)} />
        ) : (
          <Foldable text={m.text}>
            <p class="msg-text">
              <bdi data-testid="message-text" data-bidi-close={bidiClosers(m.text) || undefined}>
                <RichText text={m.text} />
              </bdi>
              {m.edited_at && (
                <span class="msg-edited" data-testid="message-edited" title={fullTime(m.edited_at)}>
                  {' '}
                  (edited)
                </span>
              )}
            </p>
          </Foldable>
        )}
        {!m.deleted && <Reactions m={m} me={me} />}
      </div>
      {!m.deleted && !editing && (
        <div ref={toolbar} class={'msg-actions' + (picking || confirming ? ' open' : '')} role="toolbar" aria-label="Message actions">
          <button type="button" class="icon-btn" aria-label="Add reaction" title="Add reaction" aria-expanded={picking} onClick={() => setPicking(!picking)}>
            <ReactIcon />
          </button>
          {mine && (
            <button type="button" class="icon-btn" aria-label="Edit message" title="Edit" onClick={() => onEdit(m.id)}>
              <EditIcon />
            </button>
          )}
          {(mine || isOwner) &&
            (confirming ? (
              <button type="button" class="btn btn-danger btn-small" onClick={() => void deleteMessage(m.room, m.id)}>
                Delete?
              </button>
            ) : (
              <button type="button" class="icon-btn" aria-label="Delete message" title="Delete" onClick={() => setConfirming(true)}>
                <TrashIcon />
              </button>
            ))}
          {picking && <Picker m={m} me={me} onClose={() => setPicking(false)} />}
        </div>
      )}
    </li>
  );
}

export const MessageItem = memo(MessageItemImpl);
