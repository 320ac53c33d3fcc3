/**
 * Limits and name rules from API.md's Conventions, shared by the HTTP schemas
 * (as patterns) and the services (as checks that throw ChatError).
 */
import { ChatError, invalid } from './errors.ts';

/** Room names: 1–64 of [a-z0-9_-], starting with a letter or digit. */
export const ROOM_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
/** Usernames: 1–32 of [A-Za-z0-9_.-]. */
export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]{1,32}$';
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;
export const TEXT_MAX = 4000;
export const TOPIC_MAX = 256;
export const CLIENT_ID_MAX = 64;
export const HISTORY_LIMIT_MAX = 200;
export const HISTORY_LIMIT_DEFAULT = 50;
/** Members per page of `GET /rooms/:room/members` when `cursor` comes without `limit`. */
export const MEMBERS_LIMIT_MAX = 200;
export const MEMBERS_LIMIT_DEFAULT = 50;
export const EMOJI_MAX = 32;
/** Distinct reaction emoji one message may hold (API v1.1 §7); a new one beyond it is 409 `limit_reached`. */
export const REACTIONS_MAX = 20;

const roomRe = new RegExp(ROOM_NAME_PATTERN);
const userRe = new RegExp(USERNAME_PATTERN);
// C0 controls except \t and \n (API.md); \r is a C0 control and so rejected. DEL and C1 are not C0: allowed.
const badTextRe = /[\u0000-\u0008\u000B-\u001F]/;
// Whitespace or any control character (C0, DEL, C1), line/paragraph separators, BOM.
const badEmojiRe = /[\s\u0000-\u001F\u007F-\u009F\u2028\u2029\uFEFF]/u;

/** True for a valid room name (not checking the `dm-` reservation). */
export function isRoomName(name: string): boolean {
  return roomRe.test(name);
}

/** True for a valid username. */
export function isUsername(name: string): boolean {
  return userRe.test(name);
}

/**
 * Names no new account may take, in any case (API v1.1 §7): mention keywords and names that could pass
 * for the server. Accounts that already hold one keep it (login only checks the format).
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set(['room', 'here', 'everyone', 'channel', 'all', 'admin', 'root', 'system', 'natter']);
const punctuationOnlyRe = /^[._-]+$/;

/** The rule for a new account's name (register, guest): valid, not only punctuation (400), not reserved (409 username_taken). */
export function checkNewUsername(name: string): void {
  if (!isUsername(name)) throw invalid('username: 1-32 characters of A-Z, a-z, 0-9, _, . and -');
  if (punctuationOnlyRe.test(name)) throw invalid('username: needs at least one letter or digit');
  if (RESERVED_USERNAMES.has(name.toLowerCase())) throw new ChatError('username_taken', `username ${name} is reserved`);
}

/** The user-chosen room name rule: valid and not in the reserved `dm-` space. */
export function checkNewRoomName(name: string): void {
  if (!isRoomName(name)) throw invalid('name: 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit');
  if (name.startsWith('dm-')) throw invalid('name: names starting with dm- are reserved for direct messages');
}

/** Trim and check message text: 1–4000 code points, no NUL or C0 controls but \n and \t. Returns the trimmed text. */
export function checkText(raw: string, emptyOk = false): string {
  const text = raw.trim();
  if (text.length === 0 && !emptyOk) throw invalid('text: must not be empty');
  if (badTextRe.test(text)) throw invalid('text: control characters other than newline and tab are not allowed');
  if (text.length > TEXT_MAX && codePoints(text) > TEXT_MAX) throw invalid(`text: at most ${TEXT_MAX} characters`);
  if (hasLoneSurrogate(text)) throw invalid('text: not valid Unicode');
  return text;
}

/** Topic: up to 256 code points, same character rules as text, may be empty. */
export function checkTopic(raw: string): string {
  const topic = raw.trim();
  if (badTextRe.test(topic) || topic.includes('\n')) throw invalid('topic: control characters and newlines are not allowed');
  if (codePoints(topic) > TOPIC_MAX) throw invalid(`topic: at most ${TOPIC_MAX} characters`);
  if (hasLoneSurrogate(topic)) throw invalid('topic: not valid Unicode');
  return topic;
}

/** A reaction key: 1–32 code points, no whitespace or control characters. */
export function checkEmoji(emoji: string): string {
  const n = codePoints(emoji);
  if (n < 1 || n > EMOJI_MAX || badEmojiRe.test(emoji) || hasLoneSurrogate(emoji)) {
    throw new ChatError('invalid_emoji', 'emoji: 1-32 characters, no whitespace or control characters');
  }
  return emoji;
}

/** Number of Unicode code points (not UTF-16 units). */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function hasLoneSurrogate(s: string): boolean {
  return !s.isWellFormed();
}
