/**
 * startServer(): a real Natter process (`node --import tsx src/main.ts`) on a free
 * port with a fresh SQLite file. It resolves once the server logs its address.
 * stop() sends SIGTERM (graceful), kill() sends SIGKILL, restart() starts a new
 * process on the same port and database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  dbPath: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Start again on the same port and database (after stop or kill). */
  restart(): Promise<void>;
}

/** Test defaults: no auth or post limits, quiet logs; override with `env`. */
export const TEST_ENV: Record<string, string> = {
  NATTER_AUTH_RATE: '0',
  NATTER_POST_RATE: '0',
  LOG_LEVEL: 'warn',
};

export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const dbPath = env.DATABASE_URL?.startsWith('sqlite:') ? env.DATABASE_URL.slice(7) : join(mkdtempSync(join(tmpdir(), 'natter-')), 'natter.db');
  let child: ChildProcess;
  let out = '';
  let port = Number(env.PORT ?? 0);

  const launch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'info', ...env, PORT: String(port), DATABASE_URL: `sqlite:${dbPath}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const onData = (b: Buffer): void => {
        out += b.toString();
        const m = /"url":"http:\/\/[^:]+:(\d+)"/.exec(out);
        if (m && port === 0) port = Number(m[1]);
        if (m) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
    });

  const exited = (): Promise<number | null> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
    });

  await launch();
  const server: RunningServer = {
    get url() { return `http://127.0.0.1:${port}`; },
    get port() { return port; },
    get pid() { return child.pid!; },
    dbPath,
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      return exited();
    },
    async kill() {
      child.kill('SIGKILL');
      await exited();
    },
    async restart() {
      out = '';
      await launch();
    },
  };
  return server;
}
