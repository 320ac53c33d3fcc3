/**
 * Outgoing webhooks (API v1.1 §6, issue 15) against real server processes on SQLite and PostgreSQL, delivering
 * to a local receiver on 127.0.0.1 (test/helpers/webhook-receiver.ts) that checks each Standard Webhooks
 * signature with its own HMAC code: events in log order with the stream's ids, retries of the same event until
 * it is acknowledged, a receiver that was down gets the whole backlog, a restart loses nothing, the creator's
 * membership bounds a private room's feed, bots' messages only when asked, pause and resume.
 *
 * "Not delivered" is never waited out: a second hook on the same room is the marker that a round has passed.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Api, newUser, post, room, type TestUser } from '../helpers/api.ts';
import { openEvents } from '../helpers/sse.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { uniq, waitFor } from '../helpers/wait.ts';
import { startReceiver, verifies, type Receiver } from '../helpers/webhook-receiver.ts';

const ENV = { NATTER_FETCH_ALLOW: '127.0.0.1', NATTER_HOOK_RETRY_MS: '100', NATTER_HOOK_LEASE_MS: '3000' };
const ALL = ['message', 'message_updated', 'member_joined', 'member_left', 'room_updated'];

let receiver: Receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());

interface Hook { id: string; secret: string; path: string }

async function outgoing(creator: TestUser, roomName: string, events = ['message'], extra: Record<string, unknown> = {}, to = receiver): Promise<Hook> {
  const path = `/h/${uniq('p')}`;
  const r = await creator.api.post(`/api/v1/rooms/${roomName}/hooks`, { kind: 'outgoing', url: to.url + path, events, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.hook.id, secret: r.body.hook.secret, path };
}

const status = async (u: TestUser, roomName: string, h: Hook): Promise<any> => (await u.api.get(`/api/v1/rooms/${roomName}/hooks/${h.id}`)).body.hook;
/** Ids acknowledged on a hook's path, first occurrences only, in arrival order. */
const firsts = (ids: string[]): string[] => [...new Set(ids)];
/** The message ids of the message events acknowledged on a path, in arrival order. */
const messageIds = (path: string, rec = receiver): string[] =>
  firsts(rec.acked(path)).map((id) => rec.all(path).find((d) => d.id === id)!).filter((d) => d.event.type === 'message').map((d) => d.event.data.message.id);
const position = (id: string): number => Number(id.split('-')[0]);

