/** The security headers computed once at start (src/http/security-headers.ts) are helmet's, with Natter's options. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helmetHeaders } from '../../src/http/security-headers.ts';

describe('helmetHeaders', () => {
  it('records what helmet sets: the CSP with our directives, nosniff, no HSTS when it is off', () => {
    const h = new Map(helmetHeaders({ hsts: false, contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'upgrade-insecure-requests': null } } }));
    assert.match(h.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.doesNotMatch(h.get('content-security-policy') ?? '', /upgrade-insecure-requests/);
    assert.equal(h.get('x-content-type-options'), 'nosniff');
    assert.equal(h.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(h.has('strict-transport-security'), false);
    assert.equal(new Map(helmetHeaders({})).has('strict-transport-security'), true, 'HSTS is on by default');
  });
});
