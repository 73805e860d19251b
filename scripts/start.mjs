#!/usr/bin/env node
// `npm start`: builds and runs the desktop app. Where the Electron binary is not installed (it is
// downloaded on first use, which needs the internet), says so and points to the headless server.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let electron;
try {
  electron = require('electron');
  if (typeof electron !== 'string') throw new Error('not a path');
} catch (e) {
  console.error(`The Electron binary is not installed on this machine (${String(e.message ?? e).split('\n')[0]}).`);
  console.error('Run the server without the desktop window instead:  npm run serve');
  console.error('(or install Electron where it can be downloaded: npx electron --version)');
  process.exit(1);
}
execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const child = spawn(electron, ['out/app/main.cjs', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
