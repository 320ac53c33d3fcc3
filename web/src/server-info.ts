/** What this server enables (`GET /api/v1/server`), fetched once per page and shared. */
import { useEffect, useState } from 'preact/hooks';
import { client, type ServerInfo } from './api.ts';

let info: ServerInfo | null = null;
let loading: Promise<ServerInfo | null> | null = null;

/** The server's answer, fetched on first use; null while unknown or when the request failed (tried again next time). */
export function loadServerInfo(): Promise<ServerInfo | null> {
  if (info) return Promise.resolve(info);
  loading ??= client
    .server()
    .then((r) => (info = r))
    .catch(() => null)
    .finally(() => (loading = null));
  return loading;
}

/** The server info known now (null until loaded). */
export function serverInfo(): ServerInfo | null {
  return info;
}

/** The server info for a component: null at first, then the answer (a failed request stays null). */
export function useServerInfo(): ServerInfo | null {
  const [got, setGot] = useState(info);
  useEffect(() => {
    if (!got) void loadServerInfo().then((r) => r && setGot(r));
  }, []);
  return got;
}
