/**
 * The installable app (issue 13 item 5): registers the service worker (web/public/sw.js), which shows Web Push
 * notifications; a click on one asks this page to open the room at that message. Registration is quiet: a
 * browser without service workers, or an insecure origin, simply gets no notifications.
 */
import { openAt } from './search.ts';

export function startServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent) => {
    const d = e.data as { type?: string; room?: unknown; seq?: unknown } | null;
    if (d?.type === 'natter:open' && typeof d.room === 'string' && typeof d.seq === 'number') void openAt(d.room, d.seq);
  });
  const register = () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      /* no notifications, nothing else changes */
    });
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
