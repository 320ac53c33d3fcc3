/** "Administration" (admins only, API v1.1 §5): people, invites and every room, in place of the open room. */
import { useEffect, useState } from 'preact/hooks';
import type { Room } from '../../../src/core/types.ts';
import { client, errorText } from '../api.ts';
import { AdminInvites } from './AdminInvites.tsx';
import { AdminUsers } from './AdminUsers.tsx';
import { MenuIcon } from './Icons.tsx';

function AdminRooms() {
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => void client.admin.rooms().then((r) => setRooms(r.rooms), (e) => setError(errorText(e))), []);
  return (
    <section class="admin-section" aria-labelledby="admin-rooms-heading">
      <h2 id="admin-rooms-heading">Rooms</h2>
      {error && <p class="field-error" role="alert">{error}</p>}
      {!rooms && !error && <p class="muted" role="status">Loading…</p>}
      <ul class="admin-list" data-testid="admin-rooms">
        {rooms?.map((r) => (
          <li class="admin-row" data-room={r.name}>
            <div class="admin-who">
              <bdi class="admin-name">#{r.name}</bdi>
              <span class="muted small">
                {r.visibility}
                {r.topic ? ' · ' : ''}
                {r.topic && <bdi>{r.topic}</bdi>}
              </span>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function AdminPage({ onMenu }: { onMenu(): void }) {
  return (
    <div class="admin-page" data-testid="admin-page">
      <header class="room-head">
        <button type="button" class="icon-btn menu-btn" aria-label="Show rooms" onClick={onMenu}>
          <MenuIcon />
        </button>
        <div class="room-title">
          <h1 tabIndex={-1} ref={(el) => el?.focus()}>Administration</h1>
        </div>
      </header>
      <div class="admin-body">
        <AdminUsers />
        <AdminInvites />
        <AdminRooms />
      </div>
    </div>
  );
}
