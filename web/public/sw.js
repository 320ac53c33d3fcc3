/*
 * Natter's service worker (API v1.1 §4). It makes the page installable (a fetch handler is not needed for that
 * any more, and the page is live-only: nothing is cached here), shows Web Push notifications, takes them back
 * when a `close` push says the message was read elsewhere, and opens the room at that message when one is clicked.
 * Nothing is shown for a room that a visible, focused page shows already (it asks the pages, see askPage), and
 * the same message pushed twice replaces its notification without alerting again.
 *
 * Payloads: {"type":"message","tag":"natter:<room>","room","room_kind","message_id","seq","author":{"id",
 * "username","display_name"},"excerpt","reason","count"} and {"type":"close","tag","room","seq"}.
 */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/** The open Natter pages. */
const pages = () => self.clients.matchAll({ type: 'window', includeUncontrolled: true });

/** The room a page shows, from its address (`#/r/<name>`): the fallback when the page does not answer. */
function roomOf(client) {
  const m = /^#\/r\/(.+)$/.exec(new URL(client.url).hash);
  return m ? decodeURIComponent(m[1]) : null;
}

/**
 * How long a page may take to say what it shows before its address and the browser's view of it are used. A busy
 * page (a long task, a slow machine) can take a while; waiting a little longer only delays a notification, which
 * the server already sends seconds after the message.
 */
const ASK_MS = 1500;

/**
 * Asks a page which room it shows and whether it is in front of the person ({room, visible, focused}). The page
 * answers over a MessageChannel (web/src/pwa.ts) from its own state, which knows the room even when the mentions
 * inbox covers it, and needs nothing kept here (a worker is stopped and started again at will). A page that
 * does not answer in time (still loading, or an older build) is judged by its address, visibility and focus.
 */
function askPage(client) {
  const fallback = { room: roomOf(client), visible: client.visibilityState === 'visible', focused: client.focused };
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(fallback), ASK_MS);
    channel.port1.onmessage = (e) => {
      clearTimeout(timer);
      const a = e.data || {};
      resolve({ room: typeof a.room === 'string' ? a.room : null, visible: a.visible === true, focused: a.focused === true });
    };
    try {
      client.postMessage({ type: 'natter:which-room' }, [channel.port2]);
    } catch {
      clearTimeout(timer);
      resolve(fallback);
    }
  });
}

/** Whether some page is visible, focused and showing `room`: that page shows the message itself. */
async function shownInPage(room) {
  const candidates = (await pages()).filter((c) => c.visibilityState === 'visible' && new URL(c.url).origin === self.location.origin);
  const answers = await Promise.all(candidates.map(askPage));
  return answers.some((a) => a.visible && a.focused && a.room === room);
}

async function showMessage(d) {
  if (typeof d.room !== 'string' || (await shownInPage(d.room))) return;
  const tag = typeof d.tag === 'string' && d.tag ? d.tag : `natter:${d.room}`;
  const who = (d.author && (d.author.display_name || d.author.username)) || 'Someone';
  const title = d.room_kind === 'dm' ? who : `${who} in #${d.room}`;
  const more = d.count > 1 ? ` (${d.count} new)` : '';
  // The same message again (a push delivered twice): replace the notification quietly, without a second alert.
  // A newer message for the room replaces it too, through the tag, and does alert.
  const shown = await self.registration.getNotifications({ tag });
  const again = shown.some((n) => n.data && n.data.message_id === d.message_id);
  await self.registration.showNotification(title, {
    tag,
    renotify: !again,
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
    // A new page opens the room at that message (`?at=<seq>`, read by web/src/session.ts).
    const at = typeof seq === 'number' ? `?at=${seq}` : '';
    return self.clients.openWindow(`/${at}#/r/${encodeURIComponent(room)}`);
  })());
});
