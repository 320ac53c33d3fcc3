/**
 * The compile-time proof that the client library (packages/client, used by the web client and the CLI) is what
 * the server's schemas say: its object types equal the schemas (src/http/schemas.ts), and every method's answer
 * equals its route's response schema (schemas.ts, replies.ts). `npm test` typechecks this file first: a field
 * added, renamed or retyped on one side only fails the build. That every route has a method is checked at run
 * time (test/integration/client-api.test.ts). Nothing runs here.
 */
import type { Static, TSchema } from 'typebox';
import type { Bot, Hook, IncomingHook, Invite, Member, Message, NatterClient, OutgoingHook, OwnUser, Room, Upload, User } from '@natter/client';
import type * as R from '../../src/http/replies.ts';
import type * as S from '../../src/http/schemas.ts';

/** True exactly when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type Assert<T extends true> = T;
type Is<T, Schema extends TSchema> = Equal<T, Static<Schema>>;
/** What a method's promise resolves with. */
type Answer<F> = F extends (...args: never[]) => Promise<infer A> ? A : never;
type C = NatterClient;
/** The same answer with its hooks widened back to the schema's `Hook` (the library narrows them by kind). */
type Widen<T> = { [K in keyof T]: T[K] extends (infer H)[] ? (H extends Hook ? Hook[] : T[K]) : T[K] extends Hook ? Hook : T[K] };

export type Objects = [
  Assert<Is<User, typeof S.UserSchema>>,
  Assert<Is<OwnUser, typeof S.OwnUserSchema>>,
  Assert<Is<Room, typeof S.RoomSchema>>,
  Assert<Is<Member, typeof S.MemberSchema>>,
  Assert<Is<Message, typeof S.MessageSchema>>,
  Assert<Is<Upload, typeof S.UploadSchema>>,
  Assert<Is<Hook, typeof S.HookSchema>>,
  Assert<Is<Bot, typeof R.BotSchema>>,
  Assert<Is<Invite, typeof R.InviteSchema>>,
  // The kinds of hook are the schema's hook, narrowed.
  Assert<IncomingHook extends Hook ? true : false>,
  Assert<OutgoingHook extends Hook ? true : false>,
];

export type Answers = [
  Assert<Is<Answer<C['server']>, typeof R.ServerReply>>,
  Assert<Is<Answer<C['auth']['register']>, typeof S.AuthReply>>,
  Assert<Is<Answer<C['auth']['login']>, typeof S.AuthReply>>,
  Assert<Is<Answer<C['auth']['guest']>, typeof S.AuthReply>>,
  Assert<Is<Answer<C['auth']['sessions']>, typeof R.SessionsReply>>,
  Assert<Is<Answer<C['users']['me']>, typeof R.OwnUserReply>>,
  Assert<Is<Answer<C['users']['own']>, typeof R.OwnUserReply>>,
  Assert<Is<Answer<C['users']['update']>, typeof R.OwnUserReply>>,
  Assert<Is<Answer<C['users']['verifyEmail']>, typeof R.OwnUserReply>>,
  Assert<Is<Answer<C['users']['get']>, typeof R.UserReply>>,
  Assert<Is<Answer<C['users']['search']>, typeof S.PeopleReply>>,
  Assert<Is<Answer<C['rooms']['list']>, typeof R.RoomsReply>>,
  Assert<Is<Answer<C['rooms']['get']>, typeof S.RoomReply>>,
  Assert<Is<Answer<C['rooms']['create']>, typeof S.RoomReply>>,
  Assert<Is<Answer<C['rooms']['update']>, typeof S.RoomReply>>,
  Assert<Is<Answer<C['rooms']['join']>, typeof S.RoomReply>>,
  Assert<Is<Answer<C['rooms']['members']>, typeof R.MembersReply>>,
  Assert<Is<Answer<C['rooms']['addMember']>, typeof S.RoomReply>>,
  Assert<Is<Answer<C['rooms']['dm']>, typeof S.RoomReply>>,
  Assert<Is<Answer<C['rooms']['setNotifications']>, typeof S.RoomReply>>,
  Assert<Is<Answer<C['messages']['history']>, typeof R.HistoryReply>>,
  Assert<Is<Answer<C['messages']['post']>, typeof S.MessageReply>>,
  Assert<Is<Answer<C['messages']['edit']>, typeof S.MessageReply>>,
  Assert<Is<Answer<C['messages']['search']>, typeof S.SearchReply>>,
  Assert<Is<Answer<C['messages']['mentions']>, typeof S.InboxReply>>,
  Assert<Is<Answer<C['uploads']['create']>, typeof S.UploadReply>>,
  Assert<Is<Answer<C['push']['key']>, typeof R.PushKeyReply>>,
  Assert<Is<Answer<C['push']['subscribe']>, typeof R.SubscriptionReply>>,
  Assert<Is<Answer<C['push']['subscriptions']>, typeof R.SubscriptionsReply>>,
  Assert<Is<Answer<C['bots']['list']>, typeof R.BotsReply>>,
  Assert<Is<Answer<C['bots']['create']>, typeof R.BotCreatedReply>>,
  Assert<Is<Answer<C['bots']['newToken']>, typeof R.TokenReply>>,
  Assert<Is<Widen<Answer<C['hooks']['list']>>, typeof R.HooksReply>>,
  Assert<Is<Widen<Answer<C['hooks']['get']>>, typeof R.HookReply>>,
  Assert<Is<Widen<Answer<C['hooks']['addIncoming']>>, typeof R.HookReply>>,
  Assert<Is<Widen<Answer<C['hooks']['addOutgoing']>>, typeof R.HookReply>>,
  Assert<Is<Widen<Answer<C['hooks']['setActive']>>, typeof R.HookReply>>,
  Assert<Is<Answer<C['hooks']['incoming']>, typeof S.MessageReply>>,
  Assert<Is<Answer<C['admin']['users']>, typeof R.AdminUsersReply>>,
  Assert<Is<Answer<C['admin']['updateUser']>, typeof R.OwnUserReply>>,
  Assert<Is<Answer<C['admin']['rooms']>, typeof R.AdminRoomsReply>>,
  Assert<Is<Answer<C['admin']['invites']>, typeof R.InvitesReply>>,
  Assert<Is<Answer<C['admin']['createInvite']>, typeof R.InviteReply>>,
];
