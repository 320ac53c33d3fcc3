import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { badgeCount } from '../mentions.ts';
import { joinRoom, leaveRoom } from '../rooms.ts';
import { type AppState, attempt, dismissNotice, emptyView, own, roomLabel } from '../state.ts';
import { useCanUpload, useFileDrop } from './AttachmentChips.tsx';
import { Composer } from './Composer.tsx';
import { CloseIcon, LockIcon, MenuIcon, SearchIcon, SlidersIcon } from './Icons.tsx';
import { MemberPanel } from './MemberPanel.tsx';
import { MessageList } from './MessageList.tsx';
import { NotificationMenu } from './NotificationMenu.tsx';
import { PresenceDot } from './PeoplePicker.tsx';
import { RoomSettingsDialog } from './RoomSettingsDialog.tsx';
import { Topic } from './Topic.tsx';

interface Props {
  s: AppState;
  room: string;
  onMenu(): void;
  /** Opens the message search. */
  onSearch?(): void;
}

/** "alice is typing…", for those whose last typing event is under five seconds old. */
function TypingLine({ typing }: { typing: Record<string, number> | undefined }) {
  const [now, setNow] = useState(Date.now());
  const names = Object.entries(typing ?? {})
    .filter(([, until]) => until > now)
    .map(([n]) => n);
  useEffect(() => {
    if (names.length === 0) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [names.length > 0]);
  useEffect(() => setNow(Date.now()), [typing]);
  const text =
    names.length === 0
      ? ''
      : names.length === 1
        ? `${names[0]} is typing…`
        : names.length === 2
          ? `${names[0]} and ${names[1]} are typing…`
          : 'Several people are typing…';
  return (
    <div class="typing" data-testid="typing-indicator" aria-live="polite">
      {text}
    </div>
  );
}

/** Under a DM's name: whether the other person is online (a dot and the word), instead of a topic. */
function PeerLine({ online }: { online: boolean }) {
  return (
    <p class="room-topic peer-line" data-testid="peer-presence" data-online={String(online)}>
      <PresenceDot online={online} /> {online ? 'online' : 'offline'} · Direct message
    </p>
  );
}

/** An unknown room, or a private one you are not in: said plainly, with no history or message box. */
function RoomNotFound({ room, error }: { room: string; error: string | null }) {
  return (
    <div class="room-missing" data-testid="room-not-found" role="status">
      <h2>Room not found</h2>
      <p>
        There is no room called <strong>{room}</strong> that you can see. It may have been a typo, or it is private and
        nobody has added you yet.
      </p>
      {error && <p class="muted small">{error}</p>}
    </div>
  );
}

/** The open room: header with topic, the history, who is typing, and the message box. */
export function RoomView({ s, room, onMenu, onSearch }: Props) {
  const [showMembers, setShowMembers] = useState(() => window.matchMedia('(min-width: 1100px)').matches);
  const [editingId, setEditingId] = useState<string | null>(null);
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const r = own(s.rooms, room);
  const view = own(s.views, room) ?? emptyView;
  const me = s.me?.username ?? '';
  const members = own(s.members, room);
  const isOwner = !!members?.some((m) => m.role === 'owner' && m.user.username === me);
  const manage = isOwner || s.me?.role === 'admin';
  // Room settings → Integrations is for every member who is not a guest or a bot (API v1.1 §6: incoming hooks).
  const canIntegrate = !!s.me && s.me.role !== 'guest' && !s.me.guest && s.me.kind !== 'bot';
  const label = roomLabel(r, room);
  const pending = s.pending.filter((p) => p.room === room);
  const unreadElsewhere = Object.values(s.rooms).some((x) => x.name !== room && badgeCount(x) > 0);
  const drop = useFileDrop(room, useCanUpload() && !!r);

  useEffect(() => {
    setEditingId(null);
    setConfirmLeave(false);
  }, [room]);

  // Closing the member panel from its own ✕ would drop focus to <body>: hand it to the toggle that opens it.
  const membersToggle = useRef<HTMLButtonElement>(null);
  const closeMembers = () => {
    setShowMembers(false);
    membersToggle.current?.focus();
  };

  const onEdit = useCallback((id: string | null) => setEditingId(id), []);
  const editLast = () => {
    const last = [...view.messages].reverse().find((m) => m.author.username === me && !m.deleted);
    if (!last) return false;
    setEditingId(last.id);
    return true;
  };

  return (
    <div class="room-layout">
      <section class="room" aria-label={r?.kind === 'dm' ? `Conversation with ${label}` : `Room ${label}`} {...drop.props}>
        {drop.over && (
          <div class="drop-overlay" aria-hidden="true" data-testid="drop-overlay">
            Drop files to attach them
          </div>
        )}
        <header class="room-head">
          <button
            type="button"
            class={'icon-btn menu-btn' + (unreadElsewhere ? ' has-unread' : '')}
            aria-label={unreadElsewhere ? 'Show rooms (new messages)' : 'Show rooms'}
            onClick={onMenu}
          >
            <MenuIcon />
          </button>
          <div class="room-title">
            <h1 data-testid="room-title">
              {r?.kind === 'dm' ? label : r?.visibility === 'private' ? <><LockIcon label="private" /> {label}</> : `# ${label}`}
            </h1>
            {r?.kind === 'dm' ? <PeerLine online={!!r.peer && !!own(s.presence, r.peer.id)} /> : r && <Topic room={r} isOwner={isOwner} />}
          </div>
          <div class="room-tools">
            {onSearch && (
              <button type="button" class="icon-btn" aria-label="Search messages" aria-keyshortcuts="/ Control+K Meta+K" title="Search messages (/ or Ctrl-K)" data-testid="search-button" onClick={onSearch}>
                <SearchIcon />
              </button>
            )}
            {r && <NotificationMenu room={r} />}
            {(r ? r.kind === 'room' : view.loaded && !view.missing) && (manage || (!!r && canIntegrate)) && (
              <button type="button" class="icon-btn" aria-label="Room settings" title="Room settings" data-testid="room-settings-button" onClick={() => setSettingsOpen(true)}>
                <SlidersIcon />
              </button>
            )}
            {r?.kind === 'room' && (
              <button ref={membersToggle} type="button" class="btn btn-quiet btn-small" aria-pressed={showMembers} data-testid="toggle-members" onClick={() => setShowMembers(!showMembers)}>
                Members{members ? ` ${members.length}` : ''}
              </button>
            )}
            {r && r.kind === 'room' && room !== 'general' &&
              (confirmLeave ? (
                <button type="button" class="btn btn-danger btn-small" onClick={() => void leaveRoom(room)}>
                  Leave #{room}?
                </button>
              ) : (
                <button type="button" class="btn btn-quiet btn-small" onClick={() => setConfirmLeave(true)}>
                  Leave
                </button>
              ))}
          </div>
        </header>
        {s.notice && (
          <div class="notice" role="alert" data-testid="notice">
            <span>{s.notice}</span>
            <button type="button" class="icon-btn" aria-label="Dismiss" onClick={dismissNotice}>
              <CloseIcon />
            </button>
          </div>
        )}
        {!r && view.missing ? (
          <RoomNotFound room={room} error={view.error} />
        ) : (
          <>
            <MessageList room={room} view={view} pending={pending} me={me} isOwner={isOwner} editingId={editingId} onEdit={onEdit} newFrom={own(s.newFrom, room) ?? 0} holding={s.holding === room} unread={r?.unread ?? 0} dmPeer={r?.kind === 'dm' ? label : undefined} />
            <TypingLine typing={own(s.typing, room)} />
            {r ? (
              <Composer key={room} room={room} label={r.kind === 'dm' ? label : '#' + label} onEditLast={editLast} members={members} me={me} dm={r.kind === 'dm'} replyTo={own(s.replying, room)} />
            ) : view.error ? null : (
              <div class="join-bar">
                <span>You are previewing #{room}. Join to post and to see new messages as they arrive.</span>
                <button type="button" class="btn btn-primary" onClick={() => void attempt(() => joinRoom(room))}>
                  Join #{room}
                </button>
              </div>
            )}
          </>
        )}
      </section>
      {settingsOpen && s.me && <RoomSettingsDialog name={room} room={r} me={s.me} manage={manage} onClose={() => setSettingsOpen(false)} />}
      {showMembers && r?.kind === 'room' && (
        <MemberPanel room={r} members={members} presence={s.presence} me={me} isOwner={isOwner} onClose={closeMembers} />
      )}
    </div>
  );
}
