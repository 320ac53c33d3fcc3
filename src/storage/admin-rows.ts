/**
 * Row shapes of the admin part (admin.ts) and their mapping, shared by sqlite/admin.ts and postgres/admin.ts.
 */
import type { OwnUser } from '../core/types.ts';
import type { InviteRecord } from './admin.ts';
import { toUser, type UserRow } from './rows.ts';
import { flag, iso, type Flag, type Time } from './values.ts';

/** A user row with the private columns (both stores). */
export interface OwnUserRow extends UserRow {
  email: string | null;
  email_verified: Flag;
  email_notifications: Flag;
}

export const toOwnUser = (r: OwnUserRow): OwnUser => ({
  ...toUser(r), email: r.email, email_verified: flag(r.email_verified), email_notifications: flag(r.email_notifications),
});

export interface InviteRow {
  code: string;
  max_uses: number;
  uses: number;
  expires_at: Time;
  created_by: number;
  creator: string;
  created_at: Time;
}

export const toInvite = (r: InviteRow): InviteRecord => ({
  code: r.code, maxUses: Number(r.max_uses), uses: Number(r.uses), expiresAt: iso(r.expires_at),
  createdBy: { id: String(r.created_by), username: r.creator }, createdAt: iso(r.created_at),
});
