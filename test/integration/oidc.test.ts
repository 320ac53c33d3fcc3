/**
 * Single sign-on (API v1.1 §5 "Single sign-on (OIDC)" and its Clarifications) against real Natter processes on
 * SQLite and PostgreSQL and a real OpenID provider in this process (test/helpers/oidc-provider.ts: oidc-provider,
 * auto-approving as the account a test picks). The whole redirect chain is followed over HTTP with a cookie jar.
 *
 * Deactivation uses `PATCH /api/v1/admin/users/:username` when the server has it, else sets users.active = 0 in
 * the database directly (the admin API was being built beside this suite).
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import pg from 'pg';
import { after, before, describe, it } from 'node:test';
import { Api, newUser, type TestUser } from '../helpers/api.ts';
import { createDatabase, freePort, type TestDatabase } from '../helpers/cluster.ts';
import { Browser, callbackOf, startProvider, type TestAccount } from '../helpers/oidc-provider.ts';
import { spawnNatter, startServer, stopChild, useServer, type NatterProcess, type RunningServer } from '../helpers/server.ts';
import { startSmtpService } from '../helpers/smtp.ts';
import { uniq } from '../helpers/wait.ts';

const STORES = ['sqlite', 'postgres'] as const;
const ports = { sqlite: await freePort(), postgres: await freePort() };
const origin = (port: number): string => `http://127.0.0.1:${port}`;
const op = await startProvider({ redirectUris: STORES.map((k) => callbackOf(origin(ports[k]))) });
const smtp = await startSmtpService();
after(async () => {
  await op.close();
  await smtp.close();
});

/** Run the flow in `b` as `account` (a fresh session at the provider); returns where Natter sent the browser at the end. */
async function signIn(b: Browser, url: string, account: TestAccount, returnTo?: string): Promise<URL> {
  op.loginAs(account);
  b.forget(op.issuer);
  const start = `${url}/api/v1/auth/oidc/start${returnTo === undefined ? '' : `?return_to=${encodeURIComponent(returnTo)}`}`;
  const visited = await b.follow(start, (next) => next.origin === url && !next.pathname.startsWith('/api/v1/auth/oidc/'));
  return new URL(visited.at(-1)!);
}

/** The browser's own user (GET /me with its session cookie), or the status when it is not signed in. */
async function me(b: Browser, url: string): Promise<any> {
  const token = b.cookie(url, 'natter_session');
  if (!token) return null;
  const r = await new Api(url).req('GET', '/api/v1/me', undefined, { cookie: `natter_session=${token}` });
  return r.status === 200 ? r.body.user : r.status;
}

const errorOf = (landed: URL): string | null => landed.searchParams.get('oidc_error');

/** A browser signed in with a password account. */
function browserOf(url: string, u: TestUser): Browser {
  const b = new Browser();
  b.setCookie(url, 'natter_session', u.token);
  return b;
}

