/**
 * Email (API v1.1 §4 "Email", issue 13) against real server processes on SQLite and PostgreSQL, mailing to a real
 * local SMTP server (test/helpers/smtp.ts) whose mails are parsed with mailparser.
 *
 * "Nothing was mailed" is never waited out: the digest worker decides in log order and sends a user at most one
 * email per NATTER_EMAIL_DELAY_MS, so a later message that is mailed (a marker) proves what came before it.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { Api, dm, newUser, post, room, type TestUser } from '../helpers/api.ts';
import { startSmtpService, type Mail } from '../helpers/smtp.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';

const DELAY_MS = 1500;
const smtp = await startSmtpService();
after(() => smtp.close());
const ENV = { NATTER_SMTP_URL: smtp.url, NATTER_EMAIL_DELAY_MS: String(DELAY_MS), NATTER_PUBLIC_URL: 'http://chat.test:8080' };

const addressOf = (u: TestUser): string => `${u.name}@example.com`;
const tokenIn = (m: Mail): string => /verify_email=([A-Za-z0-9_-]+)/.exec(m.text)![1]!;
const verificationTo = (address: string, after = 0) => (m: Mail) => m.to.includes(address) && /^Confirm/.test(m.subject) && m.at >= after;
const digestsTo = (address: string): Mail[] => smtp.to(address).filter((m) => !/^Confirm/.test(m.subject));


/** Set the user's address and wait for its verification mail; returns the token. */
async function setEmail(u: TestUser, address = addressOf(u)): Promise<string> {
  const since = Date.now();
  const r = await u.api.patch('/api/v1/users/me', { email: address });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.user.email, address);
  assert.equal(r.body.user.email_verified, false);
  return tokenIn(await smtp.next(verificationTo(address, since), `the verification mail to ${address}`));
}

