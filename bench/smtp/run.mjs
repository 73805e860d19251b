#!/usr/bin/env node
// SMTP accept → stored benchmark of Buzón, measured with the shared mailbench harness.
//
//   npm run bench:smtp -- --conns 10 --messages 1500 --size 2048 [--reps 3] [--out results.jsonl]
//
// Per run (= one rep): a fresh temp data folder; `buzon config apply` (domain bench.test,
// accounts rcpt01..rcpt10) and `buzon port set 1` (127.0.0.1, a free port; entry 2 = 0.0.0.0:587
// is disabled so nothing listens beyond loopback); `buzon serve --quiet` as a child process; an
// unmeasured warm-up (JIT, first folder creations); then the harness's own load generator
// `smtp-load.js` (N messages over C connections of S bytes, round-robin to the 10 recipients,
// latency MAIL FROM → 250 after DATA, accepted msg/s, server CPU via --server-pids).
//
// "Stored" — Buzón has no IMAP/POP3 yet, so the harness's IMAP/POP3 verify cannot be used. The
// harness's other counter, `--verify maildir`, counts the files of <root>/new + <root>/cur and
// polls (every 50 ms, from the same t0 as the load) until every accepted message is there; we
// point it at a shim folder whose <rcpt>/new is a symlink to Buzón's DATA/messages/bench.test/<rcpt>
// (final .eml names only: temp files live in DATA/tmp). That gives stored msg/s with exactly the
// harness's method and clock. Independently, after the run this script counts itself what is
// stored: rows of the `messages` table (better-sqlite3, read-only) added by the run, whether each
// row's .eml file exists, and the .eml files on disk. lost = accepted − (rows whose file exists);
// it must be 0.
//
// Noise handling follows the harness's run-baseline.sh: before each run wait (≤ --quiet-wait s)
// for the machine to be ≤ --quiet-busy % busy; record loadavg and the CPU used by everything else
// during the run; a run where other processes used > --other-max % of a core is kept as
// "rN-noisyK" and repeated (≤ --retries times).
//
// Core modules only (plus the repo's better-sqlite3 for the count). Loopback only. Every wait is
// bounded; the whole script has a hard deadline (--deadline s) after which it stops the server
// and the loader by PID and exits.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  activeDirs, buzon, envInfo, freePort, harnessDir, installAbortHandlers, killAll, loadavg, makeLog, median, nowMs,
  parseOptions, procCpuS, procStatus, r1, repoRequire, run, spawnServe, stopServer, waitQuiet,
} from '../lib/common.mjs';

const USAGE = `usage: node bench/smtp/run.mjs [options]
  --conns C          concurrent SMTP connections (10)
  --messages N       messages per run, shared by all connections (1500)
  --size S           approximate message size in bytes (2048)
  --reps R           measured runs, each on a fresh server + data folder (3)
  --first-rep K      label of the first run: rK (1); lets a driver interleave reps with other servers
  --warmup W         unmeasured messages sent to each fresh server first (200; 0 = none)
  --out FILE.jsonl   append one JSON line per run
  --harness DIR      the shared mailbench folder (default: <repo>/../shared/bench)
  --max-seconds S    loader: stop starting new messages after S s (300)
  --verify-timeout S loader: wait at most S s for messages to be stored (60)
  --quiet-busy P     wait until the machine is ≤ P % busy before each run (15)
  --quiet-wait S     ... but at most S s (20; 0 = do not wait)
  --other-max P      a run is noisy if other processes used > P % of one core (45)
  --retries K        repeat a noisy run up to K times (2)
  --cpu-prof DIR     run the server under node --cpu-prof, profiles written to DIR (profiling only)
  --server-node-args "ARGS"  extra node flags for the server process
  --keep             keep the temp data folders (printed)
  --deadline S       hard limit for the whole script (default: generous, from the options)
  --label-server X   server name in the labels (buzon)`;

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = parseOptions(argv, {
    conns: 10, messages: 1500, size: 2048, reps: 3, firstRep: 1, warmup: 200, out: '', harness: '',
    maxSeconds: 300, verifyTimeout: 60, quietBusy: 15, quietWait: 20, otherMax: 45, retries: 2,
    cpuProf: '', serverNodeArgs: '', keep: false, deadline: 0, labelServer: 'buzon', help: false,
  }, USAGE);
  if (o.conns < 1 || o.messages < 1 || o.size < 64 || o.reps < 1) throw new Error('--conns, --messages, --reps must be ≥ 1 and --size ≥ 64');
  o.harness = harnessDir(o.harness);
  if (!o.deadline) o.deadline = o.reps * (1 + o.retries) * (o.quietWait + 60 + o.maxSeconds + o.verifyTimeout) + 120;
  return o;
}

