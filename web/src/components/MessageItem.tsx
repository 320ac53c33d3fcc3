import { memo } from 'preact/compat';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '../../../src/core/types.ts';
import { deleteMessage } from '../compose.ts';
import { fullTime, timeOfDay } from '../format.ts';
import { mentionsName, startReply } from '../mentions.ts';
import { Attachments, Previews } from './Attachments.tsx';
import { AuthorAvatar, AuthorName } from './Author.tsx';
import { Foldable } from './Foldable.tsx';
import { EditIcon, ReactIcon, ReplyIcon, TrashIcon } from './Icons.tsx';
import { EditBox, Picker, Reactions } from './MessageParts.tsx';
import { MessageText } from './MessageText.tsx';
import { ReplyQuote } from './ReplyQuote.tsx';

export { EMOJI } from './MessageParts.tsx';

const NO_NAMES: ReadonlySet<string> = new Set();

/** The lower-cased names whose `@` tokens a message's text styles: the users it mentions, and room/here if they counted. */
function mentionedNames(m: Message): ReadonlySet<string> {
  const mt = m.mentions;
  if (!mt || (mt.users.length === 0 && !mt.room && !mt.here)) return NO_NAMES;
  const names = new Set(mt.users.map((u) => u.username.toLowerCase()));
  if (mt.room) names.add('room');
  if (mt.here) names.add('here');
  return names;
}

/** "(edited)" after a message's text, with the time of the edit as its tooltip. */
function Edited({ at }: { at: string }) {
  return (
    <span class="msg-edited" data-testid="message-edited" title={fullTime(at)}>
      {' '}
      (edited)
    </span>
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

/** One message: author, time, text, reactions, and the actions this user may take on it. */
function MessageItemImpl({ m, me, isOwner, compact, editing, onEdit, selected, onSelect }: Props) {
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const mine = m.author.username === me;
  const forMe = mentionsName(m, me);
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
      class={'msg' + (compact ? ' compact' : '') + (mine ? ' mine' : '') + (m.deleted ? ' deleted' : '') + (selected ? ' selected' : '') + (forMe ? ' mentions-me' : '')}
      onClick={(e) => {
        // A tap on the message itself, not on a link, a button or the edit box inside it.
        if (noHover() && !(e.target as Element).closest('a, button, textarea, .msg-actions, .reactions')) onSelect(m.id);
      }}
      data-testid="message"
      data-id={m.id}
      data-seq={m.seq}
      data-author={m.author.username}
      data-mentions-me={forMe ? 'true' : undefined}
    >
      <div class="msg-gutter">
        {compact ? (
          <>
            {/* Grouped under the author's previous message: the name is not shown, but a screen reader hears it. */}
            <bdi class="sr-only" data-testid="message-author-sr">{m.alias ?? m.author.username}</bdi>
            <time class="msg-time-hover" dateTime={m.created_at} title={fullTime(m.created_at)}>
              {timeOfDay(m.created_at)}
            </time>
          </>
        ) : (
          <AuthorAvatar author={m.author} alias={m.alias} />
        )}
      </div>
      <div class="msg-main">
        {!compact && (
          <div class="msg-head">
            <AuthorName author={m.author} alias={m.alias} />
            <time class="msg-time" dateTime={m.created_at} title={fullTime(m.created_at)}>
              {timeOfDay(m.created_at)}
            </time>
          </div>
        )}
        {/* The highlight is colour; a screen reader hears it in words. */}
        {forMe && <span class="sr-only">Mentions you.</span>}
        {m.reply_to && !m.deleted && <ReplyQuote r={m.reply_to} room={m.room} />}
        {m.deleted ? (
          <p class="msg-text msg-deleted" data-testid="message-deleted">
            This message was deleted.
          </p>
        ) : editing ? (
          <EditBox m={m} onDone={() => onEdit(null)} />
        ) : m.text ? (
          <Foldable text={m.text}>
            <div class="msg-text">
              <MessageText text={m.text} names={mentionedNames(m)} me={me} />
              {m.edited_at && <Edited at={m.edited_at} />}
            </div>
          </Foldable>
        ) : (
          // Attachments only (the text may be empty then, also after an edit).
          m.edited_at && (
            <div class="msg-text">
              <Edited at={m.edited_at} />
            </div>
          )
        )}
        {!m.deleted && <Attachments list={m.attachments} />}
        {!m.deleted && !editing && <Previews list={m.previews} />}
        {!m.deleted && <Reactions m={m} me={me} />}
      </div>
      {!m.deleted && !editing && (
        <div ref={toolbar} class={'msg-actions' + (picking || confirming ? ' open' : '')} role="toolbar" aria-label="Message actions">
          <button type="button" class="icon-btn" aria-label="Add reaction" title="Add reaction" aria-expanded={picking} onClick={() => setPicking(!picking)}>
            <ReactIcon />
          </button>
          <button type="button" class="icon-btn" aria-label="Reply" title="Reply" onClick={() => startReply(m)}>
            <ReplyIcon />
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
