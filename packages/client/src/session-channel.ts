/**
 * Tells the other tabs of this browser that the session changed (signed in or out), so they reload into the
 * same state. One channel object per page, opened on first use: a BroadcastChannel never delivers to the object
 * that posted, so the tab that signed in does not reload itself.
 */
let channel: BroadcastChannel | null | undefined;

function sessionChannel(): BroadcastChannel | null {
  if (channel === undefined) channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('natter-session') : null;
  return channel;
}

/** Tells the other tabs we signed in or out. */
export function announceSessionChange(): void {
  sessionChannel()?.postMessage('changed');
}

/** Runs `fn` when another tab signed in or out. */
export function onSessionChangeElsewhere(fn: () => void): void {
  sessionChannel()?.addEventListener('message', fn);
}
