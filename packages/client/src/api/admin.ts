/** Administration (v1.1 §5): every user and room, invites. Admins only (403 `forbidden` for others). */
import type { Invite, OwnUser, Room } from '../types.ts';
import { query, seg, type Send } from './send.ts';

export class AdminApi {
  constructor(private readonly send: Send) {}

  /** Users whose username starts with `q`, by username, with their private fields; `next` pages on. */
  users(opts: { q?: string; cursor?: string | null; limit?: number } = {}): Promise<{ users: OwnUser[]; next: string | null }> {
    return this.send('GET', `/admin/users${query(opts)}`);
  }
  /** Role, activation (deactivating ends every session and stream) or a verified email. */
  updateUser(username: string, patch: { role?: 'admin' | 'member'; active?: boolean; email?: string | null }): Promise<{ user: OwnUser }> {
    return this.send('PATCH', `/admin/users/${seg(username)}`, patch);
  }
  /** Every room except DMs, private ones too. */
  rooms(): Promise<{ rooms: Room[] }> {
    return this.send('GET', '/admin/rooms');
  }
  /** Invites still usable, newest first. */
  invites(): Promise<{ invites: Invite[] }> {
    return this.send('GET', '/invites');
  }
  createInvite(maxUses: number, expiresInS: number): Promise<{ invite: Invite }> {
    return this.send('POST', '/invites', { max_uses: maxUses, expires_in_s: expiresInS });
  }
  /** The code stops working at once. */
  revokeInvite(code: string): Promise<null> {
    return this.send('DELETE', `/invites/${seg(code)}`);
  }
}
