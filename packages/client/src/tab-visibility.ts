/**
 * Page visibility for notifications (API v1.1 §4), for browsers. The server pushes a message only if its event was
 * not written to a visible stream, so the tab holding the stream (the leader, shared-stream.ts) reports whether any tab of this browser
 * shows Natter: after each `ready` (a new `stream_id`) and whenever that changes. Each tab tells the leader about
 * itself over the tabs' channel on `visibilitychange` and when it goes away; a new leader asks them all.
 */
import type { NatterClient } from './http.ts';

/** What the tabs say to each other about visibility (part of shared-stream.ts TabMessage). */
export type VisibilityMessage = { kind: 'visible'; tab: string; visible: boolean } | { kind: 'visible?' };

export interface VisibilityTracker {
  /** Whether any tab shows Natter now, as far as this tab knows (a leader hears from all of them). */
  anyVisible(): boolean;
  /** The leader's stream said `ready` with this id: report the state for it, and ask the other tabs theirs. */
  onReady(streamId: string): void;
  onTabMessage(msg: VisibilityMessage): void;
  stop(): void;
}

const shown = (): boolean => document.visibilityState === 'visible';

/** POST /api/v1/events/visibility; `keepalive` so a report made as the tab hides or closes still goes out. */
function report(client: NatterClient, streamId: string, visible: boolean): void {
  client.events.visibility(streamId, visible).catch(() => {
    /* the stream is gone or the network is: the next ready reports again */
  });
}

export function trackVisibility(client: NatterClient, send: (msg: VisibilityMessage) => void, isLeader: () => boolean): VisibilityTracker {
  const me = Math.random().toString(36).slice(2);
  const others = new Map<string, boolean>();
  let streamId: string | null = null;
  let reported: boolean | null = null;

  const anyVisible = () => shown() || [...others.values()].some(Boolean);
  const sync = () => {
    if (!isLeader() || streamId === null) return;
    const now = anyVisible();
    if (now === reported) return;
    reported = now;
    report(client, streamId, now);
  };
  const onChange = () => {
    send({ kind: 'visible', tab: me, visible: shown() });
    sync();
  };
  const onHide = () => send({ kind: 'visible', tab: me, visible: false });
  document.addEventListener('visibilitychange', onChange);
  window.addEventListener('pagehide', onHide);

  return {
    anyVisible,
    onReady(id) {
      streamId = id;
      reported = null;
      others.clear();
      send({ kind: 'visible?' });
      sync();
    },
    onTabMessage(msg) {
      if (msg.kind === 'visible?') send({ kind: 'visible', tab: me, visible: shown() });
      else others.set(msg.tab, msg.visible);
      sync();
    },
    stop() {
      document.removeEventListener('visibilitychange', onChange);
      window.removeEventListener('pagehide', onHide);
    },
  };
}
