/**
 * `npm start` as a user (or a process manager) runs it: SIGTERM to the npm process
 * reaches the server, which stops gracefully; npm exits 0 and leaves no server behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listeningUrl } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

describe('npm start', () => {
  it('SIGTERM to `npm start` stops the server gracefully and npm exits 0', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'natter-npm-')), 'natter.db');
    const npm = spawn('npm', ['start'], {
      env: { ...process.env, PORT: '0', DATABASE_URL: `sqlite:${db}`, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    npm.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const url = await waitFor(() => listeningUrl(out), 'the server to listen', 60_000);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    npm.kill('SIGTERM');
    assert.equal(await exited, 0, `npm start exit code; output:\n${out.slice(-2000)}`);
    assert.match(out, /"msg":"stopped"/, 'the server logged its graceful stop');
    await assert.rejects(fetch(`${url}/healthz`), 'nothing listens any more');
  });
});
