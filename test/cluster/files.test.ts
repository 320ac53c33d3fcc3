/**
 * Uploads and files in cluster mode (API v1.1 §3 and "Cluster mode: every addition works from any node"):
 * two Natter processes on one PostgreSQL database and a dedicated redis-server. A file uploaded on one node
 * is served, attached, read and deleted from the other; access changes take effect at once on both.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import sharp from 'sharp';
import { Api, newUser, room, type TestUser } from '../helpers/api.ts';
import { useTwoNodes } from '../helpers/cluster.ts';
import { assertError } from '../helpers/rest.ts';
import { dataOf, openEvents } from '../helpers/sse.ts';
import { assertFileHeaders, attach, fileError, getFile, png, upload } from '../helpers/uploads.ts';
import { waitFor } from '../helpers/wait.ts';

/** Whether any bytes of file `key` are still in the database at `url` (white-box: storage/postgres/files.ts). */
async function bytesIn(url: string, key: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query('SELECT (SELECT count(*) FROM files WHERE key = $1) + (SELECT count(*) FROM file_chunks WHERE key = $1) AS n', [key]);
    return Number(r.rows[0].n) > 0;
  } finally {
    await c.end();
  }
}

describe('files across two nodes (PostgreSQL + Redis)', () => {
  const nodes = useTwoNodes({ NATTER_MAX_UPLOAD: String(2 * 1024 * 1024) });

  /** The same user's client on node B. */
  const onB = (u: TestUser): Api => new Api(nodes.b.url, u.token);
  /** The same user's client on node A. */
  const onA = (u: TestUser): Api => new Api(nodes.a.url, u.token);
  const bytesInDb = (key: string): Promise<boolean> => bytesIn(nodes.db.url, key);

  it('uploaded on A, served on B: the same bytes, headers and ranges (across 256 KiB chunks)', async () => {
    const alice = await newUser(nodes.a.url, 'fa');
    const bytes = randomBytes(700_000);
    const up = await upload(alice, bytes, 'big.bin');
    const f = await getFile(onB(alice), up.url);
    assert.equal(f.status, 200);
    assert.ok(f.bytes.equals(bytes), 'identical bytes from the other node');
    assertFileHeaders(f.headers, 'application/octet-stream');
    assert.equal(f.headers.get('etag'), (await getFile(alice.api, up.url)).headers.get('etag'), 'one ETag on both nodes');
    const r = await getFile(onB(alice), up.url, { range: 'bytes=262000-524500' });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-range'), 'bytes 262000-524500/700000');
    assert.ok(r.bytes.equals(bytes.subarray(262_000, 524_501)));
    const h = await getFile(onB(alice), up.url, {}, 'HEAD');
    assert.equal(h.headers.get('content-length'), '700000');
  });

  it('a thumbnail made on A is served on B', async () => {
    const alice = await newUser(nodes.a.url, 'fa');
    const up = await upload(alice, await png(1600, 900), 'wide.png');
    const t = await getFile(onB(alice), up.thumbnail_url);
    assert.equal(t.status, 200);
    assertFileHeaders(t.headers, 'image/webp');
    const m = await sharp(t.bytes).metadata();
    assert.deepEqual([m.format, m.width, m.height], ['webp', 1200, 675]);
  });

  it('unattached on A: another user gets 404 on B; the uploader deletes it on B → 404 on A at once', async () => {
    const alice = await newUser(nodes.a.url, 'fa');
    const bob = await newUser(nodes.b.url, 'fb');
    const up = await upload(alice, 'mine', 'mine.txt');
    assertError(fileError(await getFile(bob.api, up.url)), 404, 'not_found');
    assert.equal((await onB(alice).del(`/api/v1/uploads/${up.id}`)).status, 204);
    assertError(fileError(await getFile(alice.api, up.url)), 404, 'not_found');
    await waitFor(async () => !(await bytesInDb(up.id)), 'the deleted upload\'s bytes gone from the database');
  });

  it('uploaded on A, attached on B: read on A and B by a member; the live event on A carries it; 409 on A for DELETE', async () => {
    const alice = await newUser(nodes.a.url, 'fa');
    const bob = await newUser(nodes.b.url, 'fb');
    const name = await room(alice, 'private', [bob]);
    const stream = await openEvents(nodes.a.url, bob.token);
    try {
      const up = await upload(alice, await png(64, 32), 'pic.png');
      const r = await attach({ ...alice, api: onB(alice) }, name, [up.id], 'from B');
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.deepEqual(r.body.message.attachments, [up]);
      await stream.waitFor((ev) => dataOf(ev, 'message', name).length > 0, 'the message on A');
      assert.deepEqual(dataOf(stream.events, 'message', name)[0].message.attachments, [up]);
      const h = await bob.api.get(`/api/v1/rooms/${name}/messages`);
      assert.deepEqual(h.body.messages[0].attachments, [up]);
      for (const api of [alice.api, onB(alice), bob.api, onA(bob)]) {
        assert.equal((await getFile(api, up.url)).status, 200);
        assert.equal((await getFile(api, up.thumbnail_url)).status, 200);
      }
      const stranger = await newUser(nodes.a.url, 'fs');
      assert.equal((await getFile(stranger.api, up.url)).status, 404);
      assertError(await alice.api.del(`/api/v1/uploads/${up.id}`), 409, 'conflict');
    } finally {
      stream.close();
    }
  });

  it('attached on A; the message deleted on B → 404 on A at once, for everyone; bytes leave the database', async () => {
    const alice = await newUser(nodes.a.url, 'fa');
    const bob = await newUser(nodes.b.url, 'fb');
    const name = await room(alice, 'public', [bob]);
    const up = await upload(alice, await png(40, 40), 'doomed.png');
    const r = await attach(alice, name, [up.id], 'soon gone');
    assert.equal(r.status, 201);
    assert.equal((await getFile(onA(bob), up.url)).status, 200, 'readable on A before');
    assert.equal((await onB(alice).del(`/api/v1/rooms/${name}/messages/${r.body.message.id}`)).status, 204);
    for (const api of [alice.api, onA(bob)]) {
      assertError(fileError(await getFile(api, up.url)), 404, 'not_found');
      assert.equal((await getFile(api, up.thumbnail_url)).status, 404);
    }
    await waitFor(async () => !(await bytesInDb(up.id)) && !(await bytesInDb(`${up.id}-t`)), 'the bytes and thumbnail gone from the database');
  });

  it('a member removed on B loses the file on A at once', async () => {
    const alice = await newUser(nodes.a.url, 'fa');
    const bob = await newUser(nodes.b.url, 'fb');
    const name = await room(alice, 'private', [bob]);
    const up = await upload(alice, 'members only', 'm.txt');
    assert.equal((await attach(alice, name, [up.id])).status, 201);
    assert.equal((await getFile(onA(bob), up.url)).status, 200);
    assert.equal((await onB(alice).del(`/api/v1/rooms/${name}/members/${bob.name}`)).status, 204);
    assert.equal((await getFile(onA(bob), up.url)).status, 404);
  });

  it('one upload attached from both nodes at once: exactly one message gets it', async () => {
    const alice = await newUser(nodes.a.url, 'fa');
    const name = await room(alice, 'public');
    for (let round = 0; round < 5; round++) {
      const up = await upload(alice, `race ${round}`, 'race.txt');
      const answers = await Promise.all([
        attach(alice, name, [up.id], 'on A'),
        attach({ ...alice, api: onB(alice) }, name, [up.id], 'on B'),
      ]);
      assert.deepEqual(answers.map((x) => x.status).sort(), [201, 400], answers.map((x) => JSON.stringify(x.body)).join(' '));
    }
    const h = await alice.api.get(`/api/v1/rooms/${name}/messages`);
    assert.equal(h.body.messages.length, 5);
  });
});

