/**
 * The event stream, visibility: join, leave and removal take effect on open
 * streams at once (no reconnect); replay honours membership as it was when each
 * event happened; private-room events never reach a non-member.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cursorNow, newUser, post, room, type TestUser } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { dataOf, marker, openEvents, readyOf, storedIn, texts, waitText } from '../helpers/sse.ts';

let owner: TestUser;
let eve: TestUser;
const server = useServer({ NATTER_HEARTBEAT_MS: '60000' }, {
  failIfDied: true,
  setup: async () => {
    owner = await newUser(server.url, 'ow');
    eve = await newUser(server.url, 'ev');
  },
});

/** Anything in `events` about room `r` (stored or transient). */
const about = (events: { data: string; event: string }[], r: string) =>
  events.filter((e) => e.event !== 'ready' && e.event !== 'presence').filter((e) => {
    const d = JSON.parse(e.data);
    return d.room === r || d.room?.name === r || d.message?.room === r;
  });

describe('while connected', () => {
  it('joining a public room starts delivery on the open stream, from the join on; the joiner sees their own member_joined', async () => {
    const u = await newUser(server.url, 'jo');
    const r = await room(owner, 'public');
    const s = await openEvents(server.url, u.token);
    await post(owner, r, 'before join');
    assert.equal((await u.api.post(`/api/v1/rooms/${r}/join`)).status, 200);
    await post(owner, r, 'after join');
    await waitText(s, r, 'after join');
    assert.deepEqual(storedIn(s.events, r), [`member_joined:${u.name}`, 'message:after join']);
    assert.equal(s.events.filter((e) => e.event === 'ready').length, 1, 'no reconnect');
    s.close();
  });

  it('leaving stops delivery at once; the leaver sees their own member_left and nothing after', async () => {
    const u = await newUser(server.url, 'le');
    const r = await room(owner, 'public', [u]);
    const s = await openEvents(server.url, u.token);
    await post(owner, r, 'while member');
    assert.equal((await u.api.post(`/api/v1/rooms/${r}/leave`)).status, 204);
    await post(owner, r, 'after leave');
    assert.equal((await owner.api.post(`/api/v1/rooms/${r}/typing`)).status, 204);
    await owner.api.patch(`/api/v1/rooms/${r}`, { topic: 'after leave' });
    const [before] = await marker(owner, 'general', [s]);
    assert.deepEqual(storedIn(before!, r), ['message:while member', `member_left:${u.name}`]);
    assert.deepEqual(about(before!, r).map((e) => e.event), ['message', 'member_left'], 'no typing, no room_updated after leaving');
    s.close();
  });

  it('removal by the owner stops delivery at once; the removed user sees their member_left, the others keep getting the room', async () => {
    const u = await newUser(server.url, 'rm');
    const stay = await newUser(server.url, 'st');
    const r = await room(owner, 'private', [u, stay]);
    const s = await openEvents(server.url, u.token);
    const t = await openEvents(server.url, stay.token);
    await post(owner, r, 'before removal');
    assert.equal((await owner.api.del(`/api/v1/rooms/${r}/members/${u.name}`)).status, 204);
    await post(owner, r, 'after removal');
    const m = await post(owner, r, 'edited after removal');
    await owner.api.patch(`/api/v1/rooms/${r}/messages/${m.id}`, { text: 'edited!' });
    await owner.api.post(`/api/v1/rooms/${r}/typing`);
    const [before] = await marker(owner, 'general', [s]);
    assert.deepEqual(storedIn(before!, r), ['message:before removal', `member_left:${u.name}`]);
    assert.deepEqual(about(before!, r).map((e) => e.event), ['message', 'member_left']);
    await waitText(t, r, 'edited after removal');
    await marker(owner, r, [t]);
    assert.deepEqual(storedIn(t.events, r).slice(0, 5), ['message:before removal', `member_left:${u.name}`, 'message:after removal', 'message:edited after removal', 'message_updated:edited!']);
    s.close();
    t.close();
  });

  it('being added to a private room starts delivery at once', async () => {
    const u = await newUser(server.url, 'ad');
    const r = await room(owner, 'private');
    const s = await openEvents(server.url, u.token);
    await post(owner, r, 'before add');
    assert.equal((await owner.api.post(`/api/v1/rooms/${r}/members`, { username: u.name })).status, 200);
    await post(owner, r, 'after add');
    await waitText(s, r, 'after add');
    assert.deepEqual(storedIn(s.events, r), [`member_joined:${u.name}`, 'message:after add']);
    s.close();
  });

  it('creating a room while connected: the creator\'s stream gets its member_joined and its messages', async () => {
    const u = await newUser(server.url, 'cr');
    const s = await openEvents(server.url, u.token);
    const r = await room(u, 'private');
    await post(u, r, 'first');
    await waitText(s, r, 'first');
    assert.deepEqual(storedIn(s.events, r), [`member_joined:${u.name}`, 'message:first']);
    s.close();
  });

  it('leave and rejoin: delivery stops and starts again, with nothing from the gap', async () => {
    const u = await newUser(server.url, 'rj');
    const r = await room(owner, 'public', [u]);
    const s = await openEvents(server.url, u.token);
    await u.api.post(`/api/v1/rooms/${r}/leave`);
    await post(owner, r, 'in the gap');
    await u.api.post(`/api/v1/rooms/${r}/join`);
    await post(owner, r, 'back');
    await waitText(s, r, 'back');
    assert.deepEqual(storedIn(s.events, r), [`member_left:${u.name}`, `member_joined:${u.name}`, 'message:back']);
    s.close();
  });

  it('a DM opened by the peer reaches the other user\'s open stream at once', async () => {
    const a = await newUser(server.url, 'dma');
    const b = await newUser(server.url, 'dmb');
    const s = await openEvents(server.url, b.token);
    const dm = await a.api.post(`/api/v1/dm/${b.name}`);
    assert.equal(dm.status, 200);
    const name = dm.body.room.name;
    await post(a, name, 'psst');
    await waitText(s, name, 'psst');
    assert.ok(dataOf(s.events, 'member_joined', name).some((d) => d.user.id === b.id));
    s.close();
  });

  it('every stream of the user follows the change, not only one', async () => {
    const u = await newUser(server.url, 'ms');
    const r = await room(owner, 'public');
    const streams = [await openEvents(server.url, u.token), await openEvents(server.url, u.token), await openEvents(server.url, u.token)];
    await u.api.post(`/api/v1/rooms/${r}/join`);
    await post(owner, r, 'to all three');
    for (const s of streams) await waitText(s, r, 'to all three');
    await u.api.post(`/api/v1/rooms/${r}/leave`);
    await post(owner, r, 'to none');
    const before = await marker(owner, 'general', streams);
    for (const b of before) assert.ok(!texts({ events: b } as never, r).includes('to none'));
    for (const s of streams) s.close();
  });
});

