/**
 * A message's author as people know them: avatar and display name (with the username muted), kept live. A bot
 * carries the BOT badge; a message an incoming hook posted under another name (`alias`, API v1.1 §6) shows that
 * name first, then the bot's username muted and the badge, so nobody mistakes it for a person.
 */
import { useUser } from '../users.ts';
import { Avatar } from './Avatar.tsx';
import { BotBadge } from './BotBadge.tsx';

type Ref = { id: string; username: string };

export function AuthorAvatar({ author, alias }: { author: Ref; alias?: string | null }) {
  const u = useUser(author);
  return <Avatar name={alias ?? author.username} url={u?.avatar_url} />;
}

export function AuthorName({ author, alias }: { author: Ref; alias?: string | null }) {
  const u = useUser(author);
  const shown = alias ?? u?.display_name;
  return (
    <>
      {shown && (
        <bdi class={'msg-display-name' + (alias ? ' msg-alias' : '')} data-testid={alias ? 'message-alias' : 'message-display-name'}>
          {shown}
        </bdi>
      )}
      <bdi class="msg-author" data-testid="message-author">
        {author.username}
      </bdi>
      {(alias || u?.kind === 'bot') && <BotBadge />}
      {u && !u.active && <span class="muted small">(deactivated)</span>}
    </>
  );
}