describe('upload expiry across two nodes (NATTER_UPLOAD_TTL_MS=1000)', () => {
  const nodes = useTwoNodes({ NATTER_UPLOAD_TTL_MS: '1000' });

  it('uploaded on A, expired on B too: 404 and not attachable on either node; bytes deleted', async () => {
    const alice = await newUser(nodes.a.url, 'xa');
    const name = await room(alice, 'public');
    const up = await upload(alice, await png(20, 20), 'x.png');
    assert.ok(await bytesIn(nodes.db.url, up.id));
    const viaB = new Api(nodes.b.url, alice.token);
    await waitFor(async () => (await getFile(viaB, up.url)).status === 404, 'expired on B');
    assert.equal((await getFile(alice.api, up.url)).status, 404, 'expired on A');
    assertError(await viaB.post(`/api/v1/rooms/${name}/messages`, { text: '', attachments: [up.id] }), 400, 'invalid_attachment');
    assertError(await alice.api.post(`/api/v1/rooms/${name}/messages`, { text: '', attachments: [up.id] }), 400, 'invalid_attachment');
    await waitFor(async () => !(await bytesIn(nodes.db.url, up.id)) && !(await bytesIn(nodes.db.url, `${up.id}-t`)), 'expired bytes and thumbnail gone from the database');
  });
});
