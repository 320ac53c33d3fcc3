/**
 * The compile-time proof that the client library's types (packages/client, used by the web client and the CLI)
 * are exactly what the server's request and response schemas say (src/http/schemas.ts). `npm test` typechecks
 * this file first: a field added, renamed or retyped on one side only fails the build. Nothing runs here.
 */
import type { Static } from 'typebox';
import type { Hook, Member, Message, OwnUser, Room, Upload, User } from '@natter/client';
import type { HookSchema, MemberSchema, MessageSchema, OwnUserSchema, RoomSchema, UploadSchema, UserSchema } from '../../src/http/schemas.ts';

/** True exactly when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type Assert<T extends true> = T;

export type Checks = [
  Assert<Equal<Static<typeof UserSchema>, User>>,
  Assert<Equal<Static<typeof OwnUserSchema>, OwnUser>>,
  Assert<Equal<Static<typeof RoomSchema>, Room>>,
  Assert<Equal<Static<typeof MemberSchema>, Member>>,
  Assert<Equal<Static<typeof MessageSchema>, Message>>,
  Assert<Equal<Static<typeof UploadSchema>, Upload>>,
  Assert<Equal<Static<typeof HookSchema>, Hook>>,
];
