/**
 * The pure rules of single sign-on (API v1.1 §5 and its Clarifications): a new account's username and display
 * name from the ID token's claims, and where a finished sign-in may send the browser.
 */
import { checkEmail } from './email.ts';
import { codePoints, RESERVED_USERNAMES } from './validate.ts';

/** The longest username (validate.ts USERNAME_PATTERN). */
const USERNAME_MAX = 32;
/** The longest display name, in code points. */
const DISPLAY_NAME_MAX = 64;
/** The name taken when the claims leave nothing usable. */
export const FALLBACK_USERNAME = 'user';

/**
 * The name a new account starts from: `preferred_username` when the token has one, else the local part of its
 * `email`; every character outside the username alphabet (A-Z a-z 0-9 _ . -) removed, cut to 32; `user` when
 * nothing remains, or only punctuation (a name of only `.`, `-` and `_` is not a valid new username).
 */
export function usernameBase(preferredUsername: unknown, email: unknown): string {
  let source = '';
  if (typeof preferredUsername === 'string' && preferredUsername !== '') source = preferredUsername;
  else if (typeof email === 'string') source = email.includes('@') ? email.slice(0, email.lastIndexOf('@')) : email;
  const cleaned = source.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, USERNAME_MAX);
  return cleaned === '' || /^[._-]+$/.test(cleaned) ? FALLBACK_USERNAME : cleaned;
}

/**
 * The `n`th name to try (1-based): the base itself, then `base-2`, `base-3`… with the base cut so that the whole
 * stays within 32 characters.
 */
export function usernameCandidate(base: string, n: number): string {
  if (n <= 1) return base;
  const suffix = `-${n}`;
  return base.slice(0, USERNAME_MAX - suffix.length) + suffix;
}

/** Whether a new account may take this name: reserved names (validate.ts, any case) are skipped like taken ones. */
export function isReservedUsername(name: string): boolean {
  return RESERVED_USERNAMES.has(name.toLowerCase());
}

/** The display name from the `name` claim: trimmed, 1–64 code points without control characters; else null. */
export function displayNameFrom(name: unknown): string | null {
  if (typeof name !== 'string') return null;
  const t = name.trim();
  const n = codePoints(t);
  if (n < 1 || n > DISPLAY_NAME_MAX || /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/.test(t) || !t.isWellFormed()) return null;
  return t;
}

/** The token's email as an account stores it (core/email.ts checkEmail), or null when it has none or it is malformed. */
export function emailFrom(email: unknown): string | null {
  if (typeof email !== 'string') return null;
  try {
    return checkEmail(email);
  } catch {
    return null;
  }
}

/** `email_verified` as providers send it: a boolean, or (some providers) the text "true". */
export function isVerified(flag: unknown): boolean {
  return flag === true || flag === 'true';
}

const ORIGIN = 'http://natter.invalid';

/**
 * Where to go after signing in: `raw` when it is a path of this origin (`/…`, not `//host` nor `/\host`, no control
 * characters, at most 2048 characters), normalised; else `/`.
 */
export function safeReturnTo(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 2048 || !raw.startsWith('/') || /^\/[/\\]/.test(raw) || /[\u0000-\u001F\u007F\\]/.test(raw)) return '/';
  if (!URL.canParse(raw, ORIGIN)) return '/';
  const u = new URL(raw, ORIGIN);
  return u.origin === ORIGIN ? u.pathname + u.search + u.hash : '/';
}
