import { useEffect, useState } from 'preact/hooks';
import { type AppState, dismissNotice, own, roomLabel, useAppState } from '../state.ts';
import { badgeCount } from '../mentions.ts';
import { setRoomCovered } from '../pwa.ts';
import { AdminPage } from './AdminPage.tsx';
import { Announcer } from './Announcer.tsx';
import { ConnectionBanner } from './ConnectionBanner.tsx';
import { PathWarning } from './PathWarning.tsx';
import { BrowseDialog, CreateDialog, DmDialog } from './Dialogs.tsx';
import { MentionInbox } from './MentionInbox.tsx';
import { RoomView } from './RoomView.tsx';
import { SearchDialog, useSearchShortcut } from './SearchDialog.tsx';
import { SessionsDialog } from './SessionsDialog.tsx';
import { SettingsDialog } from './SettingsDialog.tsx';
import { EmailVerifyNotice } from './EmailVerifyNotice.tsx';
import { type DialogKind, Sidebar } from './Sidebar.tsx';
import { SignIn } from './SignIn.tsx';

/** "(3) #general · Natter": the unread total shows in the tab strip. */
function useTitle(s: AppState): void {
  const unread = Object.values(s.rooms).reduce((n, r) => n + (r.name === s.current && document.visibilityState === 'visible' ? 0 : badgeCount(r)), 0);
  const cur = s.current ? roomLabel(own(s.rooms, s.current), s.current) : '';
  const room = s.current && own(s.rooms, s.current)?.kind !== 'dm' ? '#' + cur : cur;
  const title = (unread > 0 ? `(${unread}) ` : '') + (room ? `${room} · ` : '') + 'Natter';
  useEffect(() => {
    document.title = title;
  }, [title]);
}

/**
 * The first stop of the tab order: to the message box of the open room (the composer has id "composer"), or to
 * the main area when there is none. Focus is moved by hand: the page routes by its hash, so following the
 * fragment would navigate.
 */
function SkipLink({ toComposer }: { toComposer: boolean }) {
  const target = toComposer ? 'composer' : 'main';
  return (
    <a class="skip-link" href={'#' + target} onClick={(e) => { e.preventDefault(); document.getElementById(target)?.focus(); }}>
      {toComposer ? 'Skip to message box' : 'Skip to main content'}
    </a>
  );
}

/** The whole page: sign-in, or sidebar + open room + dialogs. */
export function App() {
  const s = useAppState();
  const [dialog, setDialog] = useState<DialogKind>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  // The mentions inbox shows in place of the open room until a room is opened again.
  const [inbox, setInbox] = useState(false);
  useEffect(() => setInbox(false), [s.current]);
  // The administration page (admins only) also shows in place of the open room.
  const [admin, setAdmin] = useState(false);
  useEffect(() => setAdmin(false), [s.current]);
  // The service worker asks which room is on screen before it shows a notification (pwa.ts).
  useEffect(() => setRoomCovered(inbox), [inbox]);
  const [searchOpen, setSearchOpen] = useState(false);
  useTitle(s);
  useSearchShortcut(s.phase === 'signed-in' && !!s.me, () => {
    setMenuOpen(false);
    setSearchOpen(true);
  });
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setMenuOpen(false);
    document.addEventListener('keydown', onKey);
    document.querySelector<HTMLElement>('.sidebar .room-link')?.focus();
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  if (s.phase === 'loading') {
    return (
      <div class="loading" role="status">
        <span class="brand-mark" aria-hidden="true" /> Loading Natter…
      </div>
    );
  }
  if (s.phase === 'offline') {
    return (
      <div class="loading" role="status" data-testid="offline">
        <span class="brand-mark" aria-hidden="true" /> Cannot reach Natter right now. Trying again…
      </div>
    );
  }
  if (s.phase === 'signed-out' || !s.me) return <SignIn notice={s.notice} />;

  return (
    <div class={'shell' + (menuOpen ? ' menu-open' : '')}>
      <SkipLink toComposer={!inbox && !!(s.current && own(s.rooms, s.current))} />
      <Sidebar
        me={s.me}
        rooms={s.rooms}
        current={s.current}
        presence={s.presence}
        onDialog={(d) => {
          setMenuOpen(false);
          setDialog(d);
        }}
        onNavigate={() => {
          setMenuOpen(false);
          setInbox(false);
          setAdmin(false);
        }}
        inbox={inbox}
        onInbox={() => {
          setMenuOpen(false);
          setAdmin(false);
          setInbox(true);
        }}
        admin={admin}
        onAdmin={() => {
          setMenuOpen(false);
          setInbox(false);
          setAdmin(true);
        }}
      />
      {menuOpen && <div class="scrim" onClick={() => setMenuOpen(false)} aria-hidden="true" />}
      <main class="main" id="main" tabIndex={-1}>
        <ConnectionBanner conn={s.conn} waiting={s.pending.filter((p) => !p.failed).length} />
        <PathWarning results={s.pathWarning} />
        {admin && s.me.role === 'admin' ? (
          <AdminPage onMenu={() => setMenuOpen(true)} />
        ) : inbox ? (
          <MentionInbox rooms={s.rooms} onMenu={() => setMenuOpen(true)} onOpen={() => setInbox(false)} />
        ) : s.current ? (
          <RoomView s={s} room={s.current} onMenu={() => setMenuOpen(true)} onSearch={() => setSearchOpen(true)} />
        ) : (
          <div class="empty">
            <p>You are not in any room yet.</p>
            <button type="button" class="btn btn-primary" onClick={() => setDialog('browse')}>
              Browse rooms
            </button>
          </div>
        )}
        {s.notice && !s.current && (
          <p class="notice" role="alert" onClick={dismissNotice}>
            {s.notice}
          </p>
        )}
      </main>
      <Announcer s={s} />
      <EmailVerifyNotice />
      {dialog === 'browse' && <BrowseDialog onClose={() => setDialog(null)} />}
      {dialog === 'create' && <CreateDialog onClose={() => setDialog(null)} />}
      {dialog === 'dm' && <DmDialog onClose={() => setDialog(null)} />}
      {searchOpen && <SearchDialog room={s.current} onClose={() => setSearchOpen(false)} />}
      {dialog === 'sessions' && <SessionsDialog onClose={() => setDialog(null)} />}
      {dialog === 'settings' && <SettingsDialog userId={s.me.id} onClose={() => setDialog(null)} />}
    </div>
  );
}
