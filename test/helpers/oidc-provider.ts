/**
 * A real OpenID provider for tests: `oidc-provider` on 127.0.0.1 (plain http, so Natter runs with
 * NATTER_OIDC_ALLOW_HTTP=1), with one confidential client (client_secret_basic, PKCE S256 required, the redirect
 * URIs given), RS256 keys of its own, and accounts whose claims the test sets. Its login interaction approves at
 * once as the account `loginAs` named, and consent is granted without asking (loadExistingGrant), so a flow is a
 * chain of redirects that `Browser` (a cookie jar over fetch with manual redirects) can follow.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/** What the provider says about an account (absent claims are left out of the tokens). */
export interface TestAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  preferred_username?: string;
  name?: string;
}

export interface TestProvider {
  issuer: string;
  /** The account the next login at the provider signs in as. */
  loginAs(account: TestAccount): void;
  /** NATTER_OIDC_* for a Natter server whose origin is `natterUrl`. */
  env(natterUrl: string): Record<string, string>;
  close(): Promise<void>;
}

export const CLIENT_ID = 'natter-test';
export const CLIENT_SECRET = 'natter-test-secret-0123456789';
export const callbackOf = (natterUrl: string): string => `${natterUrl}/api/v1/auth/oidc/callback`;

/**
 * Start a provider. `claimsInIdToken` false keeps profile and email claims out of the ID token (the provider's
 * default, as many real ones do: the client must ask UserInfo); true puts them in it.
 */
export async function startProvider(opts: { redirectUris: string[]; claimsInIdToken?: boolean }): Promise<TestProvider> {
  const accounts = new Map<string, TestAccount>();
  let next: TestAccount | null = null;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const config: Configuration = {
    clients: [{
      client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: opts.redirectUris,
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [{ ...key, kid: 'test-rs256', use: 'sig', alg: 'RS256' } as never] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    conformIdTokenClaims: !opts.claimsInIdToken,
    pkce: { methods: ['S256'], required: () => true },
    cookies: { keys: ['oidc-test-cookie-key'] },
    ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      const a = accounts.get(id);
      return a ? { accountId: id, claims: () => ({ ...a, sub: id }) } : undefined;
    },
    // Consent without asking: every login gets the scopes it asked for.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { provider, client, session } = ctx.oidc;
      const grant = new provider.Grant({ clientId: client!.clientId, accountId: session!.accountId! });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, config);
  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (!req.url?.startsWith('/interaction/')) return void handle(req, res);
    // The login page: approve at once as the account the test chose.
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      if (!next) throw new Error('test provider: loginAs() was not called before the flow');
      accounts.set(next.sub, next);
      const result = details.prompt.name === 'login' ? { login: { accountId: next.sub } } : {};
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
    })().catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  return {
    issuer,
    loginAs(account) {
      next = account;
      accounts.set(account.sub, account);
    },
    env: (natterUrl) => ({
      NATTER_OIDC_ISSUER: issuer, NATTER_OIDC_CLIENT_ID: CLIENT_ID, NATTER_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      NATTER_OIDC_REDIRECT_URL: callbackOf(natterUrl), NATTER_OIDC_ALLOW_HTTP: '1',
    }),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A browser's cookie jar (per host and port) over fetch, following redirects by hand. */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** The cookie `name` this browser holds for `url`'s host. */
  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name);
  }

  /** Set (or, with undefined, remove) a cookie for `url`'s host. */
  setCookie(url: string, name: string, value: string | undefined): void {
    const host = new URL(url).host;
    const cookies = this.jar.get(host) ?? new Map<string, string>();
    this.jar.set(host, cookies);
    if (value === undefined) cookies.delete(name);
    else cookies.set(name, value);
  }

  /** Forget every cookie of `url`'s host (a fresh session at the provider). */
  forget(url: string): void {
    this.jar.delete(new URL(url).host);
  }

  /** One GET without following redirects; Set-Cookie is kept (an expiry in the past removes). */
  async get(url: string): Promise<Response> {
    const cookies = [...(this.jar.get(new URL(url).host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookies ? { cookie: cookies } : {} });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      this.setCookie(url, name, gone ? undefined : pair!.slice(eq + 1).trim());
    }
    return res;
  }

  /**
   * GET `url` and follow redirects until `stop` says the next URL is the end (or a response is not a redirect);
   * returns every URL visited, the last being where it stopped.
   */
  async follow(url: string, stop: (next: URL) => boolean, max = 20): Promise<string[]> {
    const visited = [url];
    for (let i = 0; i < max; i++) {
      const res = await this.get(visited.at(-1)!);
      await res.arrayBuffer();
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) throw new Error(`expected a redirect from ${visited.at(-1)}, got ${res.status}`);
      const next = new URL(location, visited.at(-1));
      visited.push(next.href);
      if (stop(next)) return visited;
    }
    throw new Error(`more than ${max} redirects: ${visited.join(' → ')}`);
  }
}
