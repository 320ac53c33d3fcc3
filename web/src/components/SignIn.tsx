import { useEffect, useState } from 'preact/hooks';
import { client, ApiError, errorText } from '../api.ts';
import { useServerInfo } from '../server-info.ts';
import { signedIn } from '../session.ts';
import { announceSessionChange } from '@natter/client/browser';
import { INVITE_FROM_LINK, InviteField, type Mode, modesFor, needsInvite, OIDC_ERROR, OidcButton } from './SignInOptions.tsx';

const TITLES: Record<Mode, string> = { login: 'Sign in', register: 'Create account', guest: 'Continue as guest' };

/** The tab that an arrow, Home or End key moves to from `mode` among `modes` (wrapping at the ends), or null for other keys. */
function tabAfterKey(modes: Mode[], mode: Mode, key: string): Mode | null {
  const i = modes.indexOf(mode);
  const n = modes.length;
  const to: Record<string, number> = { ArrowRight: (i + 1) % n, ArrowLeft: (i + n - 1) % n, Home: 0, End: n - 1 };
  return key in to ? modes[to[key]!]! : null;
}

interface FieldErrors {
  username?: string;
  password?: string;
  invite?: string;
  form?: string;
}

/** Puts an API error next to the field it is about; anything else goes under the form. */
function placeError(e: unknown): FieldErrors {
  const text = errorText(e);
  if (!(e instanceof ApiError)) return { form: text };
  if (e.code === 'username_taken') return { username: text };
  if (e.code === 'invalid_credentials') return { password: text };
  if (e.code === 'invite_required' || e.code === 'invalid_invite') return { invite: text };
  if (e.status === 400) return /password/i.test(e.message) ? { password: text } : { username: text };
  return { form: text };
}

/** Register, log in or continue as a guest. */
export function SignIn({ notice }: { notice: string | null }) {
  // An invite link opens the registration form with its code filled in.
  const [mode, setMode] = useState<Mode>(INVITE_FROM_LINK ? 'register' : 'login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>(notice || OIDC_ERROR ? { form: (notice ?? OIDC_ERROR)! } : {});
  const [busy, setBusy] = useState(false);
  const [invite, setInvite] = useState(INVITE_FROM_LINK ?? '');
  const info = useServerInfo();
  const modes = modesFor(info);
  const inviting = needsInvite(info) && mode !== 'login';
  useEffect(() => {
    if (!modes.includes(mode)) setMode('login');
  }, [info]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const name = username.trim();
      const code = inviting ? invite.trim() : undefined;
      const res =
        mode === 'login'
          ? await client.auth.login(name, password)
          : mode === 'register'
            ? await client.auth.register(name, password, code)
            : await client.auth.guest(name, code);
      announceSessionChange();
      await signedIn(res.user);
    } catch (err) {
      setErrors(placeError(err));
      setBusy(false);
    }
  };

  const choose = (m: Mode) => {
    setMode(m);
    setErrors({});
  };

  // The WAI-ARIA tabs pattern: one tab in the tab order (roving tabindex), arrows, Home and End move between
  // the tabs and select the one they land on; the tabpanel holds the form of the selected tab.
  return (
    <main class="signin">
      <div class="signin-card">
        <h1 class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          Natter
        </h1>
        <p class="signin-lede">Calm, real-time chat for your team.</p>
        <div
          class="segmented"
          style={{ gridTemplateColumns: `repeat(${modes.length}, 1fr)`, ...(modes.length < 2 && { display: 'none' }) }}
          role="tablist"
          aria-label="How to sign in"
          onKeyDown={(e) => {
            const next = tabAfterKey(modes, mode, e.key);
            if (!next) return;
            e.preventDefault();
            choose(next);
            document.getElementById('signin-tab-' + next)?.focus();
          }}
        >
          {modes.map((m) => (
            <button
              type="button"
              role="tab"
              id={'signin-tab-' + m}
              aria-selected={mode === m}
              aria-controls="signin-panel"
              tabIndex={mode === m ? 0 : -1}
              class={mode === m ? 'active' : ''}
              onClick={() => choose(m)}
            >
              {m === 'guest' ? 'Guest' : TITLES[m]}
            </button>
          ))}
        </div>
        <div role="tabpanel" id="signin-panel" aria-labelledby={'signin-tab-' + mode}>
          <form onSubmit={submit} aria-label={TITLES[mode]} noValidate>
            <label class="field">
              <span>Username</span>
              <input
                name="username"
                autoComplete="username"
                autoCapitalize="off"
                spellcheck={false}
                value={username}
                onInput={(e) => setUsername(e.currentTarget.value)}
                aria-invalid={!!errors.username}
                aria-describedby={errors.username ? 'err-username' : undefined}
                required
              />
              {errors.username && (
                <span class="field-error" id="err-username" role="alert" data-testid="error-username">
                  {errors.username}
                </span>
              )}
            </label>
            {mode !== 'guest' && (
              <label class="field">
                <span>Password</span>
                <input
                  name="password"
                  type="password"
                  autoComplete={mode === 'register' ? 'new-password' : 'current-password'}
                  value={password}
                  onInput={(e) => setPassword(e.currentTarget.value)}
                  aria-invalid={!!errors.password}
                  aria-describedby={errors.password ? 'err-password' : undefined}
                  required
                />
                {mode === 'register' && !errors.password && <span class="field-hint">At least 8 characters.</span>}
                {errors.password && (
                  <span class="field-error" id="err-password" role="alert" data-testid="error-password">
                    {errors.password}
                  </span>
                )}
              </label>
            )}
            {inviting && <InviteField value={invite} onInput={setInvite} error={errors.invite} />}
            {errors.form && (
              <p class="field-error" role="alert" data-testid="error-form">
                {errors.form}
              </p>
            )}
            <button class="btn btn-primary btn-block" type="submit" disabled={busy}>
              {busy ? 'One moment…' : TITLES[mode]}
            </button>
          </form>
        </div>
        <OidcButton info={info} />
      </div>
    </main>
  );
}
