/**
 * Natter as a real process (`node --import tsx src/main.ts`): spawnNatter() starts one
 * and resolves once it logs its address; startServer() adds a fresh SQLite file and
 * restart on the same port; useServer() gives a describe block one server for its tests.
 * Every process started here is killed when the test process exits.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

/** Test defaults: no auth, post or action rate limits; override with `env`. */
export const TEST_ENV: Record<string, string> = {
  NATTER_AUTH_RATE: '0',
  NATTER_POST_RATE: '0',
  NATTER_ACTION_RATE: '0',
  NATTER_SEARCH_RATE: '0',
  NATTER_UPLOAD_RATE: '0',
};

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** SIGKILL `child` when the test process exits, so a failing test leaves no process behind. */
export function killOnExit(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Send `signal` (unless it has already exited) and resolve with the exit code once `child` is gone. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

/** The address a Natter process logged when it started listening ("url":"http://…"), if it has. */
export function listeningUrl(log: string): string | undefined {
  return /"url":"(http:\/\/[^"]+)"/.exec(log)?.[1];
}

/** A spawned Natter process that is listening. */
export interface NatterProcess {
  child: ChildProcess;
  /** The URL it logged. */
  url: string;
  port: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

/**
 * Spawn `node --import tsx src/main.ts` with TEST_ENV, LOG_LEVEL=info (the address is an
 * info line) and `env`; resolve once it logs its URL, reject if it exits first.
 */
export function spawnNatter(env: Record<string, string>): Promise<NatterProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  let out = '';
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const url = listeningUrl(out);
      if (url) resolve({ child, url, port: Number(new URL(url).port), output: () => out });
    });
    child.once('exit', (code) => reject(new Error(`natter exited (${code}) before listening:\n${out}`)));
  });
}

/** A Natter process on SQLite, started by startServer(). */
export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  dbPath: string;
  /** Everything the current process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Start again on the same port and database (after stop or kill). */
  restart(): Promise<void>;
}

/** A real Natter process on a free port with a fresh SQLite file (or `env.DATABASE_URL`'s). */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const dbPath = env.DATABASE_URL?.startsWith('sqlite:') ? env.DATABASE_URL.slice(7) : join(mkdtempSync(join(tmpdir(), 'natter-')), 'natter.db');
  let port = Number(env.PORT ?? 0);
  let proc = await spawnNatter({ ...env, PORT: String(port), DATABASE_URL: `sqlite:${dbPath}` });
  port = proc.port;
  return {
    get url() { return `http://127.0.0.1:${port}`; },
    get port() { return port; },
    get pid() { return proc.child.pid!; },
    dbPath,
    output: () => proc.output(),
    stop: () => stopChild(proc.child, 'SIGTERM'),
    async kill() {
      await stopChild(proc.child, 'SIGKILL');
    },
    async restart() {
      proc = await spawnNatter({ ...env, PORT: String(port), DATABASE_URL: `sqlite:${dbPath}` });
    },
  };
}

/** Stop a test server; when it had died on its own, fail with what it printed (a crash is a bug, not noise). */
export async function stopServer(server: { url: string; output(): string; stop(): Promise<number | null> }): Promise<void> {
  const alive = await fetch(`${server.url}/healthz`).then((r) => r.ok, () => false);
  const out = server.output();
  await server.stop();
  assert.ok(alive, `the server died during the suite:\n${out.slice(-4000)}`);
}

/** How useServer() runs its server. */
export interface UseServerOptions {
  /** In after(), fail when the server had died on its own (see stopServer). */
  failIfDied?: boolean;
  /**
   * More set-up once the server is up (users, rooms), in the same before() hook. At a file's top
   * level Node 20 runs before() hooks concurrently, so a second top-level before() could run first.
   */
  setup?: (server: RunningServer) => Promise<void>;
}

/**
 * One server for the enclosing describe block (or file): started in before(), stopped in after().
 * The returned object forwards to the running server, so read it only inside hooks and tests.
 */
export function useServer(env: Record<string, string> = {}, opts: UseServerOptions = {}): RunningServer {
  let s: RunningServer | undefined;
  before(async () => {
    s = await startServer(env);
    await opts.setup?.(s);
  });
  after(async () => {
    if (!s) return;
    if (opts.failIfDied) await stopServer(s);
    else await s.stop();
  });
  const get = (): RunningServer => s ?? assert.fail('useServer(): the server starts in before(); read it inside a hook or a test');
  return {
    get url() { return get().url; },
    get port() { return get().port; },
    get pid() { return get().pid; },
    get dbPath() { return get().dbPath; },
    output: () => get().output(),
    stop: () => get().stop(),
    kill: () => get().kill(),
    restart: () => get().restart(),
  };
}
