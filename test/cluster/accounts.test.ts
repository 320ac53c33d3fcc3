/**
 * Accounts in cluster mode (API v1.1 §5): a deactivation made on node A ends the user's stream on node B within a
 * second, and the token is refused on both; a password change on A ends the other session's stream on B.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, newUser, PASSWORD } from '../helpers/api.ts';
import { useTwoNodes } from '../helpers/cluster.ts';
import { openEvents } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';

describe('accounts across two nodes (PostgreSQL + Redis)', () => {
  const nodes = useTwoNodes();

  it('deactivated on A: the stream on B ends within a second; the token is refused on both', async () => {
    const admin = await newUser(nodes.a.url, 'ca');
    assert.equal((await admin.api.get('/api/v1/users/me')).body.user.role, 'admin', 'the first account');
    const eve = await newUser(nodes.a.url, 'ce');
    const onB = await openEvents(nodes.b.url, eve.token);
    assert.equal((await admin.api.patch(`/api/v1/admin/users/${eve.name}`, { active: false })).status, 200);
    await waitFor(() => onB.closed, 'the stream on B ended', 1000);
    assert.equal((await new Api(nodes.b.url, eve.token).get('/api/v1/me')).status, 401);
    assert.equal((await eve.api.get('/api/v1/me')).status, 401);
  });

  it('a password change on A ends the other session\'s stream on B', async () => {
    const fay = await newUser(nodes.a.url, 'cf');
    const other = (await new Api(nodes.b.url).post('/api/v1/auth/login', { username: fay.name, password: PASSWORD })).body.token;
    const onB = await openEvents(nodes.b.url, other);
    assert.equal((await fay.api.post('/api/v1/auth/password', { current_password: PASSWORD, new_password: 'another password' })).status, 204);
    await waitFor(() => onB.closed, 'the other session\'s stream on B ended', 1000);
  });
});