describe('private rooms', () => {
  it('live: no event of a private room reaches a non-member (messages, edits, reactions, typing, members, topic)', async () => {
    const member = await newUser(server.url, 'pm');
    const r = await room(owner, 'private', [member]);
    const s = await openEvents(server.url, eve.token);
    const m = await post(owner, r, 'secret');
    await owner.api.patch(`/api/v1/rooms/${r}/messages/${m.id}`, { text: 'secret 2' });
    await member.api.put(`/api/v1/rooms/${r}/messages/${m.id}/reactions/x`);
    await owner.api.post(`/api/v1/rooms/${r}/typing`);
    await owner.api.patch(`/api/v1/rooms/${r}`, { topic: 'secret topic' });
    await owner.api.del(`/api/v1/rooms/${r}/members/${member.name}`);
    await owner.api.post(`/api/v1/rooms/${r}/members`, { username: member.name });
    await owner.api.del(`/api/v1/rooms/${r}/messages/${m.id}`);
    const [before] = await marker(owner, 'general', [s]);
    assert.deepEqual(about(before!, r), []);
    assert.ok(!s.raw().includes(r), 'the room name never appears on the stream');
    s.close();
  });

  it('replay: a non-member resuming from before gets nothing of the private room', async () => {
    const cursor = await cursorNow(eve);
    const r = await room(owner, 'private');
    await post(owner, r, 'secret');
    await owner.api.patch(`/api/v1/rooms/${r}`, { topic: 'secret topic' });
    const s = await openEvents(server.url, eve.token, { lastEventId: cursor });
    const [before] = await marker(owner, 'general', [s]);
    assert.deepEqual(about(before!, r), []);
    assert.ok(!s.raw().includes(r));
    s.close();
  });

  it('a public room made private keeps delivering to its members only', async () => {
    const member = await newUser(server.url, 'pp');
    const r = await room(owner, 'public', [member]);
    const s = await openEvents(server.url, member.token);
    const e = await openEvents(server.url, eve.token);
    await owner.api.patch(`/api/v1/rooms/${r}`, { visibility: 'private' });
    await post(owner, r, 'now private');
    await waitText(s, r, 'now private');
    const [before] = await marker(owner, 'general', [e]);
    assert.deepEqual(about(before!, r), []);
    s.close();
    e.close();
  });
});

