/** The new-username rule (src/core/validate.ts checkNewUsername): format, punctuation-only, reserved names. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatError } from '../../src/core/errors.ts';
import { checkNewUsername, RESERVED_USERNAMES } from '../../src/core/validate.ts';

const outcome = (name: string): string => {
  try {
    checkNewUsername(name);
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof ChatError);
    return err.code;
  }
};

describe('checkNewUsername', () => {
  const cases: [string, string][] = [
    ['alice', 'ok'], ['a.b-c_d', 'ok'], ['_alice', 'ok'], ['x', 'ok'], ['a'.repeat(32), 'ok'], ['rooms', 'ok'], ['admins', 'ok'],
    ['__proto__', 'ok'], ['constructor', 'ok'], ['.a', 'ok'], ['roomy', 'ok'], ['Natter2', 'ok'],
    ['room', 'username_taken'], ['here', 'username_taken'], ['everyone', 'username_taken'], ['channel', 'username_taken'],
    ['all', 'username_taken'], ['admin', 'username_taken'], ['root', 'username_taken'], ['system', 'username_taken'],
    ['natter', 'username_taken'], ['ADMIN', 'username_taken'], ['Room', 'username_taken'], ['eVeRyOnE', 'username_taken'], ['NATTER', 'username_taken'],
    ['.', 'invalid_request'], ['-', 'invalid_request'], ['_', 'invalid_request'], ['...', 'invalid_request'], ['-_.', 'invalid_request'],
    ['_'.repeat(32), 'invalid_request'],
    ['', 'invalid_request'], ['a b', 'invalid_request'], ['a'.repeat(33), 'invalid_request'], ['é', 'invalid_request'], ['a@b', 'invalid_request'],
  ];
  for (const [name, want] of cases) {
    it(`${JSON.stringify(name)} → ${want}`, () => assert.equal(outcome(name), want));
  }

  it('the reserved list is the contract’s', () => {
    assert.deepEqual([...RESERVED_USERNAMES].sort(), ['admin', 'all', 'channel', 'everyone', 'here', 'natter', 'room', 'root', 'system']);
  });
});
