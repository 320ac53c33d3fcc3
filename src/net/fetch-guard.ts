/**
 * The fetch guard (API v1.1 Conventions): every server-side fetch (link previews, Web Push, outgoing
 * webhooks) goes through `guardedFetch`, which never connects to loopback, private, link-local, CGNAT,
 * multicast, unspecified, reserved or IPv6 unique-local addresses (IPv4 embedded in IPv6 too), nor to
 * ports other than 80 and 443. The check is made on the address actually connected to (the resolver's
 * answer is checked in `lookup`, and the socket's remote address again on connect, so DNS rebinding
 * between the two cannot slip through), and again on every redirect. No cookies are sent, the body is
 * capped in bytes and the whole fetch in time.
 *
 * `NATTER_FETCH_ALLOW` (a comma list of host names, addresses or CIDRs) exempts destinations from the
 * address and port checks, for tests and for deliberately internal integrations.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Ranges no guarded fetch may reach. IPv4-in-IPv6 forms are unwrapped first (embeddedIPv4). */
const FORBIDDEN = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) FORBIDDEN.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) FORBIDDEN.addSubnet(net, bits, 'ipv6');

/** The 8 groups of an IPv6 address (a valid one, as isIP says), as numbers. */
function groups(ip: string): number[] {
  let s = ip.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    s = s.slice(0, -v4[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g || '0', 16));
}

/** The IPv4 address an IPv6 one carries (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16), or null. */
export function embeddedIPv4(ip: string): string | null {
  if (isIP(ip) !== 6) return null;
  const g = groups(ip);
  const quad = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0) && !(g[5] === 0 && g[6] === 0)) return quad(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return quad(g[6]!, g[7]!);
  if (g[0] === 0x2002) return quad(g[1]!, g[2]!);
  return null;
}

/** True when a guarded fetch must not connect to `ip`. Anything that is not an IP address is forbidden. */
export function isForbiddenAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return true;
  const v4 = family === 6 ? embeddedIPv4(ip) : null;
  if (v4 !== null) return FORBIDDEN.check(v4, 'ipv4');
  return FORBIDDEN.check(ip.split('%')[0]!, family === 4 ? 'ipv4' : 'ipv6');
}

/** Destinations exempt from the address and port checks (NATTER_FETCH_ALLOW). */
export class FetchAllow {
  private readonly hosts = new Set<string>();
  private readonly nets = new BlockList();

  /** `raw`: a comma list of host names, addresses or CIDRs; throws on a malformed entry. */
  constructor(raw = '') {
    for (const entry of raw.split(',').map((x) => x.trim()).filter(Boolean)) {
      const [addr, bits] = entry.split('/');
      const family = isIP(addr!);
      if (family !== 0) {
        const type = family === 4 ? 'ipv4' : 'ipv6';
        if (bits === undefined) this.nets.addAddress(addr!, type);
        else if (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)) this.nets.addSubnet(addr!, Number(bits), type);
        else throw new Error(`NATTER_FETCH_ALLOW: ${entry} is not an address, CIDR or host name`);
      } else if (/^[a-z0-9.-]+$/i.test(entry) && bits === undefined) {
        this.hosts.add(entry.toLowerCase());
      } else {
        throw new Error(`NATTER_FETCH_ALLOW: ${entry} is not an address, CIDR or host name`);
      }
    }
  }

  host(name: string): boolean {
    return this.hosts.has(name.toLowerCase().replace(/^\[|\]$/g, ''));
  }

  address(ip: string): boolean {
    const family = isIP(ip);
    return family !== 0 && this.nets.check(ip.split('%')[0]!, family === 4 ? 'ipv4' : 'ipv6');
  }
}

export interface GuardedFetchOptions {
  allow?: FetchAllow;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Response bytes kept at most (the fetch fails beyond, unless `truncate`); default 1 MiB. */
  maxBytes?: number;
  /** Past `maxBytes`, stop reading and answer with the first `maxBytes` bytes instead of failing. */
  truncate?: boolean;
  /** The whole fetch, redirects included; default 5 s. */
  timeoutMs?: number;
  /** Default 3; 0 returns the 3xx itself. */
  maxRedirects?: number;
  /** Ports fetched without an allow-list entry; default 80 and 443; `any` for every port (outgoing webhooks). */
  ports?: readonly number[] | 'any';
  /** A keep-alive agent to reuse connections (its sockets were checked when they connected); default none. */
  agent?: http.Agent;
}

