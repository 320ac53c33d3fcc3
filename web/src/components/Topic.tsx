import { useState } from 'preact/hooks';
import type { Room } from '../../../src/core/types.ts';
import { client, errorText } from '../api.ts';
import { bidiClosers } from '../format.ts';
import { patchRoom } from '../state.ts';

/** The room's topic under its name; the owner can change it in place (PATCH, which also tells everyone). */
export function Topic({ room, isOwner }: { room: Room; isOwner: boolean }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);

  if (room.kind === 'dm') return <p class="room-topic">Direct message</p>;

  if (editing) {
    const save = async () => {
      try {
        const { room: r } = await client.rooms.update(room.name, { topic: draft.trim() });
        patchRoom(room.name, () => ({ topic: r.topic }));
        setEditing(false);
      } catch (e) {
        setError(errorText(e));
      }
    };
    return (
      <form
        class="topic-edit"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <input
          aria-label="Room topic"
          value={draft}
          ref={(el) => el?.focus()}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}
          aria-invalid={!!error}
        />
        <button type="submit" class="btn btn-primary btn-small">
          Save
        </button>
        {error && (
          <span class="field-error" role="alert">
            {error}
          </span>
        )}
      </form>
    );
  }

  return (
    <p class="room-topic" title={room.topic || undefined}>
      {room.topic ? <bdi data-testid="room-topic" data-bidi-close={bidiClosers(room.topic) || undefined}>{room.topic}</bdi> : isOwner ? <span class="muted">No topic</span> : null}
      {isOwner && (
        <button
          type="button"
          class="link-btn topic-btn"
          onClick={() => {
            setDraft(room.topic);
            setError(null);
            setEditing(true);
          }}
        >
          {room.topic ? 'Edit' : 'Add a topic'}
        </button>
      )}
    </p>
  );
}
