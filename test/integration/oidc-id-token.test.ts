/**
 * The ID token checks of single sign-on (net/oidc-client.ts over openid-client), against a hand-made provider on
 * 127.0.0.1 whose token endpoint answers whatever ID token a test signs: a token signed by a key the provider does
 * not publish, or with the wrong `iss`, `aud`, `nonce`, or an `exp` in the past, is refused. Also: the client
 * authenticates with client_secret_basic and sends the PKCE verifier, and claims the ID token lacks come from
 * UserInfo (only for the same `sub`).
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { openIdProvider } from '../../src/net/oidc-client.ts';

const b64u = (v: object | Buffer): string => (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url');
const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** An RS256 JWT of `payload`, signed with `key` (kid "k1" whatever the key). */
function jwt(payload: object, key: KeyObject = published.privateKey, alg = 'RS256'): string {
  const head = `${b64u({ alg, kid: 'k1', typ: 'JWT' })}.${b64u(payload)}`;
  return `${head}.${alg === 'none' ? '' : b64u(sign('sha256', Buffer.from(head), key))}`;
}

let idToken = '';
let userinfo: object = {};
const tokenRequests: { authorization: string | undefined; body: URLSearchParams }[] = [];
const server = createServer((req, res) => {
  const json = (v: object) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(v));
  };
  if (req.url === '/.well-known/openid-configuration') {
    return json({
      issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
      userinfo_endpoint: `${issuer}/me`, response_types_supported: ['code'], subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'], code_challenge_methods_supported: ['S256'],
    });
  }
  if (req.url === '/jwks') return json({ keys: [{ ...published.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] });
  if (req.url === '/me') return json(userinfo);
  if (req.url === '/token') {
    let body = '';
    req.on('data', (b: Buffer) => (body += b.toString()));
    req.on('end', () => {
      tokenRequests.push({ authorization: req.headers.authorization, body: new URLSearchParams(body) });
      json({ access_token: 'at-1', token_type: 'Bearer', expires_in: 60, id_token: idToken });
    });
    return;
  }
  res.statusCode = 404;
  res.end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const CLIENT = { issuer, clientId: 'natter', clientSecret: 'top secret', redirectUrl: 'http://chat.test/api/v1/auth/oidc/callback', name: 'x', allowHttp: true };
const errors: unknown[] = [];
const idp = openIdProvider(CLIENT, (_what, err) => errors.push(err));
const verifier = 'v'.repeat(43);
const checks = { state: 'st', nonce: 'no', verifier };
const now = Math.floor(Date.now() / 1000);
const good = { iss: issuer, aud: 'natter', sub: 'u1', nonce: 'no', iat: now, exp: now + 300 };

const callback = (): URL => new URL(`${CLIENT.redirectUrl}?code=c1&state=st`);

describe('ID token validation (openid-client)', () => {
  it('the authorization URL carries the code flow, PKCE S256, state, nonce and the scope', async () => {
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = new URL(await idp.authorizationUrl({ state: 'st', nonce: 'no', codeChallenge: challenge }));
    assert.equal(url.origin + url.pathname, `${issuer}/auth`);
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      client_id: 'natter', redirect_uri: CLIENT.redirectUrl, response_type: 'code', scope: 'openid profile email',
      state: 'st', nonce: 'no', code_challenge: challenge, code_challenge_method: 'S256',
    });
  });

  it('a valid token: its claims; client_secret_basic and the code verifier were sent', async () => {
    idToken = jwt({ ...good, email: 'a@example.com', email_verified: true, preferred_username: 'a', name: 'A' });
    const claims = await idp.exchange(callback(), checks);
    assert.deepEqual([claims.iss, claims.sub, claims.email, claims.email_verified, claims.preferred_username], [issuer, 'u1', 'a@example.com', true, 'a']);
    const req = tokenRequests.at(-1)!;
    assert.equal(req.authorization, `Basic ${Buffer.from('natter:top+secret').toString('base64')}`, 'client_secret_basic (form-encoded id and secret)');
    assert.equal(req.body.get('code'), 'c1');
    assert.equal(req.body.get('code_verifier'), verifier);
    assert.equal(req.body.get('redirect_uri'), CLIENT.redirectUrl);
    assert.equal(req.body.get('client_secret'), null, 'the secret is not in the body');
  });

  const refused: [string, () => string][] = [
    ['signed by a key the provider does not publish', () => jwt(good, stranger.privateKey)],
    ['unsigned (alg none)', () => jwt(good, undefined, 'none')],
    ['another issuer', () => jwt({ ...good, iss: 'http://127.0.0.1:1' })],
    ['another audience', () => jwt({ ...good, aud: 'someone-else' })],
    ['expired', () => jwt({ ...good, iat: now - 7200, exp: now - 3600 })],
    ['another nonce', () => jwt({ ...good, nonce: 'replayed' })],
    ['no nonce', () => jwt({ ...good, nonce: undefined })],
  ];
  for (const [what, token] of refused) {
    it(`refuses an ID token ${what}`, async () => {
      idToken = token();
      await assert.rejects(idp.exchange(callback(), checks));
    });
  }

  it('claims the ID token lacks come from UserInfo, only for the same sub', async () => {
    idToken = jwt(good);
    userinfo = { sub: 'u1', email: 'u1@example.com', email_verified: true, name: 'From UserInfo' };
    const claims = await idp.exchange(callback(), checks);
    assert.deepEqual([claims.email, claims.email_verified, claims.name], ['u1@example.com', true, 'From UserInfo']);
    userinfo = { sub: 'someone-else', email: 'evil@example.com', email_verified: true };
    const other = await idp.exchange(callback(), checks);
    assert.equal(other.email, undefined, 'a UserInfo answer for another sub is ignored');
    assert.ok(errors.length > 0, 'and reported');
  });
});
