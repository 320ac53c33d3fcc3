/**
 * What each `natter` command does, on the client library (@natter/client). Output is for people unless `--json`
 * asks for one JSON object per line; errors go to stderr through `fail` (main.ts maps them to exit codes).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ApiError, checkPath, LiveEvents, NatterClient, type CheckResult, type Message } from '@natter/client';
import { loadConfig, loadCursor, saveConfig, saveCursor, type Saved } from './config.ts';

/** A failure the user can act on: printed as `natter: <message>`, exit code 1 (2 for usage). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

const out = (line: string) => process.stdout.write(`${line}\n`);

function signedIn(): { saved: Saved; client: NatterClient } {
  const saved = loadConfig();
  if (!saved) throw new CliError('not signed in: run `natter login URL` first');
  return { saved, client: new NatterClient({ baseUrl: saved.url, token: saved.token }) };
}

/** Read all of standard input (for `post` without TEXT, and the password). */
async function stdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function login(url: string, opts: { username?: string; token?: string }): Promise<void> {
  const base = new URL(url).origin;
  const client = new NatterClient({ baseUrl: base });
  let token = opts.token ?? null;
  if (!token) {
    if (!opts.username) throw new CliError('give --username (the password is read from NATTER_PASSWORD or standard input) or --token', 2);
    const password = process.env.NATTER_PASSWORD ?? (await stdinText()).replace(/\r?\n$/, '');
    token = (await client.auth.login(opts.username, password)).token;
  }
  client.token = token;
  const { user } = await client.users.me();
  saveConfig({ url: base, token, username: user.username });
  out(`Signed in to ${base} as ${user.username}${user.kind === 'bot' ? ' (a bot)' : ''}.`);
}

export async function post(room: string, text: string | undefined, opts: { reply?: string; file?: string[]; json?: boolean }): Promise<void> {
  const { client } = signedIn();
  const body = text ?? (await stdinText()).replace(/\n$/, '');
  const attachments: string[] = [];
  for (const path of opts.file ?? []) {
    const bytes = await readFile(path).catch(() => {
      throw new CliError(`cannot read ${path}`);
    });
    attachments.push((await client.uploads.create(new Blob([bytes]), basename(path))).upload.id);
  }
  const { message } = await client.messages.post(room, body, { ...(opts.reply && { replyTo: opts.reply }), ...(attachments.length > 0 && { attachments }) });
  out(opts.json ? JSON.stringify(message) : `Posted #${message.seq} in ${message.room} (id ${message.id}).`);
}

export async function rooms(opts: { json?: boolean }): Promise<void> {
  const { client } = signedIn();
  for (const r of (await client.rooms.list()).rooms) {
    if (opts.json) out(JSON.stringify(r));
    else out(`${r.kind === 'dm' ? '@' : '#'}${r.kind === 'dm' && r.peer ? r.peer.username : r.name}${r.member ? '' : ' (not joined)'}${r.unread > 0 ? ` · ${r.unread} unread` : ''}${r.topic ? ` · ${r.topic}` : ''}`);
  }
}

export async function search(query: string, opts: { room?: string; limit?: string; json?: boolean }): Promise<void> {
  const { client } = signedIn();
  const { results } = await client.messages.search({ q: query, ...(opts.room && { room: opts.room }), ...(opts.limit && { limit: Number(opts.limit) }) });
  for (const r of results) out(opts.json ? JSON.stringify(r) : line(r.message));
  if (!opts.json && results.length === 0) out('No messages found.');
}

const line = (m: Message): string => `#${m.room} ${m.created_at.slice(0, 16).replace('T', ' ')} ${m.alias ?? m.author.username}: ${m.text}`;

/** Follow the live stream, resuming from the cursor the last run saved; prints until SIGINT/SIGTERM. */
export async function tail(roomNames: string[], opts: { json?: boolean }): Promise<void> {
  const { saved, client } = signedIn();
  const only = new Set(roomNames.map((r) => r.replace(/^#/, '')));
  const roomOf = (d: any): string | undefined => d?.message?.room ?? (typeof d?.room === 'string' ? d.room : d?.room?.name);
  const live = new LiveEvents(client, {
    event(type, data, id) {
      const room = roomOf(data);
      if (only.size > 0 && (room === undefined || !only.has(room))) return;
      if (opts.json) out(JSON.stringify({ type, id, data }));
      else if (type === 'message') out(line(data.message));
      else if (type === 'member_joined' || type === 'member_left') out(`#${room} ${data.user.username} ${type === 'member_joined' ? 'joined' : 'left'}`);
    },
    cursor: (c) => saveCursor(saved, c),
    reset: (reason) => {
      process.stderr.write(`natter: the stream could not resume (${reason}); continuing from now\n`);
    },
    state: (s, detail) => {
      if (s === 'live') process.stderr.write(`natter: following ${only.size > 0 ? [...only].map((r) => `#${r}`).join(' ') : 'every room'} live\n`);
      if (s === 'waiting') process.stderr.write(`natter: stream interrupted (${detail ?? 'closed'}); reconnecting\n`);
    },
    fatal: (err) => {
      process.stderr.write(`natter: ${err.message}\n`);
      process.exitCode = 1;
    },
  }, { lastEventId: loadCursor(saved) });
  const stop = () => live.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await live.run();
}

const MARK: Record<CheckResult['verdict'], string> = { pass: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

/** Check the stream path to a server; exit code 1 when a check failed. */
export async function doctor(url: string, opts: { idle?: boolean; json?: boolean }): Promise<number> {
  const base = new URL(url).origin;
  if (!opts.json) out(`Checking the event stream path to ${base}${opts.idle ? ' (the idle check takes 1.5 heartbeats)' : ''}…`);
  const { results } = await checkPath(base, { idle: opts.idle === true });
  for (const r of results) out(opts.json ? JSON.stringify(r) : `${MARK[r.verdict]}  ${r.name}: ${r.detail}`);
  return results.some((r) => r.verdict === 'fail') ? 1 : 0;
}

/** A friendly message for an error from the server or the network. */
export function explain(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ApiError) return new CliError(err.code === 'unauthenticated' ? 'the server refused the token (401): run `natter login URL` again' : `${err.message} (${err.code}, HTTP ${err.status})`);
  const cause = (err as { cause?: { code?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED' || cause?.code === 'ENOTFOUND') return new CliError(`cannot reach the server (${cause.code})`);
  return new CliError((err as Error).message);
}
