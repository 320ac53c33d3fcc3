/**
 * Parsers of config.ts for the variables with a syntax of their own (NATTER_TRUST_PROXY, DATABASE_URL, the SMTP URL); each
 * adds a line to `problems` instead of throwing, as loadConfig collects every bad variable.
 */
export type StoreUrl =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string };

/** Replace the password of a URL (`postgres://u:secret@h` → `postgres://u:***@h`) for logs and errors. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^:@/]*):([^@/]*)@/i, '$1$2:***@');
}

export function parseTrustProxy(raw: string | undefined, problems: string[]): boolean | string[] {
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  const list = raw.split(',').map((x) => x.trim());
  if (list.some((x) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(x))) {
    problems.push(`NATTER_TRUST_PROXY=${JSON.stringify(raw)}: expected 0, 1, or a comma list of proxy addresses/CIDRs`);
    return false;
  }
  return list;
}

export function parseDatabaseUrl(raw: string, problems: string[]): StoreUrl | undefined {
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') problems.push('DATABASE_URL="sqlite:": expected sqlite:<path> (or sqlite::memory:)');
    return { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\/\S+$/.test(raw)) return { kind: 'postgres', url: raw };
  problems.push(`DATABASE_URL=${JSON.stringify(redactUrl(raw))}: unknown scheme; expected sqlite:<path> or postgres://…`);
  return undefined;
}

/** `smtp://` or `smtps://` with a host (user:pass@, a port and nodemailer's query options allowed). */
export function isSmtpUrl(raw: string): boolean {
  return /^smtps?:\/\/\S+$/.test(raw) && URL.canParse(raw) && new URL(raw).hostname !== '';
}
