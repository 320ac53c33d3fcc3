/**
 * The event stream, presence and typing: a user is online while a stream of
 * theirs is open, goes offline after a grace period (a quick reconnect does not
 * flap), and `presence` goes only to users who share a room with them; `typing`
 * goes to the room's other members. Neither carries an id.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newUser, room, type TestUser } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { closeStream, dataOf, marker, openEvents, type RawStream } from '../helpers/sse.ts';

const GRACE_MS = 1500;
const server = useServer({ NATTER_HEARTBEAT_MS: '60000', NATTER_PRESENCE_GRACE_MS: String(GRACE_MS) }, { failIfDied: true });

/** A user who shares no room with anyone else: they left `general`. */
async function loner(prefix: string): Promise<TestUser> {
  const u = await newUser(server.url, prefix);
  assert.equal((await u.api.post('/api/v1/rooms/general/leave')).status, 204);
  return u;
}

/** Presence events about `u` on stream `s`, as 'on'/'off'. */
const presenceOf = (s: RawStream, u: TestUser) => dataOf(s.events, 'presence').filter((d) => d.user.id === u.id).map((d) => (d.online ? 'on' : 'off'));

describe('presence', () => {
  it('online when a stream opens, offline after the grace period when it closes; to users sharing a room; no id', async () => {
    const watcher = await loner('pw');
    const subject = await loner('ps');
    const r = await room(watcher, 'private', [subject]);
    const w = await openEvents(server.url, watcher.token);
    const s = await openEvents(server.url, subject.token);
    await w.waitFor(() => presenceOf(w, subject).includes('on'), 'online');
    const ev = w.events.find((e) => e.event === 'presence')!;
    assert.equal(ev.hasId, false, 'presence has no id line');
    const d = JSON.parse(ev.data);
    assert.deepEqual(Object.keys(d).sort(), ['online', 'user']);
    assert.equal(d.user.id, subject.id);
    assert.equal(d.user.username, subject.name);
    assert.equal(d.online, true);
    const members = await watcher.api.get(`/api/v1/rooms/${r}/members`);
    assert.equal(members.body.members.find((m: any) => m.user.id === subject.id).online, true);
    const closedAt = Date.now();
    await closeStream(s);
    await w.waitFor(() => presenceOf(w, subject).includes('off'), 'offline', GRACE_MS + 10_000);
    assert.ok(Date.now() - closedAt >= GRACE_MS - 100, `offline only after the grace period (${Date.now() - closedAt} ms)`);
    assert.deepEqual(presenceOf(w, subject), ['on', 'off']);
    const after = await watcher.api.get(`/api/v1/rooms/${r}/members`);
    assert.equal(after.body.members.find((m: any) => m.user.id === subject.id).online, false);
    w.close();
  });

  it('a reconnect within the grace period does not flap; a second stream keeps the user online', async () => {
    const watcher = await loner('fw');
    const subject = await loner('fs');
    await room(watcher, 'private', [subject]);
    const w = await openEvents(server.url, watcher.token);
    const s1 = await openEvents(server.url, subject.token);
    await w.waitFor(() => presenceOf(w, subject).includes('on'), 'online');
    await closeStream(s1);
    const s2 = await openEvents(server.url, subject.token); // reconnect at once
    const s3 = await openEvents(server.url, subject.token); // and a second tab
    await closeStream(s2);
    // The last stream closes: now, and only now, offline follows. Anything from the earlier closes would come first.
    await closeStream(s3);
    await w.waitFor(() => presenceOf(w, subject).includes('off'), 'offline', GRACE_MS + 10_000);
    assert.deepEqual(presenceOf(w, subject), ['on', 'off'], 'exactly one online and one offline');
    w.close();
  });

  it('users who share no room with them get nothing; the user gets no presence about themselves', async () => {
    const stranger = await loner('st');
    const subject = await loner('su');
    const friend = await loner('fr');
    const r = await room(friend, 'private', [subject]);
    const x = await openEvents(server.url, stranger.token);
    const f = await openEvents(server.url, friend.token);
    const s = await openEvents(server.url, subject.token);
    await f.waitFor(() => presenceOf(f, subject).includes('on'), 'friend sees online');
    // A marker in a room the stranger is in (their own) bounds what they could have got.
    const own = await room(stranger, 'private');
    await marker(stranger, own, [x]);
    assert.deepEqual(presenceOf(x, subject), [], 'stranger got no presence');
    await marker(friend, r, [s]);
    assert.deepEqual(presenceOf(s, subject), [], 'no presence about oneself');
    for (const z of [x, f, s]) z.close();
  });

  it('everyone in general (every account) sees a new user come online', async () => {
    const a = await newUser(server.url, 'ga');
    const b = await newUser(server.url, 'gb');
    const sa = await openEvents(server.url, a.token);
    const sb = await openEvents(server.url, b.token);
    await sa.waitFor(() => presenceOf(sa, b).includes('on'), 'a sees b online');
    sa.close();
    sb.close();
  });
});

describe('typing', () => {
  it('goes to the room\'s other members (every stream), not to the typer (none of their streams), not to non-members; no id', async () => {
    const typer = await loner('ty');
    const other = await loner('to');
    const outsider = await loner('tx');
    const r = await room(typer, 'private', [other]);
    const own = await room(outsider, 'private');
    const t1 = await openEvents(server.url, typer.token);
    const t2 = await openEvents(server.url, typer.token);
    const o1 = await openEvents(server.url, other.token);
    const o2 = await openEvents(server.url, other.token);
    const x = await openEvents(server.url, outsider.token);
    assert.equal((await typer.api.post(`/api/v1/rooms/${r}/typing`)).status, 204);
    for (const o of [o1, o2]) await o.waitFor(() => dataOf(o.events, 'typing').length > 0, 'typing');
    const ev = o1.events.find((e) => e.event === 'typing')!;
    assert.equal(ev.hasId, false);
    assert.deepEqual(JSON.parse(ev.data), { room: r, user: { id: typer.id, username: typer.name } });
    await marker(typer, r, [t1, t2]);
    assert.equal(dataOf(t1.events, 'typing').length + dataOf(t2.events, 'typing').length, 0, 'the typer gets no typing of their own');
    await marker(outsider, own, [x]);
    assert.equal(dataOf(x.events, 'typing').length, 0, 'a non-member gets no typing');
    for (const z of [t1, t2, o1, o2, x]) z.close();
  });

  it('a non-member cannot send typing to a room: 403 for a public room, 404 for a private one', async () => {
    const owner = await loner('tn');
    const other = await loner('tm');
    const pub = await room(owner, 'public');
    const priv = await room(owner, 'private');
    assert.equal((await other.api.post(`/api/v1/rooms/${pub}/typing`)).status, 403);
    assert.equal((await other.api.post(`/api/v1/rooms/${priv}/typing`)).status, 404);
  });

  it('is not replayed on resume (not stored)', async () => {
    const typer = await loner('tr');
    const other = await loner('tq');
    const r = await room(typer, 'private', [other]);
    const cursor = (await other.api.get('/api/v1/rooms')).body.cursor;
    await typer.api.post(`/api/v1/rooms/${r}/typing`);
    const s = await openEvents(server.url, other.token, { lastEventId: cursor });
    await marker(typer, r, [s]);
    assert.equal(dataOf(s.events, 'typing').length, 0);
    s.close();
  });
});
