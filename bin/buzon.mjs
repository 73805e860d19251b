#!/usr/bin/env node
// The `buzon` command. Runs the TypeScript sources through tsx's loader so that a
// fresh clone works right after `npm ci`, with no build step in between.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src-main/cli/main.ts');
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
