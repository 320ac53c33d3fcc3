import type { CheckResult } from '@natter/client';
import { useState } from 'preact/hooks';
import { dismissPathWarning } from '../path-warning.ts';
import { Modal } from './Dialogs.tsx';

const VERDICT: Record<CheckResult['verdict'], string> = { pass: 'Passed', warn: 'Warning', fail: 'Failed', skip: 'Skipped' };

/**
 * One line while the stream path check found a proxy that buffers or compresses the event stream (live updates
 * arrive late), with the check's results in a dialog and a way to dismiss it. The polite live region is always
 * there (empty when nothing was found), so screen readers announce the line when it appears.
 */
export function PathWarning({ results }: { results: CheckResult[] | null }) {
  const [details, setDetails] = useState(false);
  return (
    <>
      <div class="path-region" role="status">
        {results && (
          <div class="path-warning" data-testid="path-warning">
            <p>
              <strong>Live updates may arrive late:</strong> a proxy between you and Natter holds back the event
              stream. See “Checking the stream path” in Natter's README.
            </p>
            <button type="button" class="btn btn-small" onClick={() => setDetails(true)}>
              Details
            </button>
            <button type="button" class="btn btn-small" onClick={dismissPathWarning}>
              Dismiss
            </button>
          </div>
        )}
      </div>
      {results && details && (
        <Modal title="Stream path check" onClose={() => setDetails(false)}>
          <ul class="path-results">
            {results.map((r) => (
              <li key={r.name} data-verdict={r.verdict}>
                <strong>
                  {r.name}: {VERDICT[r.verdict]}
                </strong>{' '}
                — {r.detail}
              </li>
            ))}
          </ul>
        </Modal>
      )}
    </>
  );
}
