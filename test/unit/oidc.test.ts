/**
 * The pure rules of single sign-on (core/oidc-names.ts: a new account's username and display name, return_to)
 * and its configuration (NATTER_OIDC_*).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, describeConfig, loadConfig } from '../../src/config.ts';
import { displayNameFrom, emailFrom, isReservedUsername, isVerified, safeReturnTo, usernameBase, usernameCandidate } from '../../src/core/oidc-names.ts';
import { isUsername } from '../../src/core/validate.ts';

describe('usernameBase', () => {
  it('takes preferred_username, else the email local part, keeping only A-Z a-z 0-9 _ . -', () => {
    assert.equal(usernameBase('alice.w', 'x@example.com'), 'alice.w');
    assert.equal(usernameBase('Ann Lee (HR)', undefined), 'AnnLeeHR');
    assert.equal(usernameBase('José Núñez', undefined), 'JosNez');
    assert.equal(usernameBase(undefined, 'first.last+tag@example.com'), 'first.lasttag');
    assert.equal(usernameBase('', 'bob@example.com'), 'bob', 'an empty preferred_username counts as none');
    assert.equal(usernameBase(42, 'carol@a@example.com'), 'carola', 'the local part is before the last @');
  });

  it('cuts to 32; `user` when nothing (or only punctuation) remains', () => {
    assert.equal(usernameBase('a'.repeat(40), undefined), 'a'.repeat(32));
    assert.equal(usernameBase('日本語', 'x@example.com'), 'user', 'preferred_username present: the email is not used');
    assert.equal(usernameBase(undefined, undefined), 'user');
    assert.equal(usernameBase('._-', undefined), 'user');
    assert.equal(usernameBase('@@@', undefined), 'user');
  });

  it('every base is a valid username', () => {
    for (const s of ['x', 'ü', ' a b ', '-.a', 'x'.repeat(100), '\u0000a', '😀ok']) assert.ok(isUsername(usernameBase(s, undefined)), s);
  });
});

describe('usernameCandidate', () => {
  it('base, then base-2, base-3…, cut so the whole stays within 32', () => {
    assert.deepEqual([1, 2, 3, 10].map((n) => usernameCandidate('sam', n)), ['sam', 'sam-2', 'sam-3', 'sam-10']);
    const long = 'b'.repeat(32);
    assert.equal(usernameCandidate(long, 1), long);
    assert.equal(usernameCandidate(long, 2), `${'b'.repeat(30)}-2`);
    assert.equal(usernameCandidate(long, 100), `${'b'.repeat(28)}-100`);
    for (let n = 1; n < 200; n++) assert.ok(isUsername(usernameCandidate(long, n)));
  });

  it('reserved names are recognised in any case', () => {
    assert.ok(isReservedUsername('Admin') && isReservedUsername('here') && isReservedUsername('NATTER'));
    assert.ok(!isReservedUsername('admin-2') && !isReservedUsername('alice'));
  });
});

describe('claims', () => {
  it('display_name: trimmed, 1–64 code points, no control characters; else null', () => {
    assert.equal(displayNameFrom('  Ann Lee '), 'Ann Lee');
    assert.equal(displayNameFrom('😀'.repeat(64)), '😀'.repeat(64), 'code points, not UTF-16 units');
    assert.equal(displayNameFrom('x'.repeat(65)), null);
    assert.equal(displayNameFrom('   '), null);
    assert.equal(displayNameFrom('a\nb'), null);
    assert.equal(displayNameFrom(7), null);
    assert.equal(displayNameFrom(undefined), null);
  });

  it('email: a sane address or null; email_verified: true or "true"', () => {
    assert.equal(emailFrom(' a@example.com '), 'a@example.com');
    assert.equal(emailFrom('not an address'), null);
    assert.equal(emailFrom(undefined), null);
    assert.deepEqual([true, 'true', false, 'false', 1, undefined].map(isVerified), [true, true, false, false, false, false]);
  });
});

describe('safeReturnTo', () => {
  it('keeps paths of this site, with query and fragment', () => {
    assert.equal(safeReturnTo('/'), '/');
    assert.equal(safeReturnTo('/#/r/general'), '/#/r/general');
    assert.equal(safeReturnTo('/a/b?x=1#y'), '/a/b?x=1#y');
    assert.equal(safeReturnTo('/a/../b'), '/b');
  });

  it('anything else becomes /', () => {
    for (const bad of [undefined, null, '', 'relative', '//evil.example', '/\\evil.example', '\\\\evil', 'https://evil.example/', 'javascript:alert(1)',
      '/x\r\nSet-Cookie: a=b', '/\u0000', `/${'a'.repeat(3000)}`]) {
      assert.equal(safeReturnTo(bad), '/', String(bad));
    }
  });
});

describe('NATTER_OIDC_* configuration', () => {
  const full = {
    NATTER_OIDC_ISSUER: 'https://idp.example.com/realms/x', NATTER_OIDC_CLIENT_ID: 'natter', NATTER_OIDC_CLIENT_SECRET: 's3cret-value',
    NATTER_OIDC_REDIRECT_URL: 'https://chat.example.com/api/v1/auth/oidc/callback',
  };

  it('on only when all four are set; the name defaults to "single sign-on"', () => {
    assert.equal(loadConfig({}).oidc, null);
    for (const k of Object.keys(full)) assert.equal(loadConfig({ ...full, [k]: '' }).oidc, null, `${k} missing`);
    const c = loadConfig(full).oidc!;
    assert.deepEqual(c, { issuer: full.NATTER_OIDC_ISSUER, clientId: 'natter', clientSecret: 's3cret-value', redirectUrl: full.NATTER_OIDC_REDIRECT_URL, name: 'single sign-on', allowHttp: false });
    assert.equal(loadConfig({ ...full, NATTER_OIDC_NAME: ' Acme SSO ' }).oidc!.name, 'Acme SSO');
  });

  it('the redirect URL must be the callback; the issuer https unless NATTER_OIDC_ALLOW_HTTP=1', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems;
      }
    };
    assert.match(problems({ ...full, NATTER_OIDC_REDIRECT_URL: 'https://chat.example.com/callback' })[0]!, /^NATTER_OIDC_REDIRECT_URL/);
    assert.match(problems({ ...full, NATTER_OIDC_REDIRECT_URL: '/api/v1/auth/oidc/callback' })[0]!, /^NATTER_OIDC_REDIRECT_URL/);
    assert.match(problems({ ...full, NATTER_OIDC_ISSUER: 'http://idp.example.com' })[0]!, /^NATTER_OIDC_ISSUER.*NATTER_OIDC_ALLOW_HTTP/);
    assert.equal(loadConfig({ ...full, NATTER_OIDC_ISSUER: 'http://127.0.0.1:9000', NATTER_OIDC_ALLOW_HTTP: '1' }).oidc!.allowHttp, true);
    assert.match(problems({ ...full, NATTER_OIDC_ALLOW_HTTP: 'yes' })[0]!, /^NATTER_OIDC_ALLOW_HTTP/);
  });

  it('the client secret is redacted from the logged config', () => {
    assert.doesNotMatch(JSON.stringify(describeConfig(loadConfig(full))), /s3cret-value/);
  });
});
