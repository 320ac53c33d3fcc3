/**
 * The framing module (core/sse-frame.ts), checked against an independent
 * WHATWG-conformant parser (helpers/sse-parse.ts): whatever text a user sends
 * comes out of a browser's EventSource unchanged, as one event, with no field of
 * its own. Frames go through UTF-8 bytes, as on the wire.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeComment, encodeData, encodeEvent, encodeIdOnly, encodeRetry, escapeSeparators } from '../../src/core/sse-frame.ts';
import { SseParser, type SseEvent } from '../helpers/sse-parse.ts';

/** Parse frames as bytes, optionally split into `pieceSize`-byte chunks (a stream arrives in arbitrary pieces). */
function parse(text: string, pieceSize = 0): SseParser {
  const p = new SseParser();
  const bytes = Buffer.from(text, 'utf8');
  if (pieceSize <= 0) p.push(bytes);
  else for (let i = 0; i < bytes.length; i += pieceSize) p.push(bytes.subarray(i, i + pieceSize));
  return p;
}

/** Text a user could send that would break a naive framer. */
const NASTY: Record<string, string> = {
  'LF': 'a\nb',
  'CR': 'a\rb',
  'CRLF': 'a\r\nb',
  'blank line (ends an event)': 'a\n\nb',
  'CR CR LF LF': 'x\r\r\n\ny',
  'NUL': 'a\0b',
  'every C0 control': Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join(''),
  'DEL and C1 (NEL)': '\u007f\u0085\u009f',
  'U+2028 line separator': 'a\u2028b',
  'U+2029 paragraph separator': 'a\u2029b',
  'lone high surrogate': 'a\ud800b',
  'lone low surrogate': 'a\udc00b',
  'lone surrogate at the end': 'end\ud83d',
  'reversed surrogate pair': '\ude00\ud83d',
  '4-byte emoji': '😀👍🏽👨‍👩‍👧‍👦🏳️‍🌈',
  'emoji only (4000 code points)': '😀'.repeat(4000),
  'BOM': '\ufeffstart',
  'data:-looking text': 'data: {"evil":true}',
  'injected event': '\n\nevent: reset\ndata: {"reason":"pwned"}\n\n',
  'injected id': '\nid: 999-forged\n',
  'injected retry': '\r\nretry: 1\r\n',
  'comment-looking text': ': ping',
  'colon and spaces': ' : : ',
  'quotes and backslashes': '"\\"\\\\\'`',
  'JSON-escape-looking text': '\\u2028 \\n \\"',
  'right-to-left and combining': '\u202eabc\u0301\u0308',
  'noncharacters': '\ufffe\uffff\u{10ffff}',
  'replacement char': '\ufffd',
  'empty string': '',
  'only spaces': '   ',
};

describe('encodeData: one line of JSON that survives any text', () => {
  for (const [name, text] of Object.entries(NASTY)) {
    it(`round-trips ${name} through a spec-conformant parser unchanged, as one event`, () => {
      const value = { message: { text, nested: [text, { k: text }] } };
      const frame = encodeEvent('message', encodeData(value), '42-abc');
      for (const piece of [0, 1, 3, 7]) {
        const p = parse(frame, piece);
        assert.equal(p.events.length, 1, `one event (pieces of ${piece})`);
        const ev = p.events[0]!;
        assert.equal(ev.event, 'message');
        assert.equal(ev.id, '42-abc');
        assert.equal(ev.hasId, true);
        assert.equal(p.retry, null, 'no retry field');
        assert.deepEqual(p.comments, [], 'no comment');
        assert.deepEqual(JSON.parse(ev.data), value);
      }
    });
  }

  it('has exactly the lines id, event, data and a blank line; the data line has no CR, LF, NUL, U+2028/9 or lone surrogate', () => {
    const frame = encodeEvent('message', encodeData({ t: Object.values(NASTY).join('|') }), '7-x');
    const lines = frame.split('\n');
    assert.deepEqual(lines.slice(-2), ['', ''], 'ends with a blank line');
    assert.equal(lines.length, 5);
    assert.equal(lines[0], 'id: 7-x');
    assert.equal(lines[1], 'event: message');
    assert.ok(lines[2]!.startsWith('data: {'));
    assert.doesNotMatch(lines[2]!, /[\r\0\u2028\u2029]/);
    assert.equal(lines[2], lines[2]!.toWellFormed(), 'no lone surrogates (they would be lost as U+FFFD in UTF-8)');
  });

  it('keeps 4-byte characters as UTF-8 bytes, not escapes, and they survive being split mid-character', () => {
    const data = encodeData({ t: '😀' });
    assert.equal(data, '{"t":"😀"}');
    const frame = encodeEvent('message', data);
    const bytes = Buffer.from(frame);
    const cut = bytes.indexOf(Buffer.from('😀')) + 2;
    const p = new SseParser();
    p.push(bytes.subarray(0, cut));
    p.push(bytes.subarray(cut));
    assert.equal(JSON.parse(p.events[0]!.data).t, '😀');
  });

  it('escapes U+2028/U+2029 and lone surrogates to \\u escapes', () => {
    assert.equal(encodeData('\u2028\u2029'), '"\\u2028\\u2029"');
    assert.equal(encodeData('\ud800'), '"\\ud800"');
    assert.equal(encodeData('\0'), '"\\u0000"');
  });

  it('encodes numbers, booleans, null, arrays and nested objects as JSON', () => {
    for (const v of [0, -1.5, true, false, null, [], [1, 'a'], { a: { b: [null] } }]) assert.deepEqual(JSON.parse(encodeData(v)), v);
  });

  it('throws for values JSON cannot encode instead of writing "undefined"', () => {
    assert.throws(() => encodeData(undefined), TypeError);
    assert.throws(() => encodeData(() => 1), TypeError);
  });

  it('escapeSeparators makes stored JSON safe and leaves everything else alone', () => {
    assert.equal(escapeSeparators('{"t":"a\u2028b\u2029c"}'), '{"t":"a\\u2028b\\u2029c"}');
    assert.equal(escapeSeparators('{"t":"😀 \\n"}'), '{"t":"😀 \\n"}');
    assert.deepEqual(JSON.parse(escapeSeparators(JSON.stringify({ t: '\u2028' }))), { t: '\u2028' });
  });
});

