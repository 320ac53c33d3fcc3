/**
 * A button whose action is asked about first: a click puts the question beside it with a confirm button (focused)
 * and Cancel (which gives focus back). While the action runs its button says so and takes no more clicks; a
 * failure is said in a sentence under it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../api.ts';

interface Props {
  /** The button's text, e.g. "Delete". */
  label: string;
  /** Its accessible name when the text alone is ambiguous in a list, e.g. "Delete hook to https://…". */
  name?: string;
  /** The question, e.g. "Delete this hook? Nothing more is sent to it." */
  question: string;
  /** The confirm button's text, and its text while the action runs. */
  confirm: string;
  busyText: string;
  danger?: boolean;
  action(): Promise<unknown>;
}

export function ConfirmButton({ label, name, question, confirm, busyText, danger, action }: Props) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const yes = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (wasAsking.current) opener.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  const [qid] = useState(() => `confirm-${Math.random().toString(36).slice(2)}`);

  const run = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action();
      wasAsking.current = false;
      setAsking(false);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {asking ? (
        <span class="confirm-ask">
          <span class="small" id={qid}>{question}</span>
          <button ref={yes} type="button" class={'btn btn-small ' + (danger ? 'btn-danger' : 'btn-primary')} aria-describedby={qid}
            aria-disabled={busy || undefined} aria-busy={busy} onClick={() => void run()}>
            {busy ? busyText : confirm}
          </button>
          <button type="button" class="btn btn-small btn-quiet" disabled={busy} onClick={() => setAsking(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button ref={opener} type="button" class="btn btn-small btn-quiet" aria-label={name} onClick={() => { setError(null); setAsking(true); }}>
          {label}
        </button>
      )}
      {error && (
        <p class="field-error admin-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
