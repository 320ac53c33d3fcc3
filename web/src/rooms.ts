/** Joining, creating, leaving and adding members: the room-membership actions behind the dialogs and panels. */
import type { Room } from '../../src/core/types.ts';
import { client } from './api.ts';
import { loadMembers, openRoom } from './room-data.ts';
import { attempt, getState, update, upsertRoom } from './state.ts';

/**
 * Adds a room this user just joined or created to the sidebar and opens it. `done` runs first (a dialog closes
 * itself there), so the dialog hands focus back before the new room's message box takes it.
 */
async function enter(room: Room, done?: () => void): Promise<void> {
  done?.();
  upsertRoom(room);
  await openRoom(room.name);
}

/** Creates a room, lists it and opens it. */
export const createRoom = async (name: string, topic: string, visibility: 'public' | 'private', done?: () => void) =>
  enter((await client.rooms.create(name, { topic, visibility })).room, done);

/** Joins a room, lists it and opens it. */
export const joinRoom = async (name: string, done?: () => void) => enter((await client.rooms.join(name)).room, done);

/** Opens (creating if needed) the DM with a user, lists it and opens it. */
export const openDm = async (username: string, done?: () => void) => enter((await client.rooms.dm(username)).room, done);

/** Adds a user to a room and reloads its member list. */
export const addMember = async (room: string, username: string) => {
  await client.rooms.addMember(room, username);
  await loadMembers(room);
};

/** Leaves a room and drops it from the sidebar; a failure becomes the notice line. */
export async function leaveRoom(name: string): Promise<void> {
  await attempt(async () => {
    await client.rooms.leave(name);
    forgetRoom(name);
  });
}

/** Drops a room we are no longer in and moves to another one. */
export function forgetRoom(name: string): void {
  update((s) => {
    const rooms = { ...s.rooms };
    delete rooms[name];
    return { rooms };
  });
  const s = getState();
  if (s.current === name) {
    const next = s.rooms.general ? 'general' : Object.keys(s.rooms)[0];
    if (next) void openRoom(next);
    else update(() => ({ current: null }));
  }
}
