/**
 * Who may read a file, and DELETE /uploads/:id (API v1.1 §3 Access and its Clarifications) against real
 * server processes, on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Api, newUser, room, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { attach, attachedUpload, getFile, png, upload } from '../helpers/uploads.ts';

/** The status of GET `path` for `u`. */
async function status(u: TestUser | Api, path: string): Promise<number> {
  return (await getFile('api' in u ? u.api : u, path)).status;
}

/** A room's whole history as `u` sees it. */
async function history(u: TestUser, name: string): Promise<any[]> {
  const r = await u.api.get(`/api/v1/rooms/${name}/messages?limit=200`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.messages;
}

describeEachStore('uploads: access and deleting', (server: StoreServer) => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  before(async () => {
    alice = await newUser(server.url, 'aa');
    bob = await newUser(server.url, 'ab');
    carol = await newUser(server.url, 'ac');
  });

  /** An upload of alice's (or `u`'s) attached to a new message in `name`; returns [upload, message]. */
  const attached = (name: string, u: TestUser = alice): Promise<[any, any]> => attachedUpload(u, name);

  // ---- access

  it('unattached: the uploader only; anyone else 404 not_found (thumbnail too)', async () => {
    const up = await upload(alice, await png(20, 10), 'mine.png');
    assert.equal(await status(alice, up.url), 200);
    assert.equal(await status(alice, up.thumbnail_url), 200);
    for (const path of [up.url, up.thumbnail_url]) {
      const r = await getFile(bob.api, path);
      assertError({ status: r.status, body: r.json, headers: r.headers }, 404, 'not_found');
    }
  });

  it('unauthenticated → 401 unauthenticated, for GET and HEAD, attached or not', async () => {
    const up = await upload(alice, 'secret', 's.txt');
    const anon = new Api(server.url);
    const r = await getFile(anon, up.url);
    assertError({ status: r.status, body: r.json, headers: r.headers }, 401, 'unauthenticated');
    assert.equal((await getFile(anon, up.url, {}, 'HEAD')).status, 401);
    const name = await room(alice, 'public');
    const [a] = await attached(name);
    assert.equal(await status(anon, a.url), 401);
    assert.equal(await status(anon, a.thumbnail_url), 401);
    assert.equal(await status(new Api(server.url, 'not-a-token'), a.url), 401);
  });

  it('attached in a public room: any signed-in user, member or not', async () => {
    const name = await room(alice, 'public');
    const [up] = await attached(name);
    const stranger = await newUser(server.url, 'as');
    for (const u of [alice, bob, stranger]) {
      assert.equal(await status(u, up.url), 200, u.name);
      assert.equal(await status(u, up.thumbnail_url), 200, u.name);
    }
  });

  it('attached in a private room: members only; a non-member 404', async () => {
    const name = await room(alice, 'private', [bob]);
    const [up] = await attached(name);
    assert.equal(await status(alice, up.url), 200);
    assert.equal(await status(bob, up.url), 200);
    assert.equal(await status(bob, up.thumbnail_url), 200);
    assert.equal(await status(carol, up.url), 404);
    assert.equal(await status(carol, up.thumbnail_url), 404);
  });

  it('attached in a DM: the two people only', async () => {
    const dm = (await alice.api.post(`/api/v1/dm/${bob.name}`)).body.room.name;
    const [up] = await attached(dm);
    assert.equal(await status(bob, up.url), 200);
    assert.equal(await status(carol, up.url), 404);
  });

  it('removed from the private room, or leaving it → 404 at once; added again → 200', async () => {
    const name = await room(alice, 'private', [bob, carol]);
    const [up] = await attached(name);
    assert.equal(await status(bob, up.url), 200);
    assert.equal(await status(carol, up.url), 200);
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/members/${bob.name}`)).status, 204);
    assert.equal(await status(bob, up.url), 404, 'removed');
    assert.equal(await status(bob, up.thumbnail_url), 404, 'removed: thumbnail');
    assert.equal((await carol.api.post(`/api/v1/rooms/${name}/leave`)).status, 204);
    assert.equal(await status(carol, up.url), 404, 'left');
    assert.equal((await alice.api.post(`/api/v1/rooms/${name}/members`, { username: bob.name })).status, 200);
    assert.equal(await status(bob, up.url), 200, 'added again');
  });

  it('even the uploader loses access with the room: removed from a private room → 404', async () => {
    const name = await room(carol, 'private', [alice]);
    const [up] = await attached(name, alice);
    assert.equal(await status(alice, up.url), 200);
    assert.equal((await carol.api.del(`/api/v1/rooms/${name}/members/${alice.name}`)).status, 204);
    assert.equal(await status(alice, up.url), 404);
  });

  it('a public room made private drops out for non-members at once', async () => {
    const name = await room(alice, 'public');
    const [up] = await attached(name);
    assert.equal(await status(carol, up.url), 200);
    assert.equal((await alice.api.patch(`/api/v1/rooms/${name}`, { visibility: 'private' })).status, 200);
    assert.equal(await status(carol, up.url), 404);
    assert.equal(await status(alice, up.url), 200);
  });

  it('deleting the message → 404 at once for everyone, the uploader too (file and thumbnail)', async () => {
    const name = await room(alice, 'public', [bob]);
    const [up, msg] = await attached(name);
    assert.equal(await status(bob, up.url), 200);
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${msg.id}`)).status, 204);
    for (const u of [alice, bob, carol]) {
      assert.equal(await status(u, up.url), 404, u.name);
      assert.equal(await status(u, up.thumbnail_url), 404, u.name);
      assert.equal((await getFile(u.api, up.url, {}, 'HEAD')).status, 404, `${u.name} HEAD`);
    }
  });

  it('a message deleted by the room owner: its files 404 for the uploader too', async () => {
    const name = await room(alice, 'public', [bob]);
    const [up, msg] = await attached(name, bob);
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${msg.id}`)).status, 204);
    assert.equal(await status(bob, up.url), 404);
  });

  // ---- DELETE /uploads/:id

  it('DELETE your own unattached upload → 204, then GET 404 and DELETE again 404', async () => {
    const up = await upload(alice, await png(10, 10), 'gone.png');
    const r = await alice.api.del(`/api/v1/uploads/${up.id}`);
    assert.equal(r.status, 204);
    assert.equal(await status(alice, up.url), 404);
    assert.equal(await status(alice, up.thumbnail_url), 404);
    assertError(await alice.api.del(`/api/v1/uploads/${up.id}`), 404, 'not_found');
  });

  it('DELETE someone else\'s upload → 404 not_found, and it stays', async () => {
    const up = await upload(alice, 'keep', 'keep.txt');
    assertError(await bob.api.del(`/api/v1/uploads/${up.id}`), 404, 'not_found');
    assert.equal(await status(alice, up.url), 200);
    assertError(await bob.api.del('/api/v1/uploads/nope-not-an-id'), 404, 'not_found');
  });

  it('DELETE an attached upload → 409 conflict; the file stays', async () => {
    const name = await room(alice, 'public');
    const [up] = await attached(name);
    assertError(await alice.api.del(`/api/v1/uploads/${up.id}`), 409, 'conflict');
    assert.equal(await status(alice, up.url), 200);
    assert.equal(await status(bob, up.url), 200);
  });

  it('a deleted upload cannot be attached (400 invalid_attachment)', async () => {
    const name = await room(alice, 'public');
    const up = await upload(alice, 'x', 'x.txt');
    assert.equal((await alice.api.del(`/api/v1/uploads/${up.id}`)).status, 204);
    assertError(await attach(alice, name, [up.id]), 400, 'invalid_attachment');
    assert.deepEqual(await history(alice, name), []);
  });
});
