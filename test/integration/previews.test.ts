/**
 * Link previews (API v1.1 §3) against real server processes on SQLite and PostgreSQL, fetching pages from
 * a real HTTP server on 127.0.0.1 (exempted from the fetch guard with NATTER_FETCH_ALLOW, as the contract
 * provides for tests): previews arrive in one message_updated, in text order, for the first 3 distinct
 * URLs; as written even after redirects; none found → no event; edits keep, drop and fetch; the limits on
 * redirects, type and size; a reset connection tried again; a message deleted while its pages load gets nothing.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { newUser, post, room, type TestUser } from '../helpers/api.ts';
import { dataOf, openEvents, type RawStream } from '../helpers/sse.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

/** A site on 127.0.0.1: pages by path, a log of requested paths, and paths held until released. */
function site() {
  const requested: string[] = [];
  const held = new Map<string, () => void>();
  const page = (title: string, extra = '') => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${extra}</head><body>x</body></html>`;
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    requested.push(path);
    const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    const hop = /^\/hop(\d+)\/(.*)$/.exec(path);
    if (hop) return res.writeHead(302, { location: Number(hop[1]) > 1 ? `/hop${Number(hop[1]) - 1}/${hop[2]}` : `/${hop[2]}` }).end();
    if (path.startsWith('/og/')) return html(page('fallback', `<meta property="og:title" content="OG ${path.slice(4)}"><meta property="og:site_name" content="Site"><meta property="og:image" content="/pic.png">`));
    if (path.startsWith('/title/')) return html(page(`Title ${path.slice(7)}`, '<meta name="description" content="Described">'));
    if (path.startsWith('/empty/')) return html('<p>no title, no description</p>');
    if (path.startsWith('/plain/')) return res.writeHead(200, { 'content-type': 'text/plain' }).end('<title>not html</title>');
    // The first request for a /flaky/ path loses its connection (reset), the next one answers.
    if (path.startsWith('/flaky/') && requested.filter((p) => p === path).length === 1) return void req.socket.destroy();
    if (path.startsWith('/flaky/')) return html(page(`Flaky ${path.slice(7)}`));
    if (path.startsWith('/big/')) return html(page('Big page') + 'x'.repeat(3 * 1024 * 1024));
    if (path.startsWith('/held/')) {
      return void held.set(path, () => {
        held.delete(path);
        if (!res.headersSent) html(page(`Held ${path.slice(6)}`));
      });
    }
    res.writeHead(404).end();
  });
  return {
    requested, held,
    url: '',
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    stop: () => new Promise<void>((r) => {
      for (const release of held.values()) release();
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const pages = site();
before(() => pages.start());
after(() => pages.stop());

/** The previews of message `id` once a message_updated carrying some arrives on `s`. */
async function previewsOf(s: RawStream, roomName: string, id: string): Promise<any[]> {
  let found: any[] | undefined;
  await s.waitFor((ev) => {
    const u = dataOf(ev, 'message_updated', roomName).filter((d) => d.message.id === id && d.message.previews.length > 0).at(-1);
    found = u?.message.previews;
    return found !== undefined;
  }, `previews of message ${id}`, 15_000);
  return found!;
}

describeEachStore('link previews', (server: StoreServer) => {
  let alice: TestUser;
  let s: RawStream;
  let name: string;

  before(async () => {
    alice = await newUser(server.url, 'lp');
    name = await room(alice, 'public');
    s = await openEvents(server.url, alice.token);
  });
  after(() => s?.close());

  it('GET /server says previews are on', async () => {
    assert.equal((await alice.api.get('/api/v1/server')).body.previews, true);
  });

  it('the first 3 distinct URLs, in text order, in one message_updated; as written after redirects; og:image made absolute', async () => {
    const t = uniq('a');
    const u = (p: string) => `${pages.url}${p}`;
    const text = `look: ${u(`/og/${t}1`)}, (${u(`/hop2/title/${t}2`)}) and ${u(`/og/${t}1`)} ${u(`/og/${t}3`)}. ${u(`/og/${t}4`)}`;
    const m = await post(alice, name, text);
    assert.deepEqual(m.previews, [], 'none at commit');
    const previews = await previewsOf(s, name, m.id);
    assert.deepEqual(previews, [
      { url: u(`/og/${t}1`), title: `OG ${t}1`, description: null, site_name: 'Site', image_url: u('/pic.png') },
      { url: u(`/hop2/title/${t}2`), title: `Title ${t}2`, description: 'Described', site_name: null, image_url: null },
      { url: u(`/og/${t}3`), title: `OG ${t}3`, description: null, site_name: 'Site', image_url: u('/pic.png') },
    ]);
    assert.ok(!pages.requested.includes(`/og/${t}4`), 'the 4th URL is not fetched');
    assert.equal(pages.requested.filter((p) => p === `/og/${t}1`).length, 1, 'a repeated URL is fetched once');
    assert.equal(dataOf(s.events, 'message_updated', name).filter((d) => d.message.id === m.id).length, 1, 'exactly one event');
    const [listed] = (await alice.api.get(`/api/v1/rooms/${name}/messages?limit=1`)).body.messages;
    assert.deepEqual(listed.previews, previews, 'stored with the message');
  });

  it('pages with nothing to show, non-HTML, too many redirects: no preview; none at all → no event', async () => {
    const t = uniq('n');
    const nothing = await post(alice, name, `${pages.url}/empty/${t} ${pages.url}/plain/${t} ${pages.url}/hop6/title/${t}`);
    await waitFor(() => pages.requested.includes(`/plain/${t}`) && pages.requested.includes(`/empty/${t}`), 'both fetched');
    // Five redirects are followed: this one arrives; the message before it never gets an event.
    const five = await post(alice, name, `${pages.url}/hop5/title/${t}5`);
    assert.equal((await previewsOf(s, name, five.id))[0].title, `Title ${t}5`);
    assert.ok(!pages.requested.includes(`/title/${t}`), 'the sixth redirect is not followed');
    assert.deepEqual(dataOf(s.events, 'message_updated', name).filter((d) => d.message.id === nothing.id), []);
  });

  it('a page whose first connection is reset is fetched again and gets its card', async () => {
    const t = uniq('f');
    const m = await post(alice, name, `${pages.url}/flaky/${t}`);
    assert.equal((await previewsOf(s, name, m.id))[0].title, `Flaky ${t}`);
    assert.equal(pages.requested.filter((p) => p === `/flaky/${t}`).length, 2, 'fetched twice');
  });

  it('reads the first 1 MiB of a large page', async () => {
    const m = await post(alice, name, `${pages.url}/big/${uniq('b')}`);
    assert.equal((await previewsOf(s, name, m.id))[0].title, 'Big page');
  });

  it('an edit keeps the previews of URLs still there, drops the others at once and fetches new ones', async () => {
    const t = uniq('e');
    const [a, b, c] = [`${pages.url}/og/${t}a`, `${pages.url}/og/${t}b`, `${pages.url}/title/${t}c`];
    const m = await post(alice, name, `${a} ${b}`);
    assert.equal((await previewsOf(s, name, m.id)).length, 2);
    const edited = await alice.api.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: `${c} then ${b}` });
    assert.equal(edited.status, 200);
    assert.deepEqual(edited.body.message.previews.map((p: any) => p.url), [b], 'a dropped at once, b kept');
    await s.waitFor((ev) => dataOf(ev, 'message_updated', name).some((d) => d.message.id === m.id && d.message.previews.length === 2
      && d.message.previews[0].url === c), 'the new URL fetched');
    assert.equal(pages.requested.filter((p) => p === `/og/${t}b`).length, 1, 'the kept URL is not fetched again');
  });

  it('a message deleted while its pages load gets no previews (and the server carries on)', async () => {
    const path = `/held/${uniq('d')}`;
    const m = await post(alice, name, `${pages.url}${path}`);
    await waitFor(() => pages.held.has(path), 'the page requested');
    const release = pages.held.get(path)!;
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${m.id}`)).status, 204);
    release();
    const next = await post(alice, name, `${pages.url}/og/${uniq('after')}`);
    await previewsOf(s, name, next.id);
    const updates = dataOf(s.events, 'message_updated', name).filter((d) => d.message.id === m.id);
    assert.ok(updates.every((d) => d.message.deleted && d.message.previews.length === 0), 'only the deletion');
  });
}, { NATTER_FETCH_ALLOW: '127.0.0.1' });