// ---------------------------------------------------------------- small helpers
const log = makeLog('smtp');
const RCPTS = Array.from({ length: 10 }, (_, i) => `rcpt${String(i + 1).padStart(2, '0')}`);
const DOMAIN = 'bench.test';

// ---------------------------------------------------------------- server lifecycle
async function configure(data, port) {
  const doc = {
    domains: [{ name: DOMAIN }],
    accounts: RCPTS.map((u) => ({ address: `${u}@${DOMAIN}`, password: 'benchpass' })),
  };
  const file = path.join(data, 'bench-config.json');
  writeFileSync(file, JSON.stringify(doc));
  await buzon(data, 'config', 'apply', file);
  rmSync(file);
  await buzon(data, 'port', 'set', '1', '--port', String(port), '--address', '127.0.0.1');
  await buzon(data, 'port', 'disable', '2'); // 0.0.0.0:587: loopback only
}

/** Starts `buzon serve --quiet`; resolves once it printed `ready` and its SMTP line. */
function startServer(data, port, o) {
  return new Promise((resolve, reject) => {
    const { child: c, t0 } = spawnServe(data, o);
    let out = '', err = '', bound = null, done = false;
    const finish = (e, v) => { if (done) return; done = true; clearTimeout(t); if (e) reject(e); else resolve(v); };
    const t = setTimeout(() => { c.kill('SIGKILL'); finish(new Error(`serve did not print ready within 30 s:\n${out}${err}`)); }, 30_000);
    c.stdout.on('data', (d) => {
      out += d;
      const m = /listening\s+SMTP\s+127\.0\.0\.1:(\d+)/.exec(out);
      if (m) bound = Number(m[1]);
      if (/^ready$/m.test(out)) {
        if (bound !== port) { c.kill('SIGKILL'); return finish(new Error(`serve is not listening on 127.0.0.1:${port}:\n${out}`)); }
        finish(null, { child: c, pid: c.pid, startMs: Math.round(nowMs() - t0), output: () => out + err });
      }
    });
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', (code) => finish(new Error(`serve exited (${code}) before ready:\n${out}${err}`)));
  });
}

// ---------------------------------------------------------------- counting what is stored
function openIndex(data) {
  const Database = repoRequire('better-sqlite3');
  return new Database(path.join(data, 'buzon.db'), { readonly: true, fileMustExist: true });
}

/** Rows of `messages` with id > afterId, per recipient, plus whether each row's file exists. */
function countStored(data, afterId) {
  const db = openIndex(data);
  try {
    const rows = db
      .prepare('SELECT m.id, m.file, a.address FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id JOIN accounts a ON a.id = b.account_id WHERE m.id > ?')
      .all(afterId);
    const per = {};
    let withFile = 0, maxId = afterId;
    for (const r of rows) {
      const ok = existsSync(path.join(data, r.file)) && r.file.endsWith('.eml');
      if (ok) withFile++;
      const k = r.address.split('@')[0];
      per[k] = (per[k] || 0) + (ok ? 1 : 0);
      if (r.id > maxId) maxId = r.id;
    }
    return { rows: rows.length, rowsWithFile: withFile, perRcpt: per, maxId };
  } finally { db.close(); }
}
function maxMessageId(data) {
  const db = openIndex(data);
  try { return db.prepare('SELECT coalesce(max(id), 0) AS m FROM messages').get().m; } finally { db.close(); }
}
function countEml(data) {
  let n = 0;
  for (const u of RCPTS) {
    try { n += readdirSync(path.join(data, 'messages', DOMAIN, u)).filter((f) => f.endsWith('.eml')).length; } catch { /* none yet */ }
  }
  return n;
}

// ---------------------------------------------------------------- the loader (shared harness)
function loaderArgs(o, port, pid, shim, { conns, messages, label }) {
  return [
    path.join(o.harness, 'smtp-load.js'), '--host', '127.0.0.1', '--port', String(port),
    '--conns', String(conns), '--messages', String(messages), '--size', String(o.size),
    '--rcpts', `rcpt{01..10}@${DOMAIN}`,
    '--verify', 'maildir', '--maildir', path.join(shim, '%u'), '--verify-timeout', String(o.verifyTimeout),
    '--max-seconds', String(o.maxSeconds), '--server-pids', String(pid), '--label', label,
  ];
}
async function runLoader(o, args) {
  const r = await run(process.execPath, args, { timeoutMs: (o.maxSeconds + o.verifyTimeout + 150) * 1000, cwd: o.harness });
  const line = r.stdout.trim().split('\n').filter(Boolean).pop();
  let res = null;
  try { res = JSON.parse(line); } catch { /* below */ }
  if (!res) throw new Error(`smtp-load gave no result (exit ${r.code}):\n${r.stderr}`);
  return { res, code: r.code, human: r.stderr.trim() };
}

