/**
 * The fetch guard over real sockets on 127.0.0.1 (src/net/fetch-guard.ts): loopback is refused by name and
 * by literal (IPv4-mapped too), the allow list opens it, a redirect is checked again, ports other than the
 * permitted ones are refused, and the size and time caps hold.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FetchAllow, FetchRefused, guardedFetch } from '../../src/net/fetch-guard.ts';

function listen(host: string, handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, host, () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

const refused = (reason: FetchRefused['reason']) => (err: unknown) => err instanceof FetchRefused && err.reason === reason;

describe('guardedFetch', () => {
  let target: { server: Server; port: number };
  let hops: { server: Server; port: number };
  let seenCookie: string | undefined;

  before(async () => {
    target = await listen('127.0.0.1', (req, res) => {
      seenCookie = req.headers.cookie;
      if (req.url === '/big') return res.end(Buffer.alloc(2 * 1024 * 1024, 'x'));
      if (req.url === '/hang') return; // never answers
      res.end('hello');
    });
    // 127.0.0.2 is loopback too; it stands in for an allowed outside host that redirects inward.
    hops = await listen('127.0.0.2', (req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/` });
      res.end();
    });
  });
  after(() => {
    target.server.close();
    hops.server.close();
  });

  it('refuses loopback by literal, by IPv4-mapped literal and by a name that resolves to it', async () => {
    const ports = [target.port];
    await assert.rejects(guardedFetch(`http://127.0.0.1:${target.port}/`, { ports }), refused('address'));
    await assert.rejects(guardedFetch(`http://[::ffff:127.0.0.1]:${target.port}/`, { ports }), refused('address'));
    await assert.rejects(guardedFetch(`http://localhost:${target.port}/`, { ports }), refused('address'));
  });

  it('refuses ports other than 80/443 unless allowed, and schemes other than http(s)', async () => {
    await assert.rejects(guardedFetch(`http://example.invalid:${target.port}/`), refused('port'));
    await assert.rejects(guardedFetch('file:///etc/passwd'), refused('scheme'));
    await assert.rejects(guardedFetch('gopher://127.0.0.1/'), refused('scheme'));
  });

  it('NATTER_FETCH_ALLOW opens a destination (address or host name), and no cookie is ever sent', async () => {
    const byAddress = await guardedFetch(`http://127.0.0.1:${target.port}/`, { allow: new FetchAllow('127.0.0.1') });
    assert.equal(byAddress.status, 200);
    assert.equal(byAddress.body.toString(), 'hello');
    assert.equal(seenCookie, undefined);
    const byName = await guardedFetch(`http://localhost:${target.port}/`, { allow: new FetchAllow('localhost') });
    assert.equal(byName.status, 200);
  });

  it('checks every redirect again: an allowed host that redirects to loopback is refused', async () => {
    const allow = new FetchAllow('127.0.0.2');
    await assert.rejects(guardedFetch(`http://127.0.0.2:${hops.port}/`, { allow, ports: [target.port, hops.port] }), refused('address'));
    const followed = await guardedFetch(`http://127.0.0.2:${hops.port}/`, { allow: new FetchAllow('127.0.0.2, 127.0.0.1') });
    assert.equal(followed.body.toString(), 'hello');
    assert.equal(followed.url, `http://127.0.0.1:${target.port}/`);
  });

  it('caps the body in bytes and the fetch in time', async () => {
    const allow = new FetchAllow('127.0.0.1');
    await assert.rejects(guardedFetch(`http://127.0.0.1:${target.port}/big`, { allow, maxBytes: 1024 * 1024 }), refused('too_large'));
    const head = await guardedFetch(`http://127.0.0.1:${target.port}/big`, { allow, maxBytes: 1000, truncate: true });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 1000, 'truncate: exactly the first maxBytes bytes');
    const started = Date.now();
    await assert.rejects(guardedFetch(`http://127.0.0.1:${target.port}/hang`, { allow, timeoutMs: 300 }), refused('timeout'));
    assert.ok(Date.now() - started < 3000, 'gave up at its deadline');
  });
});
