/**
 * What the sign-in screen offers, from `GET /api/v1/server` (API v1.1): the Guest tab only when guests are on, the
 * registration form only when registration is open or by invite (then with an invite code field), and a
 * "Sign in with <provider>" button when single sign-on is on. A failed single sign-on comes back as
 * `?oidc_error=<code>`: its text is taken once, at load, and the parameter removed from the address.
 */
import type { ServerInfo } from '../api.ts';

export type Mode = 'login' | 'register' | 'guest';

/** The tabs to show; every tab until the server has said what it enables. */
export function modesFor(info: ServerInfo | null): Mode[] {
  if (!info) return ['login', 'register', 'guest'];
  const creates = info.registration !== 'closed';
  return ['login', ...(creates ? ['register' as const] : []), ...(creates && info.guests !== false ? ['guest' as const] : [])];
}

/** Whether creating an account needs an invite code. */
export const needsInvite = (info: ServerInfo | null): boolean => info?.registration === 'invite';

const OIDC_ERRORS: Record<string, string> = {
  invalid_state: 'Single sign-on took too long or was started in another tab. Please try again.',
  oidc_failed: 'Single sign-on did not work. Please try again.',
  account_deactivated: 'This account is deactivated.',
  already_linked: 'That single sign-on identity belongs to another account.',
};

/** The error text of `?oidc_error=` in the address (null when absent), removing the parameter from it. */
function takeOidcError(): string | null {
  const url = new URL(location.href);
  const code = url.searchParams.get('oidc_error');
  if (code === null) return null;
  url.searchParams.delete('oidc_error');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  return OIDC_ERRORS[code] ?? OIDC_ERRORS.oidc_failed!;
}

/** Taken once per page load. */
export const OIDC_ERROR = takeOidcError();

/** The code of an invite link (`/?invite=<code>`, made on the admin page), taken once at load and removed from the address. */
function takeInvite(): string | null {
  const url = new URL(location.href);
  const code = url.searchParams.get('invite');
  if (code === null) return null;
  url.searchParams.delete('invite');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  return code.trim().slice(0, 64) || null;
}

export const INVITE_FROM_LINK = takeInvite();

/** Leaves for the provider; the server brings the browser back to this page's address, signed in. */
export function OidcButton({ info }: { info: ServerInfo | null }) {
  if (!info?.oidc) return null;
  const start = () => {
    const here = location.pathname + location.search + location.hash;
    location.assign(`/api/v1/auth/oidc/start?return_to=${encodeURIComponent(here)}`);
  };
  return (
    <div class="signin-sso">
      <button type="button" class="btn btn-block" onClick={start}>
        Sign in with {info.oidc_name || 'single sign-on'}
      </button>
    </div>
  );
}

/** The invite code field of registration by invite. */
export function InviteField(p: { value: string; onInput: (v: string) => void; error?: string | undefined }) {
  return (
    <label class="field">
      <span>Invite code</span>
      <input
        name="invite"
        autoComplete="off"
        autoCapitalize="off"
        spellcheck={false}
        value={p.value}
        onInput={(e) => p.onInput(e.currentTarget.value)}
        aria-invalid={!!p.error}
        aria-describedby={p.error ? 'err-invite' : undefined}
        required
      />
      {p.error && (
        <span class="field-error" id="err-invite" role="alert" data-testid="error-invite">
          {p.error}
        </span>
      )}
    </label>
  );
}
