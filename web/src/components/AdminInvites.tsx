/**
 * Administration → Invites: create one (how many uses, how many days), shown with its code and a copyable
 * link; the list of codes still usable, with their remaining uses and a Revoke button.
 */
import { useEffect, useState } from 'preact/hooks';
import { type Invite, inviteLink } from '../admin.ts';
import { client, errorText } from '../api.ts';
import { fullTime } from '../format.ts';

const DAY_S = 86_400;

function CopyLink({ code }: { code: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const link = inviteLink(code);
  return (
    <div class="invite-link">
      <label class="field-label" for={`invite-link-${code}`}>Invite link</label>
      <div class="inline-field">
        <input id={`invite-link-${code}`} readOnly value={link} data-testid="invite-link" onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          class="btn btn-small"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(link);
              setCopied('Link copied.');
            } catch {
              setCopied('Could not copy: select the link and copy it yourself.');
            }
          }}
        >
          Copy link
        </button>
      </div>
      <p class="field-hint" role="status">{copied ?? ''}</p>
    </div>
  );
}

export function AdminInvites() {
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [uses, setUses] = useState('1');
  const [days, setDays] = useState('7');
  const [created, setCreated] = useState<Invite | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => client.admin.invites().then((r) => setInvites(r.invites), (e) => setError(errorText(e)));
  useEffect(() => void refresh(), []);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const n = Number(uses);
    const d = Number(days);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return setError('Uses must be a whole number from 1 to 1000.');
    if (!(d > 0) || d > 30) return setError('Days must be a number above 0 and at most 30.');
    try {
      const { invite } = await client.admin.createInvite(n, Math.max(60, Math.round(d * DAY_S)));
      setCreated(invite);
      void refresh();
    } catch (x) {
      setError(errorText(x));
    }
  };

  return (
    <section class="admin-section" aria-labelledby="admin-invites-heading">
      <h2 id="admin-invites-heading">Invites</h2>
      <form class="invite-form" onSubmit={create} noValidate>
        <label class="field">
          <span>Uses</span>
          <input type="number" min={1} max={1000} value={uses} onInput={(e) => setUses(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Expires after (days)</span>
          <input type="number" min={1} max={30} value={days} onInput={(e) => setDays(e.currentTarget.value)} />
        </label>
        <button type="submit" class="btn btn-primary">Create invite</button>
      </form>
      {error && <p class="field-error" role="alert">{error}</p>}
      {created && (
        <div class="invite-created" data-testid="invite-created">
          <p role="status">
            Invite code <code data-testid="invite-code">{created.code}</code> created.
          </p>
          <CopyLink code={created.code} />
        </div>
      )}
      <h3>Usable invites</h3>
      {invites?.length === 0 && <p class="muted">No usable invites.</p>}
      <ul class="admin-list" data-testid="invite-list">
        {invites?.map((i) => {
          const left = i.max_uses - i.uses;
          return (
            <li class="admin-row" data-testid="invite" data-code={i.code}>
              <div class="admin-who">
                <code>{i.code}</code>
                <span class="muted small" data-testid="invite-remaining">
                  {left === 1 ? '1 use left' : `${left} uses left`} of {i.max_uses} · expires {fullTime(i.expires_at)} · by {i.created_by.username}
                </span>
              </div>
              <div class="admin-actions">
                <button
                  type="button"
                  class="btn btn-small btn-quiet"
                  aria-label={`Revoke invite ${i.code}`}
                  onClick={async () => {
                    try {
                      await client.admin.revokeInvite(i.code);
                      if (created?.code === i.code) setCreated(null);
                      void refresh();
                    } catch (x) {
                      setError(errorText(x));
                    }
                  }}
                >
                  Revoke
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
