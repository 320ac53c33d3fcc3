/**
 * "Add incoming hook" in Room settings → Integrations: pick one of your active bots; the answer's URL is shown
 * once, absolute, with a Copy button and a curl command that posts through it. With no bot of your own, it says
 * where to make one (Settings, under Bots).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { User } from '../../../src/core/types.ts';
import { client, errorText } from '../api.ts';
import { absoluteHookUrl, type Bot, curlExample, type IncomingHook } from '../hooks-api.ts';
import { OnceSecret } from './OnceSecret.tsx';

interface Props {
  room: string;
  me: User;
  onAdded(hook: IncomingHook): void;
}

export function AddIncomingHook({ room, me, onAdded }: Props) {
  const [open, setOpen] = useState(false);
  const [bots, setBots] = useState<Bot[] | null>(null);
  const [bot, setBot] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ url: string; bot: string } | null>(null);
  const toggleBtn = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    setBots(null);
    client.bots.list().then(
      (r) => {
        const usable = r.bots.filter((b) => b.active && b.owner.id === me.id);
        setBots(usable);
        setBot((cur) => (usable.some((b) => b.username === cur) ? cur : usable[0]?.username ?? ''));
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, [open]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy || !bot) return;
    setBusy(true);
    setError(null);
    try {
      const { hook } = await client.hooks.addIncoming(room, bot);
      setCreated({ url: absoluteHookUrl(hook.url ?? ''), bot: hook.bot.username });
      setOpen(false);
      onAdded(hook);
    } catch (x) {
      setError(errorText(x));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="hook-add" data-testid="add-incoming">
      {created && (
        <OnceSecret label={`URL of the new incoming hook (posts as ${created.bot})`} value={created.url} what="URL" testId="incoming-url"
          onDone={() => setCreated(null)} returnTo={toggleBtn}>
          <p class="field-hint">Anyone with this URL can post in #{room} as {created.bot}. To try it:</p>
          <pre class="hook-curl" data-testid="incoming-curl" tabIndex={0} aria-label="Example: post a message with curl"><code>{curlExample(created.url)}</code></pre>
        </OnceSecret>
      )}
      <button ref={toggleBtn} type="button" class="btn btn-small" aria-expanded={open} aria-controls="add-incoming-form" onClick={() => { setError(null); setOpen(!open); }}>
        Add incoming hook
      </button>
      {open && (
        <form id="add-incoming-form" class="hook-form" onSubmit={submit} aria-label="Add an incoming hook" noValidate>
          <p class="field-hint">An incoming hook gives you a URL that other tools post to; their messages appear here as one of your bots.</p>
          {bots === null && !error && <p class="muted small" role="status">Loading your bots…</p>}
          {bots?.length === 0 && (
            <p class="small" data-testid="no-bots">
              You have no active bot yet. Create one in <strong>Settings</strong> (at the bottom of the room list), under <strong>Bots</strong>, then come back here.
            </p>
          )}
          {bots && bots.length > 0 && (
            <div class="field">
              <label class="field-label" for="incoming-bot">Bot</label>
              <select id="incoming-bot" value={bot} onChange={(e) => setBot(e.currentTarget.value)} data-testid="incoming-bot">
                {bots.map((b) => (
                  <option value={b.username}>{b.display_name ? `${b.display_name} (${b.username})` : b.username}</option>
                ))}
              </select>
            </div>
          )}
          {error && <p class="field-error" role="alert">{error}</p>}
          <div class="modal-actions">
            <button type="button" class="btn btn-small btn-quiet" onClick={() => { setOpen(false); toggleBtn.current?.focus(); }}>
              Cancel
            </button>
            <button type="submit" class="btn btn-small btn-primary" disabled={!busy && !bot} aria-disabled={busy || undefined} aria-busy={busy}>
              {busy ? 'Adding…' : 'Create incoming hook'}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
