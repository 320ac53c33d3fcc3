/**
 * What Natter's emails say (API v1.1 §4 "Email"), pure: the verification mail and the digest of unread DMs and
 * mentions, each as plain text and as simple HTML. Every piece of user text (usernames, room names, message
 * text) is escaped in the HTML part; links point at the web client, which opens a room at a message from
 * `/?at=<seq>#/r/<room>` (web/src/session.ts).
 */

/** An email's content; the driver (net/mailer.ts) adds From and To. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** Send one email to `to` (net/mailer.ts); rejects when the SMTP server did not take it. */
export type SendMail = (to: string, mail: MailContent) => Promise<void>;

/** One message of a digest. */
export interface DigestEntry {
  room: string;
  roomKind: 'room' | 'dm';
  seq: number;
  author: string;
  text: string;
  reason: 'dm' | 'user' | 'reply';
}

/** How many code points of a message a digest shows. */
export const EXCERPT_MAX = 200;

/** HTML-escape text for element content and double-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The web client's address of a message: it opens the room there. */
export function messageLink(publicUrl: string, room: string, seq: number): string {
  return `${publicUrl}/?at=${seq}#/r/${encodeURIComponent(room)}`;
}

/** The address that verifies an email when opened while signed in (web/src/verify-email.ts). */
export function verifyLink(publicUrl: string, token: string): string {
  return `${publicUrl}/?verify_email=${encodeURIComponent(token)}`;
}

/** A message's text on one line (whitespace and control characters collapsed), cut to EXCERPT_MAX code points. */
export function excerpt(text: string): string {
  const flat = text.replace(/[\s\p{Cc}]+/gu, ' ').trim();
  const points = [...flat];
  return points.length > EXCERPT_MAX ? `${points.slice(0, EXCERPT_MAX - 1).join('')}…` : flat;
}

/** "alice sent you a direct message", "alice mentioned you in #design", "alice replied to you in #design". */
function headline(e: DigestEntry): { who: string; what: string; where: string } {
  const where = e.roomKind === 'dm' ? '' : `#${e.room}`;
  const what = e.reason === 'dm' ? 'sent you a direct message' : e.reason === 'reply' ? 'replied to you in' : 'mentioned you in';
  return { who: e.author, what, where };
}

/** The digest for `username`: every entry with its room, author, excerpt and link. Entries must be non-empty. */
export function composeDigest(username: string, entries: readonly DigestEntry[], publicUrl: string): MailContent {
  const n = entries.length;
  const first = entries[0]!;
  const subject = n === 1
    ? (first.reason === 'dm' ? `New message from ${first.author} on Natter` : `${first.author} ${headline(first).what} ${headline(first).where} on Natter`)
    : `${n} unread messages on Natter`;
  const intro = n === 1 ? 'You have an unread message on Natter:' : `You have ${n} unread messages on Natter:`;
  const footer = 'You get these emails for direct messages and mentions still unread after a while. '
    + 'To stop them, turn off email notifications in Natter\'s settings.';
  const text = [
    `Hello ${username},`, '', intro, '',
    ...entries.flatMap((e) => {
      const h = headline(e);
      return [`${[h.who, h.what, h.where].filter(Boolean).join(' ')}:`, `  ${excerpt(e.text)}`, `  ${messageLink(publicUrl, e.room, e.seq)}`, ''];
    }),
    '-- ', footer, publicUrl, '',
  ].join('\n');
  const items = entries.map((e) => {
    const h = headline(e);
    const where = h.where ? ` <b>${escapeHtml(h.where)}</b>` : '';
    return `<li style="margin:0 0 12px"><b>${escapeHtml(h.who)}</b> ${escapeHtml(h.what)}${where}:<br>`
      + `<span style="color:#333">${escapeHtml(excerpt(e.text))}</span><br>`
      + `<a href="${escapeHtml(messageLink(publicUrl, e.room, e.seq))}">Open in Natter</a></li>`;
  });
  const html = page(subject, [
    `<p>Hello ${escapeHtml(username)},</p>`, `<p>${escapeHtml(intro)}</p>`,
    `<ul style="padding-left:20px">${items.join('')}</ul>`,
    `<p style="color:#666;font-size:12px">${escapeHtml(footer)} <a href="${escapeHtml(publicUrl)}/">${escapeHtml(publicUrl)}</a></p>`,
  ]);
  return { subject, text, html };
}

/** The mail that carries a verification token for `email`, with the link that uses it and the token itself. */
export function composeVerification(username: string, email: string, token: string, publicUrl: string): MailContent {
  const link = verifyLink(publicUrl, token);
  const subject = 'Confirm your email address for Natter';
  const text = [
    `Hello ${username},`, '',
    `To confirm that ${email} is your address for Natter's email notifications, open this link while signed in:`,
    link, '',
    'Or paste this code under Settings, Email notifications:', token, '',
    'The code works for 24 hours. If you did not ask for this, ignore this email.', '',
  ].join('\n');
  const html = page(subject, [
    `<p>Hello ${escapeHtml(username)},</p>`,
    `<p>To confirm that <b>${escapeHtml(email)}</b> is your address for Natter's email notifications, open this link while signed in:</p>`,
    `<p><a href="${escapeHtml(link)}">Confirm my email address</a></p>`,
    `<p>Or paste this code under Settings, Email notifications:<br><code>${escapeHtml(token)}</code></p>`,
    '<p style="color:#666;font-size:12px">The code works for 24 hours. If you did not ask for this, ignore this email.</p>',
  ]);
  return { subject, text, html };
}

function page(title: string, body: string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`
    + `<body style="font-family:sans-serif;line-height:1.4">${body.join('\n')}</body></html>`;
}
