/** loadConfig(env): defaults, every variable of API.md's Running table, one error naming every bad variable, redaction. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { ConfigError, describeConfig, loadConfig, parseRate, redactUrl } from '../../src/config.ts';

/** The problems loadConfig reports for `env` ([] when it is accepted). */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
}

describe('loadConfig defaults', () => {
  it('an empty environment gives the documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, '127.0.0.1');
    assert.deepEqual(c.database, { kind: 'sqlite', path: './data/natter.db' });
    assert.equal(c.redisUrl, null);
    assert.equal(c.guests, true);
    assert.deepEqual(c.postRate, { count: 10, windowMs: 10_000 });
    assert.deepEqual(c.authRate, { count: 20, windowMs: 60_000 });
    assert.deepEqual(c.actionRate, { count: 120, windowMs: 60_000 });
    assert.equal(c.requestTimeoutMs, 30_000);
    assert.equal(c.metricsToken, null);
    assert.equal(c.cookieSecure, false);
    assert.equal(c.streamsPerUser, 10);
    assert.equal(c.streamsPerIp, 100);
    assert.equal(c.heartbeatMs, 15_000);
    assert.equal(c.maxBody, 65_536);
    assert.equal(c.replayStallMs, 10_000);
    assert.equal(c.replaysMax, 64);
    assert.deepEqual([c.uploads, c.maxUpload, c.uploadTtlMs, c.uploadRate], [true, 10_485_760, 86_400_000, { count: 20, windowMs: 60_000 }]);
  });

  it('the upload variables (v1.1 §3) are read; NATTER_MAX_UPLOAD=0 and NATTER_UPLOAD_RATE=0 lift their limits', () => {
    const c = loadConfig({ NATTER_UPLOADS: '0', NATTER_MAX_UPLOAD: '1024', NATTER_UPLOAD_TTL_MS: '60000', NATTER_UPLOAD_RATE: '5/1m' });
    assert.deepEqual([c.uploads, c.maxUpload, c.uploadTtlMs, c.uploadRate], [false, 1024, 60_000, { count: 5, windowMs: 60_000 }]);
    const off = loadConfig({ NATTER_MAX_UPLOAD: '0', NATTER_UPLOAD_RATE: '0' });
    assert.deepEqual([off.maxUpload, off.uploadRate], [0, null]);
  });

  it('NATTER_REPLAY_STALL_MS and NATTER_REPLAYS_MAX are read, and 0 disables them', () => {
    const c = loadConfig({ NATTER_REPLAY_STALL_MS: '1500', NATTER_REPLAYS_MAX: '3' });
    assert.deepEqual([c.replayStallMs, c.replaysMax], [1500, 3]);
    const off = loadConfig({ NATTER_REPLAY_STALL_MS: '0', NATTER_REPLAYS_MAX: '0' });
    assert.deepEqual([off.replayStallMs, off.replaysMax], [0, 0]);
  });

  it('reads every variable of the Running table', () => {
    const c = loadConfig({
      PORT: '0', HOST: '0.0.0.0', DATABASE_URL: 'sqlite:/tmp/x.db', NATTER_GUESTS: '0', NATTER_POST_RATE: '3/10s',
      NATTER_AUTH_RATE: '5/1m', NATTER_STREAMS_PER_USER: '2', NATTER_STREAMS_PER_IP: '7', NATTER_HEARTBEAT_MS: '500', NATTER_MAX_BODY: '2048',
      NATTER_ACTION_RATE: '30/1m', NATTER_REQUEST_TIMEOUT_MS: '500',
      NATTER_METRICS_TOKEN: 'tok', NATTER_COOKIE_SECURE: '1',
    });
    assert.equal(c.metricsToken, 'tok');
    assert.equal(c.cookieSecure, true);
    assert.equal(c.requestTimeoutMs, 500);
    assert.deepEqual(c.actionRate, { count: 30, windowMs: 60_000 });
    assert.equal(c.port, 0);
    assert.equal(c.host, '0.0.0.0');
    assert.deepEqual(c.database, { kind: 'sqlite', path: '/tmp/x.db' });
    assert.equal(c.guests, false);
    assert.deepEqual(c.postRate, { count: 3, windowMs: 10_000 });
    assert.deepEqual(c.authRate, { count: 5, windowMs: 60_000 });
    assert.equal(c.streamsPerUser, 2);
    assert.equal(c.streamsPerIp, 7);
    assert.equal(c.heartbeatMs, 500);
    assert.equal(c.maxBody, 2048);
  });

  it('0 disables the rate limits and the stream caps', () => {
    const c = loadConfig({ NATTER_POST_RATE: '0', NATTER_AUTH_RATE: '0', NATTER_ACTION_RATE: '0', NATTER_STREAMS_PER_USER: '0', NATTER_STREAMS_PER_IP: '0' });
    assert.equal(c.postRate, null);
    assert.equal(c.actionRate, null);
    assert.equal(c.authRate, null);
    assert.equal(c.streamsPerUser, 0);
    assert.equal(c.streamsPerIp, 0);
  });

  it('accepts postgres URLs (cluster mode) and sqlite::memory:', () => {
    assert.deepEqual(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/natter' }).database, { kind: 'postgres', url: 'postgres://u:p@db:5432/natter' });
    assert.equal(loadConfig({ DATABASE_URL: 'postgresql://db/natter', REDIS_URL: 'redis://r:6379' }).redisUrl, 'redis://r:6379');
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database, { kind: 'sqlite', path: ':memory:' });
  });
});

