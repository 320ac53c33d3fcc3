/**
 * "Email notifications" in Settings (API v1.1 §4 "Email"): your address with Save, its state in words (none yet,
 * unverified: check your inbox, verified), a box for the code of the confirmation email, and the switch for email
 * notifications. Shown only when the server sends email (`GET /server` says `email: true`).
 */
import { useEffect, useState } from 'preact/hooks';
import type { OwnUser } from '../../../src/core/types.ts';
import { client, ApiError, errorText } from '../api.ts';
import { useServerInfo } from '../server-info.ts';

type Change = (user: OwnUser) => void;

export function EmailSettings() {
  const info = useServerInfo();
  const [me, setMe] = useState<OwnUser | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    if (!info?.email) return;
    let live = true;
    client.users.own().then((r) => live && setMe(r.user), (e: unknown) => live && setFailed(errorText(e)));
    return () => void (live = false);
  }, [info?.email]);
  if (!info?.email) return null;
  return (
    <section class="settings-section" aria-labelledby="email-heading" data-testid="email-settings">
      <h3 id="email-heading">Email notifications</h3>
      {me ? (
        <>
          <AddressForm me={me} onChange={setMe} />
          {me.email !== null && !me.email_verified && <VerifyForm onChange={setMe} />}
          <NotificationSwitch me={me} onChange={setMe} />
        </>
      ) : (
        <p class="muted small" role="status">{failed ?? 'Loading…'}</p>
      )}
    </section>
  );
}

/** The address, its state, and Save (an empty box removes the address). */
function AddressForm({ me, onChange }: { me: OwnUser; onChange: Change }) {
  const [value, setValue] = useState(me.email ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const { user } = await client.users.update({ email: value.trim() === '' ? null : value.trim() });
      onChange(user);
      setValue(user.email ?? '');
      setSaved(user.email === null ? 'Address removed.' : user.email_verified ? 'Saved.' : `Saved. We sent a confirmation email to ${user.email}.`);
    } catch (x) {
      setError(x instanceof ApiError && x.code === 'invalid_request' ? 'Enter an address like name@example.com.' : errorText(x));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={save} noValidate>
      <label class="field">
        <span>Email address</span>
        <input type="email" value={value} onInput={(e) => setValue(e.currentTarget.value)} autoComplete="email" spellcheck={false}
          aria-invalid={!!error} aria-describedby="email-state" data-testid="email-input" />
        {error && <span class="field-error" role="alert">{error}</span>}
      </label>
      <p id="email-state" class="small" role="status" data-testid="email-state" data-state={stateOf(me)}>
        {STATE_TEXT[stateOf(me)](me.email ?? '')}
        {saved && <span class="field-ok" data-testid="email-saved"> {saved}</span>}
      </p>
      <div class="modal-actions">
        <button type="submit" class="btn btn-small" disabled={busy || value.trim() === (me.email ?? '')} data-testid="email-save">
          {busy ? 'Saving…' : 'Save address'}
        </button>
      </div>
    </form>
  );
}

type AddressState = 'none' | 'unverified' | 'verified';
const stateOf = (me: OwnUser): AddressState => (me.email === null ? 'none' : me.email_verified ? 'verified' : 'unverified');
const STATE_TEXT: Record<AddressState, (email: string) => string> = {
  none: () => 'No address yet: add one to get unread direct messages and mentions by email.',
  unverified: (email) => `${email} is unverified — check your inbox for the confirmation email.`,
  verified: (email) => `${email} is verified.`,
};

/** The code from the confirmation email (the link in it does the same). */
function VerifyForm({ onChange }: { onChange: Change }) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const verify = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onChange((await client.users.verifyEmail(code.trim())).user);
    } catch (x) {
      setError(x instanceof ApiError && x.code === 'invalid_token' ? VERIFY_FAILED : errorText(x));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={verify} noValidate>
      <label class="field">
        <span>Confirmation code</span>
        <input value={code} onInput={(e) => setCode(e.currentTarget.value)} autoComplete="one-time-code" spellcheck={false}
          aria-invalid={!!error} data-testid="email-code" />
        {error ? <span class="field-error" role="alert">{error}</span> : <span class="field-hint">Paste the code from the confirmation email, or open its link.</span>}
      </label>
      <div class="modal-actions">
        <button type="submit" class="btn btn-small" disabled={busy || code.trim() === ''} data-testid="email-verify">
          {busy ? 'Checking…' : 'Confirm'}
        </button>
      </div>
    </form>
  );
}

/** What a wrong, expired or superseded code is told. */
export const VERIFY_FAILED = 'That code does not work: it is wrong, more than a day old, or an email with a newer code was sent since.';

/** On: unread direct messages and mentions are mailed to the verified address. */
function NotificationSwitch({ me, onChange }: { me: OwnUser; onChange: Change }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const on = me.email_notifications;
  const toggle = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      onChange((await client.users.update({ email_notifications: !on })).user);
    } catch (x) {
      setError(errorText(x));
    } finally {
      setBusy(false);
    }
  };
  const status = !on
    ? 'Off: nothing is mailed.'
    : me.email_verified
      ? 'On: direct messages and mentions still unread after a while are mailed to you, at most one email at a time.'
      : 'On, once your address is verified.';
  return (
    <>
      <div class="switch-row">
        <button type="button" role="switch" class="switch" aria-checked={on} aria-describedby="email-switch-status" aria-busy={busy}
          data-testid="email-switch" onClick={() => void toggle()}>
          <span class="switch-track" aria-hidden="true">
            <span class="switch-thumb" />
          </span>
          <span class="switch-label">Email me unread messages</span>
        </button>
      </div>
      <p id="email-switch-status" class="muted small" data-testid="email-switch-status">{status}</p>
      {error && <p class="field-error" role="alert">{error}</p>}
    </>
  );
}
