/**
 * The local Web Push service stand-in (test/helpers/push-service.ts), driven by the
 * real web-push library: it decrypts what web-push encrypts, verifies its VAPID
 * JWT, refuses forgeries and malformed pushes, and answers/holds as told.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import webpush, { type RequestOptions, type WebPushError } from 'web-push';
import { fromBase64Url, plainHttpAgent, startPushService, type PushService, type TestSubscription } from '../helpers/push-service.ts';

const vapid = webpush.generateVAPIDKeys();
const SUBJECT = 'mailto:test@example.com';
const options: RequestOptions = {
  vapidDetails: { subject: SUBJECT, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
  TTL: 86400,
  urgency: 'high',
  topic: 'abc',
  agent: plainHttpAgent(),
};

async function service(t: TestContext): Promise<PushService> {
  const svc = await startPushService();
  t.after(() => svc.close());
  return svc;
}

function send(sub: TestSubscription, payload: unknown, opts: RequestOptions = options): Promise<webpush.SendResult> {
  return webpush.sendNotification(sub.json, JSON.stringify(payload), opts);
}

type Edit = (headers: Record<string, string>, body: Buffer) => Buffer;

/** POST with fetch what web-push would send, after `edit` has had its way with the headers and body. */
function sendEdited(sub: TestSubscription, edit: Edit = (_h, b) => b, signal?: AbortSignal): Promise<Response> {
  const details = webpush.generateRequestDetails(sub.json, JSON.stringify({ hi: 1 }), options);
  const headers = Object.fromEntries(Object.entries(details.headers).map(([k, v]) => [k, String(v)]));
  const body = new Uint8Array(edit(headers, details.body ?? Buffer.alloc(0)));
  return fetch(details.endpoint, { method: 'POST', headers, body, ...(signal ? { signal } : {}) });
}

async function rejection(p: Promise<unknown>): Promise<WebPushError> {
  try {
    await p;
  } catch (e) {
    return e as WebPushError;
  }
  return assert.fail('expected sendNotification to reject');
}

