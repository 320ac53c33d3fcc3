/**
 * A padlock, drawn inline so it matches the text colour and size. With `label` it is an image with that
 * accessible name ("private"); without one it is decoration, hidden from screen readers.
 */
export function LockIcon({ label }: { label?: string }) {
  return (
    <svg
      class="icon-lock"
      viewBox="0 0 16 16"
      width="0.8em"
      height="0.8em"
      fill="none"
      stroke="currentColor"
      stroke-width="1.6"
      stroke-linecap="round"
      {...(label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': 'true' })}
    >
      {label && <title>{label}</title>}
      <rect x="3" y="7" width="10" height="7" rx="1.5" />
      <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" />
    </svg>
  );
}
