/**
 * Room settings → Integrations (API v1.1 §6): the room's incoming and outgoing hooks (a member who is not the
 * owner or an admin sees the ones they added), refreshed every few seconds while it is open and on demand, and
 * the forms that add them: incoming for anyone with a bot of their own, outgoing for the owner or an admin.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { User } from '../../../src/core/types.ts';
import { client, ApiError, errorText } from '../api.ts';
import { type Hook, type IncomingHook, type OutgoingHook } from '../hooks-api.ts';
import { AddIncomingHook } from './AddIncomingHook.tsx';
import { AddOutgoingHook } from './AddOutgoingHook.tsx';
import { IncomingHookRow, OutgoingHookRow } from './HookRow.tsx';

/** How often the list (and the outgoing hooks' delivery status) is fetched again while the panel is open. */
export const REFRESH_MS = 3000;

function listError(e: unknown): string {
  if (e instanceof ApiError && e.status === 404) return 'Only members of this private room can see its integrations.';
  return errorText(e);
}

interface Props {
  room: string;
  me: User;
  /** The room's owner or an admin: may add outgoing hooks and sees every hook. */
  manage: boolean;
}

export function IntegrationsPanel({ room, me, manage }: Props) {
  const [hooks, setHooks] = useState<Hook[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [checkedAt, setCheckedAt] = useState<Date | null>(null);
  // Answers can cross (a refresh and an action): only the newest request's answer is shown. A timed refresh is
  // skipped while another request is out, so a slow server is not asked again and again.
  const latest = useRef(0);
  const inFlight = useRef(0);
  const load = async (manual = false) => {
    const n = ++latest.current;
    if (manual) setRefreshing(true);
    inFlight.current++;
    try {
      const r = await client.hooks.list(room);
      if (n !== latest.current) return;
      setHooks(r.hooks);
      setError(null);
      setCheckedAt(new Date());
    } catch (e) {
      if (n === latest.current) setError(listError(e));
    } finally {
      inFlight.current--;
      if (manual) setRefreshing(false);
    }
  };
  useEffect(() => {
    void load();
    const t = setInterval(() => void (inFlight.current === 0 && load()), REFRESH_MS);
    return () => clearInterval(t);
  }, [room]);

  const replace = (h: OutgoingHook) => {
    latest.current++;
    setHooks((list) => list?.map((x) => (x.id === h.id ? h : x)) ?? null);
    void load();
  };
  const removed = (id: string) => {
    latest.current++;
    setHooks((list) => list?.filter((x) => x.id !== id) ?? null);
    void load();
  };
  const added = () => void load();

  const incoming = (hooks ?? []).filter((h): h is IncomingHook => h.kind === 'incoming');
  const outgoing = (hooks ?? []).filter((h): h is OutgoingHook => h.kind === 'outgoing');
  const time = checkedAt?.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit' });

  return (
    <div class="integrations" data-testid="integrations">
      <div class="integrations-bar">
        <button type="button" class="btn btn-small btn-quiet" aria-disabled={refreshing || undefined} aria-busy={refreshing}
          onClick={() => void (refreshing || load(true))}>
          {refreshing ? 'Refreshing…' : 'Refresh'}
        </button>
        <span class="muted small" data-testid="hooks-checked">{time ? `Updated ${time}; refreshes every ${REFRESH_MS / 1000} s while open.` : 'Loading…'}</span>
      </div>
      {error && <p class="field-error" role="alert">{error}</p>}
      {!manage && <p class="field-hint">You see the hooks you added. The room's owner and admins see them all.</p>}

      <section class="settings-section" aria-labelledby="incoming-heading">
        <h3 id="incoming-heading">Incoming hooks</h3>
        {hooks && incoming.length === 0 && <p class="muted small">None yet.</p>}
        <ul class="admin-list" data-testid="incoming-hooks" aria-busy={!hooks && !error}>
          {incoming.map((h) => <IncomingHookRow key={h.id} hook={h} onDeleted={removed} />)}
        </ul>
        <AddIncomingHook room={room} me={me} onAdded={added} />
      </section>

      <section class="settings-section" aria-labelledby="outgoing-heading">
        <h3 id="outgoing-heading">Outgoing hooks</h3>
        {hooks && outgoing.length === 0 && <p class="muted small">None yet.</p>}
        <ul class="admin-list" data-testid="outgoing-hooks" aria-busy={!hooks && !error}>
          {outgoing.map((h) => <OutgoingHookRow key={h.id} hook={h} onChange={replace} onDeleted={removed} />)}
        </ul>
        {manage ? (
          <AddOutgoingHook room={room} onAdded={added} />
        ) : (
          <p class="field-hint">Only the room's owner or an admin can add an outgoing hook.</p>
        )}
      </section>
    </div>
  );
}
