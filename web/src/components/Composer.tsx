import { useEffect, useRef, useState } from 'preact/hooks';
import type { Member, Message } from '../../../src/core/types.ts';
import { TEXT_MAX } from '../../../src/core/validate.ts';
import { useAutoSize } from '../auto-size.ts';
import { send, stopTyping, typing } from '../compose.ts';
import { cancelReply } from '../mentions.ts';
import { addFiles, clearChips, readyUploads, uploading, useChips } from '../uploads.ts';
import { AttachButton, ChipList, filesOf, useCanUpload } from './AttachmentChips.tsx';
import { useMentionAutocomplete } from './Autocomplete.tsx';
import { ReplyPreview } from './ReplyQuote.tsx';

/** The composer grows with its text up to this height (styles.css has the same max-height), then scrolls. */
const COMPOSER_MAX_PX = 200;

/** Unsent text per room, kept while you look at other rooms. */
const drafts = new Map<string, string>();

interface Props {
  room: string;
  label: string;
  /** Up arrow in an empty box: edit your last message. Returns false when there is none. */
  onEditLast(): boolean;
  /** The room's members, for `@` suggestions; `me` is left out of them. */
  members?: Member[];
  me: string;
  dm: boolean;
  /** The message this one will reply to (shown quoted above the box), if any. */
  replyTo?: Message;
}

/**
 * The message box: Enter sends, Shift+Enter starts a new line, typing tells the room (throttled).
 * Render it with `key={room}`: each room gets a fresh box that starts from that room's draft.
 */
export function Composer({ room, label, onEditLast, members, me, dm, replyTo }: Props) {
  const [text, setText] = useState(() => drafts.get(room) ?? '');
  const ref = useRef<HTMLTextAreaElement>(null);

  // Focus the box when a room opens (desktop only: on phones focusing opens the on-screen keyboard).
  useEffect(() => {
    if (window.matchMedia('(min-width: 768px)').matches) ref.current?.focus();
  }, []);

  useAutoSize(ref, text, () => COMPOSER_MAX_PX);
  const setDraft = (v: string) => {
    setText(v);
    drafts.set(room, v);
  };
  const mention = useMentionAutocomplete({ ref, text, setText: setDraft, members, me, dm });
  const canUpload = useCanUpload();
  const { chips, note } = useChips(room);
  const ready = readyUploads(chips);
  const busy = uploading(chips);
  const [waitHint, setWaitHint] = useState(false);
  useEffect(() => setWaitHint(false), [busy]);

  const submit = () => {
    const t = text.trim();
    if (!t && ready.length === 0) return;
    // The message goes with its files: while one is still uploading, Send waits (and says so).
    if (busy) return setWaitHint(true);
    send(room, t, replyTo?.id ?? null, ready);
    clearChips(room);
    cancelReply(room);
    mention.close();
    stopTyping(room);
    drafts.set(room, '');
    setText('');
  };

  const tooLong = [...text].length > TEXT_MAX;

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        if (!tooLong) submit();
      }}
    >
      {replyTo && <ReplyPreview m={replyTo} />}
      <ChipList room={room} chips={chips} note={note} box={ref} />
      {mention.list}
      <textarea
        ref={ref}
        {...mention.boxProps}
        rows={1}
        value={text}
        placeholder={`Message ${label}`}
        aria-label={`Message ${label}`}
        id="composer"
        data-testid="composer"
        aria-invalid={tooLong}
        onInput={(e) => {
          setDraft(e.currentTarget.value);
          mention.sync();
          if (e.currentTarget.value.trim()) typing(room);
        }}
        onKeyUp={(e) => /^(Arrow(Left|Right)|Home|End)$/.test(e.key) && mention.sync()}
        onClick={mention.sync}
        onBlur={mention.close}
        onPaste={(e) => {
          // Pasted files (a screenshot, files copied in a file manager) are attached; pasted text stays text.
          const files = filesOf(e.clipboardData);
          if (!canUpload || files.length === 0 || e.clipboardData?.types.includes('text/plain')) return;
          e.preventDefault();
          addFiles(room, files);
        }}
        onKeyDown={(e) => {
          if (mention.onKeyDown(e)) return;
          if (e.key === 'Escape' && replyTo) {
            e.preventDefault();
            cancelReply(room);
          } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            if (!tooLong) submit();
          } else if (e.key === 'ArrowUp' && text === '' && onEditLast()) {
            e.preventDefault();
          }
        }}
      />
      {canUpload && <AttachButton room={room} />}
      <button class="btn btn-primary send-btn" type="submit" disabled={(!text.trim() && ready.length === 0) || tooLong || busy} aria-label="Send message">
        Send
      </button>
      {waitHint && busy && (
        <span class="field-hint composer-error" role="status">
          Wait until the files have finished uploading, then send.
        </span>
      )}
      {tooLong && (
        <span class="field-error composer-error" role="alert">
          Messages can be at most {TEXT_MAX} characters.
        </span>
      )}
    </form>
  );
}
