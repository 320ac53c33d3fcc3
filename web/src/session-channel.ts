/**
 * Tells the other tabs of this browser that the session changed (signed in or out), so they reload into the
 * same state. One channel object per page: a BroadcastChannel never delivers to the object that posted, so
 * the tab that signed in does not reload itself.
 */
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('natter-session') : null;

/** Tells the other tabs we signed in or out. */
export function announceSessionChange(): void {
  channel?.postMessage('changed');
}

/** Runs `fn` when another tab signed in or out. */
export function onSessionChangeElsewhere(fn: () => void): void {
  channel?.addEventListener('message', fn);
}
