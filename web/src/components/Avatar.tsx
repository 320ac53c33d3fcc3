import { userHue } from '../format.ts';

/**
 * A round initial in a soft per-user colour, or the person's avatar image (`url`); decorative, the name is
 * always written next to it.
 */
export function Avatar({ name, small, url }: { name: string; small?: boolean; url?: string | null }) {
  if (url) return <img class={'avatar avatar-img' + (small ? ' avatar-small' : '')} src={url} alt="" aria-hidden="true" />;
  const hue = userHue(name);
  return (
    <span
      class={'avatar' + (small ? ' avatar-small' : '')}
      style={{ background: `hsl(${hue} 45% 88%)`, color: `hsl(${hue} 55% 26%)` }}
      aria-hidden="true"
    >
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}
