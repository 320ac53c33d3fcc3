/** waitFor(): poll a condition until it holds; tests wait on signals, never on fixed sleeps. */

/** Resolve with the predicate's first truthy value; reject after `timeoutMs` with `what` in the message. */
export async function waitFor<T>(predicate: () => T | Promise<T>, what = 'condition', timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await predicate();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A short unique name for rooms and users, so tests never collide. */
export function uniq(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`.toLowerCase().slice(0, 30);
}
