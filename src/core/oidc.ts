/**
 * Single sign-on with an OpenID provider (API v1.1 §5 "Single sign-on (OIDC)"): the start of the authorization
 * code flow and the callback that signs in, links or creates the account.
 *
 * The flow's secrets (state, nonce, PKCE verifier), where to return and, for a flow started while signed in, the
 * account to link, travel in the `natter_oidc` cookie, sealed with AES-256-GCM under a server key made once and
 * shared by every node (so a callback may land on any node). It lives 10 minutes and serves one callback.
 *
 * Which account a callback signs in to, in order: the signed-in account of a linking flow (after linking);
 * the account linked to (iss, sub); the one active account whose verified email equals the token's email, when
 * `email_verified` is true (then linked); else a new account (oidc-names.ts), created and linked in one
 * transaction. OIDC creates accounts in every registration mode.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { OidcStore } from '../storage/oidc.ts';
import { ChatError } from './errors.ts';
import { displayNameFrom, emailFrom, isReservedUsername, isVerified, safeReturnTo, usernameBase, usernameCandidate } from './oidc-names.ts';
import type { LogEvent, User } from './types.ts';

/** The ID token's claims (with UserInfo's where the token lacked them); only these are read. */
export interface OidcClaims {
  iss: string;
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  preferred_username?: unknown;
  name?: unknown;
  [claim: string]: unknown;
}

/** The provider (net/oidc-client.ts). Both reject on any failure: network, metadata, a token that does not validate. */
export interface IdentityProvider {
  authorizationUrl(p: { state: string; nonce: string; codeChallenge: string }): Promise<string>;
  /** Exchange the code in `callbackUrl` and validate the ID token (signature, iss, aud, exp, nonce). */
  exchange(callbackUrl: URL, checks: { state: string; nonce: string; verifier: string }): Promise<OidcClaims>;
}

/** The failures the callback redirects with (`/?oidc_error=<code>`). */
export type OidcErrorCode = 'invalid_state' | 'oidc_failed' | 'account_deactivated' | 'already_linked';

export interface SingleSignOnOptions {
  /** NATTER_OIDC_REDIRECT_URL: the callback URL registered at the provider. */
  redirectUrl: string;
  /** The server key that seals the flow cookie (made once, the same on every node). */
  secret: () => Promise<string>;
  /** Starts a session for an account; returns its token (core/auth.ts `signIn`). */
  signIn: (user: User, userAgent?: string) => Promise<string>;
  /** Publish events of a created account (its join of `general`). */
  publish: (events: LogEvent[]) => void;
  /** Whether NATTER_ADMINS names a new account (null: unset, the first-admin rule); none: as `createUser`'s default. */
  adminOf?: (username: string) => boolean | null;
  onError: (what: string, err: unknown) => void;
  now?: () => number;
}

/** Where the browser goes next; `token`, when set, is the session cookie to set (new, or the one a linking flow kept). */
export interface OidcOutcome {
  location: string;
  token: string | null;
}

/** What the sealed cookie holds. */
interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  /** The account a linking flow links to. */
  link: string | null;
  /** ms since the epoch. */
  expires: number;
}

export const OIDC_COOKIE = 'natter_oidc';
/** How long a flow may take, from start to callback. */
export const OIDC_FLOW_MS = 10 * 60_000;
/** Names tried for a new account before giving up (taken ones found first are skipped without a try). */
const NAME_TRIES = 50;

class Refused extends Error {
  constructor(readonly code: OidcErrorCode) {
    super(code);
  }
}

const errorAt = (code: OidcErrorCode): OidcOutcome => ({ location: `/?oidc_error=${code}`, token: null });
const b64u = (b: Buffer): string => b.toString('base64url');

export class SingleSignOn {
  private readonly now: () => number;
  private key: Promise<Buffer> | null = null;

