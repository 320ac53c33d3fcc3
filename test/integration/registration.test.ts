/**
 * Registration modes, invites and NATTER_ADMINS (API v1.1 §5) against real server processes on SQLite and
 * PostgreSQL. Each store's database is first served open (so the admin can register), then restarted in the
 * mode under test on the same database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Api, newUser, PASSWORD, type TestUser } from '../helpers/api.ts';
import { createDatabase, type TestDatabase } from '../helpers/cluster.ts';
import { assertError } from '../helpers/rest.ts';
import { spawnNatter, stopChild, type NatterProcess } from '../helpers/server.ts';
import { uniq } from '../helpers/wait.ts';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`registration modes and invites (${kind})`, () => {
    let db: TestDatabase | undefined;
    let proc: NatterProcess | undefined;
    let url = '';
    let databaseUrl = '';

    /** (Re)start the server on this describe's database with `env`. */
    async function serve(env: Record<string, string>): Promise<void> {
      if (proc) await stopChild(proc.child, 'SIGTERM');
      if (!databaseUrl) {
        if (kind === 'sqlite') databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'natter-reg-')), 'natter.db')}`;
        else databaseUrl = (db = await createDatabase()).url;
      }
      proc = await spawnNatter({ ...env, PORT: '0', DATABASE_URL: databaseUrl });
      url = `http://127.0.0.1:${proc.port}`;
    }
    after(async () => {
      if (proc) await stopChild(proc.child, 'SIGTERM');
      await db?.drop();
    });

    const register = (body: Record<string, unknown>) => new Api(url).post('/api/v1/auth/register', { username: uniq('r'), password: PASSWORD, ...body });
    const guest = (body: Record<string, unknown>) => new Api(url).post('/api/v1/auth/guest', { username: uniq('g'), ...body });
    let admin: TestUser;

    it('NATTER_ADMINS: only the named accounts become admins (at registration and at start)', async () => {
      const boss = uniq('boss');
      await serve({ NATTER_ADMINS: `${boss.toUpperCase()}, someone-else` });
      const first = await newUser(url, 'first');
      assert.equal((await first.api.get('/api/v1/users/me')).body.user.role, 'member', 'not admin by being first');
      const r = await new Api(url).post('/api/v1/auth/register', { username: boss, password: PASSWORD });
      assert.equal(r.body.user.role, 'admin');
      admin = { api: new Api(url, r.body.token), id: r.body.user.id, name: boss, token: r.body.token };
      // Named later, at a restart: made admin at start.
      await serve({ NATTER_ADMINS: `${boss},${first.name}` });
      assert.equal((await new Api(url, first.token).get('/api/v1/users/me')).body.user.role, 'admin');
      assert.equal((await new Api(url).get('/api/v1/server')).body.registration, 'open');
    });

    it('invite mode: register and guest need a usable invite; uses count only for accounts made; revoked at once', async () => {
      await serve({ NATTER_REGISTRATION: 'invite' });
      admin.api = new Api(url, admin.token);
      assert.equal((await new Api(url).get('/api/v1/server')).body.registration, 'invite');
      assertError(await register({}), 403, 'invite_required');
      assertError(await guest({}), 403, 'invite_required');
      assertError(await register({ invite: 'no-such-code' }), 403, 'invalid_invite');
      const made = await admin.api.post('/api/v1/invites', { max_uses: 2, expires_in_s: 3600 });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const code = made.body.invite.code;
      assert.deepEqual({ max: made.body.invite.max_uses, uses: made.body.invite.uses, by: made.body.invite.created_by.username }, { max: 2, uses: 0, by: admin.name });
      assertError(await register({ invite: code, username: admin.name }), 409, 'username_taken');
      assert.equal((await register({ invite: code })).status, 201);
      assert.equal((await admin.api.get('/api/v1/invites')).body.invites.find((i: any) => i.code === code).uses, 1, 'a failed registration used nothing');
      assert.equal((await guest({ invite: code })).status, 201);
      assertError(await register({ invite: code }), 403, 'invalid_invite');
      assert.ok(!(await admin.api.get('/api/v1/invites')).body.invites.some((i: any) => i.code === code), 'used up: not listed');
      const other = (await admin.api.post('/api/v1/invites', {})).body.invite.code;
      assert.equal((await admin.api.del(`/api/v1/invites/${other}`)).status, 204);
      assertError(await register({ invite: other }), 403, 'invalid_invite');
      assertError(await admin.api.del(`/api/v1/invites/${other}`), 404, 'not_found');
      assertError(await admin.api.post('/api/v1/invites', { max_uses: 1001 }), 400, 'invalid_request');
      assertError(await admin.api.post('/api/v1/invites', { expires_in_s: 59 }), 400, 'invalid_request');
    });

    it('the last use of an invite goes to one of many racing registrations', async () => {
      const code = (await admin.api.post('/api/v1/invites', { max_uses: 1 })).body.invite.code;
      const results = await Promise.all(Array.from({ length: 8 }, () => register({ invite: code })));
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 403, 403, 403, 403, 403, 403, 403]);
    });

    it('closed: register and guest are 403 registration_closed; sign-in still works', async () => {
      await serve({ NATTER_REGISTRATION: 'closed' });
      const code = (await new Api(url, admin.token).post('/api/v1/invites', {})).body.invite.code;
      assertError(await register({ invite: code }), 403, 'registration_closed');
      assertError(await guest({}), 403, 'registration_closed');
      assert.equal((await new Api(url).post('/api/v1/auth/login', { username: admin.name, password: PASSWORD })).status, 200);
      assert.equal((await new Api(url).get('/api/v1/server')).body.registration, 'closed');
    });
  });
}
