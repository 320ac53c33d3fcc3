import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Room } from '../../../src/core/types.ts';
import { openRoom } from '../room-data.ts';
import { createRoom, joinRoom, openDm } from '../rooms.ts';
import { client, ApiError, errorText } from '../api.ts';
import { bidiClosers } from '../format.ts';
import { getState } from '../state.ts';
import { CloseIcon, LockIcon } from './Icons.tsx';
import { PeoplePicker } from './PeoplePicker.tsx';

/** A native modal <dialog>: focus stays inside, Escape closes it, and focus returns to where it was. `wide` for long content. */
export function Modal({ title, onClose, children, wide }: { title: string; onClose(): void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useLayoutEffect(() => {
    const d = ref.current;
    if (!d) return;
    const before = document.activeElement as HTMLElement | null;
    d.showModal();
    // Preact runs this before it removes the element, and while a modal dialog is open everything outside it
    // is inert and cannot take focus: close it first (Escape's cancel event re-renders before the browser
    // closes it), then give focus back to the control that opened it.
    return () => {
      if (d.open) d.close();
      if (before?.isConnected) before.focus();
    };
  }, []);
  return (
    <dialog ref={ref} class={'modal' + (wide ? ' modal-wide' : '')} aria-label={title} onClose={onClose} onCancel={onClose}>
      <div class="modal-head">
        <h2>{title}</h2>
        <button type="button" class="icon-btn" aria-label="Close" onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      {children}
    </dialog>
  );
}

/** Public rooms you are not in yet, to join. */
export function BrowseDialog({ onClose }: { onClose(): void }) {
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    client.rooms.list().then(
      (r) => setRooms(r.rooms.filter((x) => x.kind === 'room')),
      (e) => setError(errorText(e)),
    );
  }, []);
  return (
    <Modal title="Browse rooms" onClose={onClose}>
      {error && <p class="field-error">{error}</p>}
      {!rooms && !error && <p class="muted">Loading…</p>}
      <ul class="browse-list" data-testid="browse-list">
        {rooms?.map((r) => (
          <li class="browse-item" data-room={r.name}>
            <div>
              <div class="browse-name">
                {r.visibility === 'private' ? <><LockIcon label="private" /> </> : '# '}
                {r.name}
              </div>
              {r.topic && (
                <div class="muted small">
                  <bdi data-bidi-close={bidiClosers(r.topic) || undefined}>{r.topic}</bdi>
                </div>
              )}
            </div>
            {r.member ? (
              <button type="button" class="btn btn-quiet btn-small" onClick={() => { onClose(); void openRoom(r.name); }}>
                Open
              </button>
            ) : (
              <button
                type="button"
                class="btn btn-small"
                aria-label={`Join ${r.name}`}
                onClick={async () => {
                  try {
                    await joinRoom(r.name, onClose);
                  } catch (e) {
                    setError(errorText(e));
                  }
                }}
              >
                Join
              </button>
            )}
          </li>
        ))}
      </ul>
      {rooms?.length === 0 && <p class="muted">No rooms yet.</p>}
    </Modal>
  );
}

/** Create a public or private room; API errors appear next to the field they are about. */
export function CreateDialog({ onClose }: { onClose(): void }) {
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'private'>('public');
  const [err, setErr] = useState<{ name?: string; topic?: string; form?: string }>({});
  const submit = async (e: Event) => {
    e.preventDefault();
    setErr({});
    try {
      await createRoom(name.trim(), topic.trim(), visibility, onClose);
    } catch (x) {
      const text = errorText(x);
      if (x instanceof ApiError && (x.code === 'room_exists' || (x.status === 400 && !/topic/i.test(x.message)))) setErr({ name: text });
      else if (x instanceof ApiError && x.status === 400) setErr({ topic: text });
      else setErr({ form: text });
    }
  };
  return (
    <Modal title="Create a room" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label class="field">
          <span>Name</span>
          <input value={name} onInput={(e) => setName(e.currentTarget.value.toLowerCase())} placeholder="e.g. design-review" autoCapitalize="off" spellcheck={false} aria-invalid={!!err.name} required />
          {err.name ? <span class="field-error" role="alert">{err.name}</span> : <span class="field-hint">Lowercase letters, digits, - and _.</span>}
        </label>
        <label class="field">
          <span>Topic (optional)</span>
          <input value={topic} onInput={(e) => setTopic(e.currentTarget.value)} aria-invalid={!!err.topic} />
          {err.topic && <span class="field-error" role="alert">{err.topic}</span>}
        </label>
        <fieldset class="field radio-group">
          <legend>Who can find it</legend>
          <label>
            <input type="radio" name="visibility" checked={visibility === 'public'} onChange={() => setVisibility('public')} /> Public: anyone can join
          </label>
          <label>
            <input type="radio" name="visibility" checked={visibility === 'private'} onChange={() => setVisibility('private')} /> Private: members you add
          </label>
        </fieldset>
        {err.form && <p class="field-error" role="alert">{err.form}</p>}
        <div class="modal-actions">
          <button type="button" class="btn btn-quiet" onClick={onClose}>Cancel</button>
          <button type="submit" class="btn btn-primary" disabled={!name.trim()}>Create room</button>
        </div>
      </form>
    </Modal>
  );
}

/** Start a direct conversation: pick a person from the suggestions, or type their exact username. */
export function DmDialog({ onClose }: { onClose(): void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal title="New direct message" onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            await openDm(name.trim(), onClose);
          } catch (x) {
            setError(errorText(x));
          }
        }}
        noValidate
      >
        <div class="field">
          <label class="field-label" for="dm-username">Username</label>
          <PeoplePicker id="dm-username" value={name} onInput={setName} skip={(u) => u.id === getState().me?.id} invalid={!!error} placeholder="Start typing a name" testId="dm-username" autofocus />
          {error && <span class="field-error" role="alert">{error}</span>}
        </div>
        <div class="modal-actions">
          <button type="button" class="btn btn-quiet" onClick={onClose}>Cancel</button>
          <button type="submit" class="btn btn-primary" disabled={!name.trim()}>Start conversation</button>
        </div>
      </form>
    </Modal>
  );
}
