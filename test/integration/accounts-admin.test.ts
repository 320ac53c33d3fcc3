/**
 * Accounts and administration (API v1.1 §5) against real server processes on SQLite and PostgreSQL: the
 * first-admin rule, admin rights (users, rooms, private rooms without reading them), last_admin, deactivation
 * (streams end, sign-in refused, push subscriptions gone), password change, profiles and `user_updated`.
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { before, it } from 'node:test';
import { Api, newUser, PASSWORD, post, room, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { openEvents } from '../helpers/sse.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { png, upload } from '../helpers/uploads.ts';
import { waitFor } from '../helpers/wait.ts';

const subscription = () => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { endpoint: `https://push.example.net/${randomBytes(6).toString('hex')}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };
};

const login = (url: string, username: string, password = PASSWORD) => new Api(url).post('/api/v1/auth/login', { username, password });

describeEachStore('accounts and administration', (server: StoreServer) => {
  let admin: TestUser;
  let bob: TestUser;

  before(async () => {
    admin = await newUser(server.url, 'ad');
    bob = await newUser(server.url, 'ab');
  });

  it('the first account to register is the admin; later ones are members; guests are guests', async () => {
    assert.equal((await admin.api.get('/api/v1/users/me')).body.user.role, 'admin');
    const me = (await bob.api.get('/api/v1/users/me')).body.user;
    assert.equal(me.role, 'member');
    assert.equal(me.active, true);
    assert.equal(me.kind, 'user');
    const g = await new Api(server.url).post('/api/v1/auth/guest', { username: `gu${randomBytes(3).toString('hex')}` });
    assert.equal(g.body.user.role, 'guest');
  });

  it('admin routes: 403 for members; users with private fields, by prefix, paged; every room', async () => {
    assertError(await bob.api.get('/api/v1/admin/users'), 403, 'forbidden');
    assertError(await bob.api.post('/api/v1/invites', {}), 403, 'forbidden');
    const all = await admin.api.get('/api/v1/admin/users?limit=1');
    assert.equal(all.status, 200);
    assert.equal(all.body.users.length, 1);
    assert.ok('email' in all.body.users[0]);
    assert.equal(typeof all.body.next, 'string');
    const next = await admin.api.get(`/api/v1/admin/users?limit=1&cursor=${all.body.next}`);
    assert.notEqual(next.body.users[0].id, all.body.users[0].id);
    assertError(await admin.api.get('/api/v1/admin/users?cursor=%25%25'), 400, 'invalid_cursor');
    const byPrefix = await admin.api.get(`/api/v1/admin/users?q=${bob.name.toUpperCase()}`);
    assert.deepEqual(byPrefix.body.users.map((u: any) => u.username), [bob.name]);
    const hidden = await room(bob, 'private');
    const rooms = (await admin.api.get('/api/v1/admin/rooms')).body.rooms.map((r: any) => r.name);
    assert.ok(rooms.includes(hidden) && rooms.includes('general'));
  });

  it('admins have the owner\'s rights in a private room without reading it', async () => {
    const carol = await newUser(server.url, 'ac');
    const name = await room(bob, 'private', [carol]);
    const m = await post(carol, name, 'moderate me');
    assert.equal((await admin.api.patch(`/api/v1/rooms/${name}`, { topic: 'set by an admin' })).status, 200);
    assert.equal((await admin.api.del(`/api/v1/rooms/${name}/messages/${m.id}`)).status, 204);
    // Managing members needs to see them: the plain and the paged list (a non-member who is no admin gets 404).
    const members = (b: { members: { user: { username: string } }[] }) => b.members.map((x) => x.user.username).sort();
    assert.deepEqual(members((await admin.api.get(`/api/v1/rooms/${name}/members`)).body), [bob.name, carol.name].sort());
    assert.deepEqual(members((await admin.api.get(`/api/v1/rooms/${name}/members?limit=10`)).body), [bob.name, carol.name].sort());
    assert.equal((await admin.api.del(`/api/v1/rooms/${name}/members/${carol.name}`)).status, 204);
    assertError(await carol.api.get(`/api/v1/rooms/${name}/members`), 404, 'not_found');
    const history = await admin.api.get(`/api/v1/rooms/${name}/messages`);
    assert.ok(history.status === 403 || history.status === 404, `reading needs membership: ${history.status}`);
    assertError(await carol.api.patch(`/api/v1/rooms/${name}`, { topic: 'nope' }), 404, 'not_found');
  });

  it('roles: promote and demote; last_admin; a guest\'s role cannot change', async () => {
    const dave = await newUser(server.url, 'dv');
    const up = await admin.api.patch(`/api/v1/admin/users/${dave.name}`, { role: 'admin' });
    assert.equal(up.status, 200);
    assert.equal(up.body.user.role, 'admin');
    assert.equal((await dave.api.patch(`/api/v1/admin/users/${dave.name}`, { role: 'member' })).status, 200, 'another admin remains');
    assertError(await admin.api.patch(`/api/v1/admin/users/${admin.name}`, { role: 'member' }), 409, 'last_admin');
    assertError(await admin.api.patch(`/api/v1/admin/users/${admin.name}`, { active: false }), 409, 'last_admin');
    const g = await new Api(server.url).post('/api/v1/auth/guest', { username: `gr${randomBytes(3).toString('hex')}` });
    assertError(await admin.api.patch(`/api/v1/admin/users/${g.body.user.username}`, { role: 'member' }), 400, 'invalid_request');
    assertError(await admin.api.patch('/api/v1/admin/users/nobody-here', { active: false }), 404, 'not_found');
  });

  it('deactivation: streams end, the token is refused, sign-in says account_deactivated, push subscriptions go; reactivation', async () => {
    const eve = await newUser(server.url, 'ev');
    assert.equal((await eve.api.post('/api/v1/push/subscriptions', subscription())).status, 201);
    const stream = await openEvents(server.url, eve.token);
    const off = await admin.api.patch(`/api/v1/admin/users/${eve.name}`, { active: false });
    assert.equal(off.status, 200);
    assert.equal(off.body.user.active, false);
    await waitFor(() => stream.closed, 'the stream ended within a second', 1000);
    assertError(await eve.api.get('/api/v1/me'), 401, 'unauthenticated');
    assertError(await login(server.url, eve.name), 403, 'account_deactivated');
    assertError(await login(server.url, eve.name, 'wrong password!'), 401, 'invalid_credentials');
    assert.equal((await bob.api.get(`/api/v1/users/${eve.name}`)).body.user.active, false, 'still listed, as deactivated');
    assert.equal((await admin.api.patch(`/api/v1/admin/users/${eve.name}`, { active: true })).status, 200);
    const back = await login(server.url, eve.name);
    assert.equal(back.status, 200);
    assert.deepEqual((await new Api(server.url, back.body.token).get('/api/v1/push/subscriptions')).body.subscriptions, [], 'subscriptions were deleted');
  });

  it('password change: other sessions and their streams end; wrong current password 403; guests 403', async () => {
    const fay = await newUser(server.url, 'pf');
    const other = (await login(server.url, fay.name)).body.token;
    const stream = await openEvents(server.url, other);
    assertError(await fay.api.post('/api/v1/auth/password', { current_password: 'not it at all', new_password: 'a new password' }), 403, 'wrong_password');
    assert.equal((await fay.api.post('/api/v1/auth/password', { current_password: PASSWORD, new_password: 'a new password' })).status, 204);
    await waitFor(() => stream.closed, 'the stream ended within a second', 1000);
    assertError(await new Api(server.url, other).get('/api/v1/me'), 401, 'unauthenticated');
    assert.equal((await fay.api.get('/api/v1/me')).status, 200, 'this session stays');
    assert.equal((await login(server.url, fay.name, 'a new password')).status, 200);
    assertError(await login(server.url, fay.name), 401, 'invalid_credentials');
    const g = await new Api(server.url).post('/api/v1/auth/guest', { username: `gp${randomBytes(3).toString('hex')}` });
    assertError(await new Api(server.url, g.body.token).post('/api/v1/auth/password', { new_password: 'a new password' }), 403, 'forbidden');
  });

  it('profile: display name and avatar, user_updated on every stream (and on resume), GET /users/:username, bad input', async () => {
    const gil = await newUser(server.url, 'gl');
    const watcher = await openEvents(server.url, bob.token);
    const named = await gil.api.patch('/api/v1/users/me', { display_name: 'Gil Ström' });
    assert.equal(named.status, 200);
    assert.equal(named.body.user.display_name, 'Gil Ström');
    await watcher.waitFor((ev) => ev.some((e) => e.event === 'user_updated' && JSON.parse(e.data).user.display_name === 'Gil Ström'), 'user_updated');
    const cursor = watcher.events.find((e) => e.event === 'user_updated')!.id!;
    watcher.close();
    const img = await upload(gil, await png(64, 64), 'me.png', 'image/png');
    const withAvatar = await gil.api.patch('/api/v1/users/me', { avatar: img.id });
    assert.equal(withAvatar.status, 200, JSON.stringify(withAvatar.body));
    assert.equal(withAvatar.body.user.avatar_url, `/api/v1/files/${img.id}/thumbnail`);
    assert.equal((await bob.api.get(`/api/v1/files/${img.id}/thumbnail`)).status, 200, 'anyone signed in sees an avatar');
    const second = await upload(gil, await png(32, 32), 'me2.png', 'image/png');
    assert.equal((await gil.api.patch('/api/v1/users/me', { avatar: second.id })).status, 200);
    assert.equal((await bob.api.get(`/api/v1/files/${img.id}/thumbnail`)).status, 404, 'a replaced avatar is gone at once');
    const resumed = await openEvents(server.url, bob.token, { lastEventId: cursor });
    await resumed.waitFor((ev) => ev.some((e) => e.event === 'user_updated' && JSON.parse(e.data).user.avatar_url?.includes(second.id)), 'user_updated replayed');
    resumed.close();
    const text = await upload(gil, 'plain text', 'a.txt', 'text/plain');
    assertError(await gil.api.patch('/api/v1/users/me', { avatar: text.id }), 400, 'invalid_avatar');
    const bobs = await upload(bob, await png(8, 8), 'b.png', 'image/png');
    assertError(await gil.api.patch('/api/v1/users/me', { avatar: bobs.id }), 400, 'invalid_avatar');
    assertError(await gil.api.patch('/api/v1/users/me', { display_name: 'x'.repeat(65) }), 400, 'invalid_request');
    assertError(await gil.api.patch('/api/v1/users/me', { display_name: 'kept?', email: 'not an address' }), 400, 'invalid_request');
    assert.equal((await bob.api.get(`/api/v1/users/${gil.name}`)).body.user.display_name, 'Gil Ström', 'a rejected PATCH changes nothing');
    assert.equal((await bob.api.get(`/api/v1/users/${gil.name}`)).body.user.email, undefined, 'public fields only');
    assertError(await bob.api.get('/api/v1/users/no-such-user'), 404, 'not_found');
  });

  it('a restart keeps the roles: an admin exists, so nobody else is promoted', async () => {
    await server.restart();
    assert.equal((await admin.api.get('/api/v1/users/me')).body.user.role, 'admin');
    assert.equal((await bob.api.get('/api/v1/users/me')).body.user.role, 'member');
  });
});
