/** The page's client of the API (@natter/client), and API errors turned into sentences. */
import { ApiError, NatterClient } from '@natter/client';

export { ApiError };
export type { MentionEntry, SearchHit, SearchParams, ServerInfo, Session as SessionInfo } from '@natter/client';

/**
 * The page's one client (@natter/client), for every call it makes: `client.rooms.list()`, `client.messages.post()`…
 * The session cookie, `X-Requested-With: natter` on every request (the API's CSRF rule for cookie sessions; the
 * page never sees or stores a token), errors as `ApiError` with status 0 when there was no answer (network down,
 * server restarting).
 */
export const client = new NatterClient({ baseUrl: '', networkErrors: true });

/** Sets what happens when a request (other than sign-in itself) answers 401: the session is gone (the app shows sign-in). */
export function setUnauthenticatedHandler(fn: () => void): void {
  client.onUnauthenticated = fn;
}

/** How long a message send may hang before it counts as "no answer" (and is queued to go out again). */
export const SEND_TIMEOUT_MS = 20_000;

const FIELD_NAMES: Record<string, string> = {
  username: 'Username', password: 'Password', name: 'Room name', topic: 'Topic', text: 'Message',
  display_name: 'Display name', url: 'URL', events: 'Events', bot: 'Bot',
};

/** Schema messages name fields like `body/password`; people read "Password must be at least 8 characters." */
function humanize(message: string): string {
  const m = /^(?:body|params|querystring)\/(\w+) (.*)$/.exec(message);
  if (!m) return sentence(labelled(message));
  const [, field = '', rest = ''] = m;
  const label = FIELD_NAMES[field] ?? field;
  let r: RegExpExecArray | null;
  if ((r = /must not have fewer than (\d+) characters?/i.exec(rest))) {
    return r[1] === '1' ? `${label} cannot be empty.` : `${label} must be at least ${r[1]} characters.`;
  }
  if ((r = /must not have more than (\d+) characters?/i.exec(rest))) return `${label} can be at most ${r[1]} characters.`;
  if (/must match pattern/.test(rest) && field === 'username') {
    return 'Usernames are up to 32 letters, digits, dots, dashes or underscores.';
  }
  if (/must match pattern/.test(rest) && field === 'name') {
    return 'Room names are lowercase letters, digits, - and _, starting with a letter or digit.';
  }
  if (/must have required property/.test(rest)) return `${label} is required.`;
  return sentence(`${label} ${rest}`);
}

/** Core messages name their field first, like "url: http or https only": people read "URL: http or https only." */
function labelled(message: string): string {
  const m = /^(\w+): (.*)$/s.exec(message);
  const label = m && FIELD_NAMES[m[1]!];
  return label ? `${label}: ${m[2]}` : message;
}

function sentence(s: string): string {
  const t = s.trim();
  if (!t) return 'Something went wrong. Please try again.';
  return t[0]!.toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

/** A human sentence for an error, for showing next to the control that caused it. */
export function errorText(e: unknown): string {
  if (!(e instanceof ApiError)) return 'Something went wrong. Please try again.';
  if (e.code === 'rate_limited') return 'Too many attempts. Please wait a moment and try again.';
  if (e.code === 'csrf') return 'The request was refused by the server (missing CSRF header).';
  if (e.status >= 500) return 'The server had a problem. Please try again.';
  return e.code === 'invalid_request' ? humanize(e.message) : sentence(labelled(e.message));
}
