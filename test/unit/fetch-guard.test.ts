/** The fetch guard's address rules (src/net/fetch-guard.ts), table-driven. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { embeddedIPv4, FetchAllow, guardedFetch, isForbiddenAddress } from '../../src/net/fetch-guard.ts';

describe('isForbiddenAddress', () => {
  const forbidden = [
    '127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
    '100.64.0.1', '100.127.255.255', '0.0.0.0', '224.0.0.1', '239.255.255.250', '255.255.255.255', '240.0.0.1',
    '198.18.0.1', '::', '::1', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '::7f00:1', '64:ff9b::7f00:1',
    '2002:7f00:1::', '2002:c0a8:101::1', 'not-an-ip', '',
  ];
  const allowed = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:808:808::1', '64:ff9b::808:808'];
  for (const ip of forbidden) it(`${ip || '(empty)'} is forbidden`, () => assert.equal(isForbiddenAddress(ip), true));
  for (const ip of allowed) it(`${ip} is allowed`, () => assert.equal(isForbiddenAddress(ip), false));
});

describe('embeddedIPv4', () => {
  const table: [string, string | null][] = [
    ['::ffff:127.0.0.1', '127.0.0.1'], ['::ffff:7f00:1', '127.0.0.1'], ['64:ff9b::a00:1', '10.0.0.1'], ['2002:a00:1::', '10.0.0.1'],
    ['::1', null], ['::', null], ['2606:4700::1111', null], ['127.0.0.1', null],
  ];
  for (const [ip, want] of table) it(`${ip} → ${want}`, () => assert.equal(embeddedIPv4(ip), want));
});

describe('FetchAllow (NATTER_FETCH_ALLOW)', () => {
  it('takes host names, addresses and CIDRs; refuses anything else', () => {
    const a = new FetchAllow('localhost, 127.0.0.1, 10.0.0.0/8, ::1, fd00::/8');
    assert.equal(a.host('LOCALHOST'), true);
    assert.equal(a.address('127.0.0.1'), true);
    assert.equal(a.address('10.9.9.9'), true);
    assert.equal(a.address('::1'), true);
    assert.equal(a.address('fd00::5'), true);
    assert.equal(a.address('127.0.0.2'), false);
    assert.equal(a.host('example.com'), false);
    for (const bad of ['10.0.0.0/33', 'http://x', 'a b', '1.2.3.4/x']) assert.throws(() => new FetchAllow(bad), /NATTER_FETCH_ALLOW/);
  });
});

describe('guardedFetch with a keep-alive agent (outgoing webhooks)', () => {
  it('reuses one connection and leaves no listener behind per request (a leak of ~6 KiB per webhook delivery)', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 50; i++) {
        const res = await guardedFetch(url, { allow: new FetchAllow('127.0.0.1'), method: 'POST', body: 'x', agent, ports: 'any', maxRedirects: 0 });
        assert.equal(res.status, 200);
      }
      const sockets = Object.values(agent.freeSockets).flat() as Socket[];
      assert.equal(sockets.length, 1, 'one connection, reused');
      assert.equal(sockets[0]!.listenerCount('connect'), 0, "no 'connect' listener left per request");
    } finally {
      agent.destroy();
      server.close();
    }
  });
});
