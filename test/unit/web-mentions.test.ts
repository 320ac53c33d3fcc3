/**
 * The web client's mention helpers, run in Node: which `@` tokens of a text are styled (and which as you), the
 * client's copy of the server's "mentions you" rule, and the sidebar badge by notification level.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, Room } from '../../src/core/types.ts';
import { mentionParts } from '../../web/src/format.ts';
import { mentionsMe, mentionsName, roomBadges } from '../../web/src/mentions.ts';

/** The parts as a compact string: mentions in [brackets], yours marked with `!`. */
function show(text: string, names: string[], me: string): string {
  return mentionParts(text, new Set(names), me)
    .map((p) => (p.kind === 'mention' ? `[${p.me ? '!' : ''}${p.text}]` : p.text))
    .join('');
}

describe('mentionParts', () => {
  const cases: [string, string[], string, string][] = [
    ['hi @alice', ['alice'], 'alice', 'hi [!@alice]'],
    ['hi @Alice, and @bob.', ['alice', 'bob'], 'alice', 'hi [!@Alice], and [@bob].'],
    ['@bob at the start', ['bob'], 'alice', '[@bob] at the start'],
    ['mail bob@example.com', ['example.com', 'bob'], 'alice', 'mail bob@example.com'],
    ['@carol is not mentioned', ['bob'], 'alice', '@carol is not mentioned'],
    ['trailing dots @bob...', ['bob'], 'alice', 'trailing dots [@bob]...'],
    ['a name with a dot @bob.smith', ['bob.smith'], 'alice', 'a name with a dot [@bob.smith]'],
    ['everyone @room and @here', ['room', 'here'], 'alice', 'everyone [!@room] and [!@here]'],
    ['@room without rights', [], 'alice', '@room without rights'],
    ['(@alice)', ['alice'], 'alice', '([!@alice])'],
    ['@@alice', ['alice'], 'alice', '@@alice'],
    ['<b>@alice</b>', ['alice'], 'alice', '<b>[!@alice]</b>'],
  ];
  for (const [text, names, me, want] of cases) {
    it(JSON.stringify(text), () => assert.equal(show(text, names, me), want));
  }
  it('keeps every character of the text, in order', () => {
    const text = 'x @bob y @alice. z @nobody';
    assert.equal(mentionParts(text, new Set(['bob', 'alice']), 'alice').map((p) => p.text).join(''), text);
  });
});

const ME = { id: 'u1', username: 'Alice' };
const BOB = { id: 'u2', username: 'bob' };
function msg(over: Partial<Message>): Message {
  return {
    id: 'm', room: 'r', seq: 1, author: BOB, text: 't', created_at: '', edited_at: null, deleted: false, reactions: {},
    client_id: null, mentions: { users: [], room: false, here: false }, reply_to: null, attachments: [], previews: [], alias: null, ...over,
  };
}

describe('mentionsMe (the server rule, mirrored)', () => {
  const cases: [string, Partial<Message>, boolean][] = [
    ['names me', { mentions: { users: [ME], room: false, here: false } }, true],
    ['names someone else', { mentions: { users: [BOB], room: false, here: false } }, false],
    ['@room', { mentions: { users: [], room: true, here: false } }, true],
    ['@here (a streaming page is online)', { mentions: { users: [], room: false, here: true } }, true],
    ['replies to me', { reply_to: { id: 'p', seq: 0, author: ME, excerpt: '', deleted: false } }, true],
    ['my own reply to myself', { author: ME, reply_to: { id: 'p', seq: 0, author: ME, excerpt: '', deleted: false } }, false],
    ['my own @room', { author: ME, mentions: { users: [], room: true, here: false } }, false],
    ['deleted', { deleted: true, mentions: { users: [ME], room: false, here: false } }, false],
    ['nothing', {}, false],
  ];
  for (const [what, over, want] of cases) {
    it(what, () => {
      assert.equal(mentionsMe(msg(over), ME), want);
      assert.equal(mentionsName(msg(over), 'alice'), want, 'by name, any case');
    });
  }
});

describe('roomBadges by level', () => {
  const room = (notifications: Room['notifications']): Room => ({
    name: 'r', topic: '', visibility: 'public', kind: 'room', created_at: '', member: true, unread: 5, last_seq: 9, mentions: 2, notifications,
  });
  it('all: unread and mentions', () => assert.deepEqual(roomBadges(room('all')), { unread: 5, mentions: 2 }));
  it('mentions: mentions only', () => assert.deepEqual(roomBadges(room('mentions')), { unread: 0, mentions: 2 }));
  it('none: nothing', () => assert.deepEqual(roomBadges(room('none')), { unread: 0, mentions: 0 }));
});