export interface GuardedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
}

/** Why a guarded fetch did not happen or did not finish. */
export class FetchRefused extends Error {
  constructor(message: string, readonly reason: 'address' | 'port' | 'scheme' | 'too_large' | 'timeout' | 'redirects' | 'network') {
    super(message);
    this.name = 'FetchRefused';
  }
}

/** Whether `url` may be fetched as far as its host is a literal address (a name is checked when it resolves). */
export function literalAllowed(url: URL, allow: FetchAllow): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) === 0 || allow.host(host) || allow.address(host) || !isForbiddenAddress(host);
}

/** Fetch `url` under the guard. Resolves for any HTTP status; rejects with FetchRefused otherwise. */
export async function guardedFetch(url: string, opts: GuardedFetchOptions = {}): Promise<GuardedResponse> {
  const allow = opts.allow ?? new FetchAllow();
  const deadline = Date.now() + (opts.timeoutMs ?? 5000);
  let current = new URL(url);
  for (let hops = 0; ; hops++) {
    const res = await fetchOnce(current, { ...opts, allow, deadline });
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location && (opts.maxRedirects ?? 3) > 0) {
      if (hops >= (opts.maxRedirects ?? 3)) throw new FetchRefused('too many redirects', 'redirects');
      current = new URL(location, current);
      continue;
    }
    return res;
  }
}

function fetchOnce(url: URL, opts: GuardedFetchOptions & { allow: FetchAllow; deadline: number }): Promise<GuardedResponse> {
  return new Promise((resolve, reject) => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return reject(new FetchRefused(`scheme ${url.protocol} is not fetched`, 'scheme'));
    const exempt = opts.allow.host(url.hostname);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const ports = opts.ports ?? [80, 443];
    if (!exempt && ports !== 'any' && !ports.includes(port) && !opts.allow.address(url.hostname.replace(/^\[|\]$/g, ''))) {
      return reject(new FetchRefused(`port ${port} is not fetched`, 'port'));
    }
    const permitted = (ip: string) => exempt || opts.allow.address(ip) || !isForbiddenAddress(ip);
    const lookup: LookupFunction = (hostname, options, cb) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) return cb(err, '', 0);
        const ok = addresses.filter((a) => permitted(a.address));
        if (ok.length === 0) return cb(new FetchRefused(`${hostname} resolves only to addresses that are not fetched`, 'address'), '', 0);
        if ((options as { all?: boolean }).all) return (cb as unknown as (e: null, a: LookupAddress[]) => void)(null, ok);
        cb(null, ok[0]!.address, ok[0]!.family);
      });
    };
    const remaining = opts.deadline - Date.now();
    if (remaining <= 0) return reject(new FetchRefused('timed out', 'timeout'));
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0 && !permitted(literal)) return reject(new FetchRefused(`${literal} is not fetched`, 'address'));
    const req = (url.protocol === 'https:' ? https : http).request(url, {
      method: opts.method ?? 'GET',
      headers: { 'user-agent': 'Natter (link previews; +https://github.com/)', ...opts.headers },
      lookup,
      agent: opts.agent ?? false,
      timeout: remaining,
    });
    const timer = setTimeout(() => req.destroy(new FetchRefused('timed out', 'timeout')), remaining);
    req.on('socket', (socket) => {
      // A keep-alive socket reused from `opts.agent` was checked when it connected (and will not connect again).
      if (!socket.connecting) return;
      socket.once('connect', () => {
        const ip = socket.remoteAddress ?? '';
        if (!permitted(ip)) req.destroy(new FetchRefused(`connected to ${ip}, which is not fetched`, 'address'));
      });
    });
    req.on('timeout', () => req.destroy(new FetchRefused('timed out', 'timeout')));
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof FetchRefused ? err : new FetchRefused(err.message, 'network'));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const max = opts.maxBytes ?? 1024 * 1024;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max && opts.truncate) {
          chunks.push(c.subarray(0, c.length - (size - max)));
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.toString() });
          return req.destroy();
        }
        if (size > max) return req.destroy(new FetchRefused(`response over ${max} bytes`, 'too_large'));
        chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.toString() });
      });
      res.on('error', () => {});
    });
    req.end(opts.body);
  });
}
