/** Accounts (API.md "Accounts", v1.1 §4–5): sign-up and sign-in, sessions, your own user, people. */
import type { OwnUser, User } from '../types.ts';
import type { OwnUserPatch, PersonHit, Session } from '../types.ts';
import { query, seg, type Send } from './send.ts';

/** A sign-in answer: your user and the session's token (bots and scripts send it as `Authorization: Bearer`). */
export interface SignedIn {
  user: OwnUser;
  token: string;
}

export class AuthApi {
  constructor(private readonly send: Send) {}

  /** A new account (`invite`: the code, when the server's registration is `invite`). */
  register(username: string, password: string, invite?: string): Promise<SignedIn> {
    return this.send('POST', '/auth/register', { username, password, ...(invite !== undefined && { invite }) });
  }
  login(username: string, password: string): Promise<SignedIn> {
    return this.send('POST', '/auth/login', { username, password });
  }
  /** A guest account (no password; it ends with its session). */
  guest(username: string, invite?: string): Promise<SignedIn> {
    return this.send('POST', '/auth/guest', { username, ...(invite !== undefined && { invite }) });
  }
  /** Ends this session and its streams. */
  logout(): Promise<null> {
    return this.send('POST', '/auth/logout');
  }
  /** A new password; every other session of yours ends. */
  changePassword(newPassword: string, currentPassword?: string): Promise<null> {
    return this.send('POST', '/auth/password', { new_password: newPassword, ...(currentPassword !== undefined && { current_password: currentPassword }) });
  }
  /** Your sessions, newest first. */
  sessions(): Promise<{ sessions: Session[] }> {
    return this.send('GET', '/auth/sessions');
  }
  endSession(id: string): Promise<null> {
    return this.send('DELETE', `/auth/sessions/${seg(id)}`);
  }
  /** Ends every session of yours except this one. */
  endOtherSessions(): Promise<null> {
    return this.send('DELETE', '/auth/sessions');
  }
}

export class UsersApi {
  constructor(private readonly send: Send) {}

  /** You (`GET /me`; the same as `own()`). */
  me(): Promise<{ user: OwnUser }> {
    return this.send('GET', '/me');
  }
  /** Your own user with its private fields (`GET /users/me`). */
  own(): Promise<{ user: OwnUser }> {
    return this.send('GET', '/users/me');
  }
  /** Change your display name, avatar (an upload id) or email settings; null removes. */
  update(patch: OwnUserPatch): Promise<{ user: OwnUser }> {
    return this.send('PATCH', '/users/me', patch);
  }
  /** The token of the verification mail. */
  verifyEmail(token: string): Promise<{ user: OwnUser }> {
    return this.send('POST', '/users/me/email/verify', { token });
  }
  get(username: string): Promise<{ user: User }> {
    return this.send('GET', `/users/${seg(username)}`);
  }
  /** Active people whose username starts with `q` (any case), by username, with whether they are online. */
  search(q: string, limit?: number): Promise<{ users: PersonHit[] }> {
    return this.send('GET', `/users${query({ q, limit })}`);
  }
}
