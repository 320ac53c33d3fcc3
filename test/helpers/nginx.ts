/**
 * A throwaway nginx (Debian's package; .ci/run installs it) in front of a test server: its own prefix, config,
 * logs and temp paths in a fresh directory, in the foreground, stopped by pid. `location` is the body of the
 * `location /` block, so a test can set the proxy behaviour it needs (buffering, gzip, timeouts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cluster.ts';
import { killOnExit, stopChild } from './server.ts';
import { waitFor } from './wait.ts';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;

export interface Nginx {
  url: string;
  stop(): Promise<void>;
}

export async function startNginx(upstream: string, location: string): Promise<Nginx> {
  if (!NGINX) throw new Error('nginx is not installed (apt-get install nginx; .ci/run does it)');
  const dir = mkdtempSync(join(tmpdir(), 'natter-nginx-'));
  for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d));
  const port = await freePort();
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  writeFileSync(join(dir, 'nginx.conf'), `${user}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body; proxy_temp_path ${dir}/tmp/proxy; fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi; scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      ${location}
    }
  }
}
`);
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  killOnExit(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok, 'nginx answering');
  return { url, stop: async () => void (await stopChild(child, 'SIGTERM')) };
}
