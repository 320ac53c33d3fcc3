/**
 * The installable app (issue 13 item 5): registers the service worker (web/public/sw.js), which shows Web Push
 * notifications; a click on one asks this page to open the room at that message. Before showing one, the worker
 * asks each visible page which room it shows (`natter:which-room` over a MessageChannel): a page in front of the
 * person showing that room shows the message itself. Registration is quiet: a browser without service workers,
 * or an insecure origin, simply gets no notifications.
 */
import { openAt } from './search.ts';
import { getState } from './state.ts';

/** True while something covers the open room (the mentions inbox): its messages are not on screen then. */
let covered = false;

/** Tells the service worker's question whether the open room is covered (App shows the mentions inbox). */
export function setRoomCovered(on: boolean): void {
  covered = on;
}

/** What this page shows, as the service worker asks it. */
function shown(): { room: string | null; visible: boolean; focused: boolean } {
  const s = getState();
  const room = s.phase === 'signed-in' && !covered ? s.current : null;
  return { room, visible: document.visibilityState === 'visible', focused: document.hasFocus() };
}

export function startServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent) => {
    const d = e.data as { type?: string; room?: unknown; seq?: unknown } | null;
    if (d?.type === 'natter:which-room') e.ports[0]?.postMessage(shown());
    else if (d?.type === 'natter:open' && typeof d.room === 'string' && typeof d.seq === 'number') void openAt(d.room, d.seq);
  });
  navigator.serviceWorker.startMessages();
  const register = () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      /* no notifications, nothing else changes */
    });
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
