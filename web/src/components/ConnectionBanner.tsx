import { useEffect, useState } from 'preact/hooks';
import { resendQueued } from '../compose.ts';
import { reconnectNow } from '../live.ts';
import type { ConnStatus } from '@natter/client/browser';

/** A drop shorter than this (the stream reopening after the server closed it) shows nothing. */
const GRACE_MS = 1500;

interface Props {
  conn: ConnStatus;
  /** Messages of this tab waiting for the connection. */
  waiting: number;
}

/**
 * Nothing while the live stream is healthy; a banner at the top of the main area while it is down. The polite
 * live region is always there (empty when healthy), so screen readers announce the banner when it appears.
 */
export function ConnectionBanner({ conn, waiting }: Props) {
  const down = conn === 'reconnecting';
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!down) {
      setShown(false);
      return;
    }
    const t = setTimeout(() => setShown(true), GRACE_MS);
    return () => clearTimeout(t);
  }, [down]);

  return (
    <div class="conn-region" role="status">
      {shown && (
        <div class="conn-banner" data-testid="connection-banner">
          <span class="conn-banner-dot" aria-hidden="true" />
          <p>
            <strong>Reconnecting…</strong> Messages you send will be delivered when the connection is back.
            {waiting > 0 && ` ${waiting === 1 ? '1 message is' : `${waiting} messages are`} waiting.`}
          </p>
          <button
            type="button"
            class="btn btn-small"
            onClick={() => {
              reconnectNow();
              resendQueued();
            }}
          >
            Retry now
          </button>
        </div>
      )}
    </div>
  );
}
