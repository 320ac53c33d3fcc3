/**
 * Auth's session lifetimes with a moved clock, over an in-memory SQLite store: when use is recorded
 * (batched to a quarter of the idle lifetime), when a session ends (idle, absolute), what the sweep
 * ends, and the login failure throttle's window.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Auth, hashToken } from '../../src/core/auth.ts';
import { LocalCounters } from '../../src/core/limits.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { uniq } from '../helpers/wait.ts';

const store = openSqliteStore(':memory:');
const counters = new LocalCounters(() => clock);
let clock = Date.now();
const expired: string[] = [];
const auth = new Auth(store, () => {}, {
  guests: true,
  idleMs: 40_000,
  maxMs: 100_000,
  loginFailures: { count: 2, windowMs: 30_000 },
  counters,
  onExpired: (ended) => expired.push(...ended.map((e) => e.id)),
  now: () => clock,
});
after(async () => {
  counters.close();
  await store.close();
});

/** The stored last use of a token's session, in ms. */
async function lastUsed(token: string): Promise<number> {
  return Date.parse((await store.sessions.find(hashToken(token)))!.session.lastUsedAt);
}

/**
 * Let the fire-and-forget touch reach the store: `resolve` queues it before it returns, and the store commits
 * writes in the order they were queued, so once a later write (a touch of no session) has committed, so has it.
 */
const settle = () => store.sessions.touch('999999999', new Date(0).toISOString());

describe('Auth session lifetimes (moved clock)', () => {
  it('use is recorded at most every idle/4 (10 s here), and renews the idle clock', async () => {
    assert.equal(auth.touchEveryMs, 10_000);
    const { token } = await auth.guest(uniq('t'));
    const created = await lastUsed(token);
    clock = created + 9_999;
    assert.ok(await auth.resolve(token));
    await settle();
    assert.equal(await lastUsed(token), created, 'not yet written');
    clock = created + 10_000;
    assert.ok(await auth.resolve(token));
    await settle();
    assert.equal(await lastUsed(token), created + 10_000, 'written once a quarter of the idle lifetime passed');
    clock = created + 49_999; // 39.999 s after the recorded use: still alive
    assert.ok(await auth.resolve(token));
    await settle();
    clock = created + 49_999 + 39_999;
    assert.ok(await auth.resolve(token), 'the idle clock was renewed by the use at 49.999 s');
  });

  it('an idle session ends at exactly idleMs after its recorded use and is deleted, and onExpired is told', async () => {
    const { token } = await auth.guest(uniq('t'));
    const created = await lastUsed(token);
    const sid = (await store.sessions.find(hashToken(token)))!.session.id;
    clock = created + 40_000;
    assert.equal(await auth.resolve(token), null);
    assert.equal(await store.sessions.find(hashToken(token)), null, 'deleted');
    assert.ok(expired.includes(sid));
  });

  it('a session in constant use ends at maxMs after its creation', async () => {
    const { token } = await auth.guest(uniq('t'));
    const created = await lastUsed(token);
    for (let t = 10_000; t < 100_000; t += 10_000) {
      clock = created + t;
      assert.ok(await auth.resolve(token), `alive at ${t} ms`);
      await settle();
    }
    clock = created + 100_000;
    assert.equal(await auth.resolve(token), null);
  });

  it('the sweep deletes expired sessions it was never shown, keeps live ones, and lists only live ones', async () => {
    const a = await auth.guest(uniq('t'));
    const created = await lastUsed(a.token);
    const sessionOf = async (token: string) => {
      const f = (await store.sessions.find(hashToken(token)))!;
      return { user: f.user, sessionId: f.session.id };
    };
    const sa = await sessionOf(a.token);
    clock = created + 30_000;
    const b = await auth.login(a.user.username, 'x').catch(() => null);
    assert.equal(b, null, 'guests cannot log in');
    assert.deepEqual((await auth.sessionsOf(sa)).map((s) => s.current), [true]);
    clock = created + 40_000;
    assert.deepEqual(await auth.sessionsOf(sa), [], 'an expired session is not listed');
    await auth.sweep();
    assert.equal(await store.sessions.find(hashToken(a.token)), null);
    assert.ok(expired.includes(sa.sessionId));
  });
});

describe('login failure throttle window (moved clock)', () => {
  it('counts failures per username in a fixed window; after it ends the name may try again', async () => {
    clock = Date.now();
    const name = uniq('nobody');
    for (let i = 0; i < 2; i++) await assert.rejects(auth.login(name, 'x'), { code: 'invalid_credentials' });
    await assert.rejects(auth.login(name.toUpperCase(), 'x'), (e: any) => e.code === 'rate_limited' && e.retryAfterS === 30);
    clock += 29_999;
    await assert.rejects(auth.login(name, 'x'), { code: 'rate_limited' });
    clock += 1;
    await assert.rejects(auth.login(name, 'x'), { code: 'invalid_credentials' });
  });
});
