import type { Room, User } from '../../../src/core/types.ts';
import { openRoom } from '../room-data.ts';
import { roomBadges } from '../mentions.ts';
import { logout } from '../session.ts';
import { own, roomLabel } from '../state.ts';
import { Avatar } from './Avatar.tsx';
import { AtIcon, LockIcon, PlusIcon } from './Icons.tsx';
import { PresenceDot } from './PeoplePicker.tsx';
import { DisplayName, PeerDisplayName } from './DisplayName.tsx';

export type DialogKind = 'browse' | 'create' | 'dm' | 'sessions' | 'settings' | null;

interface Props {
  me: User;
  rooms: Record<string, Room>;
  current: string | null;
  /** user id → online, for the dots beside DM peers. */
  presence: Record<string, boolean>;
  onDialog(kind: DialogKind): void;
  onNavigate(): void;
  /** The mentions inbox is open (instead of a room). */
  inbox?: boolean;
  onInbox?(): void;
  /** The administration page is open; `onAdmin` opens it (shown to admins only). */
  admin?: boolean;
  onAdmin?(): void;
}

function RoomLink({ room, active, onNavigate, online }: { room: Room; active: boolean; onNavigate(): void; online?: boolean }) {
  const label = roomLabel(room, room.name);
  // Badges follow the room's level: all → unread, mentions → mentions, none → nothing (API v1.1 §2).
  const badge = roomBadges(room);
  const level = room.notifications;
  return (
    <li>
      <a
        href={'#/r/' + encodeURIComponent(room.name)}
        class={'room-link' + (active ? ' active' : '') + (room.unread > 0 && level !== 'none' ? ' has-unread' : '')}
        aria-current={active ? 'page' : undefined}
        data-testid="room-link"
        data-room={room.name}
        data-level={level}
        data-unread={room.unread}
        data-mentions={room.mentions}
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
        {room.kind === 'dm' && room.peer && <PeerDisplayName user={room.peer} />}
        <bdi class="room-name">{label}</bdi>
        {room.kind === 'dm' && <span class="sr-only">{online ? ', online' : ', offline'}</span>}
        {badge.unread > 0 && (
          <span class="badge" data-testid="unread-badge" aria-label={`${badge.unread} unread`}>
            {badge.unread > 99 ? '99+' : badge.unread}
          </span>
        )}
        {badge.mentions > 0 && (
          <span class="badge mention-badge" data-testid="mention-badge" aria-label={badge.mentions === 1 ? '1 mention' : `${badge.mentions} mentions`}>
            @{badge.mentions > 99 ? '99+' : badge.mentions}
          </span>
        )}
      </a>
    </li>
  );
}

/** Joined rooms and DMs with unread badges, the room actions, and who is signed in. */
export function Sidebar({ me, rooms, current, presence, onDialog, onNavigate, inbox, onInbox, admin, onAdmin }: Props) {
  const list = Object.values(rooms);
  const mentions = list.reduce((n, r) => n + (r.mentions ?? 0), 0);
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
        {onInbox && (
          <button type="button" class={'room-link inbox-link' + (inbox ? ' active' : '')} aria-current={inbox ? 'page' : undefined} data-testid="mentions-link" onClick={onInbox}>
            <span class="room-hash">
              <AtIcon />
            </span>
            <span class="room-name">Mentions</span>
            {mentions > 0 && (
              <>
                <span class="badge mention-badge" aria-hidden="true">
                  {mentions > 99 ? '99+' : mentions}
                </span>
                <span class="sr-only">, {mentions} unread</span>
              </>
            )}
          </button>
        )}
        {onAdmin && me.role === 'admin' && (
          <button type="button" class={'room-link admin-link' + (admin ? ' active' : '')} aria-current={admin ? 'page' : undefined} data-testid="admin-link" onClick={onAdmin}>
            <span class="room-name">Administration</span>
          </button>
        )}
        <div class="section-head">
          <h2>Rooms</h2>
          <button class="icon-btn" type="button" aria-label="Create a room" title="Create a room" onClick={() => onDialog('create')}>
            <PlusIcon />
          </button>
        </div>
        <ul class="room-list" data-testid="room-list">
          {channels.map((r) => (
            <RoomLink key={r.name} room={r} active={!inbox && r.name === current} onNavigate={onNavigate} />
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
            <RoomLink key={r.name} room={r} active={!inbox && r.name === current} onNavigate={onNavigate} online={!!r.peer && own(presence, r.peer.id)} />
          ))}
        </ul>
        {dms.length === 0 && <p class="muted small pad">No conversations yet.</p>}
      </div>
      <div class="sidebar-foot">
        <Avatar name={me.username} url={me.avatar_url} />
        <div class="me">
          <DisplayName name={me.display_name} />
          <bdi class="me-name" data-testid="me">{me.username}</bdi>
          {me.guest && <span class="muted small">guest</span>}
        </div>
        <button class="btn btn-quiet" type="button" onClick={() => onDialog('settings')}>
          Settings
        </button>
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
