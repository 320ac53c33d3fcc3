/**
 * Mentions, replies, the mentions inbox and notification levels (API v1.1 §2 and its Clarifications)
 * against real server processes, on SQLite and on PostgreSQL (restart included); and, in cluster
 * mode, two node processes on one database (search, counts and notification_level across nodes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, newUser, post, room, type Res, type TestUser } from '../helpers/api.ts';
import { createDatabase, startNode, startRedis, type NodeProcess, type RedisServer, type TestDatabase } from '../helpers/cluster.ts';
import { assertError } from '../helpers/rest.ts';
import { dataOf, openEvents, type RawStream } from '../helpers/sse.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

/** The room as `u` sees it (GET /rooms/:room). */
async function roomOf(u: TestUser, name: string): Promise<any> {
  const r = await u.api.get(`/api/v1/rooms/${name}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.room;
}

/** [unread, mentions] of `name` for `u`, read from GET /rooms/:room and checked against GET /rooms. */
async function counts(u: TestUser, name: string): Promise<[number, number]> {
  const one = await roomOf(u, name);
  const listed = (await u.api.get('/api/v1/rooms')).body.rooms.find((r: any) => r.name === name);
  if (listed) assert.deepEqual([listed.unread, listed.mentions], [one.unread, one.mentions], 'GET /rooms and GET /rooms/:room agree');
  return [one.unread, one.mentions];
}

/** POST a message with a body of our own; returns the response. */
function send(u: TestUser, name: string, body: Record<string, unknown>): Promise<Res> {
  return u.api.post(`/api/v1/rooms/${name}/messages`, body);
}

/** Post a reply; returns the message. */
async function reply(u: TestUser, name: string, text: string, parentId: string): Promise<any> {
  const r = await send(u, name, { text, reply_to: parentId });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.message;
}

/** Usernames listed in a message's `mentions.users`. */
const listed = (m: any): string[] => m.mentions.users.map((x: any) => x.username);

/** The inbox of `u` (all pages). */
async function inbox(u: TestUser, limit = 100): Promise<any[]> {
  const out: any[] = [];
  let cursor = '';
  for (;;) {
    const r = await u.api.get(`/api/v1/mentions?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out.push(...r.body.mentions);
    if (r.body.next === null) return out;
    cursor = r.body.next;
  }
}

/** Wait until `u` shows as online in the member list of `name` (they have an open stream). */
async function untilOnline(viewer: TestUser, name: string, u: TestUser): Promise<void> {
  await waitFor(async () => {
    const r = await viewer.api.get(`/api/v1/rooms/${name}/members`);
    return r.body.members?.some((m: any) => m.user.id === u.id && m.online);
  }, `${u.name} online`);
}

