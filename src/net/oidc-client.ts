/**
 * The OpenID provider as core/oidc.ts sees it (`IdentityProvider`), through `openid-client`: discovery of the
 * issuer's metadata (once, retried after a failure), the authorization URL (code flow, PKCE S256, state, nonce,
 * scope `openid profile email`), and the code exchange with `client_secret_basic`, validating the ID token's
 * signature (against the issuer's JWKS), `iss`, `aud`, `exp` and `nonce`. The claims are the ID token's, with what
 * the UserInfo endpoint adds where the ID token lacks a claim (many providers put email and profile only there).
 *
 * Plain-http issuers are refused by openid-client; `allowHttp` (NATTER_OIDC_ALLOW_HTTP) lifts that, for tests.
 */
import * as client from 'openid-client';
import type { OidcConfig } from '../config-oidc.ts';
import type { IdentityProvider, OidcClaims } from '../core/oidc.ts';

const SCOPE = 'openid profile email';
/** Seconds a request to the provider may take. */
const TIMEOUT_S = 10;

export function openIdProvider(c: OidcConfig, onError: (what: string, err: unknown) => void): IdentityProvider {
  let discovered: Promise<client.Configuration> | null = null;
  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client.discovery(new URL(c.issuer), c.clientId, { client_secret: c.clientSecret }, client.ClientSecretBasic(c.clientSecret), {
      timeout: TIMEOUT_S,
      execute: [client.enableNonRepudiationChecks, ...(c.allowHttp ? [client.allowInsecureRequests] : [])],
    }).catch((err: unknown) => {
      discovered = null;
      throw err;
    });
    return discovered;
  };

  return {
    async authorizationUrl({ state, nonce, codeChallenge }) {
      const config = await configuration();
      return client.buildAuthorizationUrl(config, {
        redirect_uri: c.redirectUrl, scope: SCOPE, state, nonce, code_challenge: codeChallenge, code_challenge_method: 'S256',
      }).href;
    },

    async exchange(callbackUrl, checks) {
      const config = await configuration();
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.verifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) throw new Error('the token response has no ID token');
      const claims: OidcClaims = { ...idToken, iss: idToken.iss, sub: idToken.sub };
      const wanted = ['email', 'email_verified', 'preferred_username', 'name'] as const;
      if (wanted.some((k) => claims[k] === undefined) && config.serverMetadata().userinfo_endpoint && tokens.access_token) {
        try {
          const info = await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
          for (const k of wanted) if (claims[k] === undefined && info[k] !== undefined) claims[k] = info[k];
        } catch (err) {
          // The ID token alone still signs the user in; only the profile claims it lacks stay unknown.
          onError('oidc userinfo', err);
        }
      }
      return claims;
    },
  };
}