// ---------------------------------------------------------------- one run
async function oneRun(o, label) {
  const data = mkdtempSync(path.join(os.tmpdir(), 'buzon-bench-'));
  if (!o.keep) activeDirs.add(data);
  let srv = null;
  try {
    const port = await freePort();
    await configure(data, port);
    // Harness maildir counter → DATA/messages/bench.test/<rcpt> (see the header comment).
    const shim = path.join(data, 'bench-shim');
    for (const u of RCPTS) {
      mkdirSync(path.join(shim, u), { recursive: true });
      symlinkSync(path.join(data, 'messages', DOMAIN, u), path.join(shim, u, 'new'));
    }
    srv = await startServer(data, port, o);
    if (o.warmup > 0) {
      const w = await runLoader(o, loaderArgs(o, port, srv.pid, shim, { conns: o.conns, messages: o.warmup, label: label.replace(/\|r\d+.*$/, '|warmup') }));
      if (w.res.accepted !== o.warmup) throw new Error(`warm-up: only ${w.res.accepted}/${o.warmup} accepted: ${w.human}`);
    }
    const quiet = await waitQuiet(o.quietBusy, o.quietWait);
    const before = { maxId: maxMessageId(data), eml: countEml(data) };
    const loadavgStart = loadavg();
    const cpu0 = procCpuS(srv.pid);
    const { res, human } = await runLoader(o, loaderArgs(o, port, srv.pid, shim, { conns: o.conns, messages: o.messages, label }));
    const cpu1 = procCpuS(srv.pid);
    const st = procStatus(srv.pid);
    const stored = countStored(data, before.maxId);
    const emlNow = countEml(data);
    const alive = srv.child.exitCode === null;
    const srvPid = srv.pid, srvStartMs = srv.startMs;
    await stopServer(srv, log);
    const exitCode = srv.child.exitCode;
    srv = null;

    const accepted = res.accepted;
    const lost = Math.max(0, accepted - stored.rowsWithFile);
    const lostEml = Math.max(0, accepted - (emlNow - before.eml));
    const wall = res.monitor?.wallS;
    const out = {
      tool: 'buzon-bench-smtp', label, server: o.labelServer, target: res.target, conns: res.conns, size: res.size,
      requested: res.requested, accepted, failed: res.failed, errors: res.errors,
      acceptWallS: res.acceptWallS, acceptPerS: res.acceptPerS,
      storedWallS: res.storedWallS, storedPerS: lost === 0 ? res.storedPerS : null,
      latencyMs: res.latencyMs, connectMs: res.connectMs,
      lost, maildirLost: lostEml,
      stored: { rows: stored.rows, rowsWithFile: stored.rowsWithFile, emlFiles: emlNow - before.eml, perRcpt: stored.perRcpt },
      verify: 'maildir counter of the harness via symlink shim (files), then DB rows + files counted by run.mjs',
      harnessVerify: { delivered: res.delivered, lost: res.lost, drainAfterSendS: res.drainAfterSendS },
      serverProc: {
        pid: srvPid, startMs: srvStartMs, vmHwmKb: st.vmHwmKb, vmRssKb: st.vmRssKb, threads: st.threads,
        cpuS: cpu0 != null && cpu1 != null ? Math.round((cpu1 - cpu0) * 100) / 100 : null,
        cpuPct: cpu0 != null && cpu1 != null && wall ? r1((100 * (cpu1 - cpu0)) / wall) : null,
        aliveAfterRun: alive, exitCode,
      },
      monitor: res.monitor,
      noise: { loadavgStart, quietBusyPct: quiet.busyPct, quietWaitedS: quiet.waitedS, otherCpuPct: res.monitor?.otherCpuPct ?? null, machineBusyPct: res.monitor?.machineBusyPct ?? null },
      env: envInfo(),
      loaderSummary: human,
      dataDir: o.keep ? data : undefined,
    };
    return out;
  } finally {
    if (srv) await stopServer(srv, log);
    if (!o.keep) rmSync(data, { recursive: true, force: true });
    activeDirs.delete(data);
  }
}

