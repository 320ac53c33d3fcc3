/**
 * A secret the server shows only once (a bot's token, an incoming hook's URL, a signing secret): a read-only field
 * that selects itself on focus, a Copy button, and a sentence saying it will not be shown again.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

let seq = 0;

interface Props {
  /** The field's label, e.g. "Token for deploy-bot". */
  label: string;
  value: string;
  /** What is copied, for the button's name: "token", "URL", "secret". */
  what: string;
  testId: string;
  /** Said under the field; defaults to "Copy this <what> now: it will not be shown again." */
  children?: ComponentChildren;
  onDone?(): void;
  /** Where Done puts focus (else back where it was before the secret took it, when that is still there). */
  returnTo?: { current: HTMLElement | null };
}

export function OnceSecret({ label, value, what, testId, children, onDone, returnTo }: Props) {
  const [id] = useState(() => `once-secret-${++seq}`);
  const [copied, setCopied] = useState<string | null>(null);
  // Focus moves to the new secret (selected, ready to copy): the button that made it may be gone or disabled.
  const input = useRef<HTMLInputElement>(null);
  const before = useRef<HTMLElement | null>(null);
  useEffect(() => {
    setCopied(null);
    if (!before.current) before.current = document.activeElement as HTMLElement | null;
    input.current?.focus();
  }, [value]);
  // Done hides it: focus goes back to where it was before the secret took it, when that is still there.
  const done = () => {
    const el = returnTo?.current ?? before.current;
    onDone?.();
    if (el?.isConnected && !(el as HTMLButtonElement).disabled && el !== document.body) el.focus();
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(`Copied the ${what}.`);
    } catch {
      setCopied(`Could not copy: select the ${what} and copy it yourself.`);
    }
  };
  return (
    <div class="once-secret" data-testid={testId}>
      <label class="field-label" for={id}>{label}</label>
      <div class="inline-field">
        <input ref={input} id={id} class="once-value" readOnly value={value} spellcheck={false} aria-describedby={`${id}-note`} data-testid={`${testId}-value`}
          onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="btn btn-small" onClick={() => void copy()}>
          Copy {what}
        </button>
      </div>
      <p id={`${id}-note`} class="once-note small">
        <strong>Copy this {what} now: it will not be shown again.</strong>
      </p>
      {children}
      <div class="once-foot">
        <p class="field-hint" role="status">{copied ?? ''}</p>
        {onDone && (
          <button type="button" class="btn btn-small btn-quiet" onClick={done}>
            Done
          </button>
        )}
      </div>
    </div>
  );
}
