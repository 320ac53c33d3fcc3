/*
 * Natter's service worker (API v1.1 §4). It makes the page installable (a fetch handler is not needed for that
 * any more, and the page is live-only: nothing is cached here), shows Web Push notifications, takes them back
 * when a `close` push says the message was read elsewhere, and opens the room when one is clicked.
 *
 * Payloads: {"type":"message","tag":"natter:<room>","room","room_kind","message_id","seq","author":{"id",
 * "username","display_name"},"excerpt","reason","count"} and {"type":"close","tag","room","seq"}.
 */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/** The open Natter pages. */
const pages = () => self.clients.matchAll({ type: 'window', includeUncontrolled: true });

/** The room a page shows, from its address (`#/r/<name>`). */
function roomOf(client) {
  const m = /^#\/r\/(.+)$/.exec(new URL(client.url).hash);
  return m ? decodeURIComponent(m[1]) : null;
}

async function showMessage(d) {
  // A page that is visible, focused and on that room shows the message itself.
  const here = (await pages()).some((c) => c.visibilityState === 'visible' && c.focused && roomOf(c) === d.room);
  if (here) return;
  const who = (d.author && (d.author.display_name || d.author.username)) || 'Someone';
  const title = d.room_kind === 'dm' ? who : `${who} in #${d.room}`;
  const more = d.count > 1 ? ` (${d.count} new)` : '';
  await self.registration.showNotification(title, {
    tag: d.tag,
    renotify: true,
    body: (d.excerpt || 'New message') + more,
    icon: '/icons/icon-192.png',
    data: { room: d.room, seq: d.seq, message_id: d.message_id },
  });
}

async function closeRead(d) {
  for (const n of await self.registration.getNotifications({ tag: d.tag })) {
    if (!n.data || typeof n.data.seq !== 'number' || n.data.seq <= d.seq) n.close();
  }
}

self.addEventListener('push', (event) => {
  let d = null;
  try {
    d = event.data ? event.data.json() : null;
  } catch {
    d = null;
  }
  if (!d || typeof d !== 'object') return;
  if (d.type === 'close') event.waitUntil(closeRead(d));
  else if (d.type === 'message') event.waitUntil(showMessage(d));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { room, seq } = event.notification.data || {};
  if (typeof room !== 'string') return;
  event.waitUntil((async () => {
    const open = (await pages()).filter((c) => new URL(c.url).origin === self.location.origin);
    const page = open.find((c) => c.focused) || open[0];
    if (page) {
      // The page opens the room at that message (web/src/pwa.ts).
      page.postMessage({ type: 'natter:open', room, seq });
      return page.focus();
    }
    return self.clients.openWindow(`/#/r/${encodeURIComponent(room)}`);
  })());
});
