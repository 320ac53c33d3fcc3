/**
 * One hook in Room settings → Integrations. Incoming: the bot it posts as, who added it and when, Delete.
 * Outgoing: where it sends which events, paused or active, and how delivery goes (the last acknowledged event,
 * how many wait, the newest attempt and its answer, when a failed event is tried again), Pause/Resume and Delete.
 */
import { useState } from 'preact/hooks';
import { client, errorText } from '../api.ts';
import { dayLabel, fullTime } from '../format.ts';
import { type HookDelivery, type IncomingHook, type OutgoingHook } from '../hooks-api.ts';
import { BotBadge } from './BotBadge.tsx';
import { ConfirmButton } from './ConfirmButton.tsx';

/** "Today 14:05:09": delivery times matter to the second. */
function when(iso: string): string {
  const t = new Date(iso).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit' });
  return `${dayLabel(iso)} ${t}`;
}

function Time({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={fullTime(iso)}>
      {when(iso)}
    </time>
  );
}

function Added({ hook }: { hook: IncomingHook | OutgoingHook }) {
  return (
    <span class="muted small">
      added by <bdi>{hook.created_by.username}</bdi>, <Time iso={hook.created_at} />
    </span>
  );
}

export function IncomingHookRow({ hook, onDeleted }: { hook: IncomingHook; onDeleted(id: string): void }) {
  return (
    <li class="admin-row hook-row" data-testid="hook" data-kind="incoming" data-id={hook.id} data-bot={hook.bot.username}>
      <div class="hook-main">
        <div class="admin-who">
          <span>
            Posts as <bdi class="admin-name">{hook.bot.username}</bdi>
          </span>
          <BotBadge />
        </div>
        <Added hook={hook} />
      </div>
      <div class="admin-actions">
        <ConfirmButton label="Delete" name={`Delete the incoming hook of ${hook.bot.username}`} question="Delete this hook? Its URL stops working at once."
          confirm="Delete hook" busyText="Deleting…" danger action={() => client.hooks.remove(hook.room, hook.id).then(() => onDeleted(hook.id))} />
      </div>
    </li>
  );
}

const OK = (status: number | null) => status !== null && status >= 200 && status < 300;

function Delivery({ d }: { d: HookDelivery | null }) {
  if (!d) return <>none yet</>;
  return (
    <>
      <Time iso={d.at} />
      {' · '}
      {d.status !== null ? (OK(d.status) ? `HTTP ${d.status} (delivered)` : `HTTP ${d.status} (failed)`) : `failed: ${d.error ?? 'no answer'}`}
    </>
  );
}

function backlogText(n: number): string {
  return n === 0 ? 'nothing waiting' : n === 1 ? '1 event waiting' : `${n} events waiting`;
}

/** Seconds from now until `iso`, as "in 3 s" (or "now" once it has passed). */
function fromNow(iso: string): string {
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  if (s <= 0) return 'now';
  return s < 90 ? `in ${s} s` : `in ${Math.round(s / 60)} min`;
}

export function OutgoingHookRow({ hook, onChange, onDeleted }: { hook: OutgoingHook; onChange(h: OutgoingHook): void; onDeleted(id: string): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      onChange((await client.hooks.setActive(hook.room, hook.id, !hook.active)).hook);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const d = hook.last_delivery;
  const failing = !!d && !OK(d.status);
  return (
    <li class={'admin-row hook-row' + (failing ? ' hook-failing' : '')} data-testid="hook" data-kind="outgoing" data-id={hook.id} data-active={String(hook.active)}>
      <div class="hook-main">
        <div class="admin-who">
          <span>
            Sends to <bdi class="admin-name hook-url" data-testid="hook-url">{hook.url}</bdi>
          </span>
          <span class={'role-tag' + (hook.active ? '' : ' tag-paused')} data-testid="hook-state">{hook.active ? 'active' : 'paused'}</span>
        </div>
        <span class="muted small" data-testid="hook-events">
          {hook.events.join(', ')}
          {hook.include_bots ? '; messages by bots too' : '; not messages by bots'}
        </span>
        <Added hook={hook} />
        <dl class="hook-status" data-testid="hook-status">
          <div>
            <dt>Backlog</dt>
            <dd data-testid="hook-backlog" data-backlog={hook.backlog}>{backlogText(hook.backlog)}{!hook.active && hook.backlog > 0 ? ' (paused)' : ''}</dd>
          </div>
          <div>
            <dt>Last delivery</dt>
            <dd data-testid="hook-last-delivery" data-status={d ? (d.status ?? 'error') : 'none'} class={failing ? 'hook-failed' : undefined}>
              <Delivery d={d} />
            </dd>
          </div>
          {hook.next_attempt_at && (
            <div>
              <dt>Next attempt</dt>
              <dd data-testid="hook-next-attempt">
                <Time iso={hook.next_attempt_at} /> ({fromNow(hook.next_attempt_at)})
              </dd>
            </div>
          )}
          <div>
            <dt>Delivered up to</dt>
            <dd data-testid="hook-cursor">{hook.cursor ? <>event <code>{hook.cursor}</code></> : 'nothing yet'}</dd>
          </div>
        </dl>
      </div>
      <div class="admin-actions">
        <button type="button" class="btn btn-small btn-quiet" aria-label={`${hook.active ? 'Pause' : 'Resume'} the hook to ${hook.url}`}
          aria-disabled={busy || undefined} aria-busy={busy} onClick={() => void toggle()}>
          {busy ? (hook.active ? 'Pausing…' : 'Resuming…') : hook.active ? 'Pause' : 'Resume'}
        </button>
        <ConfirmButton label="Delete" name={`Delete the hook to ${hook.url}`} question="Delete this hook? Nothing more is sent to it."
          confirm="Delete hook" busyText="Deleting…" danger action={() => client.hooks.remove(hook.room, hook.id).then(() => onDeleted(hook.id))} />
      </div>
      {error && (
        <p class="field-error admin-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
