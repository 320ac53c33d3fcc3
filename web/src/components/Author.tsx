/** A message's author as people know them: avatar and display name (with the username muted), kept live. */
import { useUser } from '../users.ts';
import { Avatar } from './Avatar.tsx';

type Ref = { id: string; username: string };

export function AuthorAvatar({ author }: { author: Ref }) {
  const u = useUser(author);
  return <Avatar name={author.username} url={u?.avatar_url} />;
}

export function AuthorName({ author }: { author: Ref }) {
  const u = useUser(author);
  return (
    <>
      {u?.display_name && (
        <bdi class="msg-display-name" data-testid="message-display-name">
          {u.display_name}
        </bdi>
      )}
      <bdi class="msg-author" data-testid="message-author">
        {author.username}
      </bdi>
      {u && !u.active && <span class="muted small">(deactivated)</span>}
    </>
  );
}
