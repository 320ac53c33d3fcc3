/**
 * The stream path check (@natter/client's checkPath) once per page load, in the tab that holds the stream, after
 * it is live (not on every reconnect): a proxy that buffers or compresses the event stream delays live updates,
 * and the page says so in one line (components/PathWarning.tsx). The holder tells the other tabs what it found.
 */
import { checkPath, type CheckResult } from '@natter/client';
import { broadcast, type PageTabMessage } from './live.ts';
import { update } from './state.ts';

let checked = false;
let dismissed = false;
let found: CheckResult[] | null = null;

/** Whether the results show a proxy that holds events back: buffering or compression failed. */
export function pathHoldsEvents(results: CheckResult[]): boolean {
  return results.some((r) => (r.name === 'buffering' || r.name === 'compression') && r.verdict === 'fail');
}

function show(results: CheckResult[]): void {
  found = results;
  if (!dismissed) update(() => ({ pathWarning: results }));
}

/** The stream went live in this tab; `holder`: this tab holds the stream (leader or solo). Checks once per load. */
export function checkStreamPath(holder: boolean): void {
  if (checked || !holder) return;
  checked = true;
  checkPath('').then(({ results }) => {
    if (!pathHoldsEvents(results)) return;
    show(results);
    broadcast({ kind: 'path-check', results });
  }, () => {
    /* the check could not run (offline, server restarting): nothing to say */
  });
}

/** What another tab said about the path (its results), or asked (a new tab: what did you find?). */
export function onPathMessage(msg: Extract<PageTabMessage, { kind: 'path-check' | 'path-check?' }>): void {
  if (msg.kind === 'path-check') show(msg.results);
  else if (found) broadcast({ kind: 'path-check', results: found });
}

/** Asks the tab holding the stream what its check found (a tab that joined later). */
export function askPathCheck(): void {
  broadcast({ kind: 'path-check?' });
}

/** Hides the warning for the rest of this page's life. */
export function dismissPathWarning(): void {
  dismissed = true;
  update(() => ({ pathWarning: null }));
}
