#!/usr/bin/env node
// Runs every test file (test/**/*.test.ts) with node's test runner, passing the files
// explicitly: Node 20 does not expand quoted globs or find .ts files itself, and
// with no files it would silently run 0 tests. `node scripts/run-tests.mjs unit`
// runs only files whose path contains "unit".
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'helpers' ? [] : walk(p);
    return p.endsWith('.test.ts') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = walk('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('run-tests: no test files found under test/ — refusing to run 0 tests');
  process.exit(1);
}
console.log(`run-tests: ${files.length} files\n  ${files.join('\n  ')}`);
// Two reporters: spec for people, TAP into a file whose closing "# tests / # pass / # fail" lines
// (node's own summary) are printed last, where CI reads them.
const tap = join(mkdtempSync(join(tmpdir(), 'natter-tap-')), 'results.tap');
// Files run two at a time (node's default is one fewer than the cores: one, here). Most of a test file's time is
// spent waiting on servers, sockets and browsers, and every file makes its own ports, databases and names, so two
// side by side keep `npm test` well under the 20-minute budget. NATTER_TEST_CONCURRENCY overrides it.
const concurrency = Number(process.env.NATTER_TEST_CONCURRENCY) || 2;
const r = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`,
  '--test-reporter', 'spec', '--test-reporter-destination', 'stdout',
  '--test-reporter', 'tap', '--test-reporter-destination', tap,
  ...files,
], { stdio: 'inherit' });
const summary = readFileSync(tap, 'utf8').split('\n').filter((l) => /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(l));
console.log(summary.join('\n'));
const total = Number(/^# tests (\d+)/m.exec(summary.join('\n'))?.[1] ?? 0);
if (total === 0) {
  console.error('run-tests: node ran 0 tests — failing');
  process.exit(1);
}
process.exit(r.status ?? 1);
