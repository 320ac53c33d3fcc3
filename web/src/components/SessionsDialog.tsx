/**
 * "Signed-in sessions" (API v1.1 §7): every session of yours, newest first, with the device it came from
 * and when it was last used; end one, or every one but this.
 */
import { useEffect, useState } from 'preact/hooks';
import { client, errorText, type SessionInfo } from '../api.ts';
import { fullTime } from '../format.ts';
import { Modal } from './Dialogs.tsx';

/** A short, readable name for a User-Agent string. */
export function deviceName(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : null;
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X|Macintosh/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? ua.slice(0, 60);
}

export function SessionsDialog({ onClose }: { onClose(): void }) {
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = () =>
    client.auth.sessions().then(
      (r) => setSessions(r.sessions),
      (err: unknown) => setError(errorText(err)),
    );
  useEffect(() => void load(), []);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const others = (sessions ?? []).filter((s) => !s.current);

  return (
    <Modal title="Signed-in sessions" onClose={onClose}>
      <p class="muted small">Sessions end by themselves after 30 days unused. End any you do not recognise.</p>
      {sessions === null && !error && <progress aria-label="Loading sessions" />}
      {error && <p class="error" role="alert">{error}</p>}
      {sessions && (
        <ul class="session-list" data-testid="session-list">
          {sessions.map((s) => (
            <li key={s.id} class="session-row">
              <div>
                <strong>{deviceName(s.user_agent)}</strong>
                {s.current && <span class="session-current">This session</span>}
                <div class="muted small">
                  Signed in {fullTime(s.created_at)} · last used {fullTime(s.last_used_at)}
                </div>
              </div>
              {!s.current && (
                <button type="button" class="btn btn-quiet" disabled={busy} onClick={() => void act(() => client.auth.endSession(s.id))}>
                  End<span class="sr-only"> session on {deviceName(s.user_agent)}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <div class="modal-actions">
          <button type="button" class="btn btn-danger" disabled={busy} onClick={() => void act(() => client.auth.endOtherSessions())}>
            Sign out all other sessions
          </button>
        </div>
      )}
    </Modal>
  );
}
