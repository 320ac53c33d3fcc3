import type { ComponentChildren } from 'preact';

/**
 * The page's icons, drawn inline so they take the text colour (currentColor) and size (em) and need no emoji
 * font. With `label` an icon is an image with that accessible name; without one it is decoration, hidden from
 * screen readers, and the control around it carries the name (aria-label).
 */
interface IconProps {
  label?: string;
}

function Svg({ label, cls, size = '1em', children }: IconProps & { cls: string; size?: string; children: ComponentChildren }) {
  return (
    <svg
      class={'icon ' + cls}
      viewBox="0 0 16 16"
      width={size}
      height={size}
      fill="none"
      stroke="currentColor"
      stroke-width="1.6"
      stroke-linecap="round"
      stroke-linejoin="round"
      focusable="false"
      {...(label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': 'true' })}
    >
      {label && <title>{label}</title>}
      {children}
    </svg>
  );
}

/** A padlock: private rooms. */
export function LockIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-lock" size="0.8em">
      <rect x="3" y="7" width="10" height="7" rx="1.5" />
      <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" />
    </Svg>
  );
}

/** A cross: close, dismiss. */
export function CloseIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-close">
      <path d="M4 4l8 8M12 4l-8 8" />
    </Svg>
  );
}

/** A plus: create, add. */
export function PlusIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-plus">
      <path d="M8 3v10M3 8h10" />
    </Svg>
  );
}

/** Three lines: the menu of rooms (phone width). */
export function MenuIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-menu">
      <path d="M2.5 4h11M2.5 8h11M2.5 12h11" />
    </Svg>
  );
}

/** A smiling face with a small plus: add a reaction. */
export function ReactIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-react">
      <path d="M13.9 7.2A6 6 0 1 1 8.8 2.1" />
      <path d="M5.6 9.6a3 3 0 0 0 4.8 0" />
      <path d="M6 6.3v.2M9.6 6.3v.2" />
      <path d="M12.5 1.5v4M10.5 3.5h4" />
    </Svg>
  );
}

/** A pencil: edit. */
export function EditIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-edit">
      <path d="M10.8 2.7l2.5 2.5-7.6 7.6-3.2.7.7-3.2z" />
      <path d="M9.3 4.2l2.5 2.5" />
    </Svg>
  );
}

/** A bin: delete. */
export function TrashIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-trash">
      <path d="M2.5 4.5h11M6.5 4.5V3h3v1.5M4 4.5l.7 8.5a1 1 0 0 0 1 .9h4.6a1 1 0 0 0 1-.9l.7-8.5" />
      <path d="M6.8 7v4.5M9.2 7v4.5" />
    </Svg>
  );
}

/** An envelope: send a direct message. */
export function MailIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-mail">
      <rect x="2" y="3.5" width="12" height="9" rx="1.5" />
      <path d="M2.5 4.5L8 9l5.5-4.5" />
    </Svg>
  );
}

/** An arrow pointing down: to the newest messages. */
export function ArrowDownIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-arrow-down">
      <path d="M8 3v10M3.5 8.5L8 13l4.5-4.5" />
    </Svg>
  );
}

/** A curved arrow back: reply to a message. */
export function ReplyIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-reply">
      <path d="M6.5 4L2.5 7.5l4 3.5" />
      <path d="M2.5 7.5h6.5a4.5 4.5 0 0 1 4.5 4.5v1" />
    </Svg>
  );
}

/** A bell: notification settings. */
export function BellIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-bell">
      <path d="M4 11.5V7a4 4 0 0 1 8 0v4.5l1.2 1.2H2.8z" />
      <path d="M6.6 14a1.5 1.5 0 0 0 2.8 0" />
    </Svg>
  );
}

/** An at sign: mentions. */
export function AtIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-at">
      <circle cx="8" cy="8" r="2.6" />
      <path d="M10.6 8v1.1a1.9 1.9 0 0 0 3.8 0V8a6.4 6.4 0 1 0-2.6 5.2" />
    </Svg>
  );
}

/** A magnifying glass: search. */
export function SearchIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-search">
      <circle cx="7" cy="7" r="4.5" />
      <path d="M10.4 10.4L14 14" />
    </Svg>
  );
}

/** Three sliders: settings. */
export function SlidersIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-sliders">
      <path d="M2 4h12M2 8h12M2 12h12" />
      <circle cx="5" cy="4" r="1.5" />
      <circle cx="10" cy="8" r="1.5" />
      <circle cx="6" cy="12" r="1.5" />
    </Svg>
  );
}

/** A paperclip: attach files. */
export function PaperclipIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-clip">
      <path d="M13 7.5l-5.3 5.3a3.2 3.2 0 0 1-4.5-4.5L8.7 2.8a2.1 2.1 0 0 1 3 3L6.2 11.3a1 1 0 0 1-1.5-1.5L9.8 4.7" />
    </Svg>
  );
}

/** A sheet of paper with a folded corner: an attached file. */
export function FileIcon({ label }: IconProps) {
  return (
    <Svg label={label} cls="icon-file" size="1.4em">
      <path d="M9 1.8H4.5a1 1 0 0 0-1 1v10.4a1 1 0 0 0 1 1h7a1 1 0 0 0 1-1V5.3z" />
      <path d="M9 1.8v3.5h3.5" />
    </Svg>
  );
}