describe('bad variables', () => {
  const cases: [string, string][] = [
    ['PORT', 'abc'], ['PORT', '70000'], ['PORT', '-1'], ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://localhost/natter'], ['DATABASE_URL', 'natter.db'], ['DATABASE_URL', 'sqlite:'],
    ['REDIS_URL', 'memcached://x'],
    ['NATTER_GUESTS', 'yes'],
    ['NATTER_POST_RATE', 'lots'], ['NATTER_POST_RATE', '10'], ['NATTER_POST_RATE', '10/0s'], ['NATTER_POST_RATE', '0/10s'], ['NATTER_POST_RATE', '-1/10s'],
    ['NATTER_AUTH_RATE', '20 per minute'],
    ['NATTER_ACTION_RATE', '120'], ['NATTER_ACTION_RATE', '0/60s'],
    ['NATTER_COOKIE_SECURE', 'yes'],
    ['NATTER_REQUEST_TIMEOUT_MS', '30s'], ['NATTER_REQUEST_TIMEOUT_MS', '-1'],
    ['NATTER_STREAMS_PER_USER', 'ten'], ['NATTER_STREAMS_PER_IP', '-5'],
    ['NATTER_REPLAY_STALL_MS', '10s'], ['NATTER_REPLAY_STALL_MS', '-1'], ['NATTER_REPLAYS_MAX', 'many'],
    ['NATTER_HEARTBEAT_MS', 'soon'], ['NATTER_HEARTBEAT_MS', '0'],
    ['NATTER_MAX_BODY', '64k'], ['NATTER_MAX_BODY', '0'],
    ['HOST', 'two words'],
    ['NATTER_UPLOADS', 'yes'], ['NATTER_MAX_UPLOAD', '10MB'], ['NATTER_UPLOAD_TTL_MS', '0'], ['NATTER_UPLOAD_RATE', 'lots'],
  ];
  for (const [name, value] of cases) {
    it(`${name}=${JSON.stringify(value)} is rejected with a message naming ${name}`, () => {
      const env: Record<string, string> = { [name]: value };
      if (name === 'REDIS_URL') env.DATABASE_URL = 'postgres://db/natter';
      const p = problems(env);
      assert.equal(p.length, 1, JSON.stringify(p));
      assert.match(p[0]!, new RegExp(`^${name}\\b`));
    });
  }

  it('REDIS_URL with a SQLite database is rejected: cluster mode needs PostgreSQL', () => {
    const p = problems({ REDIS_URL: 'redis://r:6379' });
    assert.equal(p.length, 1);
    assert.match(p[0]!, /REDIS_URL/);
    assert.match(p[0]!, /postgres/i);
  });

  it('one error lists every bad variable at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'abc', NATTER_POST_RATE: 'lots', DATABASE_URL: 'mysql://x', NATTER_MAX_BODY: 'big', NATTER_GUESTS: 'maybe' });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 5);
    for (const name of ['PORT', 'NATTER_POST_RATE', 'DATABASE_URL', 'NATTER_MAX_BODY', 'NATTER_GUESTS']) assert.match(err.message, new RegExp(name));
  });

  it('secrets in URLs are redacted in errors and in the loggable config', () => {
    const p = problems({ DATABASE_URL: 'mysql://admin:hunter2@db/natter' });
    assert.doesNotMatch(p.join('\n'), /hunter2/);
    const r = problems({ DATABASE_URL: 'postgres://db/n', REDIS_URL: 'memcached://u:s3cret@r' });
    assert.doesNotMatch(r.join('\n'), /s3cret/);
    const described = JSON.stringify(describeConfig(loadConfig({
      DATABASE_URL: 'postgres://admin:hunter2@db/natter', REDIS_URL: 'redis://:s3cret@r:6379', NATTER_METRICS_TOKEN: 'm3trics',
    })));
    assert.doesNotMatch(described, /hunter2|s3cret|m3trics/);
    assert.match(described, /postgres:\/\/admin:\*\*\*@db\/natter/);
    assert.equal(redactUrl('postgres://u:p@h/db'), 'postgres://u:***@h/db');
    assert.equal(redactUrl('sqlite:./x.db'), 'sqlite:./x.db');
  });
});

describe('parseRate', () => {
  it('reads <count>/<window> with ms, s, m and h', () => {
    assert.deepEqual(parseRate('10/10s'), { count: 10, windowMs: 10_000 });
    assert.deepEqual(parseRate('20/1m'), { count: 20, windowMs: 60_000 });
    assert.deepEqual(parseRate('5/500ms'), { count: 5, windowMs: 500 });
    assert.deepEqual(parseRate('100/h'), { count: 100, windowMs: 3_600_000 });
    assert.equal(parseRate('0'), null);
    assert.equal(parseRate('lots'), undefined);
    assert.equal(parseRate('10/10'), undefined);
  });
});

describe('starting with a bad environment', () => {
  it('exits non-zero with one clear message naming every bad variable, before listening', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'abc', NATTER_POST_RATE: 'lots', DATABASE_URL: 'mysql://root:hunter2@db/natter', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.notEqual(code, 0);
    assert.notEqual(code, null);
    assert.match(out, /invalid configuration/);
    for (const name of ['PORT', 'NATTER_POST_RATE', 'DATABASE_URL']) assert.match(out, new RegExp(`${name}=`), `${name} named in: ${out}`);
    assert.doesNotMatch(out, /hunter2/, 'secrets redacted');
    assert.doesNotMatch(out, /listening/);
    assert.doesNotMatch(out, /\n\s+at .+:\d+:\d+/, 'a message, not a stack trace');
  });
});
