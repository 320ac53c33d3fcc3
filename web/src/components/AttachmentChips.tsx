import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { humanSize } from '../format.ts';
import { useServerInfo } from '../server-info.ts';
import { getState } from '../state.ts';
import { addFiles, type Chip, chipLabel, removeChip } from '../uploads.ts';
import { CloseIcon, FileIcon, PaperclipIcon } from './Icons.tsx';

/**
 * Whether this person may attach files here: the server has uploads on (`GET /server`) and they are not a
 * guest (guests get 403). False until the server has said so.
 */
export function useCanUpload(): boolean {
  const info = useServerInfo();
  return !!info?.uploads && !getState().me?.guest;
}

/** The files of a drop or a paste, or none when it carries no files (plain text, a link). */
export function filesOf(data: DataTransfer | null): File[] {
  return data ? [...data.files] : [];
}

const hasFiles = (e: DragEvent) => !!e.dataTransfer?.types.includes('Files');

/**
 * Files dragged onto the room attach to its next message. Returns the handlers for the drop area and whether
 * files are over it now (for the "Drop to attach" overlay). A pointer-only shortcut: the paperclip does the same.
 */
export function useFileDrop(room: string, enabled: boolean): { over: boolean; props: JSX.HTMLAttributes<HTMLElement> } {
  const [over, setOver] = useState(false);
  // dragenter/dragleave fire for every child crossed: count them, the area is left when the count is back to 0.
  const depth = useRef(0);
  // Files dropped beside the room (the sidebar, a margin) would make the browser open them in place of the chat.
  useEffect(() => {
    if (!enabled) return;
    const stop = (e: DragEvent) => {
      // The room's own handlers ran first (and took it) when the files are over the room.
      if (!hasFiles(e) || e.defaultPrevented) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'none';
    };
    window.addEventListener('dragover', stop);
    window.addEventListener('drop', stop);
    return () => {
      window.removeEventListener('dragover', stop);
      window.removeEventListener('drop', stop);
    };
  }, [enabled]);
  if (!enabled) return { over: false, props: {} };
  const leave = () => {
    depth.current = 0;
    setOver(false);
  };
  return {
    over,
    props: {
      onDragEnter: (e) => {
        if (!hasFiles(e)) return;
        depth.current++;
        setOver(true);
      },
      onDragOver: (e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      },
      onDragLeave: (e) => {
        if (hasFiles(e) && --depth.current <= 0) leave();
      },
      onDrop: (e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        leave();
        addFiles(room, filesOf(e.dataTransfer));
      },
    },
  };
}

/** The paperclip: opens the system's file chooser (several files at once); each chosen file starts uploading. */
export function AttachButton({ room }: { room: string }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" class="icon-btn attach-btn" aria-label="Attach files" title="Attach files" data-testid="attach-button" onClick={() => input.current?.click()}>
        <PaperclipIcon />
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        data-testid="file-input"
        onChange={(e) => {
          const el = e.currentTarget;
          addFiles(room, [...(el.files ?? [])]);
          // Choosing the same file again later must fire `change` again.
          el.value = '';
        }}
      />
    </>
  );
}

/** One file: its name and size, a progress bar while it uploads, the error if it failed, and a remove button. */
function ChipItem({ c, onRemove }: { c: Chip; onRemove(): void }) {
  const thumb = c.state === 'ready' ? c.upload?.thumbnail_url : null;
  return (
    <li class={'chip chip-' + c.state} data-testid="upload-chip" data-state={c.state} data-name={c.name}>
      {thumb ? <img class="chip-thumb" src={thumb} alt="" width={28} height={28} /> : <FileIcon />}
      <span class="chip-body">
        <span class="chip-line">
          <bdi class="chip-name">{c.name}</bdi>
          <span class="chip-size">{humanSize(c.size)}</span>
        </span>
        {c.state === 'uploading' && (
          <progress class="chip-progress" max={c.size || 1} value={c.loaded} aria-label={`Uploading ${c.name}`} data-testid="upload-progress" />
        )}
        {c.state === 'failed' && (
          <span class="chip-error" role="alert" data-testid="upload-error">
            {c.error}
          </span>
        )}
      </span>
      <button
        type="button"
        class="icon-btn chip-remove"
        aria-label={c.state === 'uploading' ? `Cancel upload of ${chipLabel(c)}` : `Remove ${chipLabel(c)}`}
        title={c.state === 'uploading' ? 'Cancel upload' : 'Remove'}
        data-testid="remove-upload"
        onClick={onRemove}
      >
        <CloseIcon />
      </button>
    </li>
  );
}

/** "2 files ready, 1 uploading" for screen readers, which do not follow the progress bars. */
function summary(chips: Chip[]): string {
  const n = (s: Chip['state']) => chips.filter((c) => c.state === s).length;
  const parts = [[n('ready'), 'ready'], [n('uploading'), 'uploading'], [n('failed'), 'failed']] as const;
  return parts
    .filter(([k]) => k > 0)
    .map(([k, what], i) => (i === 0 ? `${k} ${k === 1 ? 'file' : 'files'} ${what}` : `${k} ${what}`))
    .join(', ');
}

/**
 * The files waiting to go with the next message, above the message box. Removing one with the keyboard moves
 * focus to the next chip's button, or back to the message box after the last, never to the page's start.
 */
export function ChipList({ room, chips, note, box }: { room: string; chips: Chip[]; note: string | null; box: { current: HTMLTextAreaElement | null } }) {
  const list = useRef<HTMLUListElement>(null);
  const refocus = useRef<number | null>(null);
  useLayoutEffect(() => {
    const at = refocus.current;
    if (at === null) return;
    refocus.current = null;
    const buttons = list.current?.querySelectorAll<HTMLButtonElement>('.chip-remove') ?? [];
    (buttons[Math.min(at, buttons.length - 1)] ?? box.current)?.focus();
  }, [chips]);
  if (chips.length === 0 && !note) return null;
  return (
    <div class="chips-wrap">
      {note && (
        <p class="field-error chips-note" role="alert">
          {note}
        </p>
      )}
      {chips.length > 0 && (
        <ul ref={list} class="chips" aria-label="Files to send" data-testid="upload-chips">
          {chips.map((c, i) => (
            <ChipItem
              key={c.key}
              c={c}
              onRemove={() => {
                if (list.current?.contains(document.activeElement)) refocus.current = i;
                removeChip(room, c.key);
              }}
            />
          ))}
        </ul>
      )}
      <p class="sr-only" role="status">
        {summary(chips)}
      </p>
    </div>
  );
}
