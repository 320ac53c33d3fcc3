/**
 * Where `natter` keeps what it must remember: the server, the token (`config.json`, mode 0600) and the cursor
 * `tail` resumes from (`tail-cursor`, per server and user). The directory is `$NATTER_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/natter`, else `~/.config/natter` (on Windows `%APPDATA%\natter`).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Saved {
  url: string;
  token: string;
  username: string;
}

export function configDir(): string {
  const env = process.env;
  if (env.NATTER_CONFIG_DIR) return env.NATTER_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'natter');
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'natter');
  return join(homedir(), '.config', 'natter');
}

/** Write a private file (0600 in a 0700 directory), created or replaced. */
function writePrivate(name: string, text: string): void {
  const dir = configDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function readText(name: string): string | null {
  try {
    return readFileSync(join(configDir(), name), 'utf8');
  } catch {
    return null;
  }
}

export function loadConfig(): Saved | null {
  const text = readText('config.json');
  if (text === null) return null;
  const c = JSON.parse(text) as Partial<Saved>;
  return typeof c.url === 'string' && typeof c.token === 'string' && typeof c.username === 'string' ? (c as Saved) : null;
}

export function saveConfig(c: Saved): void {
  writePrivate('config.json', `${JSON.stringify(c, null, 2)}\n`);
}

/** The cursor `tail` saved for this server and user, or null. */
export function loadCursor(c: Saved): string | null {
  const all = JSON.parse(readText('tail-cursor') ?? '{}') as Record<string, string>;
  return all[`${c.url} ${c.username}`] ?? null;
}

export function saveCursor(c: Saved, cursor: string): void {
  const all = JSON.parse(readText('tail-cursor') ?? '{}') as Record<string, string>;
  all[`${c.url} ${c.username}`] = cursor;
  writePrivate('tail-cursor', JSON.stringify(all));
}
