// common.mjs — helpers shared by bench/smtp and bench/pop3 (run.mjs and report.mjs): option
// parsing, timing and /proc sampling, child-process bookkeeping, the `buzon` CLI, the environment
// record, and the median / formatting helpers of the reports. Core modules only.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** require() resolving from the repo root (better-sqlite3). */
export const repoRequire = createRequire(path.join(repoRoot, 'package.json'));

// ---------------------------------------------------------------- options
/**
 * `--name value`, `--name=value` and boolean `--flag` options onto a copy of `defaults`
 * (kebab-case → camelCase keys; numbers must be finite and ≥ 0). Throws on anything unknown.
 */
export function parseOptions(argv, defaults, usage, flagNames = ['keep', 'help']) {
  const o = { ...defaults };
  const flags = new Set(flagNames);
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a === '-h') a = '--help';
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    a = a.slice(2);
    let val;
    const eq = a.indexOf('=');
    if (eq >= 0) { val = a.slice(eq + 1); a = a.slice(0, eq); } else if (flags.has(a)) val = true;
    else { val = argv[++i]; if (val === undefined) throw new Error(`--${a} needs a value`); }
    const key = a.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in o)) throw new Error(`unknown option --${a}\n${usage}`);
    if (typeof o[key] === 'number') {
      val = Number(val);
      if (!Number.isFinite(val) || val < 0) throw new Error(`--${a}: expected a number`);
    } else if (typeof o[key] === 'boolean' && typeof val === 'string') val = !/^(0|false|no)$/i.test(val);
    o[key] = val;
  }
  return o;
}

/** The shared mailbench folder: --harness DIR or <repo>/../shared/bench. */
export const harnessDir = (opt) => path.resolve(opt || path.resolve(repoRoot, '../shared/bench'));