describe('replay honours membership as it was', () => {
  it('nothing from before the join or after the leave; the joins and leaves themselves are replayed', async () => {
    const u = await newUser(server.url, 'hi');
    const cursor = await cursorNow(u);
    const r = await room(owner, 'public');
    await post(owner, r, 'm1 before join');
    await u.api.post(`/api/v1/rooms/${r}/join`);
    await post(owner, r, 'm2 member');
    await u.api.post(`/api/v1/rooms/${r}/leave`);
    await post(owner, r, 'm3 after leave');
    await u.api.post(`/api/v1/rooms/${r}/join`);
    await post(owner, r, 'm4 member again');
    await u.api.post(`/api/v1/rooms/${r}/leave`);
    await post(owner, r, 'm5 after second leave');
    const s = await openEvents(server.url, u.token, { lastEventId: cursor });
    await marker(owner, 'general', [s]);
    assert.deepEqual(storedIn(s.events, r), [
      `member_joined:${u.name}`, 'message:m2 member', `member_left:${u.name}`,
      `member_joined:${u.name}`, 'message:m4 member again', `member_left:${u.name}`,
    ]);
    assert.ok(!readyOf(s).rooms.some((x: any) => x.name === r), 'not a member now');
    s.close();
  });

  it('removal from a private room: replay stops at the removal', async () => {
    const u = await newUser(server.url, 'hr');
    const r = await room(owner, 'private', [u]);
    const cursor = await cursorNow(u);
    await post(owner, r, 'before removal');
    await owner.api.del(`/api/v1/rooms/${r}/members/${u.name}`);
    await post(owner, r, 'after removal');
    await owner.api.patch(`/api/v1/rooms/${r}`, { topic: 'after removal' });
    const s = await openEvents(server.url, u.token, { lastEventId: cursor });
    await marker(owner, 'general', [s]);
    assert.deepEqual(storedIn(s.events, r), ['message:before removal', `member_left:${u.name}`]);
    s.close();
  });

  it('a room joined after the cursor is replayed from the join on, and then stays live', async () => {
    const u = await newUser(server.url, 'hj');
    const r = await room(owner, 'public');
    await post(owner, r, 'old');
    const cursor = await cursorNow(u);
    await post(owner, r, 'before join, after cursor');
    await u.api.post(`/api/v1/rooms/${r}/join`);
    await post(owner, r, 'after join');
    const s = await openEvents(server.url, u.token, { lastEventId: cursor });
    await post(owner, r, 'live');
    await marker(owner, r, [s]);
    assert.deepEqual(storedIn(s.events, r).slice(0, -1), [`member_joined:${u.name}`, 'message:after join', 'message:live']);
    s.close();
  });

  it('a room left after the cursor is replayed up to the leave, and is not live afterwards', async () => {
    const u = await newUser(server.url, 'hl');
    const r = await room(owner, 'public', [u]);
    const cursor = await cursorNow(u);
    await post(owner, r, 'while member');
    await u.api.post(`/api/v1/rooms/${r}/leave`);
    await post(owner, r, 'after leave');
    const s = await openEvents(server.url, u.token, { lastEventId: cursor });
    await post(owner, r, 'live after leave');
    await marker(owner, 'general', [s]);
    assert.deepEqual(storedIn(s.events, r), ['message:while member', `member_left:${u.name}`]);
    s.close();
  });

  it('membership changes that happen while the stream is still replaying are applied (join, post, leave during replay)', async () => {
    const u = await newUser(server.url, 'hp');
    const busy = await room(owner, 'private', [u]);
    const cursor = await cursorNow(u);
    for (let i = 0; i < 300; i++) await post(owner, busy, `backlog ${i}`);
    const r1 = await room(owner, 'public');
    const r2 = await room(owner, 'public', [u]);
    const opening = openEvents(server.url, u.token, { lastEventId: cursor });
    await Promise.all([u.api.post(`/api/v1/rooms/${r1}/join`), u.api.post(`/api/v1/rooms/${r2}/leave`)]);
    await Promise.all([post(owner, r1, 'r1 after join'), post(owner, r2, 'r2 after leave')]);
    const s = await opening;
    await marker(owner, 'general', [s]);
    assert.equal(texts(s, busy).length, 300);
    assert.deepEqual(storedIn(s.events, r1), [`member_joined:${u.name}`, 'message:r1 after join']);
    assert.deepEqual(storedIn(s.events, r2), [`member_joined:${u.name}`, `member_left:${u.name}`]);
    s.close();
  });
});
