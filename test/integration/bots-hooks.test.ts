/**
 * Bots and incoming hooks (API v1.1 §6) against real server processes on SQLite and PostgreSQL: bots' tokens
 * (shown once, rotated, never expiring, refused while the owner is deactivated), Slack-style incoming posts
 * (JSON and form-encoded, alias, Idempotency-Key), and every right on a room's hooks.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Api, newUser, post, room, type TestUser } from '../helpers/api.ts';
import { openEvents } from '../helpers/sse.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

const ENV = { NATTER_FETCH_ALLOW: '127.0.0.1' };

/** A bot owned by `owner`; returns its name, id and a client signed in with its token. */
async function newBot(owner: TestUser, displayName?: string): Promise<TestUser> {
  const r = await owner.api.post('/api/v1/bots', { username: uniq('bot'), ...(displayName && { display_name: displayName }) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { api: new Api(owner.api.base, r.body.token), id: r.body.user.id, name: r.body.user.username, token: r.body.token };
}

async function incoming(owner: TestUser, roomName: string, bot: string): Promise<{ id: string; url: string }> {
  const r = await owner.api.post(`/api/v1/rooms/${roomName}/hooks`, { kind: 'incoming', bot });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.hook;
}

describeEachStore('bots and incoming hooks', (server: StoreServer) => {
  let admin: TestUser;
  before(async () => {
    admin = await newUser(server.url, 'adm'); // the first account is the admin
  });

  it('a bot: kind bot, a token shown once that works for everything, no password, listed with its owner', async () => {
    const owner = await newUser(server.url, 'own');
    const r = await owner.api.post('/api/v1/bots', { username: uniq('ci'), display_name: 'CI bot' });
    assert.equal(r.status, 201);
    assert.equal(r.body.user.kind, 'bot');
    assert.equal(r.body.user.role, 'member');
    assert.equal(r.body.user.display_name, 'CI bot');
    const bot = new Api(server.url, r.body.token);
    assert.equal((await bot.get('/api/v1/me')).body.user.username, r.body.user.username);
    const m = await bot.post('/api/v1/rooms/general/messages', { text: 'beep' });
    assert.equal(m.status, 201);
    assert.equal(m.body.message.alias, null);
    const login = await new Api(server.url).post('/api/v1/auth/login', { username: r.body.user.username, password: 'anything at all' });
    assert.equal(login.status, 401);
    assert.equal(login.body.error.code, 'invalid_credentials');
    const mine = (await owner.api.get('/api/v1/bots')).body.bots;
    assert.deepEqual(mine.map((b: any) => [b.username, b.owner.username]), [[r.body.user.username, owner.name]]);
    assert.equal((await admin.api.get('/api/v1/bots')).body.bots.some((b: any) => b.id === r.body.user.id), true, 'an admin lists every bot');
    assert.deepEqual((await (await newUser(server.url, 'oth')).api.get('/api/v1/bots')).body.bots, [], 'others list none of them');
  });

  it('guests and bots cannot create bots; names follow the account rules', async () => {
    const g = await new Api(server.url).post('/api/v1/auth/guest', { username: uniq('g') });
    const guest = new Api(server.url, g.body.token);
    assert.equal((await guest.post('/api/v1/bots', { username: uniq('b') })).status, 403);
    const owner = await newUser(server.url, 'own');
    const bot = await newBot(owner);
    assert.equal((await bot.api.post('/api/v1/bots', { username: uniq('b') })).status, 403);
    assert.equal((await owner.api.post('/api/v1/bots', { username: 'no spaces' })).status, 400);
    const taken = await owner.api.post('/api/v1/bots', { username: owner.name.toUpperCase() });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'username_taken');
  });

  it('20 active bots per owner, then 409 limit_reached; a deleted one makes room', async () => {
    const owner = await newUser(server.url, 'many');
    const names: string[] = [];
    for (let i = 0; i < 20; i++) names.push((await newBot(owner)).name);
    const over = await owner.api.post('/api/v1/bots', { username: uniq('b') });
    assert.equal(over.status, 409);
    assert.equal(over.body.error.code, 'limit_reached');
    assert.equal((await owner.api.del(`/api/v1/bots/${names[0]}`)).status, 204);
    assert.equal((await owner.api.post('/api/v1/bots', { username: uniq('b') })).status, 201);
  });

  it('rotating the token ends the old one and its stream at once; deleting deactivates the bot', async () => {
    const owner = await newUser(server.url, 'rot');
    const bot = await newBot(owner);
    const stream = await openEvents(server.url, bot.token);
    const other = await newUser(server.url, 'oth');
    assert.equal((await other.api.post(`/api/v1/bots/${bot.name}/token`)).status, 403, "someone else's bot");
    const r = await owner.api.post(`/api/v1/bots/${bot.name}/token`);
    assert.equal(r.status, 200);
    await waitFor(() => stream.closed, 'the stream ended');
    assert.equal((await bot.api.get('/api/v1/me')).status, 401, 'the old token');
    assert.equal((await new Api(server.url, r.body.token).get('/api/v1/me')).status, 200, 'the new token');
    assert.equal((await admin.api.post(`/api/v1/bots/${bot.name}/token`)).status, 200, 'an admin may rotate any bot');
    assert.equal((await owner.api.del(`/api/v1/bots/${uniq('nobot')}`)).status, 404);
    assert.equal((await owner.api.del(`/api/v1/bots/${bot.name}`)).status, 204);
    const listed = (await owner.api.get('/api/v1/bots')).body.bots.find((b: any) => b.username === bot.name);
    assert.equal(listed.active, false);
    assert.equal((await owner.api.del(`/api/v1/bots/${owner.name}`)).status, 404, 'a person is not a bot');
  });

  it("a bot's token is refused while its owner is deactivated, and works again after", async () => {
    const owner = await newUser(server.url, 'dea');
    const bot = await newBot(owner);
    const stream = await openEvents(server.url, bot.token);
    assert.equal((await admin.api.patch(`/api/v1/admin/users/${owner.name}`, { active: false })).status, 200);
    await waitFor(() => stream.closed, 'the stream ended');
    assert.equal((await bot.api.get('/api/v1/me')).status, 401);
    assert.equal((await admin.api.patch(`/api/v1/admin/users/${owner.name}`, { active: true })).status, 200);
    assert.equal((await bot.api.get('/api/v1/me')).status, 200);
  });

  it('incoming: JSON and form-encoded Slack payloads post as the bot, username becomes alias, the bot joins', async () => {
    const owner = await newUser(server.url, 'in');
    const name = await room(owner, 'private');
    const bot = await newBot(owner);
    const hook = await incoming(owner, name, bot.name);
    assert.match(hook.url, /^\/api\/v1\/hooks\/[A-Za-z0-9_-]{16,}$/);
    const members = (await owner.api.get(`/api/v1/rooms/${name}/members`)).body.members.map((m: any) => m.user.username);
    assert.ok(members.includes(bot.name), 'the bot joined');
    const anon = new Api(server.url);
    const json = await anon.post(hook.url, { text: 'Build <https://ci.example/1|#1> passed', username: 'Jenkins', channel: '#x', icon_emoji: ':ok:' });
    assert.equal(json.status, 200, JSON.stringify(json.body));
    assert.equal(json.body.message.author.username, bot.name);
    assert.equal(json.body.message.alias, 'Jenkins');
    assert.equal(json.body.message.text, 'Build <https://ci.example/1|#1> passed');
    const form = await anon.req('POST', hook.url, `payload=${encodeURIComponent(JSON.stringify({ text: 'from a form' }))}`, { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 200, JSON.stringify(form.body));
    assert.equal(form.body.message.alias, null);
    const history = (await owner.api.get(`/api/v1/rooms/${name}/messages`)).body.messages.map((m: any) => [m.text, m.alias]);
    assert.deepEqual(history, [['Build <https://ci.example/1|#1> passed', 'Jenkins'], ['from a form', null]]);
    for (const bad of [{}, { text: 5 }, { text: 'x', username: '' }, { text: 'x', username: 'y'.repeat(33) }, { text: '' }]) {
      const r = await anon.post(hook.url, bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.body.error.code, 'invalid_request');
    }
    const notJson = await anon.req('POST', hook.url, 'payload=%7Bnope', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(notJson.status, 400);
  });

  it('incoming: a repeated Idempotency-Key on the same hook returns the original and posts nothing', async () => {
    const owner = await newUser(server.url, 'idem');
    const name = await room(owner, 'public');
    const bot = await newBot(owner);
    const hook = await incoming(owner, name, bot.name);
    const anon = new Api(server.url);
    const send = (text: string, key: string) => anon.req('POST', hook.url, { text }, { 'idempotency-key': key });
    const first = await send('once', 'k-1');
    const again = await send('once, retried', 'k-1');
    assert.equal(again.status, 200);
    assert.equal(again.body.message.id, first.body.message.id);
    assert.equal((await send('another', 'k-2')).body.message.text, 'another');
    const other = await incoming(owner, await room(owner, 'public'), bot.name);
    const elsewhere = await anon.req('POST', other.url, { text: 'same key, other hook' }, { 'idempotency-key': 'k-1' });
    assert.notEqual(elsewhere.body.message.id, first.body.message.id, 'keys are per hook');
    assert.deepEqual((await owner.api.get(`/api/v1/rooms/${name}/messages`)).body.messages.map((m: any) => m.text), ['once', 'another']);
    assert.equal((await send('x', 'k'.repeat(65))).status, 400);
  });

  it('incoming: 404 once the hook, the bot, its membership or its owner is gone', async () => {
    const owner = await newUser(server.url, 'gone');
    const name = await room(owner, 'public');
    const anon = new Api(server.url);
    assert.equal((await anon.post('/api/v1/hooks/not-a-real-secret-at-all', { text: 'x' })).status, 404);
    const b1 = await newBot(owner);
    const h1 = await incoming(owner, name, b1.name);
    assert.equal((await owner.api.del(`/api/v1/rooms/${name}/hooks/${h1.id}`)).status, 204);
    assert.equal((await anon.post(h1.url, { text: 'x' })).status, 404, 'deleted hook');
    const b2 = await newBot(owner);
    const h2 = await incoming(owner, name, b2.name);
    assert.equal((await b2.api.post(`/api/v1/rooms/${name}/leave`)).status, 204);
    assert.equal((await anon.post(h2.url, { text: 'x' })).status, 404, 'the bot left');
    const b3 = await newBot(owner);
    const h3 = await incoming(owner, name, b3.name);
    assert.equal((await owner.api.del(`/api/v1/bots/${b3.name}`)).status, 204);
    assert.equal((await anon.post(h3.url, { text: 'x' })).status, 404, 'the bot deleted');
    const b4 = await newBot(owner);
    const h4 = await incoming(owner, name, b4.name);
    assert.equal((await admin.api.patch(`/api/v1/admin/users/${owner.name}`, { active: false })).status, 200);
    assert.equal((await anon.post(h4.url, { text: 'x' })).status, 404, 'the owner deactivated');
    await admin.api.patch(`/api/v1/admin/users/${owner.name}`, { active: true });
    assert.equal((await anon.post(h4.url, { text: 'back' })).status, 200);
  });

  it("rights: owner, admin, member (only their own hooks), non-member of a private room (404), someone else's bot", async () => {
    const owner = await newUser(server.url, 'ro');
    const member = await newUser(server.url, 'rm');
    const outsider = await newUser(server.url, 'rx');
    const name = await room(owner, 'private', [member]);
    const mine = await newBot(member);
    const theirs = await newBot(owner);
    const path = `/api/v1/rooms/${name}/hooks`;
    const out = { kind: 'outgoing', url: 'http://127.0.0.1:9/h', events: ['message'] };
    assert.equal((await member.api.post(path, out)).status, 403, 'outgoing: owner or admin');
    assert.equal((await member.api.post(path, { kind: 'incoming', bot: theirs.name })).status, 403, "someone else's bot");
    assert.equal((await member.api.post(path, { kind: 'incoming', bot: uniq('nobody') })).status, 404);
    const memberHook = await incoming(member, name, mine.name);
    const ownerHook = (await owner.api.post(path, out)).body.hook;
    assert.equal(ownerHook.kind, 'outgoing');
    assert.match(ownerHook.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    const adminHook = (await admin.api.post(path, out)).body.hook;
    assert.ok(adminHook.id, 'an admin may add hooks to a private room they are not in');
    assert.deepEqual((await member.api.get(path)).body.hooks.map((h: any) => h.id), [memberHook.id], 'a member lists their own');
    assert.deepEqual((await owner.api.get(path)).body.hooks.map((h: any) => h.id), [memberHook.id, ownerHook.id, adminHook.id]);
    assert.equal((await admin.api.get(path)).body.hooks.length, 3);
    for (const h of (await owner.api.get(path)).body.hooks) assert.equal(h.secret, undefined, 'no secrets in lists');
    assert.equal((await member.api.get(`${path}/${ownerHook.id}`)).status, 403);
    assert.equal((await member.api.patch(`${path}/${ownerHook.id}`, { active: false })).status, 403);
    assert.equal((await member.api.del(`${path}/${ownerHook.id}`)).status, 403);
    for (const r of [await outsider.api.get(path), await outsider.api.get(`${path}/${ownerHook.id}`), await outsider.api.post(path, out)]) {
      assert.equal(r.status, 404, 'a non-member of a private room');
    }
    assert.equal((await owner.api.get(`${path}/${memberHook.id}`)).body.hook.bot.username, mine.name);
    assert.equal((await owner.api.patch(`${path}/${memberHook.id}`, { active: false })).status, 400, 'only outgoing hooks pause');
    assert.equal((await owner.api.get(`${path}/999999`)).status, 404);
    assert.equal((await member.api.del(`${path}/${memberHook.id}`)).status, 204, 'the creator deletes');
    assert.equal((await admin.api.del(`${path}/${ownerHook.id}`)).status, 204, 'an admin deletes');
  });

  it('outgoing: urls and events are checked; 20 hooks per room', async () => {
    const owner = await newUser(server.url, 'url');
    const name = await room(owner, 'public');
    const path = `/api/v1/rooms/${name}/hooks`;
    for (const url of ['ftp://example.com/x', 'http://user:pw@example.com/', 'not a url', 'http://10.0.0.1/x', 'http://169.254.169.254/', `http://example.com/${'x'.repeat(2048)}`]) {
      const r = await owner.api.post(path, { kind: 'outgoing', url, events: ['message'] });
      assert.equal(r.status, 400, url);
      assert.equal(r.body.error.code, 'invalid_url', url);
    }
    for (const events of [[], ['message', 'message'], ['typing']]) {
      assert.equal((await owner.api.post(path, { kind: 'outgoing', url: 'http://example.com/', events })).status, 400, JSON.stringify(events));
    }
    for (let i = 0; i < 20; i++) assert.equal((await owner.api.post(path, { kind: 'outgoing', url: `https://example.com/${i}`, events: ['message'] })).status, 201);
    const over = await owner.api.post(path, { kind: 'outgoing', url: 'https://example.com/21', events: ['message'] });
    assert.equal(over.status, 409);
    assert.equal(over.body.error.code, 'limit_reached');
  });

  it('a bot message in the stream and history carries the bot as author; a bot may stream', async () => {
    const owner = await newUser(server.url, 'str');
    const bot = await newBot(owner);
    const s = await openEvents(server.url, bot.token);
    const m = await post(owner, 'general', uniq('hello bot'));
    await s.waitFor((ev) => ev.some((e) => e.event === 'message' && e.data.includes(m.id)), 'the message on the bot stream');
    s.close();
  });
}, ENV);
