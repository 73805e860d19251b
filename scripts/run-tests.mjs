#!/usr/bin/env node
// Runs the test suite with Node's own test runner (TypeScript through tsx). Node 20's `--test`
// does not expand glob patterns, so the files are listed here. Arguments: folders or files to
// run (default: test/). Test files run two at a time (this machine class has 2 cores). A test, or
// a whole file, may take up to 10 minutes: the end-to-end files spawn many processes and a loaded
// machine stretches them; the limit is there to catch hangs, not to time work.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(p, out) {
  if (statSync(p).isDirectory()) {
    for (const e of readdirSync(p).sort()) collect(join(p, e), out);
  } else if (/\.test\.tsx?$/.test(p)) out.push(p);
  return out;
}

const args = process.argv.slice(2);
const files = (args.length ? args : ['test']).flatMap((p) => collect(p, []));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, '--test-timeout=600000', ...files],
  // tsx compiles JSX (the renderer tests) with the renderer's settings: the automatic runtime.
  { stdio: 'inherit', env: { ...process.env, BUZON_TEST: '1', TSX_TSCONFIG_PATH: 'tsconfig.renderer-test.json' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
