import { useEffect, useState } from 'preact/hooks';
import { dismissNotice } from '../actions.ts';
import { useAppState } from '../state.ts';
import { BrowseDialog, CreateDialog, DmDialog } from './Dialogs.tsx';
import { RoomView } from './RoomView.tsx';
import { type DialogKind, Sidebar } from './Sidebar.tsx';
import { SignIn } from './SignIn.tsx';

/** While signed out, a sign-in in another tab signs this one in too. */
function useSessionFromOtherTabs(active: boolean): void {
  useEffect(() => {
    if (!active || typeof BroadcastChannel !== 'function') return;
    const ch = new BroadcastChannel('natter');
    ch.onmessage = (e: MessageEvent<{ kind?: string }>) => {
      if (e.data?.kind === 'session') location.reload();
    };
    return () => ch.close();
  }, [active]);
}

/** The whole page: sign-in, or sidebar + open room + dialogs. */
export function App() {
  const s = useAppState();
  const [dialog, setDialog] = useState<DialogKind>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  useSessionFromOtherTabs(s.phase === 'signed-out');

  if (s.phase === 'loading') {
    return (
      <div class="loading" role="status">
        <span class="brand-mark" aria-hidden="true" /> Loading Natter…
      </div>
    );
  }
  if (s.phase === 'signed-out' || !s.me) return <SignIn notice={s.notice} />;

  return (
    <div class={'shell' + (menuOpen ? ' menu-open' : '')}>
      <a class="skip-link" href="#composer-anchor" onClick={(e) => { e.preventDefault(); document.querySelector<HTMLElement>('[data-testid="composer"]')?.focus(); }}>
        Skip to message box
      </a>
      <Sidebar
        me={s.me}
        rooms={s.rooms}
        current={s.current}
        conn={s.conn}
        role={s.role}
        onDialog={(d) => {
          setMenuOpen(false);
          setDialog(d);
        }}
        onNavigate={() => setMenuOpen(false)}
      />
      {menuOpen && <div class="scrim" onClick={() => setMenuOpen(false)} aria-hidden="true" />}
      <main class="main">
        {s.current ? (
          <RoomView s={s} room={s.current} onMenu={() => setMenuOpen(true)} />
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
      {dialog === 'browse' && <BrowseDialog onClose={() => setDialog(null)} />}
      {dialog === 'create' && <CreateDialog onClose={() => setDialog(null)} />}
      {dialog === 'dm' && <DmDialog onClose={() => setDialog(null)} />}
    </div>
  );
}
