/**
 * "Add outgoing hook" in Room settings → Integrations (the room's owner or an admin): a URL, which events to send
 * (new messages by default) and whether bots' messages go too. The answer's signing secret is shown once, with a
 * Copy button and where to read how a receiver checks it.
 */
import { useRef, useState } from 'preact/hooks';
import { client, errorText } from '../api.ts';
import { HOOK_EVENTS, type HookEvent, type OutgoingHook } from '../hooks-api.ts';
import { OnceSecret } from './OnceSecret.tsx';

const EVENT_LABELS: Record<HookEvent, string> = {
  message: 'New messages',
  message_updated: 'Edits, deletions and reactions',
  member_joined: 'Someone joins',
  member_left: 'Someone leaves',
  room_updated: 'Room settings change',
};

export function AddOutgoingHook({ room, onAdded }: { room: string; onAdded(hook: OutgoingHook): void }) {
  const [open, setOpen] = useState(false);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<HookEvent[]>(['message']);
  const [includeBots, setIncludeBots] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ url?: string; form?: string }>({});
  const [created, setCreated] = useState<{ secret: string; url: string } | null>(null);
  const toggleBtn = useRef<HTMLButtonElement>(null);

  const flip = (ev: HookEvent, on: boolean) => setEvents((list) => HOOK_EVENTS.filter((x) => (x === ev ? on : list.includes(x))));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!url.trim()) return setError({ url: 'Enter the address to send events to, starting with https:// or http://.' });
    if (events.length === 0) return setError({ form: 'Choose at least one kind of event to send.' });
    setBusy(true);
    setError({});
    try {
      const { hook } = await client.hooks.addOutgoing(room, url.trim(), events, includeBots);
      setCreated({ secret: hook.secret ?? '', url: hook.url });
      setOpen(false);
      setUrl('');
      setEvents(['message']);
      setIncludeBots(false);
      onAdded(hook);
    } catch (x) {
      const text = errorText(x);
      setError((x as { code?: string }).code === 'invalid_url' || /url/i.test(text) ? { url: text } : { form: text });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="hook-add" data-testid="add-outgoing">
      {created && (
        <OnceSecret label={`Signing secret of the hook to ${created.url}`} value={created.secret} what="signing secret" testId="outgoing-secret"
          onDone={() => setCreated(null)} returnTo={toggleBtn}>
          <p class="field-hint">
            Each delivery carries a <code>webhook-signature</code> header made with this secret (the Standard Webhooks scheme).
            See <code>docs/webhook-receiver.mjs</code> in the Natter source for a receiver that verifies it and drops repeats.
          </p>
        </OnceSecret>
      )}
      <button ref={toggleBtn} type="button" class="btn btn-small" aria-expanded={open} aria-controls="add-outgoing-form" onClick={() => { setError({}); setOpen(!open); }}>
        Add outgoing hook
      </button>
      {open && (
        <form id="add-outgoing-form" class="hook-form" onSubmit={submit} aria-label="Add an outgoing hook" noValidate>
          <p class="field-hint">An outgoing hook sends this room's events to a URL of yours, one signed POST per event, retried until it answers 2xx.</p>
          <label class="field">
            <span>Send to URL</span>
            <input type="url" inputMode="url" value={url} autoCapitalize="off" spellcheck={false} placeholder="https://example.com/natter-events"
              aria-invalid={!!error.url} data-testid="outgoing-url" onInput={(e) => setUrl(e.currentTarget.value)} />
            {error.url && <span class="field-error" role="alert">{error.url}</span>}
          </label>
          <fieldset class="field radio-group">
            <legend>Events to send</legend>
            {HOOK_EVENTS.map((ev) => (
              <label>
                <input type="checkbox" checked={events.includes(ev)} onChange={(e) => flip(ev, e.currentTarget.checked)} data-event={ev} />
                {EVENT_LABELS[ev]} <code class="muted small">{ev}</code>
              </label>
            ))}
          </fieldset>
          <label class="check-row">
            <input type="checkbox" checked={includeBots} onChange={(e) => setIncludeBots(e.currentTarget.checked)} />
            Include messages by bots
          </label>
          {error.form && <p class="field-error" role="alert">{error.form}</p>}
          <div class="modal-actions">
            <button type="button" class="btn btn-small btn-quiet" onClick={() => { setOpen(false); toggleBtn.current?.focus(); }}>
              Cancel
            </button>
            <button type="submit" class="btn btn-small btn-primary" aria-disabled={busy || undefined} aria-busy={busy}>
              {busy ? 'Adding…' : 'Create outgoing hook'}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