describeEachStore('outgoing webhooks', (server: StoreServer) => {
  let admin: TestUser;
  before(async () => {
    admin = await newUser(server.url, 'adm');
  });

  it('every listed event, in log order, signed, with the id and data its stream carries; the status follows', async () => {
    const owner = await newUser(server.url, 'wo');
    const joiner = await newUser(server.url, 'wj');
    const name = await room(owner, 'public');
    const stream = await openEvents(server.url, owner.token);
    const hook = await outgoing(owner, name, ALL);
    const m1 = await post(owner, name, 'first');
    await owner.api.patch(`/api/v1/rooms/${name}/messages/${m1.id}`, { text: 'first, edited' });
    await joiner.api.post(`/api/v1/rooms/${name}/join`);
    await owner.api.patch(`/api/v1/rooms/${name}`, { topic: 'hooked' });
    await joiner.api.post(`/api/v1/rooms/${name}/leave`);
    const last = await post(owner, name, 'last');
    await receiver.waitFor(() => messageIds(hook.path).includes(last.id), 'the last message delivered');
    const inStream = stream.events.filter((e) => e.hasId && e.event !== 'ready' && JSON.stringify(JSON.parse(e.data)).includes(name));
    const got = receiver.all(hook.path);
    assert.deepEqual(got.map((d) => d.id), inStream.map((e) => e.id), 'webhook-id = the stream event id, in log order, each once');
    assert.deepEqual(got.map((d) => d.event.type), ['message', 'message_updated', 'member_joined', 'room_updated', 'member_left', 'message']);
    for (const [i, d] of got.entries()) {
      assert.ok(verifies(d, hook.secret), `signature of ${d.id}`);
      assert.equal(d.event.id, d.id);
      assert.equal(d.hookId, hook.id);
      assert.deepEqual(d.event.data, JSON.parse(inStream[i]!.data), 'data as the stream carries it');
      assert.ok(Math.abs(d.timestamp * 1000 - d.at) < 5000, 'a fresh timestamp');
    }
    assert.ok(!verifies(got[0]!, `whsec_${Buffer.alloc(32, 1).toString('base64')}`), 'another secret does not verify');
    const s = await status(owner, name, hook);
    assert.equal(s.cursor, got.at(-1)!.id);
    assert.equal(s.backlog, 0);
    assert.deepEqual({ ...s.last_delivery, at: undefined }, { at: undefined, event_id: got.at(-1)!.id, status: 200, error: null });
    assert.equal(s.next_attempt_at, null);
    assert.equal(s.active, true);
    stream.close();
  });

  it('a receiver failing the first attempts gets the same event again, freshly signed, then the rest, none skipped', async () => {
    const owner = await newUser(server.url, 'wf');
    const name = await room(owner, 'public');
    const hook = await outgoing(owner, name);
    let failing = true;
    receiver.answer((d) => (d.path === hook.path && failing ? 500 : 200));
    const posted = [await post(owner, name, 'a'), await post(owner, name, 'b'), await post(owner, name, 'c')];
    await receiver.waitFor(() => receiver.all(hook.path).length >= 3, 'three failed attempts');
    const failed = await status(owner, name, hook);
    assert.equal(failed.cursor, null);
    assert.equal(failed.backlog, 3);
    assert.equal(failed.last_delivery.status, 500);
    assert.equal(failed.last_delivery.error, 'HTTP 500');
    assert.ok(failed.next_attempt_at, 'a next attempt is due');
    const attempts = receiver.all(hook.path);
    assert.equal(new Set(attempts.map((d) => d.id)).size, 1, 'only the first event is tried while it fails');
    failing = false;
    await receiver.waitFor(() => messageIds(hook.path).length === 3, 'all three acknowledged');
    receiver.answer(() => 200);
    assert.deepEqual(messageIds(hook.path), posted.map((m) => m.id));
    const tries = receiver.all(hook.path).filter((d) => d.id === attempts[0]!.id);
    assert.ok(tries.every((d) => verifies(d, hook.secret)));
    assert.ok(new Set(tries.map((d) => d.body)).size === 1, 'the same event');
    assert.equal((await status(owner, name, hook)).backlog, 0);
  });

  it('a receiver that was down gets the whole backlog, in order, when it returns', async () => {
    const own = await startReceiver();
    try {
      const owner = await newUser(server.url, 'wd');
      const name = await room(owner, 'public');
      const hook = await outgoing(owner, name, ['message'], {}, own);
      await own.down();
      const posted: string[] = [];
      for (let i = 0; i < 30; i++) posted.push((await post(owner, name, `down ${i}`)).id);
      await waitFor(async () => (await status(owner, name, hook)).last_delivery?.error, 'a refused delivery recorded');
      const s = await status(owner, name, hook);
      assert.equal(s.last_delivery.status, null);
      assert.equal(s.backlog, 30);
      await own.up();
      await own.waitFor(() => messageIds(hook.path, own).length === 30, 'the whole backlog');
      assert.deepEqual(messageIds(hook.path, own), posted);
      const ids = own.acked(hook.path);
      assert.deepEqual(ids, [...ids].sort((x, y) => position(x) - position(y)), 'acknowledged in log order');
    } finally {
      await own.close();
    }
  });

  it('a restart loses nothing: the backlog is delivered from the stored cursor', async () => {
    const owner = await newUser(server.url, 'wr');
    const name = await room(owner, 'public');
    const hook = await outgoing(owner, name);
    const before = await post(owner, name, 'before');
    await receiver.waitFor(() => messageIds(hook.path).includes(before.id), 'the first message');
    receiver.answer((d) => (d.path === hook.path ? 503 : 200));
    const held = [await post(owner, name, 'held 1'), await post(owner, name, 'held 2')];
    await receiver.waitFor(() => receiver.all(hook.path).some((d) => d.status === 503), 'a failed attempt');
    await server.restart();
    receiver.answer(() => 200);
    const afterRestart = await post(owner, name, 'after');
    await receiver.waitFor(() => messageIds(hook.path).includes(afterRestart.id), 'delivery after the restart', 30_000);
    assert.deepEqual(messageIds(hook.path), [before.id, ...held.map((m) => m.id), afterRestart.id]);
  });

  it("a private room's events only while the creator is a member; bots' messages only when asked", async () => {
    const owner = await newUser(server.url, 'wp');
    const name = await room(owner, 'private', [admin]);
    const byAdmin = await outgoing(admin, name, ['message', 'member_left', 'member_joined']);
    const marker = await outgoing(owner, name);
    const botR = await owner.api.post('/api/v1/bots', { username: uniq('wb') });
    const bot = new Api(server.url, botR.body.token);
    await owner.api.post(`/api/v1/rooms/${name}/members`, { username: botR.body.user.username });
    const withBots = await outgoing(owner, name, ['message'], { include_bots: true });
    const seen1 = await post(owner, name, 'admin is in');
    const fromBot = (await bot.post(`/api/v1/rooms/${name}/messages`, { text: 'beep' })).body.message;
    assert.equal((await admin.api.post(`/api/v1/rooms/${name}/leave`)).status, 204);
    const unseen = await post(owner, name, 'admin is out');
    await owner.api.post(`/api/v1/rooms/${name}/members`, { username: admin.name });
    const seen2 = await post(owner, name, 'admin is back');
    await receiver.waitFor(() => messageIds(marker.path).includes(seen2.id) && messageIds(byAdmin.path).includes(seen2.id)
      && messageIds(withBots.path).includes(seen2.id), 'the last message on every hook');
    assert.deepEqual(messageIds(byAdmin.path), [seen1.id, seen2.id], 'nothing from while the creator was out, no bot');
    assert.deepEqual(receiver.all(byAdmin.path).map((d) => [d.event.type, d.event.data.user?.username ?? null]),
      [['member_joined', botR.body.user.username], ['message', null], ['member_left', admin.name], ['member_joined', admin.name], ['message', null]]);
    assert.deepEqual(messageIds(marker.path), [seen1.id, unseen.id, seen2.id], 'without bots');
    assert.deepEqual(messageIds(withBots.path), [seen1.id, fromBot.id, unseen.id, seen2.id], 'include_bots');
  });

  it('paused: nothing is sent and the backlog grows; resumed: all of it, in order; deleted: nothing more', async () => {
    const owner = await newUser(server.url, 'wz');
    const name = await room(owner, 'public');
    const paused = await outgoing(owner, name);
    const marker = await outgoing(owner, name);
    const r = await owner.api.patch(`/api/v1/rooms/${name}/hooks/${paused.id}`, { active: false });
    assert.equal(r.body.hook.active, false);
    const posted = [await post(owner, name, 'p1'), await post(owner, name, 'p2')];
    await receiver.waitFor(() => messageIds(marker.path).length === 2, 'the marker hook got both');
    assert.equal(receiver.all(paused.path).length, 0);
    assert.equal((await status(owner, name, paused)).backlog, 2);
    await owner.api.patch(`/api/v1/rooms/${name}/hooks/${paused.id}`, { active: true });
    await receiver.waitFor(() => messageIds(paused.path).length === 2, 'the paused hook, resumed');
    assert.deepEqual(messageIds(paused.path), posted.map((m) => m.id));
    assert.equal((await owner.api.del(`/api/v1/rooms/${name}/hooks/${paused.id}`)).status, 204);
    const later = await post(owner, name, 'after delete');
    await receiver.waitFor(() => messageIds(marker.path).includes(later.id), 'the marker got the later one');
    assert.equal(messageIds(paused.path).length, 2);
  });
}, ENV);
