/**
 * Email, the pure parts (API v1.1 §4 "Email"): what the digest and the verification mail say (text and HTML,
 * with user text escaped), who is mailed what, the address check, and the configuration.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, describeConfig, loadConfig } from '../../src/config.ts';
import { composeDigest, composeVerification, escapeHtml, excerpt, messageLink, type DigestEntry } from '../../src/core/email-compose.ts';
import { emailBackoffMs, emailReason, gatherMs } from '../../src/core/email-digest.ts';
import { checkEmail } from '../../src/core/email.ts';
import { ChatError } from '../../src/core/errors.ts';

const URL_ = 'https://chat.example.com';
const entries: DigestEntry[] = [
  { room: 'dm-1-2', roomKind: 'dm', seq: 7, author: 'alice', text: 'hi <script>alert("x")</script> & bye', reason: 'dm' },
  { room: 'design', roomKind: 'room', seq: 42, author: 'carol', text: '@bob look\nat   this', reason: 'user' },
  { room: 'design', roomKind: 'room', seq: 43, author: 'dan', text: 'agreed', reason: 'reply' },
];

describe('composeDigest', () => {
  const mail = composeDigest('bob', entries, URL_);

  it('lists every message with its room, author, excerpt and link, in the text part', () => {
    assert.equal(mail.subject, '3 unread messages on Natter');
    assert.ok(mail.text.startsWith('Hello bob,\n'));
    assert.ok(mail.text.includes('alice sent you a direct message:\n  hi <script>alert("x")</script> & bye\n  https://chat.example.com/?at=7#/r/dm-1-2\n'), mail.text);
    assert.ok(mail.text.includes('carol mentioned you in #design:\n  @bob look at this\n  https://chat.example.com/?at=42#/r/design\n'), mail.text);
    assert.ok(mail.text.includes('dan replied to you in #design:\n  agreed\n'), mail.text);
  });

  it('escapes every piece of user text in the HTML part', () => {
    assert.ok(!mail.html.includes('<script>'), mail.html);
    assert.ok(mail.html.includes('hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; bye'), mail.html);
    assert.ok(mail.html.includes('<a href="https://chat.example.com/?at=42#/r/design">'), mail.html);
    const evil = composeDigest('<b>bob</b>', [{ ...entries[1]!, author: 'x"><img src=x>', room: 'a&b' }], URL_);
    assert.ok(!evil.html.includes('<b>bob</b>') && !evil.html.includes('<img'), evil.html);
    assert.ok(evil.html.includes('#/r/a%26b"') && evil.html.includes('#a&amp;b'), evil.html);
  });

  it('names the sender in the subject of a single message', () => {
    assert.equal(composeDigest('bob', [entries[0]!], URL_).subject, 'New message from alice on Natter');
    assert.equal(composeDigest('bob', [entries[1]!], URL_).subject, 'carol mentioned you in #design on Natter');
  });
});

describe('composeVerification', () => {
  it('carries the link and the token itself, escaped in HTML', () => {
    const m = composeVerification('bob', 'b&b@example.com', 'tok_EN-1', URL_);
    assert.ok(m.text.includes('https://chat.example.com/?verify_email=tok_EN-1\n') && m.text.includes('\ntok_EN-1\n'), m.text);
    assert.ok(m.html.includes('href="https://chat.example.com/?verify_email=tok_EN-1"') && m.html.includes('<b>b&amp;b@example.com</b>'), m.html);
  });
});

describe('excerpts and links', () => {
  it('collapses whitespace and control characters and cuts at 200 code points', () => {
    assert.equal(excerpt(' a\n\tb\u0007c '), 'a b c');
    const long = excerpt('é'.repeat(300));
    assert.equal([...long].length, 200);
    assert.ok(long.endsWith('…'));
  });

  it('links open the room at the message, as the web client reads it', () => {
    assert.equal(messageLink(URL_, 'dm-1-2', 3), 'https://chat.example.com/?at=3#/r/dm-1-2');
    assert.equal(escapeHtml(`<&>"'`), '&lt;&amp;&gt;&quot;&#39;');
  });
});

describe('emailReason', () => {
  const m = { seq: 5, authorId: 'a', roomKind: 'room' as const, deleted: false, mention: null };
  const u = { userId: 'u', level: 'mentions' as const, readSeq: 0 };

  it('mails DMs and user or reply mentions that notify, while unread and not deleted', () => {
    assert.equal(emailReason({ ...m, roomKind: 'dm' }, { ...u, level: 'all' }), 'dm');
    assert.equal(emailReason({ ...m, mention: 'user' }, u), 'user');
    assert.equal(emailReason({ ...m, mention: 'reply' }, u), 'reply');
  });

  it('never mails @room, @here, plain messages, muted rooms, own, read or deleted messages', () => {
    assert.equal(emailReason({ ...m, mention: 'room' }, u), null);
    assert.equal(emailReason({ ...m, mention: 'here' }, u), null);
    assert.equal(emailReason(m, { ...u, level: 'all' }), null);
    assert.equal(emailReason({ ...m, mention: 'user' }, { ...u, level: 'none' }), null);
    assert.equal(emailReason({ ...m, roomKind: 'dm' }, { ...u, level: 'mentions' }), null, 'a DM at level mentions without a mention');
    assert.equal(emailReason({ ...m, mention: 'user', authorId: 'u' }, u), null);
    assert.equal(emailReason({ ...m, mention: 'user' }, { ...u, readSeq: 5 }), null);
    assert.equal(emailReason({ ...m, mention: 'user', deleted: true }, u), null);
  });

  it('gathers a burst for a quarter of the delay (at most a minute) and backs off failed sends', () => {
    assert.deepEqual([gatherMs(1000), gatherMs(900_000), gatherMs(0)], [250, 60_000, 0]);
    assert.equal(emailBackoffMs(0, () => 0), 5000);
    assert.equal(emailBackoffMs(30, () => 1), 3_600_000);
  });
});

describe('checkEmail', () => {
  it('accepts sane addresses, trimmed', () => {
    for (const ok of ['a@example.com', 'first.last+tag@sub.example.co.uk', 'josé@exämple.de', "o'brien@x-y.io"]) assert.equal(checkEmail(` ${ok} `), ok);
  });

  it('refuses anything else with invalid_request', () => {
    for (const bad of ['', 'plain', 'a@b', '@example.com', 'a@', 'a..b@example.com', '.a@example.com', 'a b@example.com', 'a@-x.com',
      'a@example.com\nBcc: c@d.com', '<a@example.com>', `${'x'.repeat(65)}@example.com`, `a@${'x'.repeat(60)}.${'y'.repeat(60)}.${'z'.repeat(60)}.${'w'.repeat(60)}.${'v'.repeat(10)}.com`]) {
      assert.throws(() => checkEmail(bad), (e: unknown) => e instanceof ChatError && e.code === 'invalid_request', JSON.stringify(bad));
    }
  });
});

describe('email configuration', () => {
  it('is off by default, with a From at the public host and a 15-minute delay', () => {
    const c = loadConfig({ NATTER_PUBLIC_URL: 'https://chat.example.com' });
    assert.deepEqual([c.smtpUrl, c.smtpFrom, c.emailDelayMs], [null, 'Natter <natter@chat.example.com>', 900_000]);
  });

  it('takes smtp:// and smtps:// URLs, redacted when logged', () => {
    const c = loadConfig({ NATTER_SMTP_URL: 'smtps://user:secret@mail.example.com:465', NATTER_EMAIL_DELAY_MS: '0', NATTER_SMTP_FROM: 'Chat <chat@example.com>' });
    assert.deepEqual([c.smtpUrl, c.emailDelayMs, c.smtpFrom], ['smtps://user:secret@mail.example.com:465', 0, 'Chat <chat@example.com>']);
    assert.equal(describeConfig(c).smtpUrl, 'smtps://user:***@mail.example.com:465');
    assert.equal(loadConfig({ NATTER_SMTP_URL: 'smtp://127.0.0.1:2525' }).smtpUrl, 'smtp://127.0.0.1:2525');
  });

  it('lists a bad URL, From or delay', () => {
    assert.throws(() => loadConfig({ NATTER_SMTP_URL: 'http://user:secret@mail.example.com', NATTER_SMTP_FROM: 'no address', NATTER_EMAIL_DELAY_MS: '-1' }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems.length, 3, e.problems.join('\n'));
      assert.ok(!e.message.includes('secret'), 'the password is redacted');
      return true;
    });
  });
});
