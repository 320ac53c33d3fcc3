/**
 * Administration → People: search by username prefix, "Load more" pages on, and for each person the role toggle
 * (admin/member; guests have no role to change) and Deactivate/Reactivate, each asking to confirm first.
 */
import { useEffect, useState } from 'preact/hooks';
import type { OwnUser } from '../../../src/core/types.ts';
import { client, ApiError, errorText } from '../api.ts';
import { getState } from '../state.ts';
import { noteUser } from '../users.ts';
import { BotBadge } from './BotBadge.tsx';

function changeError(e: unknown): string {
  if (e instanceof ApiError && e.code === 'last_admin') return 'There must be at least one active admin: make someone else an admin first.';
  return errorText(e);
}

function UserRow({ user, onChange }: { user: OwnUser; onChange(u: OwnUser): void }) {
  const [confirm, setConfirm] = useState<null | 'active' | 'role'>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const me = getState().me?.id === user.id;
  const apply = async (patch: { active?: boolean; role?: 'admin' | 'member' }) => {
    setBusy(true);
    setError(null);
    try {
      const { user: u } = await client.admin.updateUser(user.username, patch);
      noteUser(u);
      onChange(u);
      setConfirm(null);
    } catch (e) {
      setError(changeError(e));
    } finally {
      setBusy(false);
    }
  };
  const newRole = user.role === 'admin' ? 'member' : 'admin';
  const roleLabel = user.role === 'admin' ? `Make member ${user.username}` : `Make admin ${user.username}`;
  const activeLabel = user.active ? `Deactivate ${user.username}` : `Reactivate ${user.username}`;
  return (
    <li class="admin-row" data-testid="admin-user" data-username={user.username} data-active={String(user.active)} data-role={user.role}>
      <div class="admin-who">
        <bdi class="admin-name">{user.display_name ?? user.username}</bdi>
        {user.display_name && <bdi class="muted small">@{user.username}</bdi>}
        {user.kind === 'bot' && <BotBadge />}
        <span class="muted small">
          {user.role}
          {me ? ' · you' : ''}
          {user.active ? '' : ' · deactivated'}
        </span>
      </div>
      <div class="admin-actions">
        {confirm ? (
          <>
            <span class="small">{confirm === 'role' ? `${roleLabel}?` : `${activeLabel}?`}</span>
            <button type="button" class={'btn btn-small' + (confirm === 'active' && user.active ? ' btn-danger' : ' btn-primary')} disabled={busy} onClick={() => void apply(confirm === 'role' ? { role: newRole } : { active: !user.active })}>
              {confirm === 'role' ? 'Confirm role change' : user.active ? 'Confirm deactivation' : 'Confirm reactivation'}
            </button>
            <button type="button" class="btn btn-small btn-quiet" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </>
        ) : (
          <>
            {user.role !== 'guest' && (
              <button type="button" class="btn btn-small btn-quiet" aria-label={roleLabel} onClick={() => setConfirm('role')}>
                {user.role === 'admin' ? 'Make member' : 'Make admin'}
              </button>
            )}
            <button type="button" class="btn btn-small btn-quiet" aria-label={activeLabel} onClick={() => setConfirm('active')}>
              {user.active ? 'Deactivate' : 'Reactivate'}
            </button>
          </>
        )}
      </div>
      {error && (
        <p class="field-error admin-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

export function AdminUsers() {
  const [q, setQ] = useState('');
  const [users, setUsers] = useState<OwnUser[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = async (query: string, cursor: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const r = await client.admin.users({ q: query, cursor, limit: 50 });
      setUsers((prev) => (cursor && prev ? [...prev, ...r.users] : r.users));
      setNext(r.next);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    const t = setTimeout(() => void load(q.trim(), null), q ? 250 : 0);
    return () => clearTimeout(t);
  }, [q]);

  return (
    <section class="admin-section" aria-labelledby="admin-users-heading">
      <h2 id="admin-users-heading">People</h2>
      <form role="search" onSubmit={(e) => { e.preventDefault(); void load(q.trim(), null); }}>
        <label class="field-label" for="admin-user-search">Search people by username</label>
        <input id="admin-user-search" type="search" value={q} autoCapitalize="off" spellcheck={false} onInput={(e) => setQ(e.currentTarget.value)} />
      </form>
      {error && <p class="field-error" role="alert">{error}</p>}
      {users && users.length === 0 && <p class="muted">Nobody matches.</p>}
      <ul class="admin-list" data-testid="admin-users" aria-busy={loading}>
        {users?.map((u) => (
          <UserRow key={u.id} user={u} onChange={(nu) => setUsers((list) => list?.map((x) => (x.id === nu.id ? nu : x)) ?? null)} />
        ))}
      </ul>
      {!users && !error && <p class="muted" role="status">Loading…</p>}
      {next && (
        <button type="button" class="btn btn-quiet" disabled={loading} onClick={() => void load(q.trim(), next)}>
          Load more
        </button>
      )}
    </section>
  );
}
