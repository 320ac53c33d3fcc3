/**
 * The client library covers the whole API (issue 16 item 1): every method of `NatterClient`, called against a
 * real server, does what its name says; and every operation of the server's OpenAPI document (/docs/json) was
 * reached by one of them, through the client's own fetch. A route added to the server without a method in the
 * library fails here; a method that calls a route that does not exist fails here too. The answers' types are
 * checked against the schemas at compile time (test/types/client-types.check.ts).
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ApiError, checkPath, LiveEvents, NatterClient } from '@natter/client';
import { useServer } from '../helpers/server.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

/** The routes the library leaves to a browser on purpose: single sign-on is a chain of redirects, not an API call. */
const BROWSER_ONLY = new Set(['GET /api/v1/auth/oidc/start', 'GET /api/v1/auth/oidc/callback']);

const PASSWORD = 'correct horse battery';

describe('client library: every route of the API has a method that works', () => {
  const server = useServer({ NATTER_FETCH_ALLOW: '127.0.0.1' });
  const seen: string[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = new URL(String(input));
    seen.push(`${(init?.method ?? 'GET').toUpperCase()} ${url.pathname}`);
    return fetch(input, init);
  };
  const client = (token: string | null = null): NatterClient => new NatterClient({ baseUrl: server.url, token, fetch: recording });
  const refused = async (p: Promise<unknown>, status: number): Promise<void> => {
    await assert.rejects(p, (e: unknown) => e instanceof ApiError && e.status === status);
  };

  it('accounts, rooms, messages, uploads, push, events, bots, hooks and administration', async () => {
    const anon = client();
    const info = await anon.server();
    assert.equal(info.version, '1.1');
    const aliceName = uniq('alice');
    const alice = client((await anon.auth.register(aliceName, PASSWORD)).token); // the first account: an admin
    const bobName = uniq('bob');
    const bob = client((await anon.auth.register(bobName, PASSWORD)).token);
    const again = await anon.auth.login(aliceName, PASSWORD);
    assert.equal(again.user.username, aliceName);
    assert.equal((await anon.auth.guest(uniq('guest'))).user.role, 'guest');

    // you and people
    assert.equal((await alice.users.me()).user.role, 'admin');
    assert.equal((await alice.users.own()).user.email, null);
    assert.equal((await alice.users.update({ display_name: 'Alice A.' })).user.display_name, 'Alice A.');
    await refused(alice.users.verifyEmail('not-a-token'), 400);
    assert.equal((await alice.users.get(bobName)).user.username, bobName);
    assert.ok((await alice.users.search(bobName.slice(0, 4))).users.some((p) => p.user.username === bobName));

    // sessions
    const sessions = (await alice.auth.sessions()).sessions;
    assert.equal(sessions.filter((s) => s.current).length, 1);
    const other = sessions.find((s) => !s.current)!;
    assert.equal(await alice.auth.endSession(other.id), null);
    await anon.auth.login(aliceName, PASSWORD);
    assert.equal(await alice.auth.endOtherSessions(), null);
    assert.equal(await alice.auth.changePassword(`${PASSWORD}!`, PASSWORD), null);

    // rooms
    const name = uniq('r').toLowerCase();
    assert.equal((await alice.rooms.create(name, { topic: 'first', visibility: 'public' })).room.name, name);
    assert.equal((await alice.rooms.update(name, { topic: 'second' })).room.topic, 'second');
    assert.equal((await bob.rooms.get(name)).room.member, false);
    assert.equal((await bob.rooms.join(name)).room.member, true);
    assert.deepEqual((await alice.rooms.members(name)).members.map((m) => m.user.username).sort(), [aliceName, bobName].sort());
    assert.equal((await alice.rooms.members(name, { limit: 1 })).members.length, 1);
    assert.equal(await alice.rooms.removeMember(name, bobName), null);
    assert.equal((await alice.rooms.addMember(name, bobName)).room.name, name);
    assert.equal((await alice.rooms.dm(bobName)).room.kind, 'dm');
    assert.equal((await bob.rooms.setNotifications(name, 'all')).room.notifications, 'all');
    assert.ok((await bob.rooms.list()).rooms.some((r) => r.name === name));

    // messages
    const first = (await alice.messages.post(name, 'hello searchable world', { clientId: uniq('c') })).message;
    const reply = (await bob.messages.post(name, `@${aliceName} hi`, { replyTo: first.id })).message;
    assert.equal(reply.reply_to?.id, first.id);
    assert.deepEqual((await bob.messages.history(name, { limit: 10 })).messages.map((m) => m.id), [first.id, reply.id]);
    assert.equal((await alice.messages.edit(name, first.id, 'hello searchable planet')).message.edited_at !== null, true);
    assert.equal(await bob.messages.react(name, first.id, '👍'), null);
    assert.equal(await bob.messages.react(name, first.id, '👍', false), null);
    assert.equal(await bob.rooms.typing(name), null);
    assert.equal(await bob.rooms.read(name, reply.seq), null);
    await waitFor(async () => (await bob.messages.search({ q: 'planet', room: name })).results.length === 1, 'the edit indexed');
    assert.equal((await alice.messages.mentions()).mentions[0]?.message.id, reply.id);
    assert.equal(await bob.messages.remove(name, reply.id), null);

    // uploads
    const up = (await alice.uploads.create(new Blob(['some text']), 'notes.txt')).upload;
    assert.equal(up.name, 'notes.txt');
    assert.equal(await (await alice.uploads.file(up.id)).text(), 'some text');
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
    const image = (await alice.uploads.create(new Blob([png], { type: 'image/png' }), 'dot.png')).upload;
    assert.ok((await alice.uploads.thumbnail(image.id)).size > 0);
    await refused(bob.uploads.file(image.id), 404);
    assert.equal(await alice.uploads.remove(up.id), null);

    // the live stream, its visibility report, and the path check
    let streamId: string | null = null;
    const live = new LiveEvents(alice, { event() {}, ready: (data: { stream_id: string }) => void (streamId = data.stream_id) });
    void live.run();
    await waitFor(() => streamId !== null, 'ready');
    assert.equal(await alice.events.visibility(streamId!, false), null);
    live.stop();
    const path = await checkPath(server.url, { fetch: recording });
    assert.equal(path.results.find((r) => r.name === 'buffering')?.verdict, 'pass');

    // Web Push
    assert.match((await alice.push.key()).public_key, /^[A-Za-z0-9_-]{80,}$/);
    const keys = { p256dh: createECDH('prime256v1').generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') };
    const sub = (await alice.push.subscribe({ endpoint: `https://push.example.net/${uniq('e')}`, expirationTime: null, keys })).subscription;
    assert.deepEqual((await alice.push.subscriptions()).subscriptions.map((s) => s.id), [sub.id]);
    assert.equal(await alice.push.unsubscribe(sub.id), null);

    // bots and hooks
    const received: string[] = [];
    const receiver = http.createServer((req, res) => {
      received.push(String(req.headers['webhook-id']));
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const botName = uniq('bot');
      const made = await alice.bots.create(botName, 'Build bot');
      assert.equal(made.user.kind, 'bot');
      const token = (await alice.bots.newToken(botName)).token;
      assert.notEqual(token, made.token);
      assert.equal((await client(token).users.me()).user.username, botName);
      assert.ok((await alice.bots.list()).bots.some((b) => b.username === botName && b.owner.username === aliceName));
      const incoming = (await alice.hooks.addIncoming(name, botName)).hook;
      const viaHook = (await anon.hooks.incoming(incoming.url!, { text: 'from CI', username: 'CI' }, 'k1')).message;
      assert.equal(viaHook.alias, 'CI');
      assert.equal((await anon.hooks.incoming(incoming.url!, { text: 'from CI' }, 'k1')).message.id, viaHook.id, 'idempotent');
      const port = (receiver.address() as AddressInfo).port;
      const out = (await alice.hooks.addOutgoing(name, `http://127.0.0.1:${port}/hook`, ['message'])).hook;
      assert.match(out.secret!, /^whsec_/);
      const later = (await alice.messages.post(name, 'delivered')).message;
      await waitFor(async () => (await alice.hooks.get(name, out.id)).hook.backlog === 0 && received.length > 0, 'the delivery');
      assert.ok(later.id);
      assert.equal((await alice.hooks.setActive(name, out.id, false)).hook.active, false);
      assert.deepEqual((await alice.hooks.list(name)).hooks.map((h) => h.kind).sort(), ['incoming', 'outgoing']);
      assert.equal(await alice.hooks.remove(name, out.id), null);
      assert.equal(await alice.bots.remove(botName), null);
    } finally {
      receiver.close();
    }

    // administration
    assert.ok((await alice.admin.users({ q: bobName })).users.some((u) => u.username === bobName));
    assert.equal((await alice.admin.updateUser(bobName, { role: 'admin' })).user.role, 'admin');
    assert.ok((await alice.admin.rooms()).rooms.some((r) => r.name === name));
    const invite = (await alice.admin.createInvite(2, 3600)).invite;
    assert.ok((await alice.admin.invites()).invites.some((i) => i.code === invite.code));
    assert.equal(await alice.admin.revokeInvite(invite.code), null);
    assert.equal(await bob.rooms.leave(name), null);
    assert.equal(await alice.auth.logout(), null);
    await refused(alice.users.me(), 401);
  });

  it('the calls above reached every operation of the OpenAPI document, and nothing else', async () => {
    const doc = (await (await fetch(`${server.url}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/'))
      .flatMap(([p, methods]) => Object.keys(methods).map((m) => ({ op: `${m.toUpperCase()} ${p}`, re: new RegExp(`^${m.toUpperCase()} ${p.replace(/\{[^}]+\}/g, '[^/]+')}$`) })));
    assert.ok(ops.length >= 60, `${ops.length} operations in /docs/json`);
    // HEAD is GET without the body: Fastify answers it for every GET route.
    const reached = (re: RegExp): boolean => seen.some((s) => re.test(s) || re.test(s.replace(/^GET /, 'HEAD ')));
    const unreached = ops.filter((o) => !BROWSER_ONLY.has(o.op) && !reached(o.re)).map((o) => o.op);
    assert.deepEqual(unreached, [], 'operations no client method reached');
    const unknown = [...new Set(seen)].filter((s) => !ops.some((o) => o.re.test(s)));
    assert.deepEqual(unknown, [], 'requests to routes the server does not have');
  });
});
