/**
 * The example receiver in docs/ (docs/webhook-receiver.mjs) run as users would run it, against a real Natter
 * process: it prints each event once, in order, and refuses a forged or stale delivery.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { newUser, post, room } from '../helpers/api.ts';
import { freePort } from '../helpers/cluster.ts';
import { killOnExit, useServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

describe('docs/webhook-receiver.mjs', () => {
  const server = useServer({ NATTER_FETCH_ALLOW: '127.0.0.1', NATTER_HOOK_RETRY_MS: '100' });
  let child: ChildProcess | undefined;
  after(() => child?.kill('SIGKILL'));

  it('verifies, dedupes and prints every event once, in order; forged and stale deliveries get 401', async () => {
    const owner = await newUser(server.url, 'ex');
    const name = await room(owner, 'public');
    const port = await freePort();
    const r = await owner.api.post(`/api/v1/rooms/${name}/hooks`, { kind: 'outgoing', url: `http://127.0.0.1:${port}/natter`, events: ['message'] });
    assert.equal(r.status, 201);
    child = spawn(process.execPath, ['docs/webhook-receiver.mjs'], { env: { ...process.env, PORT: String(port), WEBHOOK_SECRET: r.body.hook.secret } });
    killOnExit(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    await waitFor(() => err.includes('listening'), 'the receiver listening');
    const texts = ['one', 'two', 'three'];
    for (const t of texts) await post(owner, name, t);
    const printed = () => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    await waitFor(() => printed().length === 3, 'three events printed');
    assert.deepEqual(printed().map((e) => e.data.message.text), texts);
    const url = `http://127.0.0.1:${port}/natter`;
    const body = '{"hook_id":"1","event":{"id":"1-x","type":"message","data":{}}}';
    const forged = await fetch(url, { method: 'POST', body, headers: { 'webhook-id': '1-x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' } });
    assert.equal(forged.status, 401);
    const stale = Math.floor(Date.now() / 1000) - 600;
    const key = Buffer.from(r.body.hook.secret.slice(6), 'base64');
    const sig = `v1,${createHmac('sha256', key).update(`1-x.${stale}.${body}`).digest('base64')}`;
    const old = await fetch(url, { method: 'POST', body, headers: { 'webhook-id': '1-x', 'webhook-timestamp': String(stale), 'webhook-signature': sig } });
    assert.equal(old.status, 401, 'more than 5 minutes off');
    const first = printed()[0];
    const now = Math.floor(Date.now() / 1000);
    const again = JSON.stringify({ hook_id: r.body.hook.id, event: { id: first.id, type: 'message', data: first.data } });
    const resig = `v1,${createHmac('sha256', key).update(`${first.id}.${now}.${again}`).digest('base64')}`;
    const dup = await fetch(url, { method: 'POST', body: again, headers: { 'webhook-id': first.id, 'webhook-timestamp': String(now), 'webhook-signature': resig } });
    assert.equal(dup.status, 204, 'a redelivery is acknowledged');
    await post(owner, name, 'four');
    await waitFor(() => printed().length >= 4, 'the fourth event printed');
    assert.deepEqual(printed().map((e) => e.data.message.text), [...texts, 'four'], 'the redelivery was not handled twice');
  });
});