for (const kind of STORES) {
  describe(`single sign-on (${kind})`, () => {
    const url = origin(ports[kind]);
    let sqlite: RunningServer | undefined;
    let proc: NatterProcess | undefined;
    let db: TestDatabase | undefined;
    let admin: TestUser;
    before(async () => {
      const env = { ...op.env(url), PORT: String(ports[kind]), NATTER_SMTP_URL: smtp.url, NATTER_OIDC_NAME: 'Test IdP' };
      if (kind === 'sqlite') sqlite = await startServer(env);
      else {
        db = await createDatabase();
        proc = await spawnNatter({ ...env, DATABASE_URL: db.url });
      }
      admin = await newUser(url, 'boss'); // the first account: admin by the first-admin rule
    });
    after(async () => {
      await sqlite?.stop();
      if (proc) await stopChild(proc.child, 'SIGTERM');
      await db?.drop();
    });

    /** users.active = false: through the admin API when it is there, else in the database. */
    async function deactivate(username: string): Promise<void> {
      const r = await admin.api.patch(`/api/v1/admin/users/${username}`, { active: false });
      if (r.status === 200) return;
      if (sqlite) {
        const d = new Database(sqlite.dbPath);
        d.prepare('UPDATE users SET active = 0 WHERE username = ?').run(username);
        d.close();
      } else {
        const c = new pg.Client({ connectionString: db!.url });
        await c.connect();
        await c.query('UPDATE users SET active = false WHERE username = $1', [username]);
        await c.end();
      }
    }

    /** A password account whose email is verified through the mailed token. */
    async function verifiedUser(prefix: string): Promise<TestUser & { email: string }> {
      const u = await newUser(url, prefix);
      const email = `${u.name}@example.com`;
      const since = Date.now();
      assert.equal((await u.api.patch('/api/v1/users/me', { email })).status, 200);
      const mail = await smtp.next((m) => m.to.includes(email) && m.at >= since, `the verification mail to ${email}`);
      const token = /verify_email=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
      const v = await u.api.post('/api/v1/users/me/email/verify', { token });
      assert.equal(v.body.user.email_verified, true);
      return { ...u, email };
    }

    it('GET /server says oidc: true with the provider name', async () => {
      const r = await new Api(url).get('/api/v1/server');
      assert.equal(r.body.oidc, true);
      assert.equal(r.body.oidc_name, 'Test IdP');
    });

    it('start: 302 to the issuer with code flow, PKCE S256, state, nonce and the scope; the flow in an HttpOnly cookie for 10 min', async () => {
      const b = new Browser();
      const res = await b.get(`${url}/api/v1/auth/oidc/start?return_to=${encodeURIComponent('/#/r/general')}`);
      assert.equal(res.status, 302);
      const to = new URL(res.headers.get('location')!);
      assert.equal(to.origin, op.issuer);
      const q = to.searchParams;
      assert.equal(q.get('response_type'), 'code');
      assert.equal(q.get('client_id'), 'natter-test');
      assert.equal(q.get('redirect_uri'), callbackOf(url));
      assert.equal(q.get('scope'), 'openid profile email');
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.match(q.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(q.get('state')!.length >= 32 && q.get('nonce')!.length >= 32);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('natter_oidc='))!;
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /Max-Age=600/i);
      assert.match(cookie, /SameSite=Lax/i);
      assert.ok(!cookie.includes(q.get('state')!), 'the cookie is sealed: the state is not readable in it');
    });

    it('a first sign-in creates the account from the claims, sets the session cookie and returns to return_to', async () => {
      const sub = uniq('sub-');
      const b = new Browser();
      const landed = await signIn(b, url, { sub, preferred_username: `Ann.${sub.slice(4, 12)}`, name: 'Ann Example', email: `${sub}@example.com`, email_verified: true }, '/#/r/general');
      assert.equal(landed.href, `${url}/#/r/general`);
      const user = await me(b, url);
      assert.equal(user.username, `Ann.${sub.slice(4, 12)}`);
      assert.equal(user.display_name, 'Ann Example');
      assert.equal(user.email, `${sub}@example.com`);
      assert.equal(user.email_verified, true, 'an email the provider verified is stored verified');
      assert.equal(user.guest, false);
      assert.equal(b.cookie(url, 'natter_oidc'), undefined, 'the flow cookie is cleared');
      const sessions = await new Api(url, b.cookie(url, 'natter_session')).get('/api/v1/auth/sessions');
      assert.equal(sessions.body.sessions.length, 1, 'the sign-in made one session');
      const general = await new Api(url, b.cookie(url, 'natter_session')).get('/api/v1/rooms/general');
      assert.equal(general.body.room.member, true, 'a new account joins general');

      // A second sign-in, from another browser, lands on the same account.
      const again = new Browser();
      assert.equal((await signIn(again, url, { sub, preferred_username: 'someone-else' })).pathname, '/');
      assert.equal((await me(again, url)).id, user.id);
    });

    it('signed in, a flow links the identity to your account; that identity then signs in to it', async () => {
      const bob = await newUser(url, 'bob');
      const sub = uniq('bob-idp-');
      const b = browserOf(url, bob);
      const landed = await signIn(b, url, { sub, preferred_username: 'not-bob', email: `${sub}@example.com`, email_verified: true }, '/#/settings');
      assert.equal(landed.href, `${url}/#/settings`);
      assert.equal((await me(b, url)).id, bob.id, 'still bob');
      assert.equal(b.cookie(url, 'natter_session'), bob.token, 'the session in use is kept');
      const other = new Browser();
      await signIn(other, url, { sub });
      assert.equal((await me(other, url)).id, bob.id);
      assert.equal((await bob.api.get('/api/v1/users/not-bob')).status, 404, 'no account was created');
    });

    it('linking an identity that belongs to another account: already_linked', async () => {
      const sub = uniq('taken-');
      const first = new Browser();
      await signIn(first, url, { sub, preferred_username: 'taken' });
      const owner = await me(first, url);
      const carol = await newUser(url, 'carol');
      const b = browserOf(url, carol);
      const landed = await signIn(b, url, { sub });
      assert.equal(errorOf(landed), 'already_linked');
      assert.equal(landed.pathname, '/');
      assert.equal((await me(b, url)).id, carol.id);
      const again = new Browser();
      await signIn(again, url, { sub });
      assert.equal((await me(again, url)).id, owner.id, 'the identity still signs in to its owner');
    });

    it('a verified token email finds the one active account with that verified email, and links it', async () => {
      const dave = await verifiedUser('dave');
      const sub = uniq('dave-idp-');
      const b = new Browser();
      await signIn(b, url, { sub, preferred_username: 'dave-sso', email: dave.email.toUpperCase(), email_verified: true });
      assert.equal((await me(b, url)).id, dave.id);
      // Now linked: the identity finds dave even without an email.
      const c = new Browser();
      await signIn(c, url, { sub });
      assert.equal((await me(c, url)).id, dave.id);
    });

    it('no email link unless both sides are verified: the new account keeps the token email, unverified when the provider did not verify it', async () => {
      const erin = await verifiedUser('erin');
      const b = new Browser();
      const sub1 = uniq('erin-idp-');
      await signIn(b, url, { sub: sub1, preferred_username: `e1${sub1.slice(-6)}`, email: erin.email, email_verified: false });
      const made = await me(b, url);
      assert.notEqual(made.id, erin.id);
      assert.equal(made.username, `e1${sub1.slice(-6)}`);
      assert.deepEqual([made.email, made.email_verified], [erin.email, false]);

      // An account whose email is set but not verified is never linked by email.
      const frank = await newUser(url, 'frank');
      const email = `${frank.name}@example.com`;
      await frank.api.patch('/api/v1/users/me', { email });
      const c = new Browser();
      await signIn(c, url, { sub: uniq('frank-idp-'), email, email_verified: true });
      const other = await me(c, url);
      assert.notEqual(other.id, frank.id);
      assert.equal(other.username, frank.name + '-2', 'the email local part (the password account has it), then -2');
      assert.deepEqual([other.email, other.email_verified], [email, true]);
    });

    it('a deactivated account is refused: account_deactivated, no session', async () => {
      const sub = uniq('gone-');
      const b = new Browser();
      await signIn(b, url, { sub, preferred_username: `gone${sub.slice(-8)}` });
      const user = await me(b, url);
      await deactivate(user.username);
      const c = new Browser();
      const landed = await signIn(c, url, { sub });
      assert.equal(errorOf(landed), 'account_deactivated');
      assert.equal(c.cookie(url, 'natter_session'), undefined);
    });

    it('a forged, missing or mismatched state is refused: invalid_state, and no code is exchanged', async () => {
      const b = new Browser();
      const start = await b.get(`${url}/api/v1/auth/oidc/start`);
      const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
      const cases: [string, (jar: Browser) => void][] = [
        [`?code=abc&state=${state}x`, () => {}],
        ['?code=abc', () => {}],
        [`?code=abc&state=${state}`, (jar) => jar.setCookie(url, 'natter_oidc', undefined)],
        [`?code=abc&state=${state}`, (jar) => jar.setCookie(url, 'natter_oidc', 'A'.repeat(120))],
      ];
      for (const [query, tamper] of cases) {
        const jar = new Browser();
        jar.setCookie(url, 'natter_oidc', b.cookie(url, 'natter_oidc'));
        tamper(jar);
        const res = await jar.get(`${url}/api/v1/auth/oidc/callback${query}`);
        assert.equal(res.status, 302, query);
        assert.equal(res.headers.get('location'), '/?oidc_error=invalid_state', query);
        assert.equal(jar.cookie(url, 'natter_session'), undefined);
      }
    });

    it('a provider error (e.g. access denied) with the right state: oidc_failed', async () => {
      const b = new Browser();
      const start = await b.get(`${url}/api/v1/auth/oidc/start`);
      const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
      const res = await b.get(`${url}/api/v1/auth/oidc/callback?error=access_denied&state=${state}`);
      assert.equal(res.headers.get('location'), '/?oidc_error=oidc_failed');
    });

    it('usernames: alphabet only, cut to 32, -2, -3… on collision, reserved names skipped, `user` when nothing remains', async () => {
      const tag = uniq('').slice(-6);
      const name = async (account: Omit<TestAccount, 'sub'>): Promise<string> => {
        const b = new Browser();
        await signIn(b, url, { sub: uniq('n-'), ...account });
        return (await me(b, url)).username;
      };
      assert.equal(await name({ preferred_username: `José Ñ ${tag}!` }), `Jos${tag}`);
      assert.equal(await name({ preferred_username: `dup${tag}` }), `dup${tag}`);
      assert.equal(await name({ preferred_username: `DUP${tag}` }), `DUP${tag}-2`, 'collisions are case-insensitive');
      assert.equal(await name({ preferred_username: `dup${tag}` }), `dup${tag}-3`);
      const long = `${tag}${'x'.repeat(40)}`;
      assert.equal(await name({ preferred_username: long }), long.slice(0, 32));
      assert.equal(await name({ preferred_username: long }), `${long.slice(0, 30)}-2`, 'the suffix fits in 32');
      assert.equal(await name({ email: `first.last+${tag}@example.com` }), `first.last${tag}`, 'no preferred_username: the email local part');
      const admins = [await name({ preferred_username: 'Admin' }), await name({ preferred_username: 'admin' })];
      assert.ok(admins.every((n) => /^Admin-\d+$|^admin-\d+$/.test(n)), `reserved: ${admins}`);
      const users = [await name({ preferred_username: '日本語' }), await name({})];
      assert.ok(users.every((n) => /^user(-\d+)?$/.test(n)), `nothing usable: ${users}`);
    });

    it('display_name: 1–64 code points, else null; return_to must be a path of this site', async () => {
      const b = new Browser();
      await signIn(b, url, { sub: uniq('d-'), name: 'x'.repeat(65) });
      assert.equal((await me(b, url)).display_name, null);
      for (const bad of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'relative']) {
        const c = new Browser();
        const landed = await signIn(c, url, { sub: uniq('r-') }, bad);
        assert.equal(landed.href, `${url}/`, bad);
      }
    });
  });
}

