/**
 * "Settings": your profile, desktop notifications (API v1.1 §4), email, and your bots (BotsSettings.tsx, §6).
 * The notifications switch asks the browser for permission only when it is clicked; the state is said in words (the browser cannot, the server does not, the browser blocks
 * it and how to unblock it, on, off), with a busy state while subscribing and a plain sentence when it fails.
 */
import { useEffect, useState } from 'preact/hooks';
import { disablePush, enablePush, PushFailure, pushState, type PushState } from '../push.ts';
import { BotsSettings } from './BotsSettings.tsx';
import { Modal } from './Dialogs.tsx';
import { EmailSettings } from './EmailSettings.tsx';
import { ProfileSettings } from './ProfileSettings.tsx';

const STATUS: Record<PushState, string> = {
  unsupported: 'This browser cannot show notifications from Natter.',
  unavailable: 'This server does not send notifications.',
  blocked:
    'Notifications are blocked for this site in your browser settings. To unblock them, open the site settings '
    + '(the icon left of the address), set Notifications to Allow, then reload this page.',
  on: 'On: this browser shows a notification for new messages that notify you while Natter is not in front of you.',
  off: 'Off: turn on to be notified of new messages while Natter is not in front of you.',
};

type Busy = null | 'on' | 'off';

/** The "Desktop notifications" section: a switch, its state in words, and what went wrong. */
export function PushSettings({ userId }: { userId: string }) {
  const [state, setState] = useState<PushState | null>(null);
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void pushState(userId).then((s) => live && setState(s), () => live && setState('off'));
    return () => void (live = false);
  }, [userId]);

  const on = state === 'on';
  const usable = state === 'on' || state === 'off';
  const toggle = async () => {
    if (!usable || busy) return;
    setBusy(on ? 'off' : 'on');
    setError(null);
    try {
      // enablePush asks for permission first thing: this is the click it needs.
      setState(await (on ? disablePush(userId) : enablePush(userId)));
    } catch (e) {
      setError(e instanceof PushFailure ? e.message : 'Something went wrong. Please try again.');
      setState(await pushState(userId).catch((): PushState => 'off'));
    } finally {
      setBusy(null);
    }
  };

  const status = busy === 'on' ? 'Turning notifications on…' : busy === 'off' ? 'Turning notifications off…' : state ? STATUS[state] : 'Checking…';
  return (
    <section class="settings-section" aria-labelledby="push-heading">
      <h3 id="push-heading">Desktop notifications</h3>
      <div class="switch-row">
        <button
          type="button"
          role="switch"
          class="switch"
          id="push-switch"
          aria-checked={on}
          aria-describedby="push-status"
          aria-busy={busy !== null}
          aria-disabled={busy !== null || undefined}
          disabled={state !== null && !usable}
          data-testid="push-switch"
          onClick={() => void toggle()}
        >
          <span class="switch-track" aria-hidden="true">
            <span class="switch-thumb" />
          </span>
          <span class="switch-label">Desktop notifications</span>
        </button>
      </div>
      <p id="push-status" class="muted small" role="status" data-testid="push-status" data-state={busy ? 'busy' : state ?? 'checking'}>
        {status}
      </p>
      {error && (
        <p class="field-error" role="alert" data-testid="push-error">
          {error}
        </p>
      )}
      <p class="field-hint">Which messages notify you is set per room, with the bell in each room's header.</p>
    </section>
  );
}

export function SettingsDialog({ userId, onClose }: { userId: string; onClose(): void }) {
  return (
    <Modal title="Settings" onClose={onClose}>
      <ProfileSettings />
      <PushSettings userId={userId} />
      <EmailSettings />
      <BotsSettings />
    </Modal>
  );
}