describeEachStore('mentions, replies and notification levels', (server: StoreServer) => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  const streams: RawStream[] = [];
  before(async () => {
    alice = await newUser(server.url, 'ma');
    bob = await newUser(server.url, 'mb');
    carol = await newUser(server.url, 'mc');
    dave = await newUser(server.url, 'md');
  });
  after(() => {
    for (const s of streams) s.close();
  });

  // ---- parsing, end to end

  it('parsing: emails are none, trailing dots/dashes trimmed, case-insensitive, each user once in text order', async () => {
    const name = await room(alice, 'private', [bob, carol]);
    const cases: [string, string[]][] = [
      [`mail ${bob.name}@example.com please`, []],
      [`x@${bob.name} _@${bob.name} .@${bob.name} -@${bob.name} @@${bob.name} é@${bob.name} 1@${bob.name}`, []],
      [`thanks @${bob.name}.`, [bob.name]],
      [`thanks @${bob.name}... and @${carol.name}-`, [bob.name, carol.name]],
      [`@${bob.name.toUpperCase()} hello`, [bob.name]],
      [`(@${carol.name}) and @${bob.name}, then @${carol.name} again @${bob.name}`, [carol.name, bob.name]],
      [`code \`@${bob.name}\` counts`, [bob.name]],
      [`@${bob.name}x is someone else`, []],
      [`line\n@${carol.name}\tend`, [carol.name]],
      [`,@${bob.name};`, [bob.name]],
    ];
    for (const [text, users] of cases) {
      const m = await post(alice, name, text);
      assert.deepEqual(listed(m), users, `mentions of ${JSON.stringify(text)}`);
      assert.equal(m.text, text, 'the text is never changed');
      const stored = (await alice.api.get(`/api/v1/rooms/${name}/messages?after=${m.seq - 1}`)).body.messages[0];
      assert.deepEqual(stored.mentions, m.mentions, 'the stored message carries the same mentions');
    }
    const shape = await post(alice, name, `@${bob.name}`);
    assert.deepEqual(shape.mentions, { users: [{ id: bob.id, username: bob.name }], room: false, here: false });
  });

  it('non-members, unknown users and yourself are ignored (not listed, not counted)', async () => {
    const name = await room(alice, 'private', [bob]);
    const m = await post(alice, name, `@${carol.name} @nobody-at-all @${alice.name} @${bob.name}`);
    assert.deepEqual(listed(m), [bob.name]);
    assert.deepEqual(m.mentions, { users: [{ id: bob.id, username: bob.name }], room: false, here: false });
    assert.equal((await alice.api.post(`/api/v1/rooms/${name}/members`, { username: carol.name })).status, 200);
    assert.deepEqual(await counts(carol, name), [0, 0], 'adding carol later does not turn the old message into a mention');
    assert.deepEqual((await inbox(carol)).filter((x) => x.message.room === name), []);
    assert.deepEqual(await counts(alice, name), [0, 0]);
  });

  it('a name ending in "." that is a user is taken whole; else the trailing dots are trimmed', async () => {
    const base = uniq('dot').slice(0, 20);
    const plain = await newUserNamed(server.url, base);
    const dotted = await newUserNamed(server.url, `${base}.`);
    const name = await room(alice, 'private', [plain, dotted]);
    assert.deepEqual(listed(await post(alice, name, `hi @${base}.`)), [`${base}.`]);
    assert.deepEqual(listed(await post(alice, name, `hi @${base}..`)), [base]);
    assert.deepEqual(listed(await post(alice, name, `hi @${base}`)), [base]);
  });

  it('a mixed-case username is listed as it is spelled in the account, whatever the case in the text', async () => {
    const mixed = await newUserNamed(server.url, `Mx${uniq('q').slice(0, 12).toUpperCase()}`);
    const name = await room(alice, 'private', [mixed]);
    const m = await post(alice, name, `hi @${mixed.name.toLowerCase()} and guests may mention: ok`);
    assert.deepEqual(m.mentions.users, [{ id: mixed.id, username: mixed.name }]);
    const guest = await newGuest(server.url);
    assert.equal((await alice.api.post(`/api/v1/rooms/${name}/members`, { username: guest.name })).status, 200);
    const byGuest = await post(guest, name, `@${alice.name} from a guest`);
    assert.deepEqual(listed(byGuest), [alice.name], 'a guest\'s user mention counts');
    assert.deepEqual(await counts(alice, name), [1, 1]);
  });

  it('"if no user has that name": a non-member named "x." shadows the trimmed run (v1.1 §2)', async () => {
    const base = uniq('shd').slice(0, 20);
    const plain = await newUserNamed(server.url, base);
    await newUserNamed(server.url, `${base}.`);
    const name = await room(alice, 'private', [plain]);
    assert.deepEqual(listed(await post(alice, name, `hi @${base}.`)), []);
  });

  // ---- @room / @here

  it('@room: the owner in any room; others only in rooms of at most 20 members; never guests', async () => {
    const many = await Promise.all(Array.from({ length: 19 }, () => newUser(server.url, 'mm')));
    const big = await room(alice, 'private', [bob, ...many]); // 21 members
    const before = await counts(carol, big).catch(() => null);
    assert.equal(before, null, 'carol cannot see it');
    const byOwner = await post(alice, big, 'all hands @room');
    assert.equal(byOwner.mentions.room, true);
    assert.deepEqual(await counts(bob, big), [1, 1]);
    const byMember = await post(bob, big, 'hey @room and @here');
    assert.deepEqual([byMember.mentions.room, byMember.mentions.here], [false, false], 'a member in a room of 21');
    assert.deepEqual(await counts(many[0]!, big), [2, 1]);

    assert.equal((await alice.api.del(`/api/v1/rooms/${big}/members/${many[18]!.name}`)).status, 204); // 20 members now
    const byMember20 = await post(bob, big, 'now @room counts');
    assert.equal(byMember20.mentions.room, true, 'a member in a room of 20');
    assert.deepEqual(await counts(many[0]!, big), [3, 2]);
    assert.deepEqual(await counts(alice, big), [2, 1], 'the owner is mentioned by a member\'s @room');
    assert.deepEqual(await counts(bob, big), [0, 0], 'posting moved bob\'s marker');
    assert.equal((await inbox(bob)).find((x) => x.message.id === byMember20.id), undefined, 'his own @room does not mention him');

    const guest = await newGuest(server.url);
    const small = await room(alice, 'public');
    assert.equal((await guest.api.post(`/api/v1/rooms/${small}/join`)).status, 200);
    assert.equal((await bob.api.post(`/api/v1/rooms/${small}/join`)).status, 200);
    const byGuest = await post(guest, small, '@room @here look');
    assert.deepEqual([byGuest.mentions.room, byGuest.mentions.here], [false, false], 'never from guests');
    assert.deepEqual(await counts(bob, small), [1, 0]);
    const toGuest = await post(alice, small, `@${guest.name} you can be mentioned`);
    assert.deepEqual(listed(toGuest), [guest.name]);
    assert.deepEqual(await counts(guest, small), [1, 1]);
  });

  it('@here mentions only members online at commit (an open stream)', async () => {
    const name = await room(alice, 'private', [bob, carol]);
    const s = await openEvents(server.url, bob.token);
    streams.push(s);
    await untilOnline(alice, name, bob);
    const m = await post(alice, name, 'quick @here');
    assert.equal(m.mentions.here, true);
    assert.equal(m.mentions.room, false);
    assert.deepEqual(await counts(bob, name), [1, 1]);
    assert.deepEqual(await counts(carol, name), [1, 0], 'carol is offline');
    const item = (await inbox(bob)).find((x) => x.message.id === m.id);
    assert.equal(item?.reason, 'here');
    assert.equal((await inbox(carol)).find((x) => x.message.id === m.id), undefined);
    s.close();
  });

  // ---- counts

  it('room.mentions follows the read marker exactly like unread, and moves with POST /read', async () => {
    const name = await room(alice, 'private', [bob]);
    const m1 = await post(alice, name, `one @${bob.name}`);
    await post(alice, name, 'two');
    const m3 = await post(alice, name, `three @${bob.name}`);
    await post(alice, name, `four @${bob.name}`);
    assert.deepEqual(await counts(bob, name), [4, 3]);
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/read`, { seq: m1.seq })).status, 204);
    assert.deepEqual(await counts(bob, name), [3, 2]);
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/read`, { seq: m3.seq })).status, 204);
    assert.deepEqual(await counts(bob, name), [1, 1]);
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/read`, { seq: 0 })).status, 204);
    assert.deepEqual(await counts(bob, name), [1, 1], 'never backwards');
    const items = (await inbox(bob)).filter((x) => x.message.room === name);
    assert.deepEqual(items.map((x) => [x.message.text, x.read]), [[`four @${bob.name}`, false], [`three @${bob.name}`, true], [`one @${bob.name}`, true]]);
    await post(bob, name, 'bob answers');
    assert.deepEqual(await counts(bob, name), [0, 0], 'posting moves your own marker');
    assert.ok((await inbox(bob)).filter((x) => x.message.room === name).every((x) => x.read));
  });

  it('under concurrent posts and edits, unread and mentions equal what the history says', async () => {
    const name = await room(alice, 'private', [bob, carol]);
    const texts = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? `n${i} @${bob.name}` : i % 3 === 1 ? `n${i} plain` : `n${i} @room`));
    const made = await Promise.all(texts.map((t, i) => post(i % 2 ? carol : alice, name, t)));
    await Promise.all(made.filter((_, i) => i % 4 === 1).map((m) => (m.author.id === alice.id ? alice : carol).api.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: `edited @${bob.name}` })));
    await Promise.all(made.filter((_, i) => i % 6 === 0).map((m) => alice.api.del(`/api/v1/rooms/${name}/messages/${m.id}`)));
    const expectAbove = async (marker: number) => {
      const history = (await bob.api.get(`/api/v1/rooms/${name}/messages?limit=200`)).body.messages;
      const live = history.filter((m: any) => !m.deleted && m.seq > marker && m.author.id !== bob.id);
      const mentioning = live.filter((m: any) => m.mentions.room || m.mentions.users.some((x: any) => x.id === bob.id));
      return [live.length, mentioning.length];
    };
    assert.deepEqual(await counts(bob, name), await expectAbove(0));
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/read`, { seq: 11 })).status, 204);
    assert.deepEqual(await counts(bob, name), await expectAbove(11));
    const inboxIds = (await inbox(bob)).filter((x) => x.message.room === name && !x.read).map((x) => x.message.id);
    assert.equal(inboxIds.length, (await expectAbove(11))[1], 'the inbox agrees with the count');
  });

  it('an edit that adds or removes a mention changes the count and emits message_updated with the new mentions', async () => {
    const name = await room(alice, 'private', [bob, carol]);
    const s = await openEvents(server.url, carol.token);
    streams.push(s);
    const m = await post(alice, name, 'plain text');
    assert.deepEqual(await counts(bob, name), [1, 0]);
    const e1 = await alice.api.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: `now @${bob.name}` });
    assert.equal(e1.status, 200);
    assert.deepEqual(listed(e1.body.message), [bob.name]);
    assert.deepEqual(await counts(bob, name), [1, 1]);
    assert.deepEqual((await inbox(bob)).find((x) => x.message.id === m.id)?.reason, 'user');
    await s.waitFor((ev) => dataOf(ev, 'message_updated', name).some((d) => d.message.id === m.id && listed(d.message).includes(bob.name)), 'message_updated with bob');
    const e2 = await alice.api.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: `now @${carol.name} instead` });
    assert.deepEqual(listed(e2.body.message), [carol.name]);
    assert.deepEqual(await counts(bob, name), [1, 0]);
    assert.deepEqual(await counts(carol, name), [1, 1]);
    assert.equal((await inbox(bob)).find((x) => x.message.id === m.id), undefined);
    await s.waitFor((ev) => dataOf(ev, 'message_updated', name).some((d) => d.message.id === m.id && listed(d.message).join() === carol.name), 'message_updated with carol');
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${m.id}`)).status, 204);
    assert.deepEqual(await counts(carol, name), [0, 0], 'a deleted message mentions nobody');
    await s.waitFor((ev) => dataOf(ev, 'message_updated', name).some((d) => d.message.id === m.id && d.message.deleted && d.message.mentions.users.length === 0), 'deleted: no mentions');
    s.close();
  });

  it('an edit made after you left does not mention you', async () => {
    const name = await room(alice, 'public', [bob]);
    const m = await post(alice, name, 'to be edited');
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/leave`)).status, 204);
    const e = await alice.api.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: `edited @${bob.name}` });
    assert.deepEqual(listed(e.body.message), []);
    assert.deepEqual(await counts(bob, name), [0, 0]);
  });

  // ---- replies

  it('a reply to your message mentions you (reason reply); replying to your own does not', async () => {
    const name = await room(alice, 'private', [bob]);
    const parent = await post(bob, name, 'bob asks');
    const r = await reply(alice, name, 'alice answers', parent.id);
    assert.deepEqual(r.mentions, { users: [], room: false, here: false });
    assert.deepEqual(r.reply_to, { id: parent.id, seq: parent.seq, author: { id: bob.id, username: bob.name }, excerpt: 'bob asks', deleted: false });
    assert.deepEqual(await counts(bob, name), [1, 1]);
    assert.equal((await inbox(bob)).find((x) => x.message.id === r.id)?.reason, 'reply');
    const own = await reply(alice, name, 'alice to herself', r.id);
    assert.equal(own.reply_to.id, r.id);
    assert.deepEqual(await counts(alice, name), [0, 0]);
    assert.equal((await inbox(alice)).find((x) => x.message.id === own.id), undefined);
    const bobOwn = await reply(bob, name, 'bob to himself', parent.id);
    assert.equal((await inbox(bob)).find((x) => x.message.id === bobOwn.id), undefined);
  });

  it('reply_to must be an undeleted message of the same room: else 400 invalid_reply_to; PATCH ignores it', async () => {
    const name = await room(alice, 'public', [bob]);
    const other = await room(alice, 'public');
    const elsewhere = await post(alice, other, 'another room');
    const gone = await post(alice, name, 'deleted soon');
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${gone.id}`)).status, 204);
    for (const id of [elsewhere.id, gone.id, '999999999', 'nope', '-1', '0']) {
      assertError(await send(bob, name, { text: 'reply', reply_to: id }), 400, 'invalid_reply_to');
    }
    const before = (await alice.api.get(`/api/v1/rooms/${name}/messages`)).body.messages.length;
    assert.equal(before, 1, 'nothing was posted');
    const ok = await send(bob, name, { text: 'no reply', reply_to: null });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.message.reply_to, null);
    const parent = await post(alice, name, 'a parent');
    const patched = await bob.api.patch(`/api/v1/rooms/${name}/messages/${ok.body.message.id}`, { text: 'edited', reply_to: parent.id });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.message.reply_to, null, 'PATCH cannot change reply_to');
  });

  it('an empty reply_to is not a message id: 400 invalid_reply_to, nothing posted', async () => {
    const name = await room(alice, 'public');
    assertError(await send(alice, name, { text: 'reply', reply_to: '' }), 400, 'invalid_reply_to');
    assert.equal((await alice.api.get(`/api/v1/rooms/${name}/messages`)).body.messages.length, 0);
  });

  it('a long reply_to string is not a message of this room either: 400 invalid_reply_to', async () => {
    const name = await room(alice, 'public');
    assertError(await send(alice, name, { text: 'reply', reply_to: 'x'.repeat(41) }), 400, 'invalid_reply_to');
  });

  it('reply_to is built when read: excerpt of the current text (120 code points); deleted parent shown as such', async () => {
    const name = await room(alice, 'public', [bob]);
    const long = `${'😀'.repeat(118)}ab${'z'.repeat(30)}`;
    const parent = await post(alice, name, long);
    const r = await reply(bob, name, 'replying', parent.id);
    assert.equal(r.reply_to.excerpt, `${'😀'.repeat(118)}ab`, 'first 120 code points');
    const read = async () => (await alice.api.get(`/api/v1/rooms/${name}/messages`)).body.messages.find((m: any) => m.id === r.id).reply_to;
    assert.equal((await read()).excerpt, `${'😀'.repeat(118)}ab`);
    await alice.api.patch(`/api/v1/rooms/${name}/messages/${parent.id}`, { text: 'short now' });
    assert.deepEqual(await read(), { id: parent.id, seq: parent.seq, author: { id: alice.id, username: alice.name }, excerpt: 'short now', deleted: false });
    const fromSearch = (await alice.api.get(`/api/v1/search?q=replying&room=${name}`)).body.results[0].message.reply_to;
    assert.equal(fromSearch.excerpt, 'short now', 'search results carry the parent as it is now');
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${parent.id}`)).status, 204);
    assert.deepEqual(await read(), { id: parent.id, seq: parent.seq, author: { id: alice.id, username: alice.name }, excerpt: '', deleted: true });
  });

  it('a parent\'s edit or deletion emits no event for its replies', async () => {
    const name = await room(alice, 'private', [bob]);
    const parent = await post(alice, name, 'parent text');
    const child = await reply(bob, name, 'child', parent.id);
    const s = await openEvents(server.url, bob.token);
    streams.push(s);
    await alice.api.patch(`/api/v1/rooms/${name}/messages/${parent.id}`, { text: 'parent edited' });
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${parent.id}`)).status, 204);
    const marker = await post(alice, name, 'marker');
    await s.waitFor((ev) => dataOf(ev, 'message', name).some((d) => d.message.id === marker.id), 'marker');
    const updated = dataOf(s.events, 'message_updated', name).map((d) => d.message.id);
    assert.deepEqual(updated, [parent.id, parent.id]);
    assert.ok(!updated.includes(child.id));
    s.close();
  });

  // ---- the inbox

  it('inbox: reason precedence user > reply > room > here, newest first, read flags, paging', async () => {
    const name = await room(alice, 'private', [bob, carol]);
    const s = await openEvents(server.url, bob.token);
    streams.push(s);
    await untilOnline(alice, name, bob);
    const parent = await post(bob, name, 'bob says');
    const all = await reply(alice, name, `@${bob.name} @room @here`, parent.id);
    const rep = await reply(alice, name, '@room @here', parent.id);
    const rm = await post(alice, name, '@here @room');
    const here = await post(alice, name, '@here');
    s.close();
    const items = (await inbox(bob)).filter((x) => x.message.room === name);
    assert.deepEqual(items.map((x) => [x.message.id, x.reason, x.read]), [
      [here.id, 'here', false], [rm.id, 'room', false], [rep.id, 'reply', false], [all.id, 'user', false],
    ]);
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/read`, { seq: rep.seq })).status, 204);
    const again = (await inbox(bob)).filter((x) => x.message.room === name);
    assert.deepEqual(again.map((x) => x.read), [false, false, true, true]);
    assert.deepEqual(await counts(bob, name), [2, 2]);
    const paged = await inbox(bob, 1);
    assert.deepEqual(paged.map((x) => x.message.id), (await inbox(bob)).map((x) => x.message.id), 'limit=1 pages cover the same list');
    const first = await bob.api.get('/api/v1/mentions?limit=2');
    assert.equal(first.body.mentions.length, 2);
    assert.equal(typeof first.body.next, 'string');
    for (const q of ['limit=0', 'limit=101', 'limit=x']) assertError(await bob.api.get(`/api/v1/mentions?${q}`), 400, 'invalid_request');
    for (const c of ['garbage', '!!', 'eyJ4IjoxfQ', '9'.repeat(80)]) assertError(await bob.api.get(`/api/v1/mentions?cursor=${c}`), 400, 'invalid_cursor');
    const def = await bob.api.get('/api/v1/mentions');
    assert.equal(def.status, 200);
    assert.ok(def.body.mentions.length <= 50);
  });

  it('inbox drops deleted messages and rooms you left or were removed from', async () => {
    const priv = await room(alice, 'private', [bob]);
    const pub = await room(alice, 'public', [bob]);
    const keep = await post(alice, priv, `keep @${bob.name}`);
    const del = await post(alice, priv, `delete @${bob.name}`);
    const inPub = await post(alice, pub, `public @${bob.name}`);
    const ids = async () => new Set((await inbox(bob)).map((x) => x.message.id));
    let now = await ids();
    assert.ok(now.has(keep.id) && now.has(del.id) && now.has(inPub.id));
    assert.equal((await alice.api.del(`/api/v1/rooms/${priv}/messages/${del.id}`)).status, 204);
    now = await ids();
    assert.ok(now.has(keep.id) && !now.has(del.id));
    assert.equal((await bob.api.post(`/api/v1/rooms/${pub}/leave`)).status, 204);
    assert.ok(!(await ids()).has(inPub.id), 'left a public room: its mentions drop out');
    assert.equal((await alice.api.del(`/api/v1/rooms/${priv}/members/${bob.name}`)).status, 204);
    assert.ok(!(await ids()).has(keep.id), 'removed from a private room: dropped');
  });

  // ---- notification levels

  it('levels: defaults all in DMs and mentions in rooms; PUT sets it; 403/404/400; the event reaches only your own streams', async () => {
    const dm = (await alice.api.post(`/api/v1/dm/${bob.name}`)).body.room.name;
    assert.equal((await roomOf(alice, dm)).notifications, 'all');
    const name = await room(alice, 'public', [bob]);
    assert.equal((await roomOf(bob, name)).notifications, 'mentions');
    assert.equal((await roomOf(carol, name)).notifications, 'mentions', 'the default for non-members too');
    assert.equal((await roomOf(carol, name)).mentions, 0);

    const mine = await openEvents(server.url, bob.token);
    const mine2 = await openEvents(server.url, bob.token);
    const theirs = await openEvents(server.url, alice.token);
    streams.push(mine, mine2, theirs);
    const r = await bob.api.req('PUT', `/api/v1/rooms/${name}/notifications`, { level: 'none' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.room.name, name);
    assert.equal(r.body.room.notifications, 'none');
    assert.equal((await roomOf(bob, name)).notifications, 'none');
    assert.equal((await roomOf(alice, name)).notifications, 'mentions', 'per user');
    for (const s of [mine, mine2]) {
      await s.waitFor((ev) => dataOf(ev, 'notification_level').some((d) => d.room === name && d.level === 'none'), 'notification_level');
    }
    const marker = await post(bob, name, 'after the level change');
    await theirs.waitFor((ev) => dataOf(ev, 'message', name).some((d) => d.message.id === marker.id), 'alice sees the next message');
    assert.deepEqual(dataOf(theirs.events, 'notification_level'), [], 'not on anyone else\'s stream');

    const dmLevel = await bob.api.req('PUT', `/api/v1/rooms/${dm}/notifications`, { level: 'mentions' });
    assert.equal(dmLevel.body.room.notifications, 'mentions');
    assert.equal((await roomOf(alice, dm)).notifications, 'all');
    const back = await bob.api.req('PUT', `/api/v1/rooms/${name}/notifications`, { level: 'all' });
    assert.equal(back.body.room.notifications, 'all');

    assertError(await carol.api.req('PUT', `/api/v1/rooms/${name}/notifications`, { level: 'all' }), 403, 'forbidden');
    const priv = await room(alice, 'private');
    assertError(await carol.api.req('PUT', `/api/v1/rooms/${priv}/notifications`, { level: 'all' }), 404, 'not_found');
    assertError(await carol.api.req('PUT', `/api/v1/rooms/${dm}/notifications`, { level: 'all' }), 404, 'not_found');
    assertError(await carol.api.req('PUT', '/api/v1/rooms/no-such-room-x/notifications', { level: 'all' }), 404, 'not_found');
    for (const body of [{ level: 'loud' }, { level: '' }, {}, { level: null }, { level: 'ALL' }]) {
      assertError(await bob.api.req('PUT', `/api/v1/rooms/${name}/notifications`, body), 400, 'invalid_request');
    }
    for (const s of [mine, mine2, theirs]) s.close();
  });

  it('events: ready rooms carry mentions and notifications; message carries mentions and reply_to; room_updated omits the per-user fields', async () => {
    const name = await room(alice, 'private', [carol]);
    const parent = await post(carol, name, 'carol asks');
    await post(alice, name, `@${carol.name} look`);
    await carol.api.req('PUT', `/api/v1/rooms/${name}/notifications`, { level: 'all' });
    const s = await openEvents(server.url, carol.token);
    streams.push(s);
    const ready = dataOf(s.events, 'ready')[0];
    const r = ready.rooms.find((x: any) => x.name === name);
    assert.deepEqual([r.unread, r.mentions, r.notifications], [1, 1, 'all']);
    const rep = await reply(alice, name, 'an answer', parent.id);
    await s.waitFor((ev) => dataOf(ev, 'message', name).some((d) => d.message.id === rep.id), 'the reply');
    const ev = dataOf(s.events, 'message', name).find((d) => d.message.id === rep.id).message;
    assert.deepEqual(ev.mentions, { users: [], room: false, here: false });
    assert.deepEqual(ev.reply_to, { id: parent.id, seq: parent.seq, author: { id: carol.id, username: carol.name }, excerpt: 'carol asks', deleted: false });
    assert.equal((await alice.api.patch(`/api/v1/rooms/${name}`, { topic: 'new topic' })).status, 200);
    await s.waitFor((e) => dataOf(e, 'room_updated', name).length > 0, 'room_updated');
    const upd = dataOf(s.events, 'room_updated', name)[0].room;
    assert.equal('mentions' in upd, false, 'room_updated omits mentions');
    assert.equal('notifications' in upd, false, 'room_updated omits notifications');
    s.close();
  });

  it('levels decide no count: unread and mentions stay the same at every level', async () => {
    const name = await room(alice, 'private', [dave]);
    await post(alice, name, `hey @${dave.name}`);
    await post(alice, name, 'plain');
    for (const level of ['none', 'all', 'mentions']) {
      assert.equal((await dave.api.req('PUT', `/api/v1/rooms/${name}/notifications`, { level })).status, 200);
      assert.deepEqual(await counts(dave, name), [2, 1], level);
    }
  });

  // ---- restart

  it('counts, mentions, replies and levels survive a server restart', async () => {
    const name = await room(alice, 'private', [bob, carol]);
    const parent = await post(carol, name, 'carol first');
    await post(alice, name, `@${bob.name} and @${carol.name}`);
    const r = await reply(alice, name, `reply @room`, parent.id);
    await post(alice, name, 'no mention');
    await bob.api.req('PUT', `/api/v1/rooms/${name}/notifications`, { level: 'all' });
    const snap = async () => ({
      bob: await counts(bob, name),
      carol: await counts(carol, name),
      bobRoom: (await roomOf(bob, name)).notifications,
      inbox: (await inbox(carol)).filter((x) => x.message.room === name).map((x) => [x.message.id, x.reason, x.read]),
      history: (await alice.api.get(`/api/v1/rooms/${name}/messages`)).body.messages.map((m: any) => [m.mentions, m.reply_to]),
      found: (await alice.api.get(`/api/v1/search?q=reply&room=${name}`)).body.results.map((x: any) => x.message.id),
    });
    const before = await snap();
    assert.deepEqual(before.bob, [4, 2]);
    assert.deepEqual(before.carol, [3, 2]);
    assert.deepEqual(before.found, [r.id]);
    await server.restart();
    assert.deepEqual(await snap(), before);
  });
});