describe('link previews and the fetch guard (NATTER_FETCH_ALLOW=127.0.0.2 only)', () => {
  // A second site on 127.0.0.2, the only address exempted; the first site (127.0.0.1) stays forbidden loopback.
  const requested: string[] = [];
  let allowed = '';
  const other = http.createServer((req, res) => {
    requested.push(req.url ?? '');
    if (req.url?.startsWith('/to-blocked/')) return res.writeHead(302, { location: `${pages.url}/og/${req.url.slice(12)}` }).end();
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>Allowed ${req.url}</title>`);
  });
  let srv: Awaited<ReturnType<typeof import('../helpers/server.ts').startServer>>;
  before(async () => {
    await new Promise<void>((r) => other.listen(0, '127.0.0.2', r));
    allowed = `http://127.0.0.2:${(other.address() as AddressInfo).port}`;
    const { startServer } = await import('../helpers/server.ts');
    srv = await startServer({ NATTER_FETCH_ALLOW: '127.0.0.2' });
  });
  after(async () => {
    await srv?.stop();
    other.closeAllConnections();
    await new Promise((r) => other.close(r));
  });

  it('fetches the allowed address; never connects to loopback, directly or by a redirect', async () => {
    const u = await newUser(srv.url, 'fg');
    const name = await room(u, 'public');
    const s = await openEvents(srv.url, u.token);
    const t = uniq('g');
    const m = await post(u, name, `${pages.url}/og/${t}direct ${allowed}/to-blocked/${t}hop ${allowed}/ok/${t}`);
    const previews = await previewsOf(s, name, m.id);
    s.close();
    assert.deepEqual(previews.map((p: any) => p.url), [`${allowed}/ok/${t}`], 'only the allowed page');
    assert.ok(requested.includes(`/to-blocked/${t}hop`), 'the allowed host was asked');
    assert.deepEqual(pages.requested.filter((p) => p.includes(t)), [], 'loopback never reached, neither directly nor after the redirect');
  });
});

describe('link previews off (NATTER_PREVIEWS=0)', () => {
  // A second store-less check: the flag is reported; fetching itself is covered above.
  it('GET /server says previews are off', async () => {
    const { startServer } = await import('../helpers/server.ts');
    const srv = await startServer({ NATTER_PREVIEWS: '0' });
    try {
      assert.equal((await fetch(`${srv.url}/api/v1/server`).then((r) => r.json())).previews, false);
    } finally {
      await srv.stop();
    }
  });
});
