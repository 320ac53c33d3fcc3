/**
 * The bots and hooks parts of the Store contract (src/storage/hooks.ts), run by store.contract.ts against every
 * implementation: the bot limit and token replacement, a hook's start at the log head, the feed (types, the
 * creator's membership, bots), and the lease: one holder at a time, every change fenced by it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ChatError } from '../../src/core/errors.ts';
import type { User } from '../../src/core/types.ts';
import type { Store } from '../../src/storage/store.ts';
import { uniq } from '../helpers/wait.ts';

const limitReached = (err: unknown): boolean => err instanceof ChatError && err.code === 'limit_reached';

export function hooksContract(get: () => { store: Store; other: Store }): void {
  const newUser = async (): Promise<User> => (await get().store.createUser({ username: uniq('hk'), passwordHash: 'h', guest: false })).value;
  const newRoom = async (owner: User, visibility: 'public' | 'private' = 'public'): Promise<{ name: string; id: number }> => {
    const { store } = get();
    const room = (await store.createRoom({ name: uniq('hr'), topic: '', visibility, ownerId: owner.id })).value;
    return { name: room.name, id: (await store.getRoom(room.name, owner.id))!.record.id };
  };
  const say = (roomId: number, u: User, text: string) => get().store.postMessage({ roomId, author: { id: u.id, username: u.username }, text, clientId: null });

  it('bots: kind bot with an owner, the limit counts active bots, replacing the token ends the old sessions', async () => {
    const { store, other } = get();
    const owner = await newUser();
    const made = await store.bots.create({ username: uniq('b'), displayName: 'B', ownerId: owner.id, tokenHash: Buffer.alloc(32, 7), limit: 1 });
    assert.equal(made.value.kind, 'bot');
    assert.equal(made.value.role, 'member');
    assert.ok(made.events.some((e) => e.type === 'member_joined'), 'joins general');
    await assert.rejects(store.bots.create({ username: uniq('b'), displayName: null, ownerId: owner.id, tokenHash: Buffer.alloc(32, 8), limit: 1 }), limitReached);
    assert.equal((await other.sessions.find(Buffer.alloc(32, 7)))?.user.id, made.value.id);
    const ended = await other.bots.replaceToken(made.value.id, Buffer.alloc(32, 9));
    assert.equal(ended.length, 1);
    assert.equal(await store.sessions.find(Buffer.alloc(32, 7)), null);
    assert.deepEqual((await store.bots.list(owner.id)).map((b) => [b.id, b.owner.id]), [[made.value.id, owner.id]]);
    assert.deepEqual(await store.bots.find(owner.username), null, 'a person is not a bot');
  });

  it("the feed: the hook's types from its creation on, while its creator is a member, bots' messages only when asked", async () => {
    const { store } = get();
    const owner = await newUser();
    const creator = await newUser();
    const { id: roomId } = await newRoom(owner, 'private');
    const bot = (await store.bots.create({ username: uniq('fb'), displayName: null, ownerId: owner.id, tokenHash: Buffer.alloc(32, 3), limit: 20 })).value;
    await store.addMember(roomId, creator.id, 'member');
    await store.addMember(roomId, bot.id, 'member');
    const before = (await say(roomId, owner, 'before the hook')).value.message;
    const hook = (await store.hooks.create({ kind: 'outgoing', roomId, createdBy: creator.id, url: 'https://example.com/', secret: 'whsec_AA==', events: ['message', 'member_left'], includeBots: false, limit: 20 })).value;
    const withBots = (await store.hooks.create({ kind: 'outgoing', roomId, createdBy: creator.id, url: 'https://example.com/', secret: 'whsec_AA==', events: ['message'], includeBots: true, limit: 20 })).value;
    const seen = (await say(roomId, owner, 'seen')).value.message;
    const beep = (await say(roomId, bot, 'beep')).value.message;
    await store.removeMember(roomId, creator.id);
    await say(roomId, owner, 'unseen');
    await store.addMember(roomId, creator.id, 'member');
    const back = (await say(roomId, owner, 'back')).value.message;
    const head = await store.head();
    const text = (h: typeof hook) => store.hooks.feed(h, h.pos, head, 100).then((es) => es.map((e) => e.type === 'message' ? JSON.parse(e.data).message.id : e.type));
    assert.deepEqual(await text(hook), [seen.id, 'member_left', back.id]);
    assert.deepEqual(await text(withBots), [seen.id, beep.id, back.id]);
    assert.ok(!(await text(hook)).includes(before.id));
    assert.equal((await store.hooks.get(roomId, hook.id))!.backlog, 3);
    assert.deepEqual((await store.hooks.feed(hook, hook.pos, head, 2)).length, 2, 'limit');
  });

  it('leases: one holder at a time; acks, skips and renewals are fenced; a failure gives the lease back until its time', async () => {
    const { store, other } = get();
    const owner = await newUser();
    const { id: roomId } = await newRoom(owner);
    const hook = (await store.hooks.create({ kind: 'outgoing', roomId, createdBy: owner.id, url: 'https://example.com/', secret: 'whsec_AA==', events: ['message'], includeBots: false, limit: 20 })).value;
    const t = Date.now();
    assert.ok(!(await store.hooks.lease('n1', t, t + 1000, await store.head(), 100)).includes(hook.id), 'no events yet: not leased');
    await say(roomId, owner, 'one');
    const head = await store.head();
    const [mine, theirs] = await Promise.all([store.hooks.lease('n1', t, t + 1000, head, 100), other.hooks.lease('n2', t, t + 1000, head, 100)]);
    assert.equal([mine, theirs].filter((ids) => ids.includes(hook.id)).length, 1, 'one node holds it');
    const [holder, stranger] = mine.includes(hook.id) ? ['n1', 'n2'] : ['n2', 'n1'];
    assert.equal(await store.hooks.ack(hook.id, stranger, head, 200, new Date(t).toISOString(), t + 2000), null);
    assert.equal(await store.hooks.renew(hook.id, stranger, t + 2000), false);
    assert.deepEqual(await store.hooks.ack(hook.id, holder, head, 200, new Date(t).toISOString(), t + 2000), { deliverable: true });
    const acked = (await store.hooks.get(roomId, hook.id))!;
    assert.deepEqual([acked.pos, acked.ackedPos, acked.backlog, acked.last?.status], [head, head, 0, 200]);
    await say(roomId, owner, 'two');
    const head2 = await store.head();
    assert.ok(!(await other.hooks.lease(stranger, t + 10, t + 1000, head2, 100)).includes(hook.id), 'held by a live lease');
    await store.hooks.fail(hook.id, holder, { pos: head2, status: 500, error: 'HTTP 500', at: new Date(t).toISOString(), nextAt: t + 5000 });
    assert.ok(!(await other.hooks.lease(stranger, t + 4000, t + 9000, head2, 100)).includes(hook.id), 'not before its retry time');
    assert.ok((await other.hooks.lease(stranger, t + 5000, t + 9000, head2, 100)).includes(hook.id), 'any node after it');
    const failed = (await store.hooks.get(roomId, hook.id))!;
    assert.deepEqual([failed.attempts, failed.ackedPos, failed.last?.status, failed.last?.error], [1, head, 500, 'HTTP 500']);
    assert.deepEqual(await other.hooks.skip(hook.id, stranger, head2, t + 9000), { deliverable: true });
    await other.hooks.release(hook.id, stranger);
    assert.equal((await store.hooks.get(roomId, hook.id))!.pos, head2);
    await store.hooks.setActive(roomId, hook.id, false);
    await say(roomId, owner, 'three');
    assert.ok(!(await store.hooks.lease('n1', t + 20_000, t + 30_000, await store.head(), 100)).includes(hook.id), 'paused: not leased');
    assert.equal(await store.hooks.delete(roomId, hook.id), true);
    assert.equal(await store.hooks.get(roomId, hook.id), null);
  });

  it('incoming: found by the secret hash with its bot, membership and owner; 20 hooks per room', async () => {
    const { store } = get();
    const owner = await newUser();
    const { id: roomId } = await newRoom(owner, 'private');
    const bot = (await store.bots.create({ username: uniq('ib'), displayName: null, ownerId: owner.id, tokenHash: Buffer.alloc(32, 5), limit: 20 })).value;
    const made = await store.hooks.create({ kind: 'incoming', roomId, createdBy: owner.id, botId: bot.id, secretHash: Buffer.alloc(32, 6), limit: 20 });
    assert.ok(made.events.some((e) => e.type === 'member_joined' && e.subject === bot.id), 'the bot joins');
    const found = (await store.hooks.incoming(Buffer.alloc(32, 6)))!;
    assert.deepEqual([found.hook.id, found.bot?.id, found.member, found.ownerActive], [made.value.id, bot.id, true, true]);
    assert.equal(await store.hooks.incoming(Buffer.alloc(32, 1)), null);
    for (let i = 1; i < 20; i++) await store.hooks.create({ kind: 'incoming', roomId, createdBy: owner.id, botId: bot.id, secretHash: Buffer.alloc(32, 100 + i), limit: 20 });
    await assert.rejects(store.hooks.create({ kind: 'incoming', roomId, createdBy: owner.id, botId: bot.id, secretHash: Buffer.alloc(32, 99), limit: 20 }), limitReached);
    assert.equal(await store.hooks.delete(roomId, made.value.id), true, 'a write after the refused one (its batch has ended)');
    assert.equal(await store.hooks.incoming(Buffer.alloc(32, 6)), null, 'a deleted hook is not found');
  });
}