/** A new user with a verified address. */
async function verifiedUser(url: string, prefix: string): Promise<TestUser> {
  const u = await newUser(url, prefix);
  const r = await u.api.post('/api/v1/users/me/email/verify', { token: await setEmail(u) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.user.email_verified, true);
  return u;
}

/** Wait for the user's `n`th digest (1-based). */
const digest = (u: TestUser, n: number, what: string): Promise<Mail> =>
  smtp.next(() => digestsTo(addressOf(u)).length >= n, what).then(() => digestsTo(addressOf(u))[n - 1]!);

const link = (room: string, seq: number): string => `http://chat.test:8080/?at=${seq}#/r/${encodeURIComponent(room)}`;

describeEachStore('email', (server: StoreServer) => {
  it('GET /server says email: true; your own user carries the private fields, others never do', async () => {
    assert.equal((await new Api(server.url).get('/api/v1/server')).body.email, true);
    const api = new Api(server.url);
    const reg = await api.post('/api/v1/auth/register', { username: `em${Date.now().toString(36)}`, password: 'correct horse' });
    assert.equal(reg.status, 201);
    const own = { email: null, email_verified: false, email_notifications: true };
    assert.deepEqual({ ...reg.body.user, ...own }, reg.body.user, 'register answers with the private fields');
    api.token = reg.body.token;
    for (const path of ['/api/v1/me', '/api/v1/users/me']) assert.deepEqual((await api.get(path)).body.user, reg.body.user, path);
    const login = await new Api(server.url).post('/api/v1/auth/login', { username: reg.body.user.username, password: 'correct horse' });
    assert.deepEqual(login.body.user, reg.body.user);
    const guest = await new Api(server.url).post('/api/v1/auth/guest', { username: `eg${Date.now().toString(36)}` });
    assert.equal(guest.body.user.email_notifications, true);
    const other = await newUser(server.url, 'eo');
    await other.api.patch('/api/v1/users/me', { email: addressOf(other) });
    const people = await api.get(`/api/v1/users?q=${other.name}`);
    assert.equal(people.body.users[0].user.username, other.name);
    assert.ok(!('email' in people.body.users[0].user) && !('email_verified' in people.body.users[0].user), 'no private fields of others');
  });

  it('verification: the mailed token verifies; a wrong one, or one of an earlier address, is 400 invalid_token', async () => {
    const u = await newUser(server.url, 'ev');
    const first = await setEmail(u, `first.${u.name}@example.com`);
    const mail = smtp.to(`first.${u.name}@example.com`)[0]!;
    assert.ok(mail.text.includes(first) && mail.text.includes(`http://chat.test:8080/?verify_email=${first}`), mail.text);
    assert.ok(mail.html.includes(`href="http://chat.test:8080/?verify_email=${first}"`), mail.html);
    assert.match(mail.from, /natter@chat\.test/);
    const second = await setEmail(u);
    const wrong = await u.api.post('/api/v1/users/me/email/verify', { token: 'not-the-token' });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error.code, 'invalid_token');
    const old = await u.api.post('/api/v1/users/me/email/verify', { token: first });
    assert.equal(old.body.error?.code, 'invalid_token', 'a changed email invalidates the earlier token');
    const ok = await u.api.post('/api/v1/users/me/email/verify', { token: second });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual([ok.body.user.email, ok.body.user.email_verified], [addressOf(u), true]);
    assert.equal((await u.api.get('/api/v1/users/me')).body.user.email_verified, true);
    const again = await u.api.post('/api/v1/users/me/email/verify', { token: second });
    assert.equal(again.body.error?.code, 'invalid_token', 'a token verifies once');
    const same = await u.api.patch('/api/v1/users/me', { email: addressOf(u) });
    assert.equal(same.body.user.email_verified, true, 'the verified address sent again changes nothing');
  });

  it('PATCH /users/me: a malformed address is 400 invalid_request; cookie changes need the CSRF header; null removes it', async () => {
    const u = await newUser(server.url, 'ep');
    for (const email of ['nobody', 'a@b', 'a b@example.com', '@example.com', `${'x'.repeat(250)}@example.com`, 'a@example.com\r\nBcc: x@y.z']) {
      const r = await u.api.patch('/api/v1/users/me', { email });
      assert.equal(r.status, 400, email);
      assert.equal(r.body.error.code, 'invalid_request', email);
    }
    const ignored = await u.api.patch('/api/v1/users/me', { display_name: 'x' });
    assert.deepEqual([ignored.status, ignored.body.user.email], [200, null], 'fields of later issues are ignored, like any unknown field');
    const csrf = await u.api.req('PATCH', '/api/v1/users/me', { email_notifications: false }, { cookie: `natter_session=${u.token}` });
    assert.deepEqual([csrf.status, csrf.body.error.code], [403, 'csrf']);
    const off = await u.api.req('PATCH', '/api/v1/users/me', { email_notifications: false }, { cookie: `natter_session=${u.token}`, 'x-requested-with': 'natter' });
    assert.deepEqual([off.status, off.body.user.email_notifications], [200, false]);
    await setEmail(u);
    const gone = await u.api.patch('/api/v1/users/me', { email: null });
    assert.deepEqual([gone.body.user.email, gone.body.user.email_verified, gone.body.user.email_notifications], [null, false, false]);
  });

  it('one digest per interval lists every pending DM and mention; read and plain messages are not listed', async () => {
    const bob = await verifiedUser(server.url, 'db');
    const alice = await newUser(server.url, 'da');
    const carol = await newUser(server.url, 'dc');
    const dave = await newUser(server.url, 'dd');
    const [ab, dd, team] = [await dm(alice, bob), await dm(dave, bob), await room(carol, 'private', [bob])];
    const dm1 = await post(alice, ab, 'first <b>DM</b> & more');
    const dm2 = await post(alice, ab, 'second DM');
    const mention = await post(carol, team, `@${bob.name} please look`);
    const plain = await post(carol, team, 'no mention here');
    const read = await post(dave, dd, 'read at once');
    assert.equal((await bob.api.post(`/api/v1/rooms/${dd}/read`, { seq: read.seq })).status, 204);
    const first = await digest(bob, 1, 'the first digest');
    assert.ok(first.at - Date.parse(dm1.created_at) >= DELAY_MS - 50, 'not before the delay');
    for (const [m, r] of [[dm1, ab], [dm2, ab], [mention, team]] as const) {
      assert.ok(first.text.includes(link(r, m.seq)), `${m.text} linked in the text part:\n${first.text}`);
      assert.ok(first.html.includes(link(r, m.seq).replace(/&/g, '&amp;')), `${m.text} linked in the HTML part`);
    }
    assert.ok(first.text.includes('first <b>DM</b> & more') && first.text.includes(`#${team}`) && first.text.includes(alice.name));
    assert.ok(first.html.includes('first &lt;b&gt;DM&lt;/b&gt; &amp; more') && !first.html.includes('<b>DM</b>'), 'user text is escaped in HTML');
    assert.ok(!first.text.includes(plain.text) && !first.text.includes(read.text), first.text);
    assert.match(first.subject, /^3 unread messages/);
    const marker = await post(alice, ab, 'the marker');
    const second = await digest(bob, 2, 'the marker digest');
    assert.ok(second.at - first.at >= DELAY_MS - 50, `at most one email per interval (${second.at - first.at} ms apart)`);
    assert.ok(second.text.includes(link(ab, marker.seq)) && !second.text.includes(dm1.text) && !second.text.includes(plain.text), second.text);
    assert.equal(digestsTo(addressOf(bob)).length, 2);
  });

  it('email_notifications false or an unverified address: nothing is mailed', async () => {
    const alice = await newUser(server.url, 'na');
    const grace = await verifiedUser(server.url, 'ng');
    const erin = await verifiedUser(server.url, 'ne');
    assert.equal((await erin.api.patch('/api/v1/users/me', { email_notifications: false })).body.user.email_notifications, false);
    const frank = await newUser(server.url, 'nf');
    const frankToken = await setEmail(frank);
    const [toErin, toFrank] = [await dm(alice, erin), await dm(alice, frank)];
    const muted = await post(alice, toErin, 'erin has email notifications off');
    const unverified = await post(alice, toFrank, 'frank has not verified');
    await post(alice, await dm(alice, grace), 'the marker');
    await digest(grace, 1, 'the marker digest');
    // The worker has decided both messages: turned on now, only later messages are mailed.
    assert.equal((await erin.api.patch('/api/v1/users/me', { email_notifications: true })).status, 200);
    assert.equal((await frank.api.post('/api/v1/users/me/email/verify', { token: frankToken })).status, 200);
    const [later1, later2] = [await post(alice, toErin, 'erin again'), await post(alice, toFrank, 'frank again')];
    const [e, f] = [await digest(erin, 1, "erin's digest"), await digest(frank, 1, "frank's digest")];
    assert.ok(e.text.includes(later1.text) && !e.text.includes(muted.text), e.text);
    assert.ok(f.text.includes(later2.text) && !f.text.includes(unverified.text), f.text);
    assert.deepEqual([digestsTo(addressOf(erin)).length, digestsTo(addressOf(frank)).length], [1, 1]);
  });
}, ENV);
