/**
 * The session: boot, sign-in and sign-out, and wiring the live stream to the store. The only module that imports
 * events.ts, so the graph stays a DAG: session → events → {rooms, room-data} → {live, state, api}.
 */
import { announceSessionChange, onSessionChangeElsewhere, startSharedStream } from '@natter/client/browser';
import type { User } from '../../src/core/types.ts';
import { ApiError, client, errorText, setUnauthenticatedHandler } from './api.ts';
import { forgetOutbox, forgetTyping, resendQueued, restoreOutbox } from './compose.ts';
import { applyEvent } from './events.ts';
import { hasStream, setStream, stopStream, type PageTabMessage } from './live.ts';
import { askPathCheck, checkStreamPath, onPathMessage } from './path-warning.ts';
import { resyncPush } from './push.ts';
import { forgetReadSent, markRead, noteReadSent, openRoom } from './room-data.ts';
import { getState, patchRoom, resetState, setRooms, update } from './state.ts';
import { forgetUploads } from './uploads.ts';
import { forgetUsers } from './users.ts';

/** First thing on load: `GET /me` decides between the sign-in screen and the chat. */
export async function boot(): Promise<void> {
  setUnauthenticatedHandler(() => {
    if (getState().phase === 'signed-in') signedOut();
  });
  window.addEventListener('hashchange', () => {
    const name = roomFromHash();
    if (name && getState().phase === 'signed-in' && name !== getState().current) void openRoom(name);
  });
  onSessionChangeElsewhere(() => location.reload());
  document.addEventListener('visibilitychange', () => {
    const cur = getState().current;
    if (cur) markRead(cur);
  });
  await start();
}

/** Asks who we are; a server that cannot be reached (restarting, offline) is retried rather than shown as signed out. */
async function start(attempt = 0): Promise<void> {
  try {
    const { user } = await client.users.me();
    await signedIn(user);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      update(() => ({ phase: 'signed-out' }));
    } else if (getState().phase !== 'signed-in' || !hasStream()) {
      update(() => ({ phase: 'offline', notice: errorText(e) }));
      setTimeout(() => void start(attempt + 1), Math.min(1000 * 2 ** attempt, 15000));
    }
  }
}

/** After sign-in (or on load with a session): load the rooms, join the tabs' stream, open a room. */
export async function signedIn(user: User): Promise<void> {
  update(() => ({ phase: 'signed-in', me: user, notice: null }));
  const { rooms, cursor } = await client.rooms.list();
  setRooms(rooms);
  stopStream();
  setStream(
    startSharedStream<PageTabMessage>(client, { cursor }, {
      onEvent: applyEvent,
      onStatus: (conn) => {
        const was = getState().conn;
        // `<html data-conn>` and `data-stream-role` carry the stream's state for tests.
        document.documentElement.dataset.conn = conn;
        update(() => ({ conn }));
        if (conn === 'live') checkStreamPath(getState().role !== 'follower');
        // Back from a lost connection: what waited to be sent goes out now.
        if (conn !== 'reconnecting' && was === 'reconnecting') resendQueued();
      },
      onRole: (role) => {
        document.documentElement.dataset.streamRole = role;
        update(() => ({ role }));
      },
      onTabMessage: (msg) => {
        if (msg.kind === 'path-check' || msg.kind === 'path-check?') onPathMessage(msg);
        else if (msg.kind === 'read') {
          noteReadSent(msg.room, msg.seq);
          patchRoom(msg.room, (r) => (msg.seq >= r.last_seq ? { unread: 0, mentions: 0 } : {}));
        }
      },
    }),
  );
  if (getState().role === 'follower') askPathCheck();
  restoreOutbox(user.id);
  // Quiet: re-posts a subscription this user opted into here (its keys may have changed); never asks permission.
  void resyncPush(user.id);
  const fromHash = roomFromHash();
  const first = fromHash ?? (getState().rooms.general ? 'general' : Object.keys(getState().rooms)[0]);
  if (first) await openRoom(first, fromHash ? messageFromQuery() : undefined);
}

/**
 * The message to open the room at, from `?at=<seq>` (a clicked notification opened this page: web/public/sw.js),
 * taken out of the address so that a reload opens the room as usual.
 */
function messageFromQuery(): number | undefined {
  const at = new URLSearchParams(location.search).get('at');
  if (at === null) return undefined;
  history.replaceState(null, '', location.pathname + location.hash);
  const seq = Number(at);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}

/** The session is gone (logged out here, or a request answered 401): drop the stream and everything shown. */
function signedOut(): void {
  stopStream();
  forgetReadSent();
  forgetTyping();
  forgetOutbox();
  forgetUploads();
  forgetUsers();
  resetState('signed-out');
}

/** Signs out on the server, tells the other tabs, and shows the sign-in screen (even if the request failed). */
export async function logout(): Promise<void> {
  try {
    await client.auth.logout();
  } finally {
    announceSessionChange();
    signedOut();
    history.replaceState(null, '', location.pathname);
  }
}

/** The room named in the address (`#/r/<name>`), if any. */
function roomFromHash(): string | null {
  const m = /^#\/r\/(.+)$/.exec(location.hash);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}