// ---------------------------------------------------------------- main
async function main() {
  let o;
  try { o = parseArgs(process.argv.slice(2)); } catch (e) { process.stderr.write(`${e.message}\n`); return 2; }
  if (o.help) { process.stdout.write(USAGE + '\n'); return 0; }
  if (!existsSync(path.join(o.harness, 'smtp-load.js'))) {
    process.stderr.write(`no smtp-load.js in ${o.harness} (the shared mailbench folder); pass --harness DIR\n`);
    return 2;
  }
  installAbortHandlers(o.deadline, log);

  log(`Buzón ${envInfo().commit ?? ''} vs harness ${o.harness}: ${o.reps} run(s) of ${o.messages} × ${o.size} B over ${o.conns} conns (warm-up ${o.warmup})`);
  const kept = [];
  let bad = 0;
  const params = `c${o.conns}-s${o.size}`;
  for (let i = 0; i < o.reps; i++) {
    const rep = `r${o.firstRep + i}`;
    const label = `smtp-load|${o.labelServer}|${params}|${rep}`;
    for (let attempt = 0; attempt <= o.retries; attempt++) {
      let res;
      try { res = await oneRun(o, label); } catch (e) { log(`${label}: ${e.message}`); bad++; break; }
      const other = res.noise.otherCpuPct ?? 0;
      const noisy = other > o.otherMax && attempt < o.retries;
      if (noisy) res.label = `${label}-noisy${attempt}`;
      const line = JSON.stringify(res);
      process.stdout.write(line + '\n');
      if (o.out) appendFileSync(o.out, line + '\n');
      log(`${res.label}: accepted ${res.accepted}/${res.requested} ${res.acceptPerS} msg/s, stored ${res.storedPerS} msg/s, ` +
        `p50 ${res.latencyMs?.p50} ms p99 ${res.latencyMs?.p99} ms, lost ${res.lost} (files ${res.maildirLost}), failed ${res.failed}, ` +
        `server CPU ${res.monitor?.serverCpuPct}% peak RSS ${Math.round((res.serverProc.vmHwmKb ?? 0) / 1024)} MiB, ` +
        `client CPU ${res.monitor?.clientCpuPct}%, other ${other}%, loadavg ${res.noise.loadavgStart.join(' ')}${noisy ? ' — NOISY, repeating' : ''}`);
      if (noisy) continue;
      if (res.lost || res.failed || res.maildirLost) bad++;
      kept.push(res);
      break;
    }
  }

  if (kept.length) {
    const m = (f) => median(kept.map(f));
    const rng = (f, d = 0) => {
      const v = kept.map(f).filter((x) => x != null);
      return v.length ? `${median(v).toFixed(d)} (${Math.min(...v).toFixed(d)}–${Math.max(...v).toFixed(d)})` : '–';
    };
    const lines = [
      '',
      `Buzón SMTP accept → stored: ${o.messages} × ${o.size} B, ${o.conns} conns, ${kept.length} run(s); median (min–max)`,
      `  accepted msg/s   ${rng((r) => r.acceptPerS)}`,
      `  stored msg/s     ${rng((r) => r.storedPerS)}`,
      `  latency p50 ms   ${rng((r) => r.latencyMs?.p50, 1)}`,
      `  latency p99 ms   ${rng((r) => r.latencyMs?.p99, 1)}`,
      `  lost             ${kept.reduce((a, r) => a + r.lost, 0)} (DB rows with file) / ${kept.reduce((a, r) => a + r.maildirLost, 0)} (.eml files); failed ${kept.reduce((a, r) => a + (r.failed || 0), 0)}`,
      `  server CPU %     ${rng((r) => r.monitor?.serverCpuPct)} of one core; client ${m((r) => r.monitor?.clientCpuPct)?.toFixed(0)} %; other ${m((r) => r.noise.otherCpuPct)?.toFixed(0)} %`,
      `  server peak RSS  ${rng((r) => (r.serverProc.vmHwmKb ?? 0) / 1024, 1)} MiB (VmHWM of the serve process)`,
    ];
    process.stderr.write(lines.join('\n') + '\n');
  }
  return bad ? 1 : 0;
}

main()
  .then((code) => { killAll('SIGTERM'); process.exitCode = code; })
  .catch((e) => { log(`error: ${e.stack || e.message}`); killAll('SIGKILL'); process.exitCode = 2; });
