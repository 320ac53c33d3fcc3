/**
 * People's public profiles (display name, avatar, active), by id: messages carry only `{id, username}`, so the
 * page asks `GET /users/:username` once per author it shows, and `user_updated` events (API v1.1 §5) keep the
 * answers fresh without a reload. Kept outside the app state like uploads.ts: only the names and avatars listen.
 */
import { useEffect, useReducer } from 'preact/hooks';
import type { User } from '../../src/core/types.ts';
import { client } from './api.ts';

const byId = new Map<string, User>();
/** Usernames (lower-cased) asked for already, answered or not: each is fetched at most once per page. */
const asked = new Set<string>();
const listeners = new Set<() => void>();

function emit(): void {
  for (const l of listeners) l();
}

/** Remembers a user's public fields (from a member list, an answer, or a `user_updated` event). */
export function noteUser(user: User): void {
  const was = byId.get(user.id);
  if (was && was.display_name === user.display_name && was.avatar_url === user.avatar_url && was.active === user.active && was.role === user.role) return;
  byId.set(user.id, user);
  asked.add(user.username.toLowerCase());
  emit();
}

/** Forgets everyone (sign-out). */
export function forgetUsers(): void {
  byId.clear();
  asked.clear();
  emit();
}

/** What is known of a user, fetched once when unknown. Re-renders when it changes. */
export function useUser(ref: { id: string; username: string }): User | undefined {
  const [, force] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const l = () => force(0);
    listeners.add(l);
    const key = ref.username.toLowerCase();
    if (!byId.has(ref.id) && !asked.has(key)) {
      asked.add(key);
      client.users.get(ref.username).then(({ user }) => noteUser(user), () => {});
    }
    return () => void listeners.delete(l);
  }, [ref.id]);
  return byId.get(ref.id);
}

/**
 * What the page already knows of a user, without asking the server: for lists of many people (members), where
 * one request per person would be too many. Re-renders when it changes (a message or an answer makes it known).
 */
export function useKnownUser(ref: { id: string }): User | undefined {
  const [, force] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const l = () => force(0);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, [ref.id]);
  return byId.get(ref.id);
}
