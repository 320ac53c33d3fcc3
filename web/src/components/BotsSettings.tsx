/**
 * "Bots" in Settings (API v1.1 §6): the bots you own (an admin sees every bot), a form to create one, and each
 * bot's New token and Delete, each confirmed first. A bot's token is shown once, when the bot is created or a new
 * token is made, with a Copy button. Hidden for guests and bots, who cannot have bots.
 */
import { useEffect, useState } from 'preact/hooks';
import type { User } from '../../../src/core/types.ts';
import { client, ApiError, errorText } from '../api.ts';
import { type Bot } from '../hooks-api.ts';
import { getState } from '../state.ts';
import { noteUser } from '../users.ts';
import { BotRow, type ShownToken } from './BotRow.tsx';
import { OnceSecret } from './OnceSecret.tsx';

export function BotsSettings() {
  const me = getState().me;
  if (!me || me.role === 'guest' || me.guest || me.kind === 'bot') return null;
  return <Bots me={me} />;
}

function Bots({ me }: { me: User }) {
  const [bots, setBots] = useState<Bot[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [shown, setShown] = useState<ShownToken | null>(null);
  const load = () =>
    client.bots.list().then(
      (r) => {
        for (const b of r.bots) noteUser(b);
        setBots(r.bots);
        setLoadError(null);
      },
      (e: unknown) => setLoadError(errorText(e)),
    );
  useEffect(() => void load(), []);

  const onToken = (t: ShownToken) => {
    setShown(t);
    void load();
  };
  const onDeleted = (username: string) => {
    if (shown?.username === username) setShown(null);
    void load();
  };

  return (
    <section class="settings-section" aria-labelledby="bots-heading" data-testid="bots-settings">
      <h3 id="bots-heading">Bots</h3>
      <p class="field-hint">
        A bot posts and reads with its own token, like a person with a password. Add one to a room as an incoming hook: Room settings, Integrations.
      </p>
      {shown && (
        <OnceSecret label={`${shown.renewed ? 'New token' : 'Token'} for ${shown.username}`} value={shown.token} what="token" testId="bot-token" onDone={() => setShown(null)}>
          <p class="field-hint">Send it as <code>Authorization: Bearer &lt;token&gt;</code> with each request the bot makes.</p>
        </OnceSecret>
      )}
      {loadError && <p class="field-error" role="alert">{loadError}</p>}
      {!bots && !loadError && <p class="muted small" role="status">Loading…</p>}
      {bots?.length === 0 && <p class="muted small">You have no bots yet.</p>}
      <ul class="admin-list" data-testid="bot-list">
        {bots?.map((b) => <BotRow key={b.id} bot={b} mine={b.owner.id === me.id} onToken={onToken} onDeleted={onDeleted} />)}
      </ul>
      <CreateBot onCreated={(u, token) => onToken({ username: u.username, token, renewed: false })} />
    </section>
  );
}

function createError(e: unknown): { username?: string; form?: string } {
  if (e instanceof ApiError && e.code === 'username_taken') return { username: 'That username is taken: choose another.' };
  if (e instanceof ApiError && e.code === 'limit_reached') return { form: `${errorText(e)} Delete a bot you no longer use first.` };
  if (e instanceof ApiError && e.code === 'invalid_request' && /username/i.test(e.message)) return { username: errorText(e) };
  return { form: errorText(e) };
}

function CreateBot({ onCreated }: { onCreated(user: User, token: string): void }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<{ username?: string; form?: string }>({});
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy || !username.trim()) return;
    setBusy(true);
    setErr({});
    try {
      const { user, token } = await client.bots.create(username.trim(), displayName.trim() || null);
      noteUser(user);
      setUsername('');
      setDisplayName('');
      onCreated(user, token);
    } catch (x) {
      setErr(createError(x));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="bot-create" onSubmit={submit} aria-labelledby="bot-create-heading" noValidate>
      <h4 id="bot-create-heading">Create a bot</h4>
      <label class="field">
        <span>Bot username</span>
        <input value={username} autoCapitalize="off" spellcheck={false} maxLength={32} aria-invalid={!!err.username} data-testid="bot-username"
          onInput={(e) => setUsername(e.currentTarget.value)} />
        {err.username ? <span class="field-error" role="alert">{err.username}</span> : <span class="field-hint">Letters, digits, dots, dashes or underscores, like any username.</span>}
      </label>
      <label class="field">
        <span>Name shown on its messages (optional)</span>
        <input value={displayName} maxLength={64} data-testid="bot-display-name" onInput={(e) => setDisplayName(e.currentTarget.value)} />
      </label>
      {err.form && <p class="field-error" role="alert">{err.form}</p>}
      <div class="modal-actions">
        <button type="submit" class="btn btn-small btn-primary" disabled={!busy && !username.trim()} aria-disabled={busy || undefined} aria-busy={busy}>
          {busy ? 'Creating…' : 'Create bot'}
        </button>
      </div>
    </form>
  );
}
