/**
 * Web Push delivery (API v1.1 §4, issue 13) against real server processes on SQLite and PostgreSQL, sending to a
 * local push service (test/helpers/push-service.ts) that checks the VAPID signature and decrypts every payload
 * (RFC 8291) with the subscription's own keys.
 *
 * "Nothing was pushed" is never waited out: the worker decides in log order, so a later message that is
 * pushed (a marker) proves every earlier one was decided.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { dm, newUser, post, room, subscribedUser, type TestUser } from '../helpers/api.ts';
import { startPushService, type Delivery, type PushService } from '../helpers/push-service.ts';
import { openEvents, openRaw, readyOf, untilReady } from '../helpers/sse.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { waitFor } from '../helpers/wait.ts';

const DELAY_MS = 1000;
const ENV = { NATTER_FETCH_ALLOW: '127.0.0.1', NATTER_PUSH_DELAY_MS: String(DELAY_MS), NATTER_PUSH_CLAIM_MS: '2000' };

let service: PushService;
before(async () => {
  service = await startPushService();
});
after(() => service.close());

const subscribed = (url: string, prefix: string) => subscribedUser(url, service, prefix);


/** A delivery's payload (decrypted by the service). */
const body = (d: Delivery): any => d.payload;
const messagePushes = (sub: string, messageId?: string): Delivery[] =>
  service.deliveries(sub).filter((d) => body(d).type === 'message' && (messageId === undefined || body(d).message_id === messageId));
const closes = (sub: string): any[] => service.deliveries(sub).map(body).filter((p) => p.type === 'close');

/** Wait until `messageId` was pushed to `sub` once; returns that push's payload. */
async function pushed(sub: string, messageId: string, what: string): Promise<any> {
  await service.waitFor(() => messagePushes(sub, messageId).length === 1, { what, timeoutMs: 15_000 });
  return body(messagePushes(sub, messageId)[0]!);
}

/** Post a marker DM from a third user and wait until its push arrived: everything posted before it was decided. */
async function marker(url: string, to: TestUser & { sub: string }): Promise<void> {
  const other = await newUser(url, 'mk');
  const m = await post(other, await dm(other, to), 'marker');
  await service.waitFor(() => messagePushes(to.sub, m.id).length === 1, { what: 'the marker push', timeoutMs: 15_000 });
}