/** Register a user with exactly this name. */
async function newUserNamed(base: string, username: string): Promise<TestUser> {
  const api = new Api(base);
  const r = await api.post('/api/v1/auth/register', { username, password: 'correct horse' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  api.token = r.body.token;
  return { api, id: r.body.user.id, name: r.body.user.username, token: r.body.token };
}

/** A guest account. */
async function newGuest(base: string): Promise<TestUser> {
  const api = new Api(base);
  const r = await api.post('/api/v1/auth/guest', { username: uniq('guest') });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  api.token = r.body.token;
  return { api, id: r.body.user.id, name: r.body.user.username, token: r.body.token };
}

describe('mentions and search across two nodes (PostgreSQL + Redis)', () => {
  let db: TestDatabase;
  let redis: RedisServer;
  let a: NodeProcess;
  let b: NodeProcess;
  before(async () => {
    db = await createDatabase();
    redis = await startRedis();
    a = await startNode(db.url, redis.url);
    b = await startNode(db.url, redis.url);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await db?.drop();
  });

  it('an edit on node A is what search on node B finds at once; counts are equal on both nodes; notification_level crosses nodes', async () => {
    const alice = await newUser(a.url, 'ca');
    const bob = await newUser(a.url, 'cb');
    const onB = (u: TestUser): TestUser => ({ ...u, api: new Api(b.url, u.token) });
    const name = await room(alice, 'private', [bob]);
    const tok = uniq('cl');
    const m = await post(alice, name, `${tok} before`);
    const found = async (q: string) => (await onB(bob).api.get(`/api/v1/search?q=${encodeURIComponent(q)}&room=${name}`)).body.results.map((x: any) => x.message.text);
    assert.deepEqual(await found('before'), [`${tok} before`]);
    assert.equal((await alice.api.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: `${tok} after @${bob.name}` })).status, 200);
    assert.deepEqual(await found('before'), [], 'the old text no longer matches on B');
    assert.deepEqual(await found('after'), [`${tok} after @${bob.name}`]);
    await post(alice, name, `again @${bob.name}`);
    await post(alice, name, 'plain');
    assert.deepEqual(await counts(bob, name), [3, 2]);
    assert.deepEqual(await counts(onB(bob), name), [3, 2]);
    assert.equal((await onB(bob).api.post(`/api/v1/rooms/${name}/read`, { seq: m.seq })).status, 204);
    assert.deepEqual(await counts(bob, name), [2, 1]);
    assert.deepEqual(await counts(onB(bob), name), [2, 1]);
    assert.deepEqual((await inbox(bob)).map((x) => [x.message.id, x.read]), (await inbox(onB(bob))).map((x) => [x.message.id, x.read]));
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${m.id}`)).status, 204);
    assert.deepEqual(await found(tok), [], 'a delete on A is reflected on B at once');

    const streamB = await openEvents(b.url, bob.token);
    try {
      assert.equal((await bob.api.req('PUT', `/api/v1/rooms/${name}/notifications`, { level: 'none' })).status, 200);
      await streamB.waitFor((ev) => dataOf(ev, 'notification_level').some((d) => d.room === name && d.level === 'none'), 'notification_level on node B');
      assert.equal((await roomOf(onB(bob), name)).notifications, 'none');
    } finally {
      streamB.close();
    }
  });

  it('@here on node A counts a member whose only stream is on node B', async () => {
    const alice = await newUser(a.url, 'ch');
    const bob = await newUser(a.url, 'ci');
    const carol = await newUser(a.url, 'cj');
    const name = await room(alice, 'private', [bob, carol]);
    const streamB = await openEvents(b.url, bob.token);
    try {
      await untilOnline(alice, name, bob); // node A's member list shows bob online
      const m = await post(alice, name, 'standup @here');
      assert.equal(m.mentions.here, true);
      assert.deepEqual(await counts(bob, name), [1, 1]);
      assert.deepEqual(await counts(carol, name), [1, 0]);
      assert.equal((await inbox({ ...bob, api: new Api(b.url, bob.token) })).find((x) => x.message.id === m.id)?.reason, 'here');
    } finally {
      streamB.close();
    }
  });
});
