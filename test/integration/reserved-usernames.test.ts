/** Reserved usernames: 409 username_taken from register and guest; punctuation-only names 400; existing holders keep them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hash } from '@node-rs/argon2';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { Api, PASSWORD } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';

const server = useServer();

describe('reserved usernames', () => {
  it('register and guest: reserved names (any case) get 409 username_taken; names of only . - _ get 400', async () => {
    const anon = new Api(server.url);
    for (const username of ['room', 'here', 'everyone', 'channel', 'all', 'admin', 'root', 'system', 'natter', 'Admin', 'NATTER']) {
      assertError(await anon.post('/api/v1/auth/register', { username, password: PASSWORD }), 409, 'username_taken');
      assertError(await anon.post('/api/v1/auth/guest', { username }), 409, 'username_taken');
    }
    for (const username of ['.', '-', '_', '._-', '___']) {
      assertError(await anon.post('/api/v1/auth/register', { username, password: PASSWORD }), 400, 'invalid_request');
      assertError(await anon.post('/api/v1/auth/guest', { username }), 400, 'invalid_request');
    }
    const ok = await anon.post('/api/v1/auth/register', { username: `rooms${Date.now() % 100000}`, password: PASSWORD });
    assert.equal(ok.status, 201, 'a name that only contains a reserved one is fine');
  });

  it('an account that already holds a reserved name keeps it: login works', async () => {
    await server.stop();
    const store = openSqliteStore(server.dbPath);
    await store.createUser({ username: 'Admin', passwordHash: await hash(PASSWORD, { algorithm: 2 }), guest: false });
    await store.close();
    await server.restart();
    const r = await new Api(server.url).post('/api/v1/auth/login', { username: 'admin', password: PASSWORD });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.user.username, 'Admin');
  });
});
