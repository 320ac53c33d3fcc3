/**
 * Files being attached to the next message of each room: one chip per file, uploading (with progress), ready
 * or failed. Kept per room like the drafts, outside the app state: progress changes many times a second and
 * only the composer needs to hear about it.
 */
import { useEffect, useReducer } from 'preact/hooks';
import type { Upload } from '../../src/core/types.ts';
import { client } from './api.ts';
import { humanSize } from './format.ts';
import { serverInfo } from './server-info.ts';
import { attempt } from './state.ts';
import { ABORTED, limitText, uploadErrorText, uploadFile } from './upload-text.ts';

/** At most this many files go with one message (API v1.1 §3). */
export const MAX_ATTACHMENTS = 10;

/** One file on its way to being attached. */
export interface Chip {
  key: string;
  name: string;
  size: number;
  /** Bytes sent so far. */
  loaded: number;
  state: 'uploading' | 'ready' | 'failed';
  upload: Upload | null;
  error: string | null;
  abort: (() => void) | null;
}

const chips = new Map<string, Chip[]>();
/** room → a message about files that were not taken at all (too many), shown above the chips. */
const notes = new Map<string, string>();
const listeners = new Set<() => void>();
let nextKey = 0;

function emit(): void {
  for (const l of listeners) l();
}

function setChips(room: string, list: Chip[]): void {
  if (list.length > 0) chips.set(room, list);
  else chips.delete(room);
  emit();
}

function patchChip(room: string, key: string, patch: Partial<Chip>): void {
  const list = chips.get(room);
  if (list?.some((c) => c.key === key)) setChips(room, list.map((c) => (c.key === key ? { ...c, ...patch } : c)));
}

/** The chips of a room, re-rendering the component on every change (progress included). */
export function useChips(room: string): { chips: Chip[]; note: string | null } {
  const [, force] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const l = () => force(0);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return { chips: chips.get(room) ?? [], note: notes.get(room) ?? null };
}

/** A file the server would refuse for its size, said before sending a byte of it. */
function tooLarge(size: number): string | null {
  const max = serverInfo()?.max_upload;
  return max && size > max ? `That file is larger than the server's limit of ${limitText(max)}.` : null;
}

/** Starts uploading `files` for the next message of `room`, up to MAX_ATTACHMENTS chips in all. */
export function addFiles(room: string, files: File[]): void {
  const list = chips.get(room) ?? [];
  const take = files.slice(0, Math.max(0, MAX_ATTACHMENTS - list.length));
  const left = files.length - take.length;
  if (left > 0) notes.set(room, `A message can carry at most ${MAX_ATTACHMENTS} files; ${left === 1 ? 'one file was' : `${left} files were`} left out.`);
  else notes.delete(room);
  const added = take.map((file): [Chip, File] => {
    const error = tooLarge(file.size);
    const chip: Chip = { key: `up-${++nextKey}`, name: file.name || 'file', size: file.size, loaded: 0, state: error ? 'failed' : 'uploading', upload: null, error, abort: null };
    return [chip, file];
  });
  setChips(room, [...list, ...added.map(([c]) => c)]);
  for (const [chip, file] of added) if (chip.state === 'uploading') start(room, chip.key, file);
}

function start(room: string, key: string, file: File): void {
  const h = uploadFile(file, (loaded) => patchChip(room, key, { loaded }));
  patchChip(room, key, { abort: h.abort });
  h.done.then(
    (upload) => patchChip(room, key, { state: 'ready', upload, loaded: file.size, abort: null }),
    (e: unknown) => {
      // A cancelled upload's chip is already gone.
      if ((e as { code?: string }).code === ABORTED) return;
      patchChip(room, key, { state: 'failed', error: uploadErrorText(e, serverInfo()?.max_upload), abort: null });
    },
  );
}

/**
 * Takes a chip away: an upload in progress is cancelled, a finished one is deleted on the server (nothing
 * carries it yet), a failed one just goes.
 */
export function removeChip(room: string, key: string): void {
  const list = chips.get(room) ?? [];
  const chip = list.find((c) => c.key === key);
  if (!chip) return;
  notes.delete(room);
  setChips(room, list.filter((c) => c.key !== key));
  if (chip.state === 'uploading') chip.abort?.();
  if (chip.state === 'ready' && chip.upload) {
    const id = chip.upload.id;
    void attempt(() => client.uploads.remove(id));
  }
}

/** Whether any file of the room is still uploading (the message waits for it). */
export function uploading(list: Chip[]): boolean {
  return list.some((c) => c.state === 'uploading');
}

/** The uploads ready to go with the next message. */
export function readyUploads(list: Chip[]): Upload[] {
  return list.flatMap((c) => (c.state === 'ready' && c.upload ? [c.upload] : []));
}

/** The message went out carrying the ready uploads: the room's chips are cleared (failed ones too). */
export function clearChips(room: string): void {
  notes.delete(room);
  setChips(room, []);
}

/** Signed out: uploads in progress are cancelled and every chip is forgotten. */
export function forgetUploads(): void {
  for (const list of chips.values()) for (const c of list) c.abort?.();
  chips.clear();
  notes.clear();
  emit();
}

/** "report.pdf, 1.2 MB" for labels. */
export function chipLabel(c: Chip): string {
  return `${c.name}, ${humanSize(c.size)}`;
}
