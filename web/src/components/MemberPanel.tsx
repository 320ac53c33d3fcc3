import { useState } from 'preact/hooks';
import type { Member, Room } from '../../../src/core/types.ts';
import { addMember, openDm } from '../rooms.ts';
import { attempt } from '../state.ts';
import { errorText } from '../api.ts';
import { Avatar } from './Avatar.tsx';
import { KnownBotBadge } from './BotBadge.tsx';
import { KnownDisplayName } from './DisplayName.tsx';
import { CloseIcon, MailIcon } from './Icons.tsx';
import { PeoplePicker } from './PeoplePicker.tsx';

interface Props {
  room: Room;
  members: Member[] | undefined;
  presence: Record<string, boolean>;
  me: string;
  isOwner: boolean;
  onClose(): void;
}

/** The owner's "Add a member" field for a private room: suggests people who are not in it yet. */
function AddMember({ room, members }: { room: string; members: Member[] | undefined }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const inRoom = new Set((members ?? []).map((m) => m.user.id));
  return (
    <form
      class="add-member"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setDone(null);
        try {
          await addMember(room, name.trim());
          setDone(`${name.trim()} was added.`);
          setName('');
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <div class="field">
        <label class="field-label" for="add-member-input">
          Add a member
        </label>
        <div class="inline-field">
          <PeoplePicker
            id="add-member-input"
            value={name}
            onInput={setName}
            skip={(u) => inRoom.has(u.id)}
            invalid={!!error}
            placeholder="Start typing a name"
            testId="add-member-input"
          />
          <button class="btn btn-small" type="submit" disabled={!name.trim()}>
            Add
          </button>
        </div>
        {error && (
          <span class="field-error" role="alert">
            {error}
          </span>
        )}
        {done && (
          <span class="field-ok" role="status">
            {done}
          </span>
        )}
      </div>
    </form>
  );
}

/** Who is in the room, who is online, and a way to message each of them. */
export function MemberPanel({ room, members, presence, me, isOwner, onClose }: Props) {
  const sorted = [...(members ?? [])].sort((a, b) => {
    const isOn = (m: Member) => m.user.username === me || (presence[m.user.id] ?? m.online);
    const on = Number(isOn(b)) - Number(isOn(a));
    return on || a.user.username.localeCompare(b.user.username);
  });
  return (
    <aside class="members" aria-label="Members" data-testid="member-panel">
      <div class="members-head">
        <h2>Members {members ? <span class="muted">· {members.length}</span> : null}</h2>
        <button type="button" class="icon-btn" aria-label="Close members" onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      <ul class="member-list">
        {sorted.map((m) => {
          // You are here, so you are online, whatever the snapshot said before your stream registered.
          const online = m.user.username === me || (presence[m.user.id] ?? m.online);
          return (
            <li class="member" data-testid="member" data-username={m.user.username} data-online={String(online)}>
              <span class="presence-wrap">
                <Avatar name={m.user.username} small />
                <span class={'presence ' + (online ? 'online' : 'offline')} role="img" aria-label={online ? 'online' : 'offline'} />
              </span>
              <KnownDisplayName user={m.user} />
              <bdi class="member-name">{m.user.username}</bdi>
              <KnownBotBadge user={m.user} />
              {m.role === 'owner' && <span class="role-tag">owner</span>}
              {m.user.username !== me && room.kind !== 'dm' && (
                <button
                  type="button"
                  class="icon-btn member-dm"
                  aria-label={`Message ${m.user.username}`}
                  title={`Message ${m.user.username}`}
                  onClick={() => void attempt(() => openDm(m.user.username))}
                >
                  <MailIcon />
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {isOwner && room.kind === 'room' && room.visibility === 'private' && <AddMember room={room.name} members={members} />}
    </aside>
  );
}
