/**
 * "Room settings". General (room owners and admins): the topic and who can find the room (public/private), and the
 * member list with a Remove button for each, asking to confirm first. Changes go out as `room_updated`/`member_left`.
 * Integrations (API v1.1 §6): the room's hooks; the only part other members (not guests, not bots) see, since
 * anyone with a bot of their own may add an incoming hook.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Member, Room, User } from '../../../src/core/types.ts';
import { client, ApiError, errorText } from '../api.ts';
import { loadMembers } from '../room-data.ts';
import { patchRoom } from '../state.ts';
import { KnownBotBadge } from './BotBadge.tsx';
import { Modal } from './Dialogs.tsx';
import { IntegrationsPanel } from './IntegrationsPanel.tsx';
import { Tabs } from './Tabs.tsx';

function Members({ room, me }: { room: string; me: string }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // A private room's member list is for its members: an admin outside it is told so in words.
  const listError = (e: unknown) =>
    setError(e instanceof ApiError && e.status === 404 ? 'Only members of this private room can see who is in it.' : errorText(e));
  useEffect(() => void client.rooms.members(room).then((r) => setMembers(r.members), listError), [room]);
  const remove = async (username: string) => {
    setError(null);
    setDone(null);
    try {
      await client.rooms.removeMember(room, username);
      setConfirm(null);
      setDone(`${username} was removed from #${room}.`);
      setMembers((list) => list?.filter((m) => m.user.username !== username) ?? null);
      void loadMembers(room);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section class="settings-section" aria-labelledby="room-members-heading">
      <h3 id="room-members-heading">Members</h3>
      {!members && !error && <p class="muted small" role="status">Loading…</p>}
      <ul class="admin-list" data-testid="room-settings-members">
        {members?.map((m) => (
          <li class="admin-row" data-username={m.user.username}>
            <div class="admin-who">
              <bdi class="admin-name">{m.user.username}</bdi>
              <KnownBotBadge user={m.user} />
              {m.role === 'owner' && <span class="role-tag">owner</span>}
            </div>
            {m.user.username !== me && (
              <div class="admin-actions">
                {confirm === m.user.username ? (
                  <>
                    <button type="button" class="btn btn-small btn-danger" onClick={() => void remove(m.user.username)}>
                      Remove {m.user.username}?
                    </button>
                    <button type="button" class="btn btn-small btn-quiet" onClick={() => setConfirm(null)}>
                      Cancel
                    </button>
                  </>
                ) : (
                  <button type="button" class="btn btn-small btn-quiet" aria-label={`Remove ${m.user.username}`} onClick={() => setConfirm(m.user.username)}>
                    Remove
                  </button>
                )}
              </div>
            )}
          </li>
        ))}
      </ul>
      {error && <p class="field-error" role="alert">{error}</p>}
      <p class="field-hint" role="status">{done ?? ''}</p>
    </section>
  );
}

type Tab = 'general' | 'integrations';
const TABS: { key: Tab; title: string }[] = [{ key: 'general', title: 'General' }, { key: 'integrations', title: 'Integrations' }];

/**
 * `room` is the listed room; an admin who is not a member has none, and the dialog fetches it. `manage`: the
 * room's owner or an admin, who see General and Integrations as tabs; anyone else sees Integrations only.
 */
export function RoomSettingsDialog({ name, room, me, manage, onClose }: { name: string; room: Room | undefined; me: User; manage: boolean; onClose(): void }) {
  const [tab, setTab] = useState<Tab>(manage ? 'general' : 'integrations');
  const integrations = <IntegrationsPanel room={name} me={me} manage={manage} />;
  return (
    <Modal title={`Room settings for #${name}`} onClose={onClose} wide>
      {manage ? (
        <Tabs<Tab> id="room-settings" label="Room settings" tabs={TABS} selected={tab} onSelect={setTab}>
          {tab === 'general' ? <General name={name} room={room} me={me.username} /> : integrations}
        </Tabs>
      ) : (
        integrations
      )}
    </Modal>
  );
}

function General({ name, room, me }: { name: string; room: Room | undefined; me: string }) {
  const [fetched, setFetched] = useState<Room | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!room) client.rooms.get(name).then((r) => setFetched(r.room), (e) => setError(errorText(e)));
  }, [name]);
  const shown = room ?? fetched;
  return (
    <>
      {shown ? <Settings room={shown} /> : <p class={error ? 'field-error' : 'muted'} role="status">{error ?? 'Loading…'}</p>}
      <Members room={name} me={me} />
    </>
  );
}

function Settings({ room }: { room: Room }) {
  const [topic, setTopic] = useState(room.topic);
  const [visibility, setVisibility] = useState<'public' | 'private'>(room.visibility);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    try {
      const { room: r } = await client.rooms.update(room.name, { topic: topic.trim(), visibility });
      patchRoom(room.name, () => ({ topic: r.topic, visibility: r.visibility }));
      setSaved('Room settings saved.');
    } catch (x) {
      setError(errorText(x));
    }
  };
  return (
      <form onSubmit={save} noValidate>
        <label class="field">
          <span>Topic</span>
          <input value={topic} onInput={(e) => setTopic(e.currentTarget.value)} aria-invalid={!!error} />
        </label>
        <fieldset class="field radio-group">
          <legend>Who can find it</legend>
          <label>
            <input type="radio" name="room-visibility" checked={visibility === 'public'} onChange={() => setVisibility('public')} /> Public: anyone can join
          </label>
          <label>
            <input type="radio" name="room-visibility" checked={visibility === 'private'} onChange={() => setVisibility('private')} /> Private: members you add
          </label>
        </fieldset>
        {error && <p class="field-error" role="alert">{error}</p>}
        <p class="field-hint" role="status">{saved ?? ''}</p>
        <div class="modal-actions">
          <button type="submit" class="btn btn-primary">Save settings</button>
        </div>
      </form>
  );
}
