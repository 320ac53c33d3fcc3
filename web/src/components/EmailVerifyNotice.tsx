/**
 * Opening the link of a confirmation email (`/?verify_email=<token>`, API v1.1 §4 "Email"): the token is taken out
 * of the address as soon as the page loads (a reload does not send it again), posted once you are signed in (App
 * renders this only then, so signing in first works too), and the result is shown in a line you can dismiss.
 */
import { useEffect, useState } from 'preact/hooks';
import { client, ApiError, errorText } from '../api.ts';
import { VERIFY_FAILED } from './EmailSettings.tsx';
import '../email.css';

/** The token of the address this page was opened at, until it is posted. */
let pending: string | null = takeToken();

function takeToken(): string | null {
  const params = new URLSearchParams(location.search);
  const token = params.get('verify_email');
  if (token === null) return null;
  params.delete('verify_email');
  const rest = params.toString();
  history.replaceState(history.state, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
  return token;
}

export function EmailVerifyNotice() {
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    const token = pending;
    if (token === null) return;
    pending = null;
    client.users.verifyEmail(token).then(
      ({ user }) => setResult({ ok: true, text: `Your email address ${user.email ?? ''} is verified.` }),
      (e: unknown) => setResult({ ok: false, text: e instanceof ApiError && e.code === 'invalid_token' ? VERIFY_FAILED : errorText(e) }),
    );
  }, []);
  if (!result) return null;
  return (
    <div class={result.ok ? 'toast' : 'toast toast-error'} role={result.ok ? 'status' : 'alert'} data-testid="email-verify-result" data-ok={String(result.ok)}>
      <span>{result.text}</span>
      <button type="button" class="btn btn-small btn-quiet" onClick={() => setResult(null)}>
        Dismiss
      </button>
    </div>
  );
}
