/** The administration calls (API v1.1 §5): users, invites, every room; and the room settings calls owners use. */
import type { Invite, Member, OwnUser, Room } from '../../src/core/types.ts';
import { request } from './api.ts';

const seg = encodeURIComponent;

export type { Invite };

export const adminApi = {
  users: (q: string, cursor: string | null, limit = 50) => {
    const p = new URLSearchParams({ limit: String(limit) });
    if (q) p.set('q', q);
    if (cursor) p.set('cursor', cursor);
    return request<{ users: OwnUser[]; next: string | null }>('GET', `/admin/users?${p.toString()}`);
  },
  updateUser: (username: string, patch: { active?: boolean; role?: 'admin' | 'member' }) =>
    request<{ user: OwnUser }>('PATCH', `/admin/users/${seg(username)}`, patch),
  rooms: () => request<{ rooms: Room[] }>('GET', '/admin/rooms'),
  invites: () => request<{ invites: Invite[] }>('GET', '/invites'),
  createInvite: (maxUses: number, expiresInS: number) =>
    request<{ invite: Invite }>('POST', '/invites', { max_uses: maxUses, expires_in_s: expiresInS }),
  revokeInvite: (code: string) => request<void>('DELETE', `/invites/${seg(code)}`),
};

export const roomApi = {
  update: (room: string, patch: { topic?: string; visibility?: 'public' | 'private' }) =>
    request<{ room: Room }>('PATCH', `/rooms/${seg(room)}`, patch),
  members: (room: string) => request<{ members: Member[] }>('GET', `/rooms/${seg(room)}/members`),
  removeMember: (room: string, username: string) => request<void>('DELETE', `/rooms/${seg(room)}/members/${seg(username)}`),
};

/** The link that opens the sign-in screen with the code filled in. */
export function inviteLink(code: string): string {
  return `${location.origin}/?invite=${encodeURIComponent(code)}`;
}
