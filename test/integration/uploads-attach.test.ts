/**
 * Attaching uploads to messages (API v1.1 §3 Attaching and the Clarifications) against real server
 * processes, on SQLite and on PostgreSQL: order, empty text, the limits on ids, nothing posted on a refusal,
 * client_id, events, history, search and the inbox, deletion, and PATCH.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Api, newUser, post, room, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { dataOf, openEvents } from '../helpers/sse.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { attach, attachedUpload, getFile, png, upload } from '../helpers/uploads.ts';
import { uniq } from '../helpers/wait.ts';

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

describeEachStore('uploads: attaching', (server: StoreServer) => {
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    alice = await newUser(server.url, 'aa');
    bob = await newUser(server.url, 'ab');
  });

  /** An upload of alice's (or `u`'s) attached to a new message in `name`; returns [upload, message]. */
  const attached = (name: string, u: TestUser = alice): Promise<[any, any]> => attachedUpload(u, name);

  it('201 with the attachments in the given order, as full upload objects; history carries them', async () => {
    const name = await room(alice, 'public');
    const ups = [await upload(alice, 'one', '1.txt'), await upload(alice, await png(64, 48), '2.png'), await upload(alice, 'three', '3.txt')];
    const order = [ups[2], ups[0], ups[1]];
    const r = await attach(alice, name, order.map((u) => u.id), 'look');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.message.attachments, order);
    assert.equal(r.body.message.text, 'look');
    const [h] = await history(bob, name);
    assert.deepEqual(h.attachments, order);
    assert.equal((await bob.api.get(`/api/v1/rooms/${name}/messages?after=0`)).body.messages[0].attachments.length, 3);
  });

  it('text may be empty with attachments, but not without (400 invalid_request)', async () => {
    const name = await room(alice, 'public');
    const up = await upload(alice, 'e', 'e.txt');
    const r = await attach(alice, name, [up.id], '');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.message.text, '');
    assertError(await alice.api.post(`/api/v1/rooms/${name}/messages`, { text: '' }), 400, 'invalid_request');
    assertError(await alice.api.post(`/api/v1/rooms/${name}/messages`, { text: '   ' }), 400, 'invalid_request');
    assert.equal((await history(alice, name)).length, 1);
  });

  it('"attachments": [] is the same as absent: text required, attachments [] in the message', async () => {
    const name = await room(alice, 'public');
    assertError(await attach(alice, name, [], ''), 400, 'invalid_request');
    const r = await attach(alice, name, [], 'plain');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.message.attachments, []);
    const plain = await post(alice, name, 'no field at all');
    assert.deepEqual(plain.attachments, []);
  });

  it('10 attachments are fine; 11 → 400 invalid_attachment and nothing posted', async () => {
    const name = await room(alice, 'public');
    const ups: any[] = [];
    for (let i = 0; i < 11; i++) ups.push(await upload(alice, `f${i}`, `f${i}.txt`));
    assertError(await attach(alice, name, ups.map((u) => u.id)), 400, 'invalid_attachment');
    assert.deepEqual(await history(alice, name), []);
    assert.equal(await status(bob, ups[0].url), 404, 'still unattached');
    const ten = ups.slice(1).reverse();
    const r = await attach(alice, name, ten.map((u) => u.id));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.message.attachments.map((a: any) => a.id), ten.map((u) => u.id));
  });

  it('a repeated id → 400 invalid_attachment and nothing posted', async () => {
    const name = await room(alice, 'public');
    const up = await upload(alice, 'dup', 'dup.txt');
    assertError(await attach(alice, name, [up.id, up.id], 'twice'), 400, 'invalid_attachment');
    assert.deepEqual(await history(alice, name), []);
    assert.equal(await status(bob, up.url), 404, 'still unattached');
  });

  it('another user\'s upload, an already attached one, an unknown id → 400 invalid_attachment, nothing posted, the good ones still free', async () => {
    const name = await room(alice, 'public', [bob]);
    const [taken] = await attached(name);
    const before = await history(alice, name);
    const mine = await upload(alice, 'mine', 'mine.txt');
    const bobs = await upload(bob, 'bobs', 'bobs.txt');
    for (const [what, bad] of [['someone else\'s', bobs.id], ['already attached', taken.id], ['unknown', 'AAAAAAAAAAAAAAAAAAAAAA'], ['not an id at all', '../x']]) {
      assertError(await attach(alice, name, [mine.id, bad], what), 400, 'invalid_attachment');
      assertError(await attach(alice, name, [bad], what), 400, 'invalid_attachment');
      assert.deepEqual(await history(alice, name), before, `${what}: nothing posted`);
    }
    assert.equal(await status(bob, mine.url), 404, 'mine was not attached by the failed posts');
    assert.equal(await status(bob, bobs.url), 200, 'bob still reads his own');
    assert.equal(await status(alice, bobs.url), 404, 'bob\'s stays unattached');
    const ok = await attach(alice, name, [mine.id]);
    assert.equal(ok.status, 201, 'mine is still attachable');
  });

  it('the upload of a deleted message cannot be attached again', async () => {
    const name = await room(alice, 'public');
    const [up, msg] = await attached(name);
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${msg.id}`)).status, 204);
    assertError(await attach(alice, name, [up.id], 'again'), 400, 'invalid_attachment');
  });

  it('a non-member posting attachments is refused as any post (403), the upload stays unattached', async () => {
    const name = await room(bob, 'public');
    const up = await upload(alice, 'x', 'x.txt');
    assertError(await attach(alice, name, [up.id], 'hi'), 403, 'forbidden');
    assert.equal(await status(bob, up.url), 404);
  });

  it('a repeated client_id returns the original message (200) before any attachment check', async () => {
    const name = await room(alice, 'public');
    const up = await upload(alice, 'once', 'once.txt');
    const clientId = uniq('cid');
    const first = await attach(alice, name, [up.id], '', { client_id: clientId });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const again = await attach(alice, name, [up.id], '', { client_id: clientId });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body.message, first.body.message);
    const other = await attach(alice, name, ['AAAAAAAAAAAAAAAAAAAAAA'], 'different', { client_id: clientId });
    assert.equal(other.status, 200, `even with other, invalid attachments: ${JSON.stringify(other.body)}`);
    assert.equal(other.body.message.id, first.body.message.id);
    assert.equal((await history(alice, name)).length, 1);
  });

  it('the live message event carries the attachments; deleting sends attachments [] and history shows []', async () => {
    const name = await room(alice, 'public', [bob]);
    const s = await openEvents(server.url, bob.token);
    try {
      const up = await upload(alice, await png(30, 30), 'live.png');
      const r = await attach(alice, name, [up.id], 'live');
      assert.equal(r.status, 201);
      await s.waitFor((ev) => dataOf(ev, 'message', name).length === 1, 'message event');
      const [ev] = dataOf(s.events, 'message', name);
      assert.deepEqual(ev.message.attachments, [up]);
      assert.deepEqual(ev.message, r.body.message);

      assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${r.body.message.id}`)).status, 204);
      await s.waitFor((e) => dataOf(e, 'message_updated', name).some((d) => d.message.deleted), 'deletion event');
      const del = dataOf(s.events, 'message_updated', name).find((d) => d.message.deleted);
      assert.deepEqual(del.message.attachments, []);
      const [h] = await history(bob, name);
      assert.equal(h.deleted, true);
      assert.deepEqual(h.attachments, []);
    } finally {
      s.close();
    }
  });

  it('PATCH may set text to "" when the message has attachments (200), not when it has none (400)', async () => {
    const name = await room(alice, 'public');
    const [, msg] = await attached(name);
    const withText = await attach(alice, name, [(await upload(alice, 'y', 'y.txt')).id], 'caption');
    const e1 = await alice.api.patch(`/api/v1/rooms/${name}/messages/${withText.body.message.id}`, { text: '' });
    assert.equal(e1.status, 200, JSON.stringify(e1.body));
    assert.equal(e1.body.message.text, '');
    assert.equal(e1.body.message.attachments.length, 1);
    const e2 = await alice.api.patch(`/api/v1/rooms/${name}/messages/${msg.id}`, { text: 'now with text' });
    assert.equal(e2.status, 200);
    const plain = await post(alice, name, 'plain');
    assertError(await alice.api.patch(`/api/v1/rooms/${name}/messages/${plain.id}`, { text: '' }), 400, 'invalid_request');
    const h = await history(alice, name);
    assert.deepEqual(h.map((m) => m.text), ['now with text', '', 'plain']);
  });

  it('PATCH with attachments ignores them (200, unchanged)', async () => {
    const name = await room(alice, 'public');
    const [up, msg] = await attached(name);
    const other = await upload(alice, 'other', 'other.txt');
    const r = await alice.api.patch(`/api/v1/rooms/${name}/messages/${msg.id}`, { text: 'edited', attachments: [other.id] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.message.attachments, [up]);
    const r2 = await alice.api.patch(`/api/v1/rooms/${name}/messages/${msg.id}`, { text: 'edited 2', attachments: [] });
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    assert.deepEqual(r2.body.message.attachments, [up]);
    const [h] = await history(alice, name);
    assert.deepEqual(h.attachments, [up]);
    assert.equal(h.text, 'edited 2');
    assert.equal(await status(bob, other.url), 404, 'the other upload stays unattached');
    assert.equal((await alice.api.del(`/api/v1/uploads/${other.id}`)).status, 204);
  });

  it('an invalid reply_to refuses the whole post: 400 invalid_reply_to and the upload stays unattached', async () => {
    const name = await room(alice, 'public');
    const up = await upload(alice, 'r', 'r.txt');
    assertError(await attach(alice, name, [up.id], 'reply', { reply_to: 'AAAAAAAAAAAAAAAAAAAAAA' }), 400, 'invalid_reply_to');
    assert.deepEqual(await history(alice, name), []);
    assert.equal(await status(bob, up.url), 404, 'still unattached');
    assert.equal((await attach(alice, name, [up.id], 'now')).status, 201);
  });

  it('two posts racing for one upload: exactly one gets it, the other 400 invalid_attachment and posts nothing', async () => {
    const name = await room(alice, 'public');
    for (let round = 0; round < 5; round++) {
      const up = await upload(alice, `race ${round}`, 'race.txt');
      const answers = await Promise.all([attach(alice, name, [up.id], 'a'), attach(alice, name, [up.id], 'b'), attach(alice, name, [up.id], 'c')]);
      const statuses = answers.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 400, 400], `round ${round}: ${answers.map((r) => JSON.stringify(r.body)).join(' ')}`);
      for (const r of answers) if (r.status === 400) assertError(r, 400, 'invalid_attachment');
    }
    const h = await history(alice, name);
    assert.equal(h.length, 5);
    for (const m of h) assert.equal(m.attachments.length, 1);
  });

  it('every message object carries its attachments: search results and the mentions inbox too', async () => {
    const name = await room(alice, 'public', [bob]);
    const tok = uniq('findme');
    const up = await upload(alice, await png(16, 16), 'found.png');
    const r = await attach(alice, name, [up.id], `@${bob.name} ${tok}`);
    assert.equal(r.status, 201);
    const s = await bob.api.get(`/api/v1/search?q=${tok}`);
    assert.equal(s.status, 200, JSON.stringify(s.body));
    assert.deepEqual(s.body.results[0].message.attachments, [up]);
    const m = await bob.api.get('/api/v1/mentions');
    assert.equal(m.status, 200, JSON.stringify(m.body));
    const found = m.body.mentions.find((x: any) => x.message.id === r.body.message.id);
    assert.ok(found, 'in the inbox');
    assert.deepEqual(found.message.attachments, [up]);
  });

  it('an edit\'s message_updated event keeps the attachments', async () => {
    const name = await room(alice, 'public', [bob]);
    const s = await openEvents(server.url, bob.token);
    try {
      const up = await upload(alice, 'ed', 'ed.txt');
      const r = await attach(alice, name, [up.id], 'before');
      assert.equal((await alice.api.patch(`/api/v1/rooms/${name}/messages/${r.body.message.id}`, { text: 'after' })).status, 200);
      await s.waitFor((ev) => dataOf(ev, 'message_updated', name).some((d) => d.message.text === 'after'), 'edit event');
      const ev = dataOf(s.events, 'message_updated', name).find((d) => d.message.text === 'after');
      assert.deepEqual(ev.message.attachments, [up]);
    } finally {
      s.close();
    }
  });
});
