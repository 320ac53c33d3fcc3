import { userHue } from '../format.ts';

/** A round initial in a soft per-user colour; decorative, the name is always written next to it. */
export function Avatar({ name, small }: { name: string; small?: boolean }) {
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