test('subscription() looks like PushSubscription.toJSON()', async (t) => {
  const svc = await service(t);
  const { id, json } = svc.subscription();
  assert.equal(json.endpoint, `${svc.origin}/push/${id}`);
  assert.match(json.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/push\//);
  assert.equal(json.expirationTime, null);
  const p256dh = fromBase64Url(json.keys.p256dh);
  assert.equal(p256dh.length, 65);
  assert.equal(p256dh[0], 4);
  assert.equal(fromBase64Url(json.keys.auth).length, 16);
});

test('a web-push notification is verified, decrypted and recorded', async (t) => {
  const svc = await service(t);
  const sub = svc.subscription();
  const payload = { title: 'Natter', body: 'héllo ✓', n: [1, 2, 3] };
  const result = await send(sub, payload);
  assert.equal(result.statusCode, 201);
  const [d, ...more] = svc.deliveries(sub.id);
  assert.equal(more.length, 0);
  assert.deepEqual(d?.payload, payload);
  assert.deepEqual(d?.headers, { ttl: 86400, urgency: 'high', topic: 'abc' });
  assert.equal(d?.publicKey, vapid.publicKey);
  assert.equal(d?.subscriptionId, sub.id);
  assert.deepEqual(svc.received(sub.id).map((r) => r.status), [201]);
  assert.deepEqual(svc.rejected(), []);
});

test('a JWT signed by a key other than k is rejected with 400', async (t) => {
  const svc = await service(t);
  const sub = svc.subscription();
  const other = webpush.generateVAPIDKeys();
  const res = await sendEdited(sub, (h, body) => {
    const auth = h.Authorization ?? '';
    assert.ok(auth.includes(`k=${vapid.publicKey}`));
    h.Authorization = auth.replace(`k=${vapid.publicKey}`, `k=${other.publicKey}`);
    return body;
  });
  assert.equal(res.status, 400);
  assert.deepEqual(svc.deliveries(), []);
  assert.deepEqual(svc.received(), []);
  const [r] = svc.rejected();
  assert.equal(r?.status, 400);
  assert.match(r?.reason ?? '', /signature does not verify/);
});

test('malformed pushes are rejected with the reason recorded', async (t) => {
  const svc = await service(t);
  const sub = svc.subscription();
  const wrongAud = webpush.getVapidHeaders('http://127.0.0.1:1', SUBJECT, vapid.publicKey, vapid.privateKey, 'aes128gcm');
  const cases: [string, Edit][] = [
    ['TTL', (h, b) => { delete h.TTL; return b; }],
    ['Content-Encoding', (h, b) => { h['Content-Encoding'] = 'aesgcm'; return b; }],
    ['Authorization', (h, b) => { delete h.Authorization; return b; }],
    ['aud', (h, b) => { h.Authorization = wrongAud.Authorization; return b; }],
    ['decrypt', (_h, b) => { b[b.length - 20] = (b[b.length - 20] ?? 0) ^ 1; return b; }],
  ];
  for (const [what, edit] of cases) {
    const res = await sendEdited(sub, edit);
    assert.equal(res.status, 400, what);
  }
  assert.deepEqual(svc.rejected().map((r) => r.reason.match(/TTL|Content-Encoding|Authorization|aud|decrypt/)?.[0]),
    cases.map(([what]) => what));
  const res = await fetch(`${svc.origin}/push/nobody`, { method: 'POST' });
  assert.equal(res.status, 404);
  assert.deepEqual(svc.deliveries(), []);
});

test('respond() sets the answer: 410, then 429 with Retry-After', async (t) => {
  const svc = await service(t);
  const sub = svc.subscription();
  svc.respond(sub.id, 410);
  assert.equal((await rejection(send(sub, { a: 1 }))).statusCode, 410);
  svc.respond(sub.id, 429, { retryAfter: 30 });
  const err = await rejection(send(sub, { a: 2 }));
  assert.equal(err.statusCode, 429);
  assert.equal(err.headers['retry-after'], '30');
  svc.respond(sub.id, 201);
  await send(sub, { a: 3 });
  assert.deepEqual(svc.received(sub.id).map((r) => r.status), [410, 429, 201]);
  assert.deepEqual(svc.deliveries(sub.id).map((d) => d.payload), [{ a: 3 }]);
  assert.deepEqual(svc.rejected(), []);
});

test('hold() keeps pushes unanswered until release()', async (t) => {
  const svc = await service(t);
  const sub = svc.subscription();
  svc.hold(sub.id);
  let answered = false;
  const sending = send(sub, { held: true }).finally(() => { answered = true; });
  await svc.waitFor((_d, received) => received.some((r) => r.status === 'held'), { what: 'a held push' });
  assert.equal(answered, false);
  assert.deepEqual(svc.deliveries(), []);
  svc.release(sub.id);
  assert.equal((await sending).statusCode, 201);
  assert.deepEqual(svc.deliveries(sub.id).map((d) => d.payload), [{ held: true }]);
  assert.deepEqual(svc.received(sub.id).map((r) => r.status), [201]);
});

test('a held push whose client disconnects is recorded as cut', async (t) => {
  const svc = await service(t);
  const sub = svc.subscription();
  svc.hold(sub.id);
  const abort = new AbortController();
  const sending = sendEdited(sub, undefined, abort.signal);
  await svc.waitFor((_d, received) => received.length === 1, { what: 'the push to arrive' });
  abort.abort();
  await assert.rejects(sending);
  await svc.waitFor((_d, received) => received[0]?.status === 'cut', { what: 'the push to be cut' });
  svc.release(sub.id);
  assert.deepEqual(svc.deliveries(), []);
});

test('waitFor() resolves on arrival and fails with a listing after its bound', async (t) => {
  const svc = await service(t);
  const sub = svc.subscription();
  const waiting = svc.waitFor((d) => d.some((x) => x.subscriptionId === sub.id));
  await send(sub, { ping: 1 });
  assert.equal((await waiting).length, 1);
  await assert.rejects(svc.waitFor((d) => d.length > 1, { timeoutMs: 50, what: 'two deliveries' }),
    /timed out after 50 ms waiting for two deliveries[\s\S]*201 [0-9a-f]+: \{"ping":1\}/);
});
