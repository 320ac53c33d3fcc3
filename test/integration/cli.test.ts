/**
 * The `natter` command (packages/cli) end to end, as a user runs it, against a spawned server: login keeps the
 * token in the config directory (0600), post from an argument and from standard input, rooms, search, tail
 * (`--json` parsed) resuming after the tail process is killed and restarted, clear errors and exit codes.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { newUser, post, PASSWORD } from '../helpers/api.ts';
import { killOnExit, useServer } from '../helpers/server.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

const BIN = join(import.meta.dirname, '../../packages/cli/bin/natter.mjs');

interface Run { code: number | null; stdout: string; stderr: string }

function natter(dir: string, args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NATTER_CONFIG_DIR: dir, ...opts.env } });
    killOnExit(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(opts.stdin ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `natter tail --json` running; its lines parsed as they come. */
async function tailJson(dir: string, args: string[] = []): Promise<{ child: ChildProcess; events: () => any[] }> {
  const child = spawn(process.execPath, [BIN, 'tail', '--json', ...args], { env: { ...process.env, NATTER_CONFIG_DIR: dir } });
  killOnExit(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  await waitFor(() => err.includes('live'), 'tail says it is live');
  return { child, events: () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

describe('the natter command', () => {
  const server = useServer();

  it('login (password from stdin) keeps a 0600 config; post from an argument and from stdin; rooms; search', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natter-cli-'));
    const u = await newUser(server.url, 'cli');
    const login = await natter(dir, ['login', server.url, '--username', u.name], { stdin: `${PASSWORD}\n` });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, new RegExp(`Signed in to .* as ${u.name}`));
    assert.equal(statSync(join(dir, 'config.json')).mode & 0o777, 0o600);
    const word = uniq('zebra');
    const a = await natter(dir, ['post', 'general', `first ${word}`, '--json']);
    assert.equal(a.code, 0, a.stderr);
    const first = JSON.parse(a.stdout);
    assert.equal(first.text, `first ${word}`);
    const b = await natter(dir, ['post', 'general', '--reply', first.id], { stdin: 'from\nstdin\n' });
    assert.equal(b.code, 0, b.stderr);
    const history = await u.api.get('/api/v1/rooms/general/messages?limit=2');
    assert.deepEqual(history.body.messages.map((m: any) => [m.text, m.reply_to?.id ?? null]), [[`first ${word}`, null], ['from\nstdin', first.id]]);
    const file = join(dir, 'build.log');
    writeFileSync(file, 'line 1\nline 2\n');
    const c = await natter(dir, ['post', 'general', 'the log', '--file', file, '--json']);
    assert.equal(c.code, 0, c.stderr);
    const attached = JSON.parse(c.stdout).attachments;
    assert.deepEqual(attached.map((a: any) => [a.name, a.size]), [['build.log', 14]]);
    assert.equal(await (await fetch(server.url + attached[0].url, { headers: { authorization: `Bearer ${u.token}` } })).text(), 'line 1\nline 2\n');
    const rooms = await natter(dir, ['rooms']);
    assert.equal(rooms.code, 0);
    assert.match(rooms.stdout, /^#general/m);
    const found = await natter(dir, ['search', word, '--json']);
    assert.equal(found.code, 0, found.stderr);
    assert.deepEqual(found.stdout.trim().split('\n').map((l) => JSON.parse(l).message.id), [first.id]);
  });

  it('clear errors and exit codes: not signed in, wrong password, unknown room, bad usage; --help everywhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natter-cli-'));
    const none = await natter(dir, ['rooms']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /not signed in: run `natter login URL` first/);
    const u = await newUser(server.url, 'cle');
    const wrong = await natter(dir, ['login', server.url, '-u', u.name], { env: { NATTER_PASSWORD: 'not it at all' } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /wrong username or password \(invalid_credentials, HTTP 401\)/);
    assert.equal((await natter(dir, ['login', server.url, '--token', u.token])).code, 0);
    const missing = await natter(dir, ['post', uniq('nowhere'), 'x']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found \(not_found, HTTP 404\)/);
    assert.equal((await natter(dir, ['post'])).code, 2);
    assert.equal((await natter(dir, ['frobnicate'])).code, 2);
    for (const cmd of [[], ['login'], ['post'], ['tail'], ['rooms'], ['search'], ['doctor']]) {
      const help = await natter(dir, [...cmd, '--help']);
      assert.equal(help.code, 0, cmd.join(' '));
      assert.match(help.stdout, /Usage: natter/);
    }
  });

  it('tail --json follows live and, killed and restarted, resumes where it stopped: nothing lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natter-cli-'));
    const u = await newUser(server.url, 'tl');
    assert.equal((await natter(dir, ['login', server.url, '--token', u.token])).code, 0);
    const first = await tailJson(dir, ['general']);
    const before = await post(u, 'general', uniq('before'));
    await waitFor(() => first.events().some((e) => e.type === 'message' && e.data.message.id === before.id), 'tail prints the live message');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const missed = [await post(u, 'general', uniq('while down 1')), await post(u, 'general', uniq('while down 2'))];
    const second = await tailJson(dir, ['general']);
    const live = await (async () => {
      await waitFor(() => second.events().filter((e) => e.type === 'message').length >= 2, 'the missed messages replayed');
      return post(u, 'general', uniq('after'));
    })();
    await waitFor(() => second.events().some((e) => e.type === 'message' && e.data.message.id === live.id), 'the live one after');
    second.child.kill('SIGTERM');
    const ids = second.events().filter((e) => e.type === 'message').map((e) => e.data.message.id);
    assert.deepEqual(ids, [...missed.map((m) => m.id), live.id], 'the missed ones, then live: none lost, none twice, not the one seen before');
    for (const e of second.events()) assert.match(e.id, /^\d+-[A-Za-z0-9]+$/);
  });
});
