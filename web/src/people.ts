/** People rather than rooms: who the DM peers are and whether they are online, and finding people by name. */
import type { Room, User } from '../../src/core/types.ts';
import { client } from './api.ts';
import { loadMembers } from './room-data.ts';

/** At most this many DMs have their presence fetched on (re)connect; later ones learn it when opened. */
const DM_PRESENCE_MAX = 50;

/**
 * Fetches whether each DM peer is online (a DM's member list carries it), so the DM list shows it without
 * opening every conversation. Presence events are not stored, so this runs on every `ready`: after a
 * reconnect the ones missed meanwhile are gone.
 */
export function loadDmPresence(rooms: Room[]): void {
  const dms = rooms.filter((r) => r.kind === 'dm' && r.member).slice(0, DM_PRESENCE_MAX);
  for (const r of dms) void loadMembers(r.name);
}

/** A person the picker can suggest. */
export interface Person {
  user: User;
  online: boolean;
}

/** People whose username starts with `q` (any case), by username, without those `skip` rules out. */
export async function findPeople(q: string, skip: (u: User) => boolean, limit = 8): Promise<Person[]> {
  // Ask for a few more than shown, so leaving out yourself or the members already in still fills the list.
  const { users } = await client.users.search(q, Math.min(50, limit + 12));
  return users.filter((p) => !skip(p.user)).slice(0, limit);
}
