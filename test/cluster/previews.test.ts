/**
 * Link previews in cluster mode (issue 12 item 4): two Natter processes on one PostgreSQL database and Redis. The
 * node that commits a post fetches its pages, once; the other node's streams get the one message_updated; an edit
 * on the other node fetches only its new URL, once.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Api, newUser, room } from '../helpers/api.ts';
import { useTwoNodes } from '../helpers/cluster.ts';
import { dataOf, openEvents } from '../helpers/sse.ts';
import { uniq } from '../helpers/wait.ts';

describe('link previews across two nodes (PostgreSQL + Redis)', () => {
  const nodes = useTwoNodes({ NATTER_FETCH_ALLOW: '127.0.0.1' });
  const requested: string[] = [];
  const site = http.createServer((req, res) => {
    requested.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>Page ${req.url}</title>`);
  });
  let base = '';

  before(async () => {
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });
  after(async () => {
    site.closeAllConnections();
    await new Promise((r) => site.close(r));
  });

  it('fetched once, by the committing node; both nodes stream the one update; an edit elsewhere fetches only the new URL', async () => {
    const alice = await newUser(nodes.a.url, 'cp');
    const name = await room(alice, 'public');
    const onA = await openEvents(nodes.a.url, alice.token);
    const onB = await openEvents(nodes.b.url, alice.token);
    const t = uniq('p');
    const first = `${base}/${t}-1`;
    const posted = await alice.api.post(`/api/v1/rooms/${name}/messages`, { text: `see ${first}` });
    assert.equal(posted.status, 201);
    const id = posted.body.message.id;
    const updated = (ev: any[], n: number) => dataOf(ev, 'message_updated', name).filter((d) => d.message.id === id && d.message.previews.length === n);
    for (const s of [onA, onB]) await s.waitFor((ev) => updated(ev, 1).length === 1, 'the preview on each node', 15_000);
    assert.equal(updated(onB.events, 1)[0].message.previews[0].title, `Page /${t}-1`);

    const second = `${base}/${t}-2`;
    const edited = await new Api(nodes.b.url, alice.token).patch(`/api/v1/rooms/${name}/messages/${id}`, { text: `see ${first} and ${second}` });
    assert.equal(edited.status, 200);
    for (const s of [onA, onB]) await s.waitFor((ev) => updated(ev, 2).length === 1, 'both previews on each node', 15_000);
    assert.deepEqual(requested.filter((p) => p.startsWith(`/${t}`)).sort(), [`/${t}-1`, `/${t}-2`], 'each URL fetched once in the cluster');
    onA.close();
    onB.close();
  });
});
