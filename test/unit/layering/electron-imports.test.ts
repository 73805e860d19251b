// The engine runs under plain Node: only src-main/app, src-main/ipc and src-main/preload may
// import electron, and src-main/shared and the renderer may not import Node built-ins. This test
// fails when a file breaks that (the lint rules say the same; this one needs no lint run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (/\.(ts|tsx|mts|cts|js|mjs)$/.test(e.name)) out.push(p);
  }
  return out;
}

const IMPORTS = /(?:import\s[^'"]*?from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g;

function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(IMPORTS)].map((m) => m[1]!);
}

export function electronLeaks(root = ROOT): string[] {
  return files(join(root, 'src-main'))
    .map((f) => relative(root, f).split('\\').join('/'))
    .filter((f) => !/^src-main\/(app|ipc|preload)\//.test(f))
    .filter((f) => importsOf(join(root, f)).some((s) => s === 'electron' || s.startsWith('electron/')));
}

test('only src-main/app, ipc and preload import electron', () => {
  assert.deepEqual(electronLeaks(), []);
});

test('the electron check catches a leak (guard against a check that cannot fail)', () => {
  const src = "import { app } from 'electron';\nconst x = await import(\"electron\");\n";
  const found = [...src.matchAll(IMPORTS)].map((m) => m[1]);
  assert.deepEqual(found, ['electron', 'electron']);
});

test('src-main/shared and src-renderer import no Node built-ins and no electron', () => {
  const bad: string[] = [];
  for (const dir of ['src-main/shared', 'src-renderer']) {
    for (const f of files(join(ROOT, dir))) {
      for (const s of importsOf(f)) {
        if (s.startsWith('node:') || s === 'electron' || /^(fs|path|os|net|tls|crypto|child_process)$/.test(s)) bad.push(`${relative(ROOT, f)} → ${s}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});
