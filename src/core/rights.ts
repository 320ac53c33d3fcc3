/**
 * Who may do what (API v1.1 §5), one function per right: route handlers and use cases ask these and never
 * compare role strings themselves. `user` is the caller as their session resolved them (role and activation
 * read with the session, so a change applies to the next request).
 */
import type { Role, User } from './types.ts';

/** An active admin. */
export const isAdmin = (u: Pick<User, 'role' | 'active'>): boolean => u.role === 'admin' && u.active;

/** Administration routes (`/admin/*`) and invites. */
export const administers = isAdmin;

/** Change a room (topic, visibility) and its members: its owners, and admins in every room, private ones included. */
export const managesRoom = (u: Pick<User, 'role' | 'active'>, roomRole: Role | null): boolean => roomRole === 'owner' || isAdmin(u);

/** Delete a message: its author, the room's owners, admins. */
export const deletesMessage = (u: Pick<User, 'id' | 'role' | 'active'>, authorId: string, roomRole: Role | null): boolean =>
  authorId === u.id || managesRoom(u, roomRole);

/** Rights of the account itself that guests and bots lack: a password to change. */
export const hasPassword = (u: Pick<User, 'guest' | 'kind'>): boolean => !u.guest && u.kind === 'user';

/** Own bots, and create incoming hooks with them (v1.1 §6): accounts that are neither guests nor bots. */
export const ownsBots = (u: Pick<User, 'guest' | 'kind' | 'active'>): boolean => !u.guest && u.kind === 'user' && u.active;

/** Rotate a bot's token or delete it: its owner, and admins. */
export const managesBot = (u: Pick<User, 'id' | 'role' | 'active'>, ownerId: string): boolean => u.id === ownerId || isAdmin(u);

/** Create an outgoing hook: the room's owners, and admins. */
export const createsOutgoingHook = managesRoom;

/** Read, change and delete a hook: the room's owners, admins, and the hook's creator. */
export const managesHook = (u: Pick<User, 'id' | 'role' | 'active'>, roomRole: Role | null, createdBy: string): boolean =>
  createdBy === u.id || managesRoom(u, roomRole);
