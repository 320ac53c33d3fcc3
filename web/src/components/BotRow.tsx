/**
 * One bot in Settings → Bots: its names, the BOT badge, its owner when that is someone else (an admin sees every
 * bot), whether it is deactivated, and New token and Delete, each asking to confirm with what will happen.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, errorText } from '../api.ts';
import { type Bot } from '../hooks-api.ts';
import { BotBadge } from './BotBadge.tsx';

/** A token to show once: a new bot's, or a bot's new one. */
export interface ShownToken {
  username: string;
  token: string;
  renewed: boolean;
}

type Confirm = null | 'token' | 'delete';

const ASK: Record<'token' | 'delete', (name: string) => string> = {
  token: (name) => `Make a new token for ${name}? The old token stops working at once.`,
  delete: (name) => `Delete ${name}? Its token stops working at once; its messages stay.`,
};

interface Props {
  bot: Bot;
  /** You own it (else you are an admin seeing someone else's bot). */
  mine: boolean;
  onToken(t: ShownToken): void;
  onDeleted(username: string): void;
}

export function BotRow({ bot, mine, onToken, onDeleted }: Props) {
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = bot.username;
  // Focus follows the question: to its confirm button when it is asked, back to what asked it when cancelled.
  const confirmBtn = useRef<HTMLButtonElement>(null);
  const askers = { token: useRef<HTMLButtonElement>(null), delete: useRef<HTMLButtonElement>(null) };
  const returnTo = useRef<'token' | 'delete' | null>(null);
  const ask = (c: 'token' | 'delete') => {
    setError(null);
    setConfirm(c);
  };
  const cancel = () => {
    returnTo.current = confirm;
    setConfirm(null);
  };
  useEffect(() => {
    if (confirm) confirmBtn.current?.focus();
    else if (returnTo.current) askers[returnTo.current].current?.focus();
    returnTo.current = null;
  }, [confirm]);

  const run = async () => {
    if (!confirm || busy) return;
    setBusy(true);
    setError(null);
    try {
      if (confirm === 'token') {
        const { token } = await client.bots.newToken(name);
        setConfirm(null);
        onToken({ username: name, token, renewed: true });
      } else {
        await client.bots.remove(name);
        setConfirm(null);
        onDeleted(name);
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li class="admin-row" data-testid="bot" data-username={name} data-active={String(bot.active)}>
      <div class="admin-who">
        <bdi class="admin-name">{bot.display_name ?? name}</bdi>
        {bot.display_name && <bdi class="muted small">@{name}</bdi>}
        <BotBadge />
        {!mine && (
          <span class="muted small">
            owner <bdi>{bot.owner.username}</bdi>
          </span>
        )}
        {!bot.active && <span class="role-tag" data-testid="bot-deactivated">deactivated</span>}
      </div>
      {bot.active && (
        <div class="admin-actions">
          {confirm ? (
            <>
              <span class="small" id={`bot-confirm-${bot.id}`}>{ASK[confirm](name)}</span>
              <button ref={confirmBtn} type="button" class={'btn btn-small ' + (confirm === 'delete' ? 'btn-danger' : 'btn-primary')} aria-disabled={busy || undefined}
                aria-busy={busy} aria-describedby={`bot-confirm-${bot.id}`} onClick={() => void run()}>
                {busy ? (confirm === 'delete' ? 'Deleting…' : 'Making a token…') : confirm === 'delete' ? 'Confirm delete' : 'Confirm new token'}
              </button>
              <button type="button" class="btn btn-small btn-quiet" disabled={busy} onClick={cancel}>
                Cancel
              </button>
            </>
          ) : (
            <>
              <button type="button" class="btn btn-small btn-quiet" aria-label={`New token for ${name}`} ref={askers.token} onClick={() => ask('token')}>
                New token
              </button>
              <button type="button" class="btn btn-small btn-quiet" aria-label={`Delete ${name}`} ref={askers.delete} onClick={() => ask('delete')}>
                Delete
              </button>
            </>
          )}
        </div>
      )}
      {!bot.active && <p class="muted small admin-error">Deactivated: its token does not work. An admin can reactivate it in Administration, then make a new token here.</p>}
      {error && (
        <p class="field-error admin-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
