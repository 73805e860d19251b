#!/usr/bin/env node
// cpuprofile-top.mjs — where the server's main thread spends its time, from a V8 .cpuprofile
// written by `node bench/smtp/run.mjs --cpu-prof DIR` (node --cpu-prof on the serve process).
//
//   node bench/smtp/cpuprofile-top.mjs FILE.cpuprofile                 activity timeline (250 ms buckets)
//   node bench/smtp/cpuprofile-top.mjs FILE.cpuprofile FROM_S TO_S [--callers prepare,openFileHandle]
//       inclusive and self time per function inside the window (seconds from the profile start),
//       and for each --callers function the nearest src-main frame that called it.
// The profile covers the whole server life (start-up, warm-up, run, shutdown): pick the window
// of the measured run from the timeline (the last long busy stretch).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const ci = args.indexOf('--callers');
const focus = ci >= 0 ? args.splice(ci, 2)[1].split(',') : [];
const [file, fromS, toS] = args;
if (!file) {
  process.stderr.write('usage: node bench/smtp/cpuprofile-top.mjs FILE.cpuprofile [FROM_S TO_S] [--callers fn1,fn2]\n');
  process.exit(2);
}
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const times = [];
let t = p.startTime;
for (const d of p.timeDeltas) times.push((t += d));

if (fromS === undefined) {
  const b = new Map();
  p.samples.forEach((s, i) => {
    const k = Math.floor((times[i] - p.startTime) / 250_000);
    const e = b.get(k) || [0, 0];
    e[1]++;
    if (byId.get(s).callFrame.functionName !== '(idle)') e[0]++;
    b.set(k, e);
  });
  console.log(`profile ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s; % of samples not idle per 250 ms:`);
  console.log([...b].map(([k, [a, n]]) => `${(k / 4).toFixed(2)}s:${Math.round((100 * a) / n)}%`).join(' '));
  process.exit(0);
}

const lo = p.startTime + Number(fromS) * 1e6;
const hi = p.startTime + Number(toS) * 1e6;
const name = (nd) =>
  `${nd.callFrame.functionName || '(anonymous)'} ${nd.callFrame.url.replace(/^.*node_modules\//, 'nm:').replace(/^file:\/\/.*\/src-main\//, 'src-main/')}:${nd.callFrame.lineNumber + 1}`;
const incl = new Map(), self = new Map(), callers = new Map();
let total = 0, busy = 0;
for (let i = 0; i < p.samples.length; i++) {
  if (times[i] < lo || times[i] > hi) continue;
  const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
  total += dt;
  const stack = [];
  for (let cur = p.samples[i]; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur));
  if (stack[0].callFrame.functionName !== '(idle)') busy += dt;
  self.set(name(stack[0]), (self.get(name(stack[0])) || 0) + dt);
  const seen = new Set();
  for (const nd of stack) {
    const k = name(nd);
    if (seen.has(k) || nd.callFrame.functionName === '(root)') continue;
    seen.add(k);
    incl.set(k, (incl.get(k) || 0) + dt);
  }
  for (const f of focus) {
    const idx = stack.findIndex((nd) => nd.callFrame.functionName === f);
    if (idx < 0) continue;
    const c = stack.slice(idx + 1).find((nd) => nd.callFrame.url.includes('src-main')) || stack[idx + 1];
    const k = `${f} <- ${c ? name(c) : '?'}`;
    callers.set(k, (callers.get(k) || 0) + dt);
  }
}
const pct = (v) => `${((100 * v) / total).toFixed(1).padStart(5)}% ${v.toFixed(0).padStart(6)} ms`;
const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${pct(v)}  ${k}`).join('\n');
console.log(`window ${fromS}–${toS} s: ${total.toFixed(0)} ms sampled, main thread busy ${busy.toFixed(0)} ms (${((100 * busy) / total).toFixed(0)} %)`);
console.log('\n--- inclusive (function on the stack)\n' + top(incl, 50));
console.log('\n--- self\n' + top(self, 30));
if (focus.length) console.log('\n--- callers\n' + top(callers, 30));