  constructor(private readonly store: OidcStore, private readonly provider: IdentityProvider, private readonly opts: SingleSignOnOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Begin a flow: the provider's authorization URL and the sealed cookie; `linkUserId` when started signed in. */
  async start(returnTo: unknown, linkUserId: string | null): Promise<{ location: string; cookie: string | null }> {
    const flow: Flow = {
      state: b64u(randomBytes(32)), nonce: b64u(randomBytes(32)), verifier: b64u(randomBytes(32)),
      returnTo: safeReturnTo(returnTo), link: linkUserId, expires: this.now() + OIDC_FLOW_MS,
    };
    try {
      const codeChallenge = b64u(createHash('sha256').update(flow.verifier).digest());
      const location = await this.provider.authorizationUrl({ state: flow.state, nonce: flow.nonce, codeChallenge });
      return { location, cookie: await this.seal(flow) };
    } catch (err) {
      this.opts.onError('oidc start', err);
      return { location: errorAt('oidc_failed').location, cookie: null };
    }
  }

  /**
   * The callback: `search` is its query string (`?code=…&state=…`), `cookie` the flow cookie, `session` the valid
   * session cookie it carries, if any (a linking flow keeps that session instead of making one).
   */
  async finish(search: string, cookie: string | undefined, session: { token: string; userId: string } | null, userAgent?: string): Promise<OidcOutcome> {
    let flow: Flow | null;
    try {
      flow = cookie ? await this.unseal(cookie) : null;
    } catch (err) {
      this.opts.onError('oidc callback', err);
      return errorAt('oidc_failed');
    }
    const params = new URLSearchParams(search);
    if (!flow || flow.expires < this.now() || params.get('state') !== flow.state) return errorAt('invalid_state');
    if (params.has('error')) return errorAt('oidc_failed');
    let claims: OidcClaims;
    try {
      const url = new URL(this.opts.redirectUrl);
      url.search = search;
      claims = await this.provider.exchange(url, flow);
      if (typeof claims.iss !== 'string' || typeof claims.sub !== 'string' || claims.sub === '' || claims.sub.length > 255) throw new Error('no usable sub claim');
    } catch (err) {
      this.opts.onError('oidc callback', err);
      return errorAt('oidc_failed');
    }
    try {
      const user = flow.link !== null ? await this.linkTo(flow.link, claims) : await this.accountOf(claims);
      if (!user.active) return errorAt('account_deactivated');
      const keep = flow.link !== null && session?.userId === user.id;
      return { location: flow.returnTo, token: keep ? session.token : await this.opts.signIn(user, userAgent) };
    } catch (err) {
      if (err instanceof Refused) return errorAt(err.code);
      this.opts.onError('oidc callback', err);
      return errorAt('oidc_failed');
    }
  }

  /** A linking flow: (iss, sub) joins the signed-in account, unless it belongs to another. */
  private async linkTo(userId: string, c: OidcClaims): Promise<User> {
    const owner = (await this.store.linkedUser(c.iss, c.sub)) ?? (await this.store.link(c.iss, c.sub, userId));
    if (owner.id !== userId) throw new Refused('already_linked');
    return owner;
  }

  /** The account a sign-in lands on: linked, matched by verified email (and linked), or new. */
  private async accountOf(c: OidcClaims): Promise<User> {
    const linked = await this.store.linkedUser(c.iss, c.sub);
    if (linked) return linked;
    const email = emailFrom(c.email);
    const verified = email !== null && isVerified(c.email_verified);
    if (verified) {
      const found = await this.store.usersByVerifiedEmail(email, 2);
      if (found.length === 1) return this.store.link(c.iss, c.sub, found[0]!.id);
    }
    return this.create(c, email, verified);
  }

  /** A new account named from the claims (`-2`, `-3`… on collision), linked in the same transaction. */
  private async create(c: OidcClaims, email: string | null, verified: boolean): Promise<User> {
    const base = usernameBase(c.preferred_username, c.email);
    const displayName = displayNameFrom(c.name);
    let n = 1;
    for (let tries = 0; tries < NAME_TRIES; tries++, n++) {
      let username = usernameCandidate(base, n);
      while (isReservedUsername(username)) username = usernameCandidate(base, ++n);
      const admin = this.opts.adminOf?.(username);
      try {
        const { value, events } = await this.store.createLinked({
          username, passwordHash: null, guest: false, displayName, email, emailVerified: verified, ...(admin !== undefined && { admin }),
        }, c.iss, c.sub);
        this.opts.publish(events);
        return value;
      } catch (err) {
        if (!(err instanceof ChatError)) throw err;
        if (err.code === 'conflict') {
          // Another sign-in of the same identity created its account first: land on that one.
          const linked = await this.store.linkedUser(c.iss, c.sub);
          if (linked) return linked;
        }
        if (err.code !== 'username_taken') throw err;
      }
    }
    throw new Error(`no free username after ${NAME_TRIES} tries from "${base}"`);
  }

  private async seal(flow: Flow): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.cookieKey(), iv);
    cipher.setAAD(Buffer.from(OIDC_COOKIE));
    const body = Buffer.concat([cipher.update(JSON.stringify(flow), 'utf8'), cipher.final()]);
    return b64u(Buffer.concat([iv, cipher.getAuthTag(), body]));
  }

  /** The flow a cookie holds, or null when it was not sealed by this server (forged, altered, truncated). */
  private async unseal(cookie: string): Promise<Flow | null> {
    const key = await this.cookieKey();
    try {
      const raw = Buffer.from(cookie, 'base64url');
      if (raw.length < 29) return null;
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(OIDC_COOKIE));
      decipher.setAuthTag(raw.subarray(12, 28));
      const flow = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as Flow;
      return typeof flow.state === 'string' && typeof flow.verifier === 'string' ? flow : null;
    } catch {
      return null;
    }
  }

  private cookieKey(): Promise<Buffer> {
    this.key ??= this.opts.secret().then((s) => createHash('sha256').update(s).digest()).catch((err: unknown) => {
      this.key = null;
      throw err;
    });
    return this.key;
  }
}
