/**
 * The single sign-on part of the configuration (API v1.1 §5; config.ts reads it with the rest): pure, like
 * loadConfig, adding a line to `problems` for each bad variable.
 */

/** Single sign-on with an OpenID provider. */
export interface OidcConfig {
  /** NATTER_OIDC_ISSUER: the issuer URL exactly as the provider names itself (its discovery document is under it). */
  issuer: string;
  /** NATTER_OIDC_CLIENT_ID, NATTER_OIDC_CLIENT_SECRET: this server's client at the provider (client_secret_basic). */
  clientId: string;
  clientSecret: string;
  /** NATTER_OIDC_REDIRECT_URL: the callback URL registered at the provider, ending with /api/v1/auth/oidc/callback. */
  redirectUrl: string;
  /** NATTER_OIDC_NAME, default "single sign-on": the provider's name on the sign-in button. */
  name: string;
  /** NATTER_OIDC_ALLOW_HTTP, default off: accept a plain-http issuer. For tests and local development only. */
  allowHttp: boolean;
}

/** The callback path every NATTER_OIDC_REDIRECT_URL ends with. */
export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';

/**
 * Single sign-on: null unless NATTER_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET and _REDIRECT_URL are all set (the
 * contract: otherwise its routes are 404); then the issuer must be https (http only with `allowHttp`) and the
 * redirect URL the absolute URL of the callback.
 */
export function parseOidc(env: Record<string, string | undefined>, allowHttp: boolean, problems: string[]): OidcConfig | null {
  const [issuer, clientId, clientSecret, redirectUrl] = ['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET', 'REDIRECT_URL'].map((k) => env[`NATTER_OIDC_${k}`] || '');
  if (!issuer || !clientId || !clientSecret || !redirectUrl) return null;
  const scheme = (raw: string): string | null => (URL.canParse(raw) ? new URL(raw).protocol : null);
  if (scheme(issuer) !== 'https:' && !(allowHttp && scheme(issuer) === 'http:')) {
    problems.push(`NATTER_OIDC_ISSUER=${JSON.stringify(issuer)}: expected an https:// URL (plain http only with NATTER_OIDC_ALLOW_HTTP=1, for tests)`);
  }
  const callback = URL.canParse(redirectUrl) ? new URL(redirectUrl) : null;
  if (!callback || !/^https?:$/.test(callback.protocol) || callback.pathname !== OIDC_CALLBACK_PATH || callback.search || callback.hash) {
    problems.push(`NATTER_OIDC_REDIRECT_URL=${JSON.stringify(redirectUrl)}: expected the absolute URL of this server's ${OIDC_CALLBACK_PATH}`);
  }
  return { issuer, clientId, clientSecret, redirectUrl, name: env.NATTER_OIDC_NAME?.trim() || 'single sign-on', allowHttp };
}