// ---------------------------------------------------------------- small helpers
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
export const r1 = (v) => (v == null ? v : Math.round(v * 10) / 10);
/** A stderr logger: `[bench:TAG hh:mm:ss] message`. */
export const makeLog = (tag) => (s) => process.stderr.write(`[bench:${tag} ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

export function median(values) {
  const s = values.filter((v) => v != null && !Number.isNaN(v)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function cpuSnap() {
  const l = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: l[3] + (l[4] || 0), total: l.reduce((a, b) => a + b, 0) };
}

/** Like the harness's quiet.js: 1 s windows until busy% (of all cores) ≤ maxBusy, bounded. */
export async function waitQuiet(maxBusy, maxWaitS) {
  const t0 = Date.now();
  let busy = null;
  if (maxWaitS <= 0) return { busyPct: null, waitedS: 0, quiet: null };
  while (Date.now() - t0 < maxWaitS * 1000) {
    const a = cpuSnap();
    await sleep(1000);
    const b = cpuSnap();
    busy = 100 * (1 - (b.idle - a.idle) / Math.max(1, b.total - a.total));
    if (busy <= maxBusy) break;
  }
  return { busyPct: r1(busy), waitedS: Math.round((Date.now() - t0) / 100) / 10, quiet: busy !== null && busy <= maxBusy };
}

export function loadavg() {
  return readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).map(Number);
}

export function procStatus(pid) {
  try {
    const t = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = (k) => { const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t); return m ? Number(m[1]) : null; };
    return { vmHwmKb: kb('VmHWM'), vmRssKb: kb('VmRSS'), threads: Number((/^Threads:\s+(\d+)/m.exec(t) || [])[1]) || null };
  } catch { return { vmHwmKb: null, vmRssKb: null, threads: null }; }
}

/** CPU seconds of a process: utime + stime, plus cutime + cstime (reaped children) if asked. USER_HZ = 100. */
export function procCpuS(pid, { withChildren = false } = {}) {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0)) / 100;
  } catch { return null; }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// ---------------------------------------------------------------- child processes and temp folders
// Child processes we started, stopped by PID on every exit path.
const children = new Set();
export function track(child) { children.add(child); child.once('exit', () => children.delete(child)); return child; }
export function killAll(signal = 'SIGTERM') { for (const c of children) { try { c.kill(signal); } catch { /* gone */ } } }
// Data folders in use, removed on an abort (deadline, signal) unless --keep.
export const activeDirs = new Set();
export function removeActiveDirs() { for (const d of activeDirs) rmSync(d, { recursive: true, force: true }); }

/**
 * The hard deadline (SIGKILL the children, remove the data folders, exit 3) and SIGINT/SIGTERM
 * handling (SIGTERM, then SIGKILL after 3 s, exit 130).
 */
export function installAbortHandlers(deadlineS, log) {
  const deadline = setTimeout(() => {
    log(`hard deadline of ${deadlineS} s reached: stopping children and exiting`);
    killAll('SIGKILL');
    setTimeout(() => { removeActiveDirs(); process.exit(3); }, 500);
  }, deadlineS * 1000);
  deadline.unref();
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { log(`${sig}: stopping`); killAll('SIGTERM'); setTimeout(() => { killAll('SIGKILL'); removeActiveDirs(); process.exit(130); }, 3000).unref(); });
}

/** Runs a command to completion (bounded); resolves {code, stdout, stderr}. */
export function run(cmd, args, { timeoutMs = 60_000, cwd = repoRoot, passStderr = false } = {}) {
  return new Promise((resolve, reject) => {
    const c = track(spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '', stderr = '';
    c.stdout.on('data', (d) => { stdout += d; });
    c.stderr.on('data', (d) => { stderr += d; if (passStderr) process.stderr.write(d); });
    const t = setTimeout(() => { c.kill('SIGKILL'); reject(new Error(`${path.basename(args[0] ?? cmd)} timed out after ${timeoutMs} ms`)); }, timeoutMs);
    c.on('error', (e) => { clearTimeout(t); reject(e); });
    c.on('exit', (code, sig) => { clearTimeout(t); resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr }); });
  });
}

// ---------------------------------------------------------------- the buzon CLI and server
export const BUZON = path.join(repoRoot, 'bin', 'buzon.mjs');
export async function buzon(data, ...args) {
  const r = await run(process.execPath, [BUZON, '--data', data, ...args]);
  if (r.code !== 0) throw new Error(`buzon ${args.join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Spawns (and tracks) `buzon serve --quiet` with --server-node-args / --cpu-prof: {child, t0 (nowMs)}. */
export function spawnServe(data, o) {
  const nodeArgs = o.serverNodeArgs ? o.serverNodeArgs.split(/\s+/).filter(Boolean) : [];
  if (o.cpuProf) { mkdirSync(o.cpuProf, { recursive: true }); nodeArgs.push('--cpu-prof', '--cpu-prof-dir', path.resolve(o.cpuProf)); }
  const t0 = nowMs();
  const child = track(spawn(process.execPath, [...nodeArgs, BUZON, '--data', data, 'serve', '--quiet'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }));
  return { child, t0 };
}

/** SIGTERM the serve process; SIGKILL after timeoutMs. Resolves its exit code. */
export function stopServer(srv, log, timeoutMs = 15_000) {
  return new Promise((resolve) => {
    const c = srv.child;
    if (c.exitCode !== null || c.signalCode !== null) return resolve(c.exitCode);
    const t = setTimeout(() => { log(`serve pid ${c.pid} did not stop in ${timeoutMs} ms: SIGKILL`); c.kill('SIGKILL'); }, timeoutMs);
    c.once('exit', (code) => { clearTimeout(t); resolve(code); });
    c.kill('SIGTERM');
  });
}

let envCache = null;
/** Node, commit (+ changed files under src-main), host and CPU: recorded in every result line. */
export function envInfo() {
  if (envCache) return envCache;
  let commit = null, dirty = null;
  try {
    commit = execFileSync('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // uncommitted changes under src-main (the code being measured): other people may be editing
    dirty = execFileSync('git', ['-C', repoRoot, 'status', '--porcelain', '--', 'src-main'], { encoding: 'utf8', timeout: 5000 }).split('\n').filter(Boolean).length;
  } catch {
    // an exported snapshot (git archive) records its commit in .bench-commit
    try { commit = readFileSync(path.join(repoRoot, '.bench-commit'), 'utf8').trim(); dirty = 0; } catch { /* unknown */ }
  }
  envCache = { node: process.version, commit, srcMainChangedFiles: dirty, host: `${os.release()} ${os.arch()}`, ncpu: os.cpus().length, cpu: os.cpus()[0]?.model?.trim(), memGiB: Math.round(os.totalmem() / 2 ** 30), tmp: os.tmpdir() };
  return envCache;
}

// ---------------------------------------------------------------- reports
/** report.mjs arguments: RESULTS.jsonl [--env ENV.txt] [--ref NAME]; exits 2 with usage if no file. */
export function reportArgs(script, defaultRef) {
  const argv = process.argv.slice(2);
  const file = argv[0];
  if (!file) {
    process.stderr.write(`usage: node ${script} RESULTS.jsonl [--env ENV.txt] [--ref ${defaultRef}]\n`);
    process.exit(2);
  }
  const opt = (k, d) => { const i = argv.indexOf(k); return i > 0 ? argv[i + 1] : d; };
  const ref = opt('--ref', defaultRef);
  const envTxt = opt('--env') ? readFileSync(opt('--env'), 'utf8').trim() : '';
  return { file, ref, envTxt };
}

/** The JSON lines of a results file, each with scen, server, params, rep split from its label. */
export function readResults(file) {
  const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  for (const r of rows) {
    const [scen, server, params, rep] = String(r.label || '').split('|');
    Object.assign(r, { scen, server, params, rep });
  }
  return rows;
}

export const get = (o, p) => p.split('.').reduce((a, k) => (a == null ? a : a[k]), o);
export const vals = (rs, f) => rs.map((r) => (typeof f === 'function' ? f(r) : get(r, f))).filter((x) => x != null);
/** fmt(v, d) and spread(rows, field, d) = "median (min–max)", with `digits` decimals by default. */
export function formatters(digits) {
  const fmt = (v, d = digits) => (v == null || Number.isNaN(v) ? '–' : Number(v).toFixed(d));
  const spread = (rs, f, d = digits) => {
    const v = vals(rs, f);
    return v.length ? `${fmt(median(v), d)} (${fmt(Math.min(...v), d)}–${fmt(Math.max(...v), d)})` : '–';
  };
  return { fmt, spread };
}
// Peak RSS: Buzón = VmHWM of the serve process; others = the harness's sampled peak over their trees.
export const peakMiB = (r) => (r.serverProc?.vmHwmKb ?? r.monitor?.serverRssPeakKb ?? null) / 1024 || null;