describe('encodeEvent', () => {
  it('without an id: event and data only, and the parser sees no id field', () => {
    const frame = encodeEvent('typing', '{"room":"r"}');
    assert.equal(frame, 'event: typing\ndata: {"room":"r"}\n\n');
    const p = parse(frame);
    assert.equal(p.events[0]!.hasId, false);
    assert.equal(p.events[0]!.event, 'typing');
    assert.equal(p.lastEventId, '');
  });

  it('with an id: id first, then event, then data', () => {
    assert.equal(encodeEvent('message', '{}', '12-ab'), 'id: 12-ab\nevent: message\ndata: {}\n\n');
  });

  it('an event without an id after one with an id keeps the last event id (what a browser resends)', () => {
    const p = parse(encodeEvent('message', '{}', '5-x') + encodeEvent('presence', '{}'));
    assert.deepEqual(p.events.map((e: SseEvent) => [e.event, e.id, e.hasId]), [['message', '5-x', true], ['presence', '5-x', false]]);
  });

  it('a run of frames parses as the same run of events, whatever the chunking', () => {
    const frames = Array.from({ length: 20 }, (_, i) => encodeEvent(i % 2 ? 'message' : 'typing', encodeData({ i, t: NASTY['injected event'] }), i % 2 ? `${i}-l` : undefined));
    const all = frames.join('');
    for (const piece of [0, 1, 2, 5, 64]) {
      const p = parse(all, piece);
      assert.deepEqual(p.events.map((e: SseEvent) => JSON.parse(e.data).i), frames.map((_, i) => i), `pieces of ${piece}`);
    }
  });

  for (const [what, bad] of [['LF', 'a\nb'], ['CR', 'a\rb'], ['CRLF', 'a\r\nb'], ['NUL', 'a\0b'], ['trailing LF', 'ab\n']] as const) {
    it(`throws when the id contains ${what}`, () => {
      assert.throws(() => encodeEvent('message', '{}', bad), TypeError);
    });
    it(`throws when the event type contains ${what}`, () => {
      assert.throws(() => encodeEvent(bad, '{}'), TypeError);
    });
    it(`throws when the data contains ${what} (not single-line JSON)`, () => {
      assert.throws(() => encodeEvent('message', `{"a":"${bad}"}`), TypeError);
    });
  }

  it('throws for an empty event type (a browser would dispatch it as "message")', () => {
    assert.throws(() => encodeEvent('', '{}'), TypeError);
  });
});

describe('comments and retry', () => {
  it('encodeComment is a comment line and a blank line; clients dispatch nothing', () => {
    const frame = encodeComment('ping');
    assert.equal(frame, ': ping\n\n');
    const p = parse(frame + encodeEvent('message', '{}', '1-a'));
    assert.deepEqual(p.comments, ['ping']);
    assert.equal(p.events.length, 1);
  });

  it('encodeComment throws on CR, LF or NUL', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\0b']) assert.throws(() => encodeComment(bad), TypeError);
  });

  it('encodeRetry sets the reconnection time and dispatches no event', () => {
    assert.equal(encodeRetry(2000), 'retry: 2000\n\n');
    const p = parse(encodeRetry(1500));
    assert.equal(p.retry, 1500);
    assert.equal(p.events.length, 0);
    assert.equal(parse(encodeRetry(0)).retry, 0);
  });

  it('encodeRetry throws for negative, fractional or non-finite values', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => encodeRetry(bad), TypeError);
  });
});

describe('encodeIdOnly', () => {
  it('sets the last event ID without dispatching an event', () => {
    assert.equal(encodeIdOnly('42-abc'), 'id: 42-abc\n\n');
    const p = new SseParser();
    p.push(encodeEvent('ready', '{}') + encodeIdOnly('42-abc'));
    assert.deepEqual(p.events.map((e) => e.event), ['ready']);
    assert.equal(p.lastEventId, '42-abc');
  });
  it('rejects ids that could open a field', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\0b']) assert.throws(() => encodeIdOnly(bad), TypeError);
  });
});