describeEachStore('web push delivery', (server: StoreServer) => {
  it('a DM to an offline user: exactly one push, after the delay, with the payload of §4', async () => {
    const alice = await newUser(server.url, 'pa');
    const bob = await subscribed(server.url, 'pb');
    const name = await dm(alice, bob);
    const m = await post(alice, name, `hello ${'é'.repeat(130)}`);
    await pushed(bob.sub, m.id, 'the DM push');
    const d = messagePushes(bob.sub, m.id)[0]!;
    assert.ok(d.at - Date.parse(m.created_at) >= DELAY_MS - 50, `pushed ${d.at - Date.parse(m.created_at)} ms after commit`);
    assert.deepEqual(d.payload, {
      type: 'message', tag: `natter:${name}`, room: name, room_kind: 'dm', message_id: m.id, seq: m.seq,
      author: { id: alice.id, username: alice.name, display_name: null },
      excerpt: [...m.text].slice(0, 120).join(''), reason: 'dm', count: 1,
    });
    assert.equal(d.headers.ttl, 86400);
    assert.equal(d.headers.urgency, 'high');
    assert.match(d.headers.topic ?? '', /^[A-Za-z0-9_-]{1,32}$/);
    assert.equal(d.publicKey, (await bob.api.get('/api/v1/push/key')).body.public_key, 'signed with the server key');
    await marker(server.url, bob);
    assert.equal(messagePushes(bob.sub, m.id).length, 1, 'pushed once');
    assert.deepEqual(service.rejected(), []);
  });

  it('written to a visible stream: no push; to a hidden one: a push', async () => {
    const alice = await newUser(server.url, 'va');
    const bob = await subscribed(server.url, 'vb');
    const name = await dm(alice, bob);
    const stream = await openEvents(server.url, bob.token);
    const seen = await post(alice, name, 'you can see this');
    await stream.waitFor((ev) => ev.some((e) => e.event === 'message' && e.data.includes(seen.id)), 'the message on the stream');
    const hide = await bob.api.post('/api/v1/events/visibility', { stream_id: readyOf(stream).stream_id, visible: false });
    assert.equal(hide.status, 204);
    const unseen = await post(alice, name, 'the page is hidden now');
    await stream.waitFor((ev) => ev.some((e) => e.event === 'message' && e.data.includes(unseen.id)), 'the second message on the stream');
    await service.waitFor(() => messagePushes(bob.sub, unseen.id).length === 1, { what: 'the hidden-stream push', timeoutMs: 15_000 });
    assert.equal(messagePushes(bob.sub, seen.id).length, 0, 'the message written to the visible stream is never pushed');
    stream.close();
  });

  it('a stream opened hidden (?visible=0) does not count as seen', async () => {
    const alice = await newUser(server.url, 'ha');
    const bob = await subscribed(server.url, 'hb');
    const name = await dm(alice, bob);
    const hidden = await untilReady(await openRaw(server.url, '/api/v1/events?visible=0', { authorization: `Bearer ${bob.token}` }));
    const m = await post(alice, name, 'on a hidden page');
    await service.waitFor(() => messagePushes(bob.sub, m.id).length === 1, { what: 'the push', timeoutMs: 15_000 });
    hidden.close();
  });

  it('read before the delay: no push; read after: a close with the pushed seq', async () => {
    const alice = await newUser(server.url, 'ra');
    const bob = await subscribed(server.url, 'rb');
    const name = await dm(alice, bob);
    const early = await post(alice, name, 'read at once');
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/read`, { seq: early.seq })).status, 204);
    const late = await post(alice, name, 'read later');
    await service.waitFor(() => messagePushes(bob.sub, late.id).length === 1, { what: 'the push', timeoutMs: 15_000 });
    assert.equal(messagePushes(bob.sub, early.id).length, 0, 'read before the delay');
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/read`, { seq: late.seq })).status, 204);
    await service.waitFor(() => closes(bob.sub).length > 0, { what: 'the close', timeoutMs: 15_000 });
    assert.deepEqual(closes(bob.sub), [{ type: 'close', tag: `natter:${name}`, room: name, seq: late.seq }]);
  });

  it('a pushed message deleted: a close; a message deleted before the delay: no push', async () => {
    const alice = await newUser(server.url, 'da');
    const bob = await subscribed(server.url, 'db');
    const name = await dm(alice, bob);
    const gone = await post(alice, name, 'oops');
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${gone.id}`)).status, 204);
    const m = await post(alice, name, 'pushed, then deleted');
    await service.waitFor(() => messagePushes(bob.sub, m.id).length === 1, { what: 'the push', timeoutMs: 15_000 });
    assert.equal(messagePushes(bob.sub, gone.id).length, 0);
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${m.id}`)).status, 204);
    await service.waitFor(() => closes(bob.sub).some((c) => c.seq === m.seq), { what: 'the close', timeoutMs: 15_000 });
  });

  it('levels and mentions in a room: mentions notify at the default level, other messages only at `all`', async () => {
    const alice = await newUser(server.url, 'la');
    const bob = await subscribed(server.url, 'lb');
    const name = await room(alice, 'private', [bob]);
    const plain = await post(alice, name, 'just chatting');
    const mention = await post(alice, name, `@${bob.name} look`);
    const d = await pushed(bob.sub, mention.id, 'the mention push');
    assert.equal(d.reason, 'user');
    assert.equal(d.room_kind, 'room');
    assert.equal(messagePushes(bob.sub, plain.id).length, 0, 'rooms default to mentions');
    assert.equal((await bob.api.req('PUT', `/api/v1/rooms/${name}/notifications`, { level: 'all' })).status, 200);
    const later = await post(alice, name, 'now everything notifies');
    assert.equal((await pushed(bob.sub, later.id, 'the level-all push')).reason, 'all');
    const own = await post(bob, name, 'my own message');
    await marker(server.url, bob);
    assert.equal(messagePushes(bob.sub, own.id).length, 0, 'your own messages never notify you');
  });

  it('410 deletes the subscription; 429 is retried until accepted', async () => {
    const alice = await newUser(server.url, 'ga');
    const bob = await subscribed(server.url, 'gb');
    service.respond(bob.sub, 410);
    await post(alice, await dm(alice, bob), 'to a dead endpoint');
    await service.waitFor((_d, rec) => rec.some((r) => r.subscriptionId === bob.sub && r.status === 410), { what: 'the 410', timeoutMs: 15_000 });
    await waitFor(async () => (await bob.api.get('/api/v1/push/subscriptions')).body.subscriptions.length === 0, 'the subscription deleted');

    const carol = await subscribed(server.url, 'gc');
    service.respond(carol.sub, 429, { retryAfter: 0 });
    const m = await post(alice, await dm(alice, carol), 'busy push service');
    await service.waitFor((_d, rec) => rec.some((r) => r.subscriptionId === carol.sub && r.status === 429), { what: 'the 429', timeoutMs: 15_000 });
    service.respond(carol.sub, 201, {});
    await service.waitFor(() => messagePushes(carol.sub, m.id).length === 1, { what: 'the retried push', timeoutMs: 15_000 });
  });

  it('pending pushes survive a restart: pushed once after it', async () => {
    const alice = await newUser(server.url, 'sa');
    const bob = await subscribed(server.url, 'sb');
    const m = await post(alice, await dm(alice, bob), 'posted just before a restart');
    await server.restart();
    await service.waitFor(() => messagePushes(bob.sub, m.id).length === 1, { what: 'the push after the restart', timeoutMs: 20_000 });
    await marker(server.url, bob);
    assert.equal(messagePushes(bob.sub, m.id).length, 1);
  });
}, ENV);
