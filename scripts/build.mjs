#!/usr/bin/env node
// Builds the desktop app into out/: the Electron main process and the preload with esbuild (CJS,
// electron and native modules left external), the renderer with Vite.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { buildRenderer } from './build-renderer.mjs';
import { rmSync } from 'node:fs';

rmSync('out', { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
await build({ ...common, entryPoints: ['src-main/app/main.ts'], outfile: 'out/app/main.cjs', external: ['electron', 'better-sqlite3'] });
await build({ ...common, entryPoints: ['src-main/preload/index.ts'], outfile: 'out/preload/index.cjs', external: ['electron'] });
await buildRenderer(fileURLToPath(new URL('../out/renderer', import.meta.url)));
console.log('built out/app/main.cjs, out/preload/index.cjs, out/renderer/');
