/**
 * The Store contract (src/storage/store.ts) as one executable suite, run against
 * every implementation through a factory (STYLE habit 3):
 *   describeStore('sqlite', sqliteFixture) · describeStore('postgres', postgresFixture)
 * A fixture gives a fresh database; `open()` may be called more than once to get
 * several stores on the same data, which is how two cluster nodes see it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChatError } from '../../src/core/errors.ts';
import type { LogEvent, Room, User } from '../../src/core/types.ts';
import type { Store } from '../../src/storage/store.ts';
import { uniq } from '../helpers/wait.ts';
import { hooksContract } from './hooks.contract.ts';

export interface StoreFixture {
  /** A store on this fixture's database; every call opens another connection to the same data. */
  open(): Promise<Store>;
  /**
   * True when an implementation supports one store per process on a database
   * (SQLite: one writer, group commit, the committed head cached per store). The
   * tests that use a second store then use the first one again; the concurrent
   * tests still run, as concurrent calls on one store.
   */
  onePerProcess?: boolean;
  /** Close what `open` returned and delete the database. */
  cleanup(): Promise<void>;
}

const code = (c: string) => (err: unknown): boolean => err instanceof ChatError && err.code === c;
const parse = (e: LogEvent): any => JSON.parse(e.data);

export function describeStore(name: string, fixture: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;
    /** A second store on the same data, as a second node would have (or `store` again; see onePerProcess). */
    let other: Store;

    before(async () => {
      fx = await fixture();
      store = await fx.open();
      other = fx.onePerProcess ? store : await fx.open();
    });
    after(async () => fx?.cleanup());

    const newUser = async (prefix = 'u', s: Store = store): Promise<User> => (await s.createUser({ username: uniq(prefix), passwordHash: 'h', guest: false })).value;
    const newRoom = async (owner: User, visibility: 'public' | 'private' = 'public'): Promise<{ room: Room; id: number }> => {
      const room = (await store.createRoom({ name: uniq('r'), topic: 't', visibility, ownerId: owner.id })).value;
      return { room, id: (await store.getRoom(room.name, owner.id))!.record.id };
    };
    const post = (roomId: number, author: User, text: string, clientId: string | null = null, s: Store = store) =>
      s.postMessage({ roomId, author: { id: author.id, username: author.username }, text, clientId });

    it('every open store on one database shares the log id, and ping answers', async () => {
      assert.match(store.logId, /^[A-Za-z0-9]{1,64}$/);
      const again = await fx.open();
      assert.equal(again.logId, store.logId);
      await again.close();
      await store.ping();
    });

    it('users: created with a join of general; usernames unique case-insensitively', async () => {
      const name = uniq('Ann');
      const { value: ann, events } = await store.createUser({ username: name, passwordHash: 'hash1', guest: false });
      assert.equal(ann.username, name);
      assert.equal(ann.guest, false);
      assert.deepEqual(events.map((e) => [e.type, e.subject]), [['member_joined', ann.id]]);
      assert.deepEqual(parse(events[0]!), { room: 'general', user: { id: ann.id, username: name } });
      await assert.rejects(store.createUser({ username: name.toUpperCase(), passwordHash: null, guest: true }), code('username_taken'));
      const creds = await other.findCredentials(name.toUpperCase());
      assert.deepEqual(creds, { user: ann, passwordHash: 'hash1' });
      assert.deepEqual(await store.findUserByName(name.toLowerCase()), ann);
      assert.equal(await store.findUserByName(uniq('nobody')), null);
      const guest = (await store.createUser({ username: uniq('g'), passwordHash: null, guest: true })).value;
      assert.equal(guest.guest, true);
      assert.equal((await store.findCredentials(guest.username))!.passwordHash, null);
    });

    it('sessions: found by token hash until deleted', async () => {
      const u = await newUser();
      const hash = Buffer.from(uniq('tok').padEnd(32, 'x'));
      const sid = await store.sessions.create(u.id, hash, 'Agent/1');
      const found = (await other.sessions.find(hash))!;
      assert.deepEqual(found.user, u);
      assert.equal(found.session.id, sid);
      assert.equal(found.session.userId, u.id);
      assert.equal(found.session.userAgent, 'Agent/1');
      assert.equal(found.session.lastUsedAt, found.session.createdAt);
      assert.equal(await store.sessions.delete(hash), sid);
      assert.equal(await other.sessions.find(hash), null);
      assert.equal(await store.sessions.delete(hash), null);
    });

    it('sessions: listed newest first, touched forward only, ended one, all others, or when expired', async () => {
      const u = await newUser();
      const stranger = await newUser();
      const tok = (n: string) => Buffer.from(uniq(n).padEnd(32, 'x'));
      const [h1, h2, h3] = [tok('a'), tok('b'), tok('c')];
      const s1 = await store.sessions.create(u.id, h1, null);
      const s2 = await store.sessions.create(u.id, h2, 'B');
      const s3 = await store.sessions.create(u.id, h3, 'C');
      const theirs = await store.sessions.create(stranger.id, tok('d'), null);
      assert.deepEqual((await other.sessions.list(u.id)).map((s) => s.id), [s3, s2, s1]);
      const later = new Date(Date.now() + 60_000).toISOString();
      await store.sessions.touch(s1, later);
      await store.sessions.touch(s1, new Date(0).toISOString()); // never backwards
      assert.equal(Date.parse((await other.sessions.find(h1))!.session.lastUsedAt), Date.parse(later));
      assert.equal(await store.sessions.deleteById(stranger.id, s1), false, 'not their session');
      assert.equal(await store.sessions.deleteById(u.id, s2), true);
      assert.equal(await store.sessions.deleteById(u.id, s2), false);
      assert.deepEqual(await store.sessions.deleteOthers(u.id, s3), [s1]);
      assert.deepEqual((await other.sessions.list(u.id)).map((s) => s.id), [s3]);
      // Expiry: s3 was last used before "idleBefore" → deleted; the stranger's session was created before "createdBefore" → deleted.
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const expired = await store.sessions.deleteExpired(future, new Date(0).toISOString());
      assert.ok(expired.some((e) => e.id === s3 && e.userId === u.id));
      assert.ok(expired.some((e) => e.id === theirs && e.userId === stranger.id));
      assert.equal(await other.sessions.find(h3), null);
    });

    it('lookups.users: by username prefix, case-insensitively, in username_key order', async () => {
      const stem = uniq('Pfx').toLowerCase();
      const b = (await store.createUser({ username: `${stem}B`, passwordHash: null, guest: true })).value;
      const a = (await store.createUser({ username: `${stem}a`, passwordHash: 'h', guest: false })).value;
      await store.createUser({ username: `x${stem}`, passwordHash: 'h', guest: false });
      assert.deepEqual(await other.lookups.users(stem.toUpperCase(), 10), [a, b]);
      assert.deepEqual(await other.lookups.users(`${stem}b`, 10), [b]);
      assert.deepEqual(await other.lookups.users(stem, 1), [a]);
      assert.deepEqual(await other.lookups.users(`${stem}zz`, 10), []);
    });

    it('rooms: owner, room_exists, visibility of private rooms, room_updated only on change', async () => {
      const owner = await newUser('own');
      const stranger = await newUser('str');
      const pub = await newRoom(owner);
      assert.equal(pub.room.member, true);
      await assert.rejects(store.createRoom({ name: pub.room.name, topic: '', visibility: 'public', ownerId: stranger.id }), code('room_exists'));
      const access = (await store.getRoom(pub.room.name, stranger.id))!;
      assert.equal(access.role, null);
      assert.equal(access.room.member, false);
      assert.equal((await store.getRoom(pub.room.name, owner.id))!.role, 'owner');
      assert.equal(await store.getRoom(uniq('none'), owner.id), null);
      // findRoom: the same record and role, without the per-viewer view.
      const found = (await store.findRoom(pub.room.name, owner.id))!;
      assert.deepEqual(found.record, (await store.getRoom(pub.room.name, owner.id))!.record);
      assert.equal(found.role, 'owner');
      assert.equal((await store.findRoom(pub.room.name, stranger.id))!.role, null);
      assert.equal(await store.findRoom(uniq('none'), owner.id), null);

      const priv = await newRoom(owner, 'private');
      const seen = await store.listRooms(stranger.id);
      assert.ok(seen.rooms.some((r) => r.name === pub.room.name));
      assert.ok(!seen.rooms.some((r) => r.name === priv.room.name));
      assert.ok((await store.listRooms(owner.id)).rooms.some((r) => r.name === priv.room.name));
      assert.equal(seen.head, await store.head());

      const same = await store.updateRoom(pub.id, { topic: 't' }, owner.id);
      assert.deepEqual(same.events, []);
      const changed = await store.updateRoom(pub.id, { topic: 'new topic', visibility: 'private' }, owner.id);
      assert.equal(changed.value.topic, 'new topic');
      assert.deepEqual(changed.events.map((e) => e.type), ['room_updated']);
      assert.equal(parse(changed.events[0]!).room.visibility, 'private');
    });

    it('membership: add/remove emit events once; members listed owner first', async () => {
      const owner = await newUser('own');
      const bob = await newUser('bob');
      const { id } = await newRoom(owner);
      const added = await store.addMember(id, bob.id, 'member');
      assert.equal(added.value, true);
      assert.deepEqual(added.events.map((e) => [e.type, e.subject]), [['member_joined', bob.id]]);
      assert.deepEqual(await other.addMember(id, bob.id, 'member'), { value: false, events: [] });
      assert.deepEqual((await store.listMembers(id)).map((m) => [m.user.id, m.role]), [[owner.id, 'owner'], [bob.id, 'member']]);
      const memberRooms = await store.memberRooms(bob.id);
      assert.ok(memberRooms.roomIds.includes(id));
      const removed = await store.removeMember(id, bob.id);
      assert.deepEqual(removed.events.map((e) => [e.type, e.subject]), [['member_left', bob.id]]);
      assert.deepEqual(await store.removeMember(id, bob.id), { value: false, events: [] });
      assert.ok(!(await store.memberRooms(bob.id)).roomIds.includes(id));
      await assert.rejects(store.addMember(999_999, bob.id, 'member'), code('not_found'));
    });

    it('listMembersPage: pages by username_key cover every member once, in order; next is null on the last page', async () => {
      // mixed case and the punctuation a username may hold, so the order is case-insensitive and bytewise on both databases
      const named = async (prefix: string): Promise<User> => (await store.createUser({ username: prefix + uniq('').slice(0, 20), passwordHash: 'h', guest: false })).value;
      const owner = await named('Zed');
      const { id } = await newRoom(owner);
      const others = [await named('amy'), await named('Bob'), await named('c.d'), await named('c_d'), await named('C-d'), await named('eve')];
      for (const u of others) await store.addMember(id, u.id, 'member');
      const all = [owner, ...others];
      const expected = all.map((u) => u.username).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
      for (const limit of [1, 3, 7, 8]) {
        const seen: string[] = [];
        let after = '';
        for (let pages = 0; ; pages++) {
          assert.ok(pages <= all.length, 'paging ends');
          const page = await other.listMembersPage(id, after, limit);
          assert.ok(page.members.length > 0 && page.members.length <= limit, `page of ${page.members.length} for limit ${limit}`);
          seen.push(...page.members.map((m) => m.user.username));
          if (page.nextKey === null) break;
          assert.equal(page.members.length, limit, 'only the last page is short');
          assert.equal(page.nextKey, page.members.at(-1)!.user.username.toLowerCase());
          after = page.nextKey;
        }
        assert.deepEqual(seen, expected, `limit ${limit}`);
      }
      const first = await store.listMembersPage(id, '', 100);
      assert.deepEqual(first.members.find((m) => m.user.id === owner.id), { user: { id: owner.id, username: owner.username }, role: 'owner' });
      assert.equal(first.nextKey, null);
      assert.deepEqual(await store.listMembersPage(id, expected.at(-1)!.toLowerCase(), 3), { members: [], nextKey: null });
    });

    it('readEvents replays only inside membership spans (join, leave, rejoin)', async () => {
      const owner = await newUser('own');
      const eve = await newUser('eve');
      const { id } = await newRoom(owner);
      const start = await store.head();
      await post(id, owner, 'before join');
      await store.addMember(id, eve.id, 'member');
      await post(id, owner, 'while member');
      await store.removeMember(id, eve.id);
      await post(id, owner, 'after leave');
      await store.addMember(id, eve.id, 'member');
      await post(id, owner, 'after rejoin');
      const head = await store.head();
      const seen = (await other.readEvents(eve.id, start, head, 100)).filter((e) => e.roomId === id);
      assert.deepEqual(seen.map((e) => e.type === 'message' ? parse(e).message.text : e.type),
        ['member_joined', 'while member', 'member_left', 'member_joined', 'after rejoin']);
      const all = (await store.readEvents(owner.id, start, head, 100)).filter((e) => e.roomId === id);
      assert.equal(all.length, 7);
      // A cursor inside the gap: the leave is behind it, so only the rejoin onwards.
      const leftAt = seen[2]!.pos;
      const resumed = (await store.readEvents(eve.id, leftAt, head, 100)).filter((e) => e.roomId === id);
      assert.deepEqual(resumed.map((e) => e.type), ['member_joined', 'message']);
      assert.deepEqual((await store.readEvents(eve.id, start, head, 2)).length, 2);
    });

    it('messages: seq per room, history windows, idempotent client_id', async () => {
      const owner = await newUser('own');
      const bob = await newUser('bob');
      const { id, room } = await newRoom(owner);
      await store.addMember(id, bob.id, 'member');
      const m1 = await post(id, owner, 'one', 'c-1');
      assert.equal(m1.value.created, true);
      assert.equal(m1.value.message.seq, 1);
      assert.equal(m1.value.message.room, room.name);
      assert.deepEqual(m1.events.map((e) => e.type), ['message']);
      assert.deepEqual(parse(m1.events[0]!).message, m1.value.message);
      const again = await post(id, owner, 'one (retried)', 'c-1', other);
      assert.equal(again.value.created, false);
      assert.deepEqual(again.value.message, m1.value.message);
      assert.deepEqual(again.events, []);
      const bobs = await post(id, bob, 'same client id, other author', 'c-1');
      assert.equal(bobs.value.created, true);
      assert.equal(bobs.value.message.seq, 2);
      for (const t of ['three', 'four', 'five']) await post(id, owner, t);
      const texts = (ms: { text: string }[]) => ms.map((m) => m.text);
      assert.deepEqual(texts(await store.listMessages(id, { limit: 2 })), ['four', 'five']);
      assert.deepEqual(texts(await store.listMessages(id, { before: 3, limit: 10 })), ['one', 'same client id, other author']);
      assert.deepEqual(texts(await other.listMessages(id, { after: 3, limit: 1 })), ['four']);
      assert.deepEqual((await store.getMessage(id, m1.value.message.id))?.authorId, owner.id);
      assert.equal(await store.getMessage(id, '999999'), null);
      assert.equal((await store.getRoom(room.name, owner.id))!.record.lastSeq, 5);
    });

    it('the same client_id posted concurrently from two stores creates one message', async () => {
      const owner = await newUser('own');
      const { id } = await newRoom(owner);
      const results = await Promise.all([post(id, owner, 'x', 'dup', store), post(id, owner, 'x', 'dup', other), post(id, owner, 'x', 'dup', store)]);
      assert.equal(results.filter((r) => r.value.created).length, 1);
      assert.equal(new Set(results.map((r) => r.value.message.id)).size, 1);
      assert.equal((await store.listMessages(id, { limit: 10 })).length, 1);
    });

    it('seq stays gapless under concurrent posts from two stores', async () => {
      const owner = await newUser('own');
      const { id } = await newRoom(owner);
      const posts = await Promise.all(Array.from({ length: 40 }, (_, i) => post(id, owner, `m${i}`, null, i % 2 ? store : other)));
      assert.deepEqual(posts.map((p) => p.value.message.seq).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
      assert.deepEqual((await store.listMessages(id, { limit: 100 })).map((m) => m.seq), Array.from({ length: 40 }, (_, i) => i + 1));
    });

    it('positions are gapless, and a reader never sees a position before all below it', async () => {
      const owner = await newUser('own');
      const rooms = await Promise.all([newRoom(owner), newRoom(owner), newRoom(owner)]);
      const start = await store.head();
      let writing = true;
      const violations: string[] = [];
      const reader = (async () => {
        while (writing) {
          const head = await other.head();
          const log = await other.readLog(start, head, 10_000);
          if (log.length !== head - start) violations.push(`head ${head} but ${log.length} of ${head - start} visible`);
          // Yield a full turn: a synchronous store (SQLite) answers in microtasks, and the
          // writers' group commit runs in setImmediate.
          await new Promise((r) => setImmediate(r));
        }
      })();
      const posts = await Promise.all(Array.from({ length: 60 }, (_, i) => post(rooms[i % 3]!.id, owner, `p${i}`, null, i % 2 ? store : other)));
      writing = false;
      await reader;
      assert.deepEqual(violations, []);
      const head = await store.head();
      const log = await store.readLog(start, head, 1000);
      assert.deepEqual(log.map((e) => e.pos), Array.from({ length: head - start }, (_, i) => start + i + 1));
      const byPos = new Map(log.map((e) => [e.pos, e]));
      for (const p of posts) assert.deepEqual(byPos.get(p.events[0]!.pos), p.events[0]);
      // Within a room, log order is seq order.
      for (const r of rooms) {
        const seqs = log.filter((e) => e.roomId === r.id).map((e) => parse(e).message.seq);
        assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
      }
    });

    it('readLog pages by (after, upTo] and limit', async () => {
      const owner = await newUser('own');
      const { id } = await newRoom(owner);
      const start = await store.head();
      for (let i = 0; i < 5; i++) await post(id, owner, `l${i}`);
      const head = await store.head();
      assert.equal(head, start + 5);
      const page1 = await store.readLog(start, head, 2);
      const page2 = await store.readLog(page1.at(-1)!.pos, head, 2);
      const rest = await store.readLog(page2.at(-1)!.pos, head - 1, 10);
      assert.deepEqual([...page1, ...page2, ...rest].map((e) => e.pos), [start + 1, start + 2, start + 3, start + 4]);
      assert.deepEqual(await store.readLog(head, head + 10, 10), []);
    });

    it('edit, delete and reactions emit message_updated only when something changed', async () => {
      const owner = await newUser('own');
      const bob = await newUser('bob');
      const { id } = await newRoom(owner);
      await store.addMember(id, bob.id, 'member');
      const m = (await post(id, owner, 'orig')).value.message;
      const edited = await store.editMessage(id, m.id, 'edited');
      assert.equal(edited.value.text, 'edited');
      assert.ok(edited.value.edited_at);
      assert.deepEqual(edited.events.map((e) => e.type), ['message_updated']);
      assert.deepEqual(parse(edited.events[0]!).message, edited.value);
      await assert.rejects(store.editMessage(id, '999999', 'x'), code('not_found'));

      const r1 = await store.setReaction(id, m.id, bob.id, '👍', true);
      assert.deepEqual(r1.value.reactions, { '👍': [bob.username] });
      assert.equal(r1.events.length, 1);
      assert.deepEqual((await other.setReaction(id, m.id, bob.id, '👍', true)).events, []);
      const r2 = await store.setReaction(id, m.id, owner.id, '👍', true);
      assert.deepEqual(r2.value.reactions, { '👍': [bob.username, owner.username] });
      const off = await store.setReaction(id, m.id, bob.id, '👍', false);
      assert.deepEqual(off.value.reactions, { '👍': [owner.username] });
      assert.deepEqual((await store.setReaction(id, m.id, bob.id, '👍', false)).events, []);

      const del = await store.deleteMessage(id, m.id);
      assert.equal(del.value.deleted, true);
      assert.equal(del.value.text, '');
      assert.deepEqual(del.value.reactions, {});
      assert.deepEqual(del.events.map((e) => e.type), ['message_updated']);
      assert.deepEqual((await store.deleteMessage(id, m.id)).events, []);
      assert.deepEqual((await store.listMessages(id, { limit: 5 })).map((x) => [x.seq, x.deleted, x.text]), [[1, true, '']]);
    });

    it('setReaction: at most 20 distinct emoji, exact under concurrency (two stores); prototype names are plain keys', async () => {
      const owner = await newUser('own');
      const { id } = await newRoom(owner);
      const m = (await post(id, owner, 'cap')).value.message;
      for (let i = 0; i < 18; i++) await store.setReaction(id, m.id, owner.id, `e${i}`, true);
      const racing = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => (i % 2 ? other : store).setReaction(id, m.id, owner.id, `r${i}`, true)));
      assert.equal(racing.filter((r) => r.status === 'fulfilled').length, 2);
      for (const r of racing) if (r.status === 'rejected') assert.equal(r.reason.code, 'limit_reached');
      const [full] = await store.listMessages(id, { limit: 1 });
      assert.equal(Object.keys(full!.reactions).length, 20);
      assert.equal((await store.setReaction(id, m.id, owner.id, 'e0', true)).events.length, 0, 'a present emoji is no new one');
      await store.setReaction(id, m.id, owner.id, 'e0', false);
      const proto = await store.setReaction(id, m.id, owner.id, '__proto__', true);
      assert.deepEqual(Object.getOwnPropertyDescriptor(proto.value.reactions, '__proto__')?.value, [owner.username]);
      await assert.rejects(store.setReaction(id, m.id, owner.id, 'constructor', true), code('limit_reached'));
      assert.ok(JSON.stringify(proto.value.reactions).includes('"__proto__":['));
    });

    it('unread counts follow markRead, which never moves backwards and is capped at last_seq', async () => {
      const owner = await newUser('own');
      const bob = await newUser('bob');
      const { id, room } = await newRoom(owner);
      await store.addMember(id, bob.id, 'member');
      const unread = async (u: User) => (await store.getRoom(room.name, u.id))!.room.unread;
      for (const t of ['a', 'b', 'c']) await post(id, owner, t);
      assert.equal(await unread(bob), 3);
      assert.equal(await unread(owner), 0, "one's own messages are never unread");
      await store.markRead(id, bob.id, 2);
      assert.equal(await unread(bob), 1);
      await other.markRead(id, bob.id, 1);
      assert.equal(await unread(bob), 1, 'markRead never moves backwards');
      await store.markRead(id, bob.id, 99);
      assert.equal(await unread(bob), 0);
      await post(id, owner, 'd');
      assert.equal(await unread(bob), 1, 'the marker was capped at last_seq, so a new message is unread');
      const d = (await store.listMessages(id, { limit: 1 }))[0]!;
      await store.deleteMessage(id, d.id);
      assert.equal(await unread(bob), 0, 'deleted messages are not unread');
      const joiner = await newUser('late');
      await store.addMember(id, joiner.id, 'member');
      assert.equal(await unread(joiner), 0, 'a new member starts with nothing unread');
      assert.equal((await store.memberRooms(bob.id)).rooms.find((r) => r.name === room.name)!.unread, 0);
    });

    it('DMs: one room whoever asks first, both members, private, peer is the other', async () => {
      const ann = await newUser('ann');
      const ben = await newUser('ben');
      const cat = await newUser('cat');
      const first = await store.openDm(ann.id, ben.id);
      assert.equal(first.value.kind, 'dm');
      assert.equal(first.value.visibility, 'private');
      assert.deepEqual(first.value.peer, { id: ben.id, username: ben.username });
      assert.deepEqual(first.events.map((e) => e.type), ['member_joined', 'member_joined']);
      assert.deepEqual(new Set(first.events.map((e) => e.subject)), new Set([ann.id, ben.id]));
      const second = await other.openDm(ben.id, ann.id);
      assert.equal(second.value.name, first.value.name);
      assert.deepEqual(second.value.peer, { id: ann.id, username: ann.username });
      assert.deepEqual(second.events, []);
      assert.ok(!(await store.listRooms(cat.id)).rooms.some((r) => r.name === first.value.name));
      const self = await store.openDm(cat.id, cat.id);
      assert.equal(self.events.length, 1);
    });

    it('concurrent openDm from two stores creates one room', async () => {
      const ann = await newUser('ann');
      const ben = await newUser('ben');
      const [x, y] = await Promise.all([store.openDm(ann.id, ben.id), other.openDm(ben.id, ann.id)]);
      assert.equal(x.value.name, y.value.name);
      assert.equal(x.events.length + y.events.length, 2);
    });

    it('memberRooms and listRooms report the head of the same snapshot', async () => {
      const u = await newUser('snap');
      const snap = await store.memberRooms(u.id);
      assert.ok(snap.rooms.some((r) => r.name === 'general'));
      assert.equal(snap.head, await store.head());
      const joined = await store.readEvents(u.id, 0, snap.head, 1000);
      assert.ok(joined.some((e) => e.type === 'member_joined' && e.subject === u.id));
    });

    it('uploads: created, found with what access needs, attached in order by a post, never twice nor by another', async () => {
      const u = await newUser();
      const stranger = await newUser();
      const { id: roomId, room: { name: roomName } } = await newRoom(u);
      const up = (n: string, owner = u, thumbnail = false) => store.uploads.createUpload({ id: uniq(`up${n}`).replace(/[^A-Za-z0-9]/g, '').padEnd(12, '0'), ownerId: owner.id, name: `${n}.png`, size: 10, contentType: 'image/png', width: 2, height: 3, thumbnail });
      const a = await up('a', u, true);
      const b = await up('b');
      assert.equal(a.ownerId, u.id);
      assert.equal(a.messageId, null);
      assert.deepEqual({ ...a.upload, id: '', created_at: '' }, { id: '', name: 'a.png', size: 10, content_type: 'image/png', width: 2, height: 3, url: `/api/v1/files/${a.upload.id}`, thumbnail_url: `/api/v1/files/${a.upload.id}/thumbnail`, created_at: '' });
      assert.equal(b.upload.thumbnail_url, null);
      assert.deepEqual(await other.uploads.getUpload(a.upload.id), a);
      const since = new Date(Date.now() - 60_000).toISOString();
      const posted = await store.postMessage({ roomId, author: u, text: '', clientId: null, attachments: [b.upload.id, a.upload.id], uploadsSince: since });
      assert.deepEqual(posted.value.message.attachments.map((x) => x.id), [b.upload.id, a.upload.id]);
      const [listed] = await other.listMessages(roomId, { limit: 1 });
      assert.deepEqual(listed!.attachments, posted.value.message.attachments, 'read back in the order given');
      const found = (await store.uploads.getUpload(a.upload.id))!;
      assert.equal(found.messageId, posted.value.message.id);
      assert.equal(found.roomId, roomId);
      assert.equal(found.roomName, roomName);
      assert.equal(found.messageDeleted, false);
      const head = await store.head();
      await assert.rejects(store.postMessage({ roomId, author: u, text: 'again', clientId: null, attachments: [a.upload.id], uploadsSince: since }), code('invalid_attachment'));
      const theirs = await up('c', stranger);
      await assert.rejects(store.postMessage({ roomId, author: u, text: 'theirs', clientId: null, attachments: [theirs.upload.id], uploadsSince: since }), code('invalid_attachment'));
      const mine = await up('d');
      await assert.rejects(store.postMessage({ roomId, author: u, text: 'expired', clientId: null, attachments: [mine.upload.id], uploadsSince: new Date(Date.now() + 60_000).toISOString() }), code('invalid_attachment'));
      await assert.rejects(store.postMessage({ roomId, author: u, text: 'half', clientId: null, attachments: [mine.upload.id, 'nope00000000'], uploadsSince: since }), code('invalid_attachment'));
      assert.equal(await store.head(), head, 'nothing was posted');
      assert.equal((await store.uploads.getUpload(mine.upload.id))!.messageId, null, 'the valid one of a refused post stays unattached');
    });

    it('uploads: deleted by their owner while unattached; a deleted message or expiry sends their files to the dead list', async () => {
      const u = await newUser();
      const { id: roomId } = await newRoom(u);
      const up = (n: string, thumbnail = false) => store.uploads.createUpload({ id: uniq(`dz${n}`).replace(/[^A-Za-z0-9]/g, '').padEnd(12, '0'), ownerId: u.id, name: n, size: 1, contentType: 'text/plain', width: null, height: null, thumbnail });
      const since = new Date(Date.now() - 60_000).toISOString();
      const loose = await up('loose', true);
      assert.equal(await store.uploads.deleteUpload(loose.upload.id, (await newUser()).id), 'missing', 'not theirs');
      assert.equal(await other.uploads.deleteUpload(loose.upload.id, u.id), 'deleted');
      assert.equal(await store.uploads.getUpload(loose.upload.id), null);
      assert.equal(await store.uploads.deleteUpload(loose.upload.id, u.id), 'missing');
      const kept = await up('kept', true);
      const msg = (await store.postMessage({ roomId, author: u, text: 'with file', clientId: null, attachments: [kept.upload.id], uploadsSince: since })).value.message;
      assert.equal(await store.uploads.deleteUpload(kept.upload.id, u.id), 'attached');
      await other.deleteMessage(roomId, msg.id);
      assert.equal(await store.uploads.getUpload(kept.upload.id), null, 'gone with its message, at once, for every store');
      assert.deepEqual((await store.listMessages(roomId, { limit: 1 }))[0]!.attachments, []);
      const old = await up('old');
      assert.equal(await store.uploads.expireUploads(new Date(Date.now() - 3_600_000).toISOString()), 0, 'not old enough');
      assert.ok((await other.uploads.expireUploads(new Date(Date.now() + 1_000).toISOString())) >= 1);
      assert.equal(await store.uploads.getUpload(old.upload.id), null);
      const dead = await store.uploads.deadFiles(1000);
      for (const key of [loose.upload.id, `${loose.upload.id}-t`, kept.upload.id, `${kept.upload.id}-t`, old.upload.id]) assert.ok(dead.includes(key), `${key} is dead`);
      assert.ok(!dead.includes(`${old.upload.id}-t`), 'no thumbnail, no thumbnail key');
      await other.uploads.forgetDeadFiles(dead);
      assert.deepEqual(await store.uploads.deadFiles(1000), []);
    });

    it('push: a server key is made once and read back by every store; subscriptions upsert by endpoint, cap per user, die with their session', async () => {
      const name = uniq('key');
      const first = await store.push.serverKey(name, () => 'made-first');
      assert.equal(first, 'made-first');
      assert.equal(await other.push.serverKey(name, () => 'made-second'), 'made-first', 'the second maker loses');
      const u = await newUser();
      const v = await newUser();
      const session = async (x: User) => store.sessions.create(x.id, Buffer.from(uniq('ps').padEnd(32, 'x')), null);
      const [su, sv] = [await session(u), await session(v)];
      const sub = (id: string, endpoint: string, user = u, sessionId = su) => ({ id, userId: user.id, sessionId, endpoint, p256dh: 'P', auth: 'A' });
      const e1 = `https://push.example/${uniq('e')}`;
      const a = await store.push.subscribe(sub(uniq('s'), e1), 20);
      assert.equal(a.created, true);
      assert.deepEqual({ ...a.subscription, createdAt: '' }, { id: a.subscription.id, userId: u.id, endpoint: e1, p256dh: 'P', auth: 'A', createdAt: '' });
      const again = await other.push.subscribe({ ...sub(uniq('s'), e1, v, sv), p256dh: 'P2' }, 20);
      assert.equal(again.created, false);
      assert.equal(again.subscription.id, a.subscription.id, 'the same id');
      assert.equal(again.subscription.userId, v.id, 'now theirs');
      assert.equal(again.subscription.p256dh, 'P2', 'keys updated');
      assert.deepEqual(await store.push.subscriptions(u.id), []);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await store.push.subscribe(sub(uniq('s'), `${e1}-${i}`), 3)).subscription.id);
      assert.deepEqual((await other.push.subscriptions(u.id)).map((x) => x.id), ids.slice(1), 'the oldest dropped beyond the cap');
      assert.equal(await store.push.unsubscribe(v.id, ids[1]!), false, 'not theirs');
      assert.equal(await store.push.unsubscribe(u.id, ids[1]!), true);
      assert.equal(await store.push.unsubscribe(u.id, ids[1]!), false);
      assert.deepEqual(await store.sessions.deleteOthers(u.id, '0'), [su]);
      assert.deepEqual(await store.push.subscriptions(u.id), [], 'gone with the session that made them');
      assert.equal((await store.push.subscriptions(v.id)).length, 1);
    });

    it('email: an address is verified only by the latest token of the current address; digests are decided and claimed once', async () => {
      const [u, v, author] = [await newUser(), await newUser(), await newUser()];
      assert.deepEqual(await store.email.settings(u.id), { email: null, verified: false, notifications: true });
      const hash = (t: string) => Buffer.from(t.padEnd(32, '#'));
      await store.email.update(u.id, { email: 'a@example.com' }, { hash: hash('t1'), at: 1000 });
      assert.deepEqual(await other.email.update(u.id, { email: 'b@example.com' }, { hash: hash('t2'), at: 2000 }), { email: 'b@example.com', verified: false, notifications: true });
      assert.equal(await store.email.verify(u.id, hash('t1'), 0), null, 'a token of an earlier address');
      assert.equal(await store.email.verify(v.id, hash('t2'), 0), null, "another user's token");
      assert.equal(await store.email.verify(u.id, hash('t2'), 2001), null, 'too old');
      assert.deepEqual(await other.email.verify(u.id, hash('t2'), 2000), { email: 'b@example.com', verified: true, notifications: true });
      assert.equal(await store.email.verify(u.id, hash('t2'), 0), null, 'used');
      await store.email.update(v.id, { email: 'v@example.com', notifications: false });
      assert.deepEqual(await store.email.settings(v.id), { email: 'v@example.com', verified: false, notifications: false });

      const dm = (await store.openDm(author.id, u.id)).value;
      const roomId = (await store.getRoom(dm.name, u.id))!.record.id;
      const m = (await post(roomId, author, 'hi')).value.message;
      assert.deepEqual(await other.email.targets(roomId, m.id, author.id), [{ userId: u.id, roomKind: 'dm', level: 'all', readSeq: 0, mention: null }]);
      const name = uniq('cursor');
      assert.equal(await store.email.cursor(name, 5), 5);
      assert.equal(await other.email.cursor(name, 9), 5, 'made once');
      const pending = [{ userId: u.id, roomId, seq: m.seq, reason: 'dm' as const, committedAt: 100 }];
      assert.equal(await store.email.enqueue(name, 4, 6, pending), false, 'not from the stored position');
      assert.equal(await other.email.enqueue(name, 5, 6, pending), true);
      assert.equal(await store.email.enqueue(name, 5, 6, pending), false, 'moved already');
      const opts = { now: 10_000, lastBefore: 9_000, readyBefore: 9_000, claimMs: 1000, limit: 100, maxItems: 10 };
      const [d] = (await store.email.claim(opts)).filter((x) => x.userId === u.id);
      assert.deepEqual({ ...d, items: d!.items.map((i) => ({ ...i })) }, {
        userId: u.id, username: u.username, to: 'b@example.com', attempts: 0,
        items: [{ roomId, seq: m.seq, reason: 'dm', room: dm.name, roomKind: 'dm', author: author.username, text: 'hi', stale: false }],
      });
      assert.ok(!(await other.email.claim(opts)).some((x) => x.userId === u.id), 'claimed by one store at a time');
      await store.email.retry(u.id, 12_000);
      assert.ok(!(await other.email.claim({ ...opts, now: 11_999 })).some((x) => x.userId === u.id), 'not before the retry time');
      const [again] = (await other.email.claim({ ...opts, now: 12_000 })).filter((x) => x.userId === u.id);
      assert.equal(again?.attempts, 1);
      await other.email.finish(u.id, again!.items, [], 12_000);
      await store.email.enqueue(name, 6, 7, [{ ...pending[0]!, seq: m.seq + 1 }, pending[0]!]);
      assert.ok(!(await store.email.claim({ ...opts, now: 13_000, lastBefore: 11_999 })).some((x) => x.userId === u.id), 'not within the gap');
      const [next] = (await store.email.claim({ ...opts, now: 13_000, lastBefore: 12_000 })).filter((x) => x.userId === u.id);
      assert.deepEqual(next!.items.map((i) => [i.seq, i.stale]), [[m.seq + 1, true]], 'the mailed one is not queued again; a missing message is stale');
      await store.email.finish(u.id, [], next!.items, 13_000);
      assert.ok(!(await other.email.claim({ ...opts, now: 20_000, lastBefore: 20_000 })).some((x) => x.userId === u.id), 'nothing left');
    });

    hooksContract(() => ({ store, other }));

    it('close is idempotent', async () => {
      const s = await fx.open();
      await s.close();
      await s.close();
      await assert.rejects(s.ping());
    });
  });
}