describe('single sign-on not configured', () => {
  const server = useServer({ NATTER_OIDC_ISSUER: 'https://idp.example', NATTER_OIDC_CLIENT_ID: 'x' });

  it('both routes are 404 and GET /server says oidc: false (only some NATTER_OIDC_* set)', async () => {
    const api = new Api(server.url);
    assert.equal((await api.get('/api/v1/server')).body.oidc, false);
    for (const path of ['/api/v1/auth/oidc/start', '/api/v1/auth/oidc/callback?code=a&state=b']) {
      const r = await api.get(path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.error.code, 'not_found');
    }
  });
});

describe('single sign-on with an unreachable provider', () => {
  const server = useServer({
    NATTER_OIDC_ISSUER: 'http://127.0.0.1:1', NATTER_OIDC_CLIENT_ID: 'x', NATTER_OIDC_CLIENT_SECRET: 'y', NATTER_OIDC_ALLOW_HTTP: '1',
    NATTER_OIDC_REDIRECT_URL: 'http://127.0.0.1:1/api/v1/auth/oidc/callback',
  });

  it('start redirects to /?oidc_error=oidc_failed and sets no flow cookie', async () => {
    const b = new Browser();
    const res = await b.get(`${server.url}/api/v1/auth/oidc/start`);
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/?oidc_error=oidc_failed');
    assert.equal(b.cookie(server.url, 'natter_oidc'), undefined);
  });
});
