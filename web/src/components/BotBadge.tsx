/** The "BOT" badge beside a bot's name (a user of `kind: "bot"`, API v1.1 §6), like other chat apps' "APP". */
import type { UserRef } from '../../../src/core/types.ts';
import { useKnownUser } from '../users.ts';

export function BotBadge() {
  return (
    <span class="badge-bot" title="Bot" data-testid="bot-badge">
      BOT
    </span>
  );
}

/** The badge for someone the page already knows to be a bot (nothing is fetched: for lists of people). */
export function KnownBotBadge({ user }: { user: UserRef }) {
  const u = useKnownUser(user);
  return u?.kind === 'bot' ? <BotBadge /> : null;
}
