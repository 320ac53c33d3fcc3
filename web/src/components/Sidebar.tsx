import type { Room, User } from '../../../src/core/types.ts';
import { openRoom } from '../room-data.ts';
import { logout } from '../session.ts';
import { own, roomLabel } from '../state.ts';
import { Avatar } from './Avatar.tsx';
import { LockIcon, PlusIcon } from './Icons.tsx';
import { PresenceDot } from './PeoplePicker.tsx';

export type DialogKind = 'browse' | 'create' | 'dm' | 'sessions' | null;

interface Props {
  me: User;
  rooms: Record<string, Room>;
  current: string | null;
  /** user id → online, for the dots beside DM peers. */
  presence: Record<string, boolean>;
  onDialog(kind: DialogKind): void;
  onNavigate(): void;
}

function RoomLink({ room, active, onNavigate, online }: { room: Room; active: boolean; onNavigate(): void; online?: boolean }) {
  const label = roomLabel(room, room.name);
  return (
    <li>
      <a
        href={'#/r/' + encodeURIComponent(room.name)}
        class={'room-link' + (active ? ' active' : '') + (room.unread > 0 ? ' has-unread' : '')}
        aria-current={active ? 'page' : undefined}
        data-testid="room-link"
        data-room={room.name}
        onClick={(e) => {
          e.preventDefault();
          onNavigate();
          void openRoom(room.name);
        }}
      >
        {room.kind === 'dm' ? (
          <span class="presence-wrap">
            <Avatar name={label} small />
            <PresenceDot online={!!online} testId="presence" />
          </span>
        ) : (
          room.visibility === 'private' ? (
            <span class="room-hash">
              <LockIcon label="private" />
            </span>
          ) : (
            <span class="room-hash" aria-hidden="true">
              #
            </span>
          )
        )}
        <bdi class="room-name">{label}</bdi>
        {room.kind === 'dm' && <span class="sr-only">{online ? ', online' : ', offline'}</span>}
        {room.unread > 0 && (
          <span class="badge" data-testid="unread-badge" aria-label={`${room.unread} unread`}>
            {room.unread > 99 ? '99+' : room.unread}
          </span>
        )}
      </a>
    </li>
  );
}

/** Joined rooms and DMs with unread badges, the room actions, and who is signed in. */
export function Sidebar({ me, rooms, current, presence, onDialog, onNavigate }: Props) {
  const list = Object.values(rooms);
  const channels = list.filter((r) => r.kind !== 'dm').sort((a, b) => a.name.localeCompare(b.name));
  const dms = list
    .filter((r) => r.kind === 'dm')
    .sort((a, b) => roomLabel(a, a.name).localeCompare(roomLabel(b, b.name)));
  return (
    <nav class="sidebar" aria-label="Rooms">
      <div class="sidebar-head">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true" />
          Natter
        </div>
      </div>
      <div class="sidebar-scroll">
        <div class="section-head">
          <h2>Rooms</h2>
          <button class="icon-btn" type="button" aria-label="Create a room" title="Create a room" onClick={() => onDialog('create')}>
            <PlusIcon />
          </button>
        </div>
        <ul class="room-list" data-testid="room-list">
          {channels.map((r) => (
            <RoomLink key={r.name} room={r} active={r.name === current} onNavigate={onNavigate} />
          ))}
        </ul>
        <button class="link-btn" type="button" onClick={() => onDialog('browse')}>
          Browse rooms
        </button>
        <div class="section-head">
          <h2>Direct messages</h2>
          <button class="icon-btn" type="button" aria-label="New direct message" title="New direct message" onClick={() => onDialog('dm')}>
            <PlusIcon />
          </button>
        </div>
        <ul class="room-list" data-testid="dm-list">
          {dms.map((r) => (
            <RoomLink key={r.name} room={r} active={r.name === current} onNavigate={onNavigate} online={!!r.peer && own(presence, r.peer.id)} />
          ))}
        </ul>
        {dms.length === 0 && <p class="muted small pad">No conversations yet.</p>}
      </div>
      <div class="sidebar-foot">
        <Avatar name={me.username} />
        <div class="me">
          <bdi class="me-name" data-testid="me">{me.username}</bdi>
          {me.guest && <span class="muted small">guest</span>}
        </div>
        <button class="btn btn-quiet" type="button" onClick={() => onDialog('sessions')}>
          Sessions
        </button>
        <button class="btn btn-quiet" type="button" onClick={() => void logout()}>
          Log out
        </button>
      </div>
    </nav>
  );
}
