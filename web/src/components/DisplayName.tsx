/**
 * A person's display name (API v1.1 §5) in lists of people: before their username (which the caller keeps as it
 * was, muted after this), or after it where people look for the username (the people picker). Nothing when they
 * have none. `KnownDisplayName` uses only what the page already knows (a member list would otherwise ask once per
 * member); `PeerDisplayName` asks once per DM peer.
 */
import type { UserRef } from '../../../src/core/types.ts';
import { useKnownUser, useUser } from '../users.ts';

/** `after`: shown after the username (muted) rather than before it. */
export function DisplayName({ name, after }: { name: string | null | undefined; after?: boolean }) {
  return name ? <bdi class={after ? 'person-display-after' : 'person-display-name'} title={name} data-testid="display-name">{name}</bdi> : null;
}

export function KnownDisplayName({ user }: { user: UserRef }) {
  return <DisplayName name={useKnownUser(user)?.display_name} />;
}

export function PeerDisplayName({ user }: { user: UserRef }) {
  return <DisplayName name={useUser(user)?.display_name} />;
}
