/**
 * The shape of the tree, checked: no import cycle in src/, web/src/ or the packages (type-only
 * and dynamic imports count), no source file over 300 lines, and core/ free of
 * drivers and of the HTTP layer (STYLE: http → core → the seam interfaces).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const MAX_LINES = 300;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every module specifier a file names: static imports and re-exports (type-only too) and dynamic import(). */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]!);
  return out;
}

/** file → the files it imports, for relative imports that resolve inside `files`. */
function graph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const g = new Map<string, string[]>();
  for (const f of files) {
    const deps = specifiers(readFileSync(f, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => resolve(dirname(f), s))
      .filter((p) => known.has(p));
    g.set(f, deps);
  }
  return g;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) !== idx.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (g.get(v) ?? []).includes(v)) found.push(scc.sort());
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return found;
}

const rel = (p: string): string => relative(ROOT, p);

describe('the cycle finder itself', () => {
  it('finds a two-file cycle and a self-import, and passes a DAG', () => {
    const g = new Map([['a', ['b']], ['b', ['a', 'c']], ['c', []], ['d', ['d']]]);
    assert.deepEqual(cycles(g).map((c) => c.join(',')).sort(), ['a,b', 'd']);
    assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', []]])), []);
  });

  it('reads type-only, re-export, side-effect and dynamic imports', () => {
    const text = `import type { A } from './a.ts';\nimport {\n  B,\n} from "./b.ts";\nexport * from './c.ts';\nimport './d.css';\nconst e = await import('./e.ts');`;
    assert.deepEqual(specifiers(text).sort(), ['./a.ts', './b.ts', './c.ts', './d.css', './e.ts']);
  });
});

for (const tree of ['src', 'web/src', 'packages/client/src', 'packages/cli/src']) {
  describe(`${tree}/`, () => {
    const files = sources(join(ROOT, tree));

    it('has files to check', () => assert.ok(files.length >= (tree.startsWith('packages/') ? 3 : 10), `${files.length} files`));

    it('has no import cycle (type-only imports count)', () => {
      assert.deepEqual(cycles(graph(files)).map((c) => c.map(rel)), []);
    });

    it(`has no source file over ${MAX_LINES} lines`, () => {
      const long = files.map((f) => [rel(f), readFileSync(f, 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > MAX_LINES);
      assert.deepEqual(long, []);
    });
  });
}

describe('src/core/', () => {
  it('imports no driver, no Fastify and nothing from http/ (it is the domain layer)', () => {
    const banned = /^(fastify|@fastify\/|pg$|ioredis$|better-sqlite3$|node:http$|node:net$)/;
    const offenders: string[] = [];
    for (const f of sources(join(ROOT, 'src/core'))) {
      for (const s of specifiers(readFileSync(f, 'utf8'))) {
        if (banned.test(s) || (s.startsWith('.') && rel(resolve(dirname(f), s)).startsWith('src/http/'))) offenders.push(`${rel(f)} → ${s}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});

describe('packages/client/src/', () => {
  it('imports nothing of the server or the web client at run time (types only), and no Node built-in', () => {
    const offenders: string[] = [];
    for (const f of sources(join(ROOT, 'packages/client/src'))) {
      const text = readFileSync(f, 'utf8');
      const typeOnly = new Set([...text.matchAll(/import type [^;]*? from ['"]([^'"]+)['"]/g), ...text.matchAll(/export type [^;]*? from ['"]([^'"]+)['"]/g)].map((m) => m[1]));
      for (const s of specifiers(text)) {
        if (s.startsWith('node:') || (!s.startsWith('.') && !typeOnly.has(s))) offenders.push(`${rel(f)} → ${s}`);
        else if (s.startsWith('.') && !rel(resolve(dirname(f), s)).startsWith('packages/client/') && !typeOnly.has(s)) offenders.push(`${rel(f)} → ${s}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
