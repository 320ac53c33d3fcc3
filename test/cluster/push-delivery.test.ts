/**
 * Web Push delivery in cluster mode (API v1.1 §4, issue 13 item 3): real node processes on one PostgreSQL
 * database and Redis, sending to a local push service that checks VAPID and decrypts each payload.
 * - The recipient's stream on node B, the message posted on node A: written to the visible stream, never
 *   pushed; to the hidden stream, pushed once, although both nodes decide and send.
 * - A node killed (SIGKILL) with pushes in flight: another node sends them after the claims expire; every
 *   message is accepted exactly once, and a resent push carries the same Topic as the cut one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, dm, newUser, post, subscribedUser } from '../helpers/api.ts';
import { useNodeAThenB, useTwoNodes } from '../helpers/cluster.ts';
import { startPushService, type Delivery, type PushService } from '../helpers/push-service.ts';
import { openEvents, readyOf } from '../helpers/sse.ts';

const ENV = { NATTER_FETCH_ALLOW: '127.0.0.1', NATTER_PUSH_DELAY_MS: '1000', NATTER_PUSH_CLAIM_MS: '2000' };
/** A send times out after half the claim: 6 s, long enough for node B to start while A's pushes are in flight. */
const KILL_ENV = { ...ENV, NATTER_PUSH_CLAIM_MS: '12000' };

let service: PushService;
before(async () => {
  service = await startPushService();
});
after(() => service.close());

const body = (d: Delivery): any => d.payload;
/** Accepted pushes of a message to a subscription (message ids repeat across the suites' databases). */
const pushesOf = (sub: string, messageId: string): Delivery[] => service.deliveries(sub).filter((d) => body(d).message_id === messageId);

const subscribed = (url: string, prefix: string) => subscribedUser(url, service, prefix);


describe('push across two nodes: the visible-stream rule and exactly once', () => {
  const nodes = useTwoNodes(ENV);

  it('stream on B, post on A: seen on the visible page, never pushed; hidden, pushed once by one of the two nodes', async () => {
    const alice = await newUser(nodes.a.url, 'ca');
    const bob = await subscribed(nodes.a.url, 'cb');
    const name = await dm(alice, bob);
    const onB = await openEvents(nodes.b.url, bob.token);
    const seen = await post(alice, name, 'seen on node B');
    await onB.waitFor((ev) => ev.some((e) => e.event === 'message' && e.data.includes(seen.id)), 'the message on B');
    assert.equal((await bob.api.post('/api/v1/events/visibility', { stream_id: readyOf(onB).stream_id, visible: false })).status, 204);
    const hidden: string[] = [];
    for (let i = 0; i < 5; i++) hidden.push((await post(alice, name, `hidden ${i}`)).id);
    const newest = hidden.at(-1)!;
    await service.waitFor(() => pushesOf(bob.sub, newest).length > 0, { what: 'the push of the hidden messages', timeoutMs: 15_000 });
    // A marker from someone else, pushed after: every earlier message was decided by then.
    const carol = await newUser(nodes.b.url, 'cc');
    const mark = await post(carol, await dm(carol, bob), 'marker');
    await service.waitFor(() => pushesOf(bob.sub, mark.id).length === 1, { what: 'the marker', timeoutMs: 15_000 });
    assert.equal(pushesOf(bob.sub, seen.id).length, 0, 'written to the visible stream on B: no push');
    const dmPushes = service.deliveries(bob.sub).filter((d) => body(d).room === name && body(d).type === 'message');
    assert.equal(new Set(dmPushes.map((d) => body(d).message_id)).size, dmPushes.length, 'no message pushed twice');
    assert.equal(dmPushes.reduce((n, d) => n + body(d).count, 0), hidden.length, 'the counts add up to every hidden message');
    onB.close();
  });
});

describe('push across nodes: a node killed mid-send', () => {
  const nodes = useNodeAThenB(KILL_ENV);

  it('pushes held by a dying node are sent by the other, once each; the rest are not sent again', async () => {
    const alice = await newUser(nodes.a.url, 'ka');
    const users = await Promise.all(Array.from({ length: 8 }, (_, i) => subscribed(nodes.a.url, `k${i}`)));
    const held = users.slice(0, 4);
    for (const u of held) service.hold(u.sub);
    const messages = new Map<string, string>();
    for (const u of users) messages.set(u.sub, (await post(alice, await dm(alice, u), `to ${u.name}`)).id);
    await service.waitFor((_d, rec) => held.every((u) => rec.some((r) => r.subscriptionId === u.sub && r.status === 'held'))
      && users.slice(4).every((u) => pushesOf(u.sub, messages.get(u.sub)!).length === 1), { what: 'four held and four accepted', timeoutMs: 15_000 });
    // B comes up while A's pushes are in flight; then A dies without a word.
    const b = await nodes.startB();
    assert.ok(held.every((u) => service.received(u.sub).at(-1)?.status === 'held'), 'A still holds its sends');
    await nodes.a.kill();
    // A's held sends end as 'cut' once this process reads their closed sockets; released before that, they would be
    // answered 201 on a dead connection and counted as accepted (a test race seen under CI load, not a second send).
    const killedAt = Date.now();
    const heldSubs = new Set(held.map((u) => u.sub));
    await service.waitFor((_d, rec) => rec.every((r) => !heldSubs.has(r.subscriptionId) || r.at > killedAt || r.status !== 'held'), { what: "A's held sends cut by the kill", timeoutMs: 15_000 });
    for (const u of held) service.release(u.sub);
    await service.waitFor(() => users.every((u) => pushesOf(u.sub, messages.get(u.sub)!).length >= 1), { what: 'every message accepted', timeoutMs: 30_000 });
    // One more round of B's work, proven by a marker push, before counting.
    const late = await subscribed(b.url, 'kl');
    const aliceOnB = { ...alice, api: new Api(b.url, alice.token) };
    const mark = await post(aliceOnB, await dm(aliceOnB, late), 'marker');
    await service.waitFor(() => pushesOf(late.sub, mark.id).length === 1, { what: 'the marker', timeoutMs: 15_000 });
    for (const u of users) assert.equal(pushesOf(u.sub, messages.get(u.sub)!).length, 1, `${u.name}: accepted exactly once`);
    for (const u of held) {
      const tries = service.received(u.sub);
      assert.ok(tries.some((r) => r.status === 'cut'), `${u.name}: the first try was cut by the kill`);
      assert.equal(new Set(tries.map((r) => r.headers.topic)).size, 1, `${u.name}: the resend has the same Topic`);
    }
  });
});
