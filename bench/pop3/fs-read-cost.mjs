#!/usr/bin/env node
// fs-read-cost.mjs — what it costs this machine to read one small message file, the ways a POP3
// RETR could read it: per file, wall time and CPU time of the whole process (the JS thread plus
// libuv's thread pool), sequentially (like one POP3 session). Files: the harness corpus's size mix
// (1.2–12 KB, avg ≈ 5 KB) in a temp folder, page-cache hot (second and third rounds reported).
//   node bench/pop3/fs-read-cost.mjs [--files 1000]
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const n = Number(process.argv[process.argv.indexOf('--files') + 1]) || 1000;
const SIZES = [1200, 2000, 2600, 3500, 4200, 5000, 6500, 8000, 12000, 5000]; // the harness's SIZE_MIX
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buzon-fs-read-cost-'));
const size = (i) => SIZES[i % SIZES.length];
const file = (i) => path.join(dir, `${i}.eml`);
for (let i = 0; i < n; i++) fs.writeFileSync(file(i), Buffer.alloc(size(i), 0x61));

const methods = {
  // what src-main/pop3/commands/retr.ts does (64 KiB highWaterMark; data read + EOF read)
  'createReadStream (64 KiB)': async (i) => { for await (const c of fs.createReadStream(file(i), { highWaterMark: 64 * 1024 })) void c; },
  // the same stream bounded by the size known from the index: no EOF read, no 64 KiB buffers
  'createReadStream (end = size-1)': async (i) => { for await (const c of fs.createReadStream(file(i), { start: 0, end: size(i) - 1 })) void c; },
  'fs/promises open+read+close': async (i) => {
    const fh = await fsp.open(file(i), 'r');
    try { await fh.read(Buffer.allocUnsafe(size(i) + 1), 0, size(i) + 1, 0); } finally { await fh.close(); }
  },
  'callback open+read, close not awaited': (i) => new Promise((resolve, reject) => fs.open(file(i), 'r', (e, fd) => {
    if (e) return reject(e);
    fs.read(fd, Buffer.allocUnsafe(size(i) + 1), 0, size(i) + 1, 0, (e2) => { fs.close(fd, () => undefined); if (e2) reject(e2); else resolve(); });
  })),
  'openSync+readSync+closeSync': async (i) => {
    const fd = fs.openSync(file(i), 'r');
    try { fs.readSync(fd, Buffer.allocUnsafe(size(i) + 1), 0, size(i) + 1, 0); } finally { fs.closeSync(fd); }
  },
};

try {
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of Object.entries(methods)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await fn(i);
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (round > 0) console.log(`round ${round}  ${name.padEnd(38)} ${((wall / n) * 1000).toFixed(0).padStart(5)} µs wall/file ${((c.user + c.system) / n).toFixed(0).padStart(5)} µs CPU/file`);
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
