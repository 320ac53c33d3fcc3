import type { Message, ReplyRef } from '../../../src/core/types.ts';
import { bidiClosers } from '../format.ts';
import { cancelReply } from '../mentions.ts';
import { openAt } from '../search.ts';
import { CloseIcon, ReplyIcon } from './Icons.tsx';

/** How long the parent row stays highlighted after a quote brought you to it. */
const FLASH_MS = 1600;

/** Scrolls the open room to one of its loaded messages and highlights it a moment; false if it is not loaded. */
export function revealMessage(id: string): boolean {
  const el = document.querySelector<HTMLElement>(`[data-testid="message"][data-id="${CSS.escape(id)}"]`);
  if (!el) return false;
  el.scrollIntoView({ block: 'center' });
  // Keyboard and screen-reader users land on it too.
  el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: true });
  el.classList.add('flash');
  setTimeout(() => el.classList.remove('flash'), FLASH_MS);
  return true;
}

/** Brings the open room to the message `r` quotes: scrolled to when shown, else the history around it loads. */
function showParent(room: string, r: ReplyRef): void {
  if (r.deleted || revealMessage(r.id)) return;
  void openAt(room, r.seq);
}

/** Author and excerpt of a quoted message (a deleted one says so). */
function Quoted({ author, excerpt, deleted }: { author: string; excerpt: string; deleted: boolean }) {
  return (
    <>
      <bdi class="quote-author">{author}</bdi>
      {deleted ? (
        <span class="quote-text quote-deleted">deleted message</span>
      ) : !excerpt ? (
        // A message without text carries files (API v1.1 §3: text may be empty only then).
        <span class="quote-text quote-deleted">files</span>
      ) : (
        <bdi class="quote-text" data-bidi-close={bidiClosers(excerpt) || undefined}>
          {excerpt}
        </bdi>
      )}
    </>
  );
}

/** Above a reply in the list: the message it answers; a click brings you to it. */
export function ReplyQuote({ r, room }: { r: ReplyRef; room: string }) {
  return (
    <button
      type="button"
      class="reply-quote"
      data-testid="reply-quote"
      data-deleted={String(r.deleted)}
      title={r.deleted ? undefined : 'Show the message this replies to'}
      onClick={() => showParent(room, r)}
    >
      <ReplyIcon />
      <span class="sr-only">In reply to </span>
      <Quoted author={r.author.username} excerpt={r.excerpt} deleted={r.deleted} />
    </button>
  );
}

/** Above the message box while replying: the quoted parent and a button to stop replying. */
export function ReplyPreview({ m }: { m: Message }) {
  const excerpt = [...m.text].slice(0, 120).join('');
  return (
    <div class="reply-preview" data-testid="reply-preview">
      <ReplyIcon />
      <span class="reply-preview-body">
        <span class="muted small">Replying to </span>
        <Quoted author={m.author.username} excerpt={excerpt} deleted={m.deleted} />
      </span>
      <button
        type="button"
        class="icon-btn"
        aria-label="Cancel reply"
        title="Cancel reply"
        onClick={() => {
          cancelReply(m.room);
          document.getElementById('composer')?.focus();
        }}
      >
        <CloseIcon />
      </button>
    </div>
  );
}
