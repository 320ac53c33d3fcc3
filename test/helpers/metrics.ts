/** Prometheus metrics as a test reads them from GET /metrics. */

/** The sum of the samples of `name` in Prometheus text whose labels include every pair of `labels`; undefined if none. */
export function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((p) => [p[1]!, p[2]!]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

/** Read `name` from the server's GET /metrics, summed over the samples whose labels include `labels` (0 when absent). */
export async function metric(base: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sampleOf(await (await fetch(`${base}/metrics`)).text(), name, labels) ?? 0;
}
