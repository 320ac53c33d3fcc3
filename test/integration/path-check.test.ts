/**
 * The stream path check (GET /api/v1/events/check; packages/client path-check.ts; `natter doctor`): straight to
 * Natter every check passes; through a local nginx that buffers (proxy_buffering on and the X-Accel-Buffering
 * header ignored, as proxies that do not know it behave), that gzips event streams, or that times out idle
 * streams before the heartbeat, the matching check fails and `doctor` exits 1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkPath, type CheckResult } from '@natter/client';
import { NGINX, startNginx, type Nginx } from '../helpers/nginx.ts';
import { killOnExit, startServer, useServer } from '../helpers/server.ts';

const BIN = join(import.meta.dirname, '../../packages/cli/bin/natter.mjs');
const verdicts = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.name, r.verdict]));

function doctor(url: string, idle = false): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'doctor', url, ...(idle ? ['--idle'] : [])]);
    killOnExit(child);
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('the stream path check', () => {
  // A short heartbeat keeps the idle check quick: the idle phase is 1.5 heartbeats.
  const server = useServer({ NATTER_HEARTBEAT_MS: '800' });

  it('straight to Natter: not buffered, not compressed, HTTP/1.1 (a warning), an idle stream survives', async () => {
    const { results, observation } = await checkPath(server.url, { idle: true });
    assert.deepEqual(verdicts(results), { buffering: 'pass', compression: 'pass', protocol: 'warn', idle: 'pass' });
    assert.equal(observation.arrivals.length, 6);
    assert.equal(observation.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(observation.headers['x-accel-buffering'], 'no', 'the head of a real event stream');
    const d = await doctor(server.url, true);
    assert.equal(d.code, 0, d.stdout);
    assert.match(d.stdout, /^ok +buffering: /m);
    assert.match(d.stdout, /^warn +protocol: HTTP\/1\.1/m);
  });

  describe('through nginx', { skip: NGINX ? false : 'nginx is not installed (.ci/run installs it)' }, () => {
    const proxies: Nginx[] = [];
    const proxy = async (location: string) => {
      const p = await startNginx(server.url, location);
      proxies.push(p);
      return p.url;
    };
    after(async () => {
      for (const p of proxies) await p.stop();
    });

    it('set up for SSE (no buffering): every check passes', async () => {
      const url = await proxy('proxy_buffering off; proxy_read_timeout 1h;');
      assert.deepEqual(verdicts((await checkPath(url, { idle: true })).results), { buffering: 'pass', compression: 'pass', protocol: 'warn', idle: 'pass' });
    });

    it('proxy_buffering on (and X-Accel-Buffering ignored): buffering fails, doctor exits 1', async () => {
      const url = await proxy('proxy_buffering on; proxy_ignore_headers X-Accel-Buffering;');
      const { results } = await checkPath(url);
      assert.equal(verdicts(results).buffering, 'fail');
      const d = await doctor(url);
      assert.equal(d.code, 1);
      assert.match(d.stdout, /^FAIL +buffering: .*a proxy buffers the stream/m);
    });

    it('gzip on for event streams: compression fails', async () => {
      const url = await proxy('proxy_buffering off; gzip on; gzip_types text/event-stream; gzip_min_length 0;');
      assert.equal(verdicts((await checkPath(url)).results).compression, 'fail');
    });

    it('a read timeout shorter than the heartbeat: the idle check fails', async () => {
      // Wide margins, so a loaded machine cannot blur them: events 300 ms apart, a 1.5 s read timeout, a 3 s heartbeat.
      const slow = await startServer({ NATTER_HEARTBEAT_MS: '3000' });
      try {
        const p = await startNginx(slow.url, 'proxy_buffering off; proxy_read_timeout 1500ms;');
        proxies.push(p);
        const { results } = await checkPath(p.url, { idle: true });
        assert.deepEqual([verdicts(results).buffering, verdicts(results).idle], ['pass', 'fail']);
      } finally {
        await slow.stop();
      }
    });
  });
});
