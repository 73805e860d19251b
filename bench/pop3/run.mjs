#!/usr/bin/env node
// POP3 benchmark of Buzón on a 1,000-message maildrop, measured with the shared mailbench harness.
//
//   npm run bench:pop3 -- [--reps 3] [--out results.jsonl]
//   npm run bench:pop3 -- --ref-port 12110 --ref-pids $DOVECOT_PID     # + Dovecot, interleaved
//
// Set-up (once per invocation): a fresh temp data folder; `buzon config apply` (domain bench.test,
// account pop@bench.test); `buzon port set` moves SMTP entry 1 and the POP3 110 entry to
// 127.0.0.1 on free ports and every other enabled entry is disabled (nothing listens beyond
// loopback); `buzon serve --quiet` as a child process. Then the maildrop is filled with the
// harness's own corpus (`lib/message.js` corpusMessage(0..N-1): 1.2–12 KB, avg ≈ 5 KB, every 10th
// multipart with a base64 attachment), the same messages `imap-populate.js` APPENDs to Dovecot.
// Buzón has no IMAP yet, so they are delivered over SMTP instead (the harness's lib/smtp.js
// client, 4 connections like imap-populate's default); Buzón adds Return-Path, Delivered-To and
// Received headers (≈ 250 bytes a message), so its maildrop is ≈ 5 % larger in octets. The fill
// is checked in the index (rows of pop's INBOX whose .eml exists) before any session.
//
// Sessions: the harness's `pop3-bench.js` unchanged (USER/PASS, STAT, LIST, UIDL, RETR 1..N,
// QUIT without DELE: repeatable), one session per run, all on the same long-running serve
// process, as the harness does for Dovecot. r0 is the first session after the fill (first touch:
// the POP3 code's JIT warm-up, and RETR marks all 1,000 messages \Seen for the first time) and is
// reported apart, like the harness's r0; r1..rN are the measured runs. With --ref-port the same
// pop3-bench.js runs against a reference POP3 server (Dovecot from servers.sh) with the reps
// interleaved: r0 ref, r0 ours; odd reps ref then ours, even reps ours then ref.
//
// Noise handling follows the harness's run-baseline.sh: before each session wait (≤ --quiet-wait
// s) for the machine to be ≤ --quiet-busy % busy; record loadavg and the CPU used by everything
// else during the session; a session where other processes used > --other-max % of a core is kept
// as "rN-noisyK" and repeated (≤ --retries times).
//
// Core modules only (plus the repo's better-sqlite3 for the fill check, and the harness's CommonJS
// lib/ for the corpus and the SMTP client). Loopback only. Every wait is bounded; the whole script
// has a hard deadline (--deadline s) after which it stops the server and the loader by PID.
import { createRequire } from 'node:module';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  activeDirs, buzon, envInfo, freePort, harnessDir, installAbortHandlers, killAll, loadavg, makeLog, median, nowMs,
  parseOptions, procCpuS, procStatus, r1, removeActiveDirs, repoRequire, run, spawnServe, stopServer, waitQuiet,
} from '../lib/common.mjs';

const USAGE = `usage: node bench/pop3/run.mjs [options]
  --messages N       maildrop size: corpus messages delivered to pop@bench.test over SMTP (1000)
  --retr N           RETR the first N messages in each session (1000)
  --reps R           measured sessions per server, after one first-touch session r0 (3)
  --fill-conns K     SMTP connections for the fill (4)
  --ref-port P       also run pop3-bench.js against this reference POP3 port (Dovecot: 12110),
                     reps interleaved with ours; with --ref-user (pop), --ref-pass (benchpass),
                     --ref-pids PID (its master process, for CPU/RSS), --ref-label (dovecot)
  --out FILE.jsonl   append one JSON line per session (and one for the fill)
  --harness DIR      the shared mailbench folder (default: <repo>/../shared/bench)
  --max-seconds S    pop3-bench: stop RETRs after S s (300)
  --quiet-busy P     wait until the machine is ≤ P % busy before each session (15)
  --quiet-wait S     ... but at most S s (20; 0 = do not wait)
  --other-max P      a session is noisy if other processes used > P % of one core (45)
  --retries K        repeat a noisy session up to K times (2)
  --cpu-prof DIR     run the server under node --cpu-prof, profiles written to DIR (profiling only)
  --server-node-args "ARGS"  extra node flags for the server process
  --keep             keep the temp data folder (printed)
  --deadline S       hard limit for the whole script (default: generous, from the options)
  --label-server X   server name in the labels (buzon)`;

const USER = 'pop';
const DOMAIN = 'bench.test';
const ADDRESS = `${USER}@${DOMAIN}`;
const PASS = 'benchpass';

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = parseOptions(argv, {
    messages: 1000, retr: 1000, reps: 3, fillConns: 4, refPort: 0, refUser: 'pop', refPass: 'benchpass', refPids: '',
    refLabel: 'dovecot', out: '', harness: '', maxSeconds: 300, quietBusy: 15, quietWait: 20, otherMax: 45, retries: 2,
    cpuProf: '', serverNodeArgs: '', keep: false, deadline: 0, labelServer: 'buzon', help: false,
  }, USAGE);
  if (o.messages < 1 || o.retr < 1 || o.reps < 1 || o.fillConns < 1) throw new Error('--messages, --retr, --reps, --fill-conns must be ≥ 1');
  o.harness = harnessDir(o.harness);
  const servers = o.refPort ? 2 : 1;
  if (!o.deadline) o.deadline = 600 + (o.reps + 1) * servers * (1 + o.retries) * (o.quietWait + o.maxSeconds + 150);
  return o;
}

const log = makeLog('pop3');

// ---------------------------------------------------------------- server lifecycle
/** Account + ports: SMTP entry 1 and the POP3 110 entry on 127.0.0.1, every other entry off. */
async function configure(data, smtpPort, pop3Port) {
  const file = path.join(data, 'bench-config.json');
  writeFileSync(file, JSON.stringify({ domains: [{ name: DOMAIN }], accounts: [{ address: ADDRESS, password: PASS }] }));
  await buzon(data, 'config', 'apply', file);
  rmSync(file);
  const entries = JSON.parse(await buzon(data, 'port', 'list', '--json'));
  const smtp = entries.find((e) => e.protocol === 'smtp' && e.id === 1) ?? entries.find((e) => e.protocol === 'smtp' && e.port === 25);
  const pop3 = entries.find((e) => e.protocol === 'pop3' && e.port === 110) ?? entries.find((e) => e.protocol === 'pop3' && e.security !== 'tls');
  if (!smtp || !pop3) throw new Error(`no SMTP 25 / POP3 110 entry in the ports table: ${JSON.stringify(entries)}`);
  await buzon(data, 'port', 'set', String(smtp.id), '--port', String(smtpPort), '--address', '127.0.0.1', '--enabled', 'true');
  await buzon(data, 'port', 'set', String(pop3.id), '--port', String(pop3Port), '--address', '127.0.0.1', '--enabled', 'true');
  for (const e of entries) if (e.enabled && e.id !== smtp.id && e.id !== pop3.id) await buzon(data, 'port', 'disable', String(e.id));
}

/** Starts `buzon serve --quiet`; resolves once it printed `ready` and its SMTP and POP3 lines. */
function startServer(data, smtpPort, pop3Port, o) {
  return new Promise((resolve, reject) => {
    const { child: c, t0 } = spawnServe(data, o);
    let out = '', err = '', done = false;
    const finish = (e, v) => { if (done) return; done = true; clearTimeout(t); if (e) reject(e); else resolve(v); };
    const t = setTimeout(() => { c.kill('SIGKILL'); finish(new Error(`serve did not print ready within 30 s:\n${out}${err}`)); }, 30_000);
    c.stdout.on('data', (d) => {
      out += d;
      if (!/^ready$/m.test(out)) return;
      const smtp = Number((/listening\s+SMTP\s+127\.0\.0\.1:(\d+)/.exec(out) || [])[1]);
      const pop3 = Number((/listening\s+POP3\s+127\.0\.0\.1:(\d+)/.exec(out) || [])[1]);
      if (smtp !== smtpPort || pop3 !== pop3Port || /listening\s+\S+\s+(?!127\.0\.0\.1:)/.test(out)) {
        c.kill('SIGKILL');
        return finish(new Error(`serve is not listening on 127.0.0.1:${smtpPort} (SMTP) and :${pop3Port} (POP3) only:\n${out}`));
      }
      finish(null, { child: c, pid: c.pid, startMs: Math.round(nowMs() - t0), output: () => out + err });
    });
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', (code) => finish(new Error(`serve exited (${code}) before ready:\n${out}${err}`)));
  });
}

// ---------------------------------------------------------------- the fill (harness corpus over SMTP)
/** The harness's corpus messages 0..n-1 to pop@bench.test over `conns` SMTP connections. */
async function fill(o, smtpPort, n) {
  const hreq = createRequire(path.join(o.harness, 'package.json'));
  const { corpusMessage } = hreq('./lib/message.js');
  const { SmtpClient } = hreq('./lib/smtp.js');
  let next = 0, ok = 0, bytes = 0;
  const failures = [];
  const t0 = nowMs();
  async function worker() {
    const c = await SmtpClient.connect('127.0.0.1', smtpPort, 30_000);
    try {
      await c.greet('fill.client.test');
      while (next < n) {
        const i = next++;
        let msg = corpusMessage(i);
        // The corpus never needs dot-stuffing; stay correct if that ever changes.
        if (msg[0] === 0x2e || msg.includes('\n.')) msg = Buffer.from(msg.toString('latin1').replace(/^\./gm, '..'), 'latin1');
        const r = await c.send(`sender${i % 50}@example.test`, [ADDRESS], msg);
        if (r.ok) { ok++; bytes += msg.length; } else failures.push({ i, ...r });
      }
    } finally { await c.quit(); }
  }
  await Promise.all(Array.from({ length: Math.min(o.fillConns, n) }, worker));
  const wallS = (nowMs() - t0) / 1000;
  return { sent: n, accepted: ok, corpusBytes: bytes, wallS: Math.round(wallS * 1000) / 1000, msgsPerS: r1(ok / wallS), failures: failures.slice(0, 5) };
}

/** pop's INBOX in the index: rows, rows whose .eml exists, and their octets. */
function countMaildrop(data) {
  const Database = repoRequire('better-sqlite3');
  const db = new Database(path.join(data, 'buzon.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare("SELECT m.file, m.size FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id JOIN accounts a ON a.id = b.account_id WHERE a.address = ? AND b.name = 'INBOX'")
      .all(ADDRESS);
    let withFile = 0, octets = 0;
    for (const r of rows) { if (existsSync(path.join(data, r.file))) withFile++; octets += r.size; }
    return { rows: rows.length, rowsWithFile: withFile, octets };
  } finally { db.close(); }
}

// ---------------------------------------------------------------- one session (shared harness)
// CPU of our serve process incl. reaped children.
const serverCpuS = (pid) => procCpuS(pid, { withChildren: true });

/** One pop3-bench.js session against {port, user, pass, pids}; resolves the harness's JSON + ours. */
async function session(o, t, label) {
  const quiet = await waitQuiet(o.quietBusy, o.quietWait);
  const loadavgStart = loadavg();
  const args = [path.join(o.harness, 'pop3-bench.js'), '--host', '127.0.0.1', '--port', String(t.port), '--user', t.user, '--pass', t.pass,
    '--retr', String(o.retr), '--max-seconds', String(o.maxSeconds), '--server-pids', String(t.pids || ''), '--label', label];
  const cpu0 = t.ownPid ? serverCpuS(t.ownPid) : null;
  const r = await run(process.execPath, args, { timeoutMs: (o.maxSeconds + 150) * 1000, cwd: o.harness });
  const cpu1 = t.ownPid ? serverCpuS(t.ownPid) : null;
  const line = r.stdout.trim().split('\n').filter(Boolean).pop();
  let res = null;
  try { res = JSON.parse(line); } catch { /* below */ }
  if (!res) throw new Error(`pop3-bench gave no result (exit ${r.code}):\n${r.stderr}`);
  res.server = t.name;
  res.exitCode = r.code;
  res.noise = { loadavgStart, quietBusyPct: quiet.busyPct, quietWaitedS: quiet.waitedS, otherCpuPct: res.monitor?.otherCpuPct ?? null, machineBusyPct: res.monitor?.machineBusyPct ?? null };
  if (t.ownPid) {
    const st = procStatus(t.ownPid);
    res.serverProc = { pid: t.ownPid, vmHwmKb: st.vmHwmKb, vmRssKb: st.vmRssKb, threads: st.threads, cpuS: cpu0 != null && cpu1 != null ? Math.round((cpu1 - cpu0) * 100) / 100 : null };
  }
  res.harnessSummary = r.stderr.trim().split('\n').pop();
  return res;
}

function emit(o, res) {
  const line = JSON.stringify(res);
  process.stdout.write(line + '\n');
  if (o.out) appendFileSync(o.out, line + '\n');
}

const OPS = ['connect', 'login', 'stat', 'list', 'uidl', 'retrAll', 'quit'];
const OP_NAMES = { connect: 'connect', login: 'login (USER+PASS)', stat: 'STAT', list: 'LIST', uidl: 'UIDL', retrAll: 'RETR all', quit: 'QUIT' };

// ---------------------------------------------------------------- main
async function main() {
  let o;
  try { o = parseArgs(process.argv.slice(2)); } catch (e) { process.stderr.write(`${e.message}\n`); return 2; }
  if (o.help) { process.stdout.write(USAGE + '\n'); return 0; }
  for (const f of ['pop3-bench.js', 'lib/message.js', 'lib/smtp.js']) {
    if (!existsSync(path.join(o.harness, f))) {
      process.stderr.write(`no ${f} in ${o.harness} (the shared mailbench folder); pass --harness DIR\n`);
      return 2;
    }
  }
  installAbortHandlers(o.deadline, log);

  const data = mkdtempSync(path.join(os.tmpdir(), 'buzon-bench-pop3-'));
  if (!o.keep) activeDirs.add(data);
  let srv = null;
  const kept = [];
  let bad = 0;
  try {
    log(`Buzón ${envInfo().commit ?? ''} vs harness ${o.harness}: ${o.messages}-message maildrop, RETR ${o.retr}, r0 + ${o.reps} session(s)` +
      (o.refPort ? ` each, interleaved with ${o.refLabel} on 127.0.0.1:${o.refPort}` : ''));
    const smtpPort = await freePort();
    let pop3Port = await freePort();
    while (pop3Port === smtpPort) pop3Port = await freePort();
    await configure(data, smtpPort, pop3Port);
    srv = await startServer(data, smtpPort, pop3Port, o);
    log(`serve pid ${srv.pid} ready in ${srv.startMs} ms: SMTP 127.0.0.1:${smtpPort}, POP3 127.0.0.1:${pop3Port}${o.keep ? `, data ${data}` : ''}`);

    const f = await fill(o, smtpPort, o.messages);
    const drop = countMaildrop(data);
    const fillRes = { tool: 'buzon-bench-pop3-fill', label: `populate|${o.labelServer}|${USER}|-`, server: o.labelServer, ...f, maildrop: drop, env: envInfo() };
    emit(o, fillRes);
    log(`fill: ${f.accepted}/${f.sent} corpus messages accepted over SMTP in ${f.wallS} s (${f.msgsPerS} msg/s); ` +
      `maildrop ${drop.rowsWithFile}/${drop.rows} rows with file, ${(drop.octets / 1048576).toFixed(2)} MiB (corpus ${(f.corpusBytes / 1048576).toFixed(2)} MiB)`);
    if (f.accepted !== o.messages || drop.rowsWithFile !== o.messages || drop.rows !== o.messages) {
      throw new Error(`fill incomplete: ${JSON.stringify({ ...f, maildrop: drop })}`);
    }

    const ours = { name: o.labelServer, port: pop3Port, user: ADDRESS, pass: PASS, pids: String(srv.pid), ownPid: srv.pid };
    const ref = o.refPort ? { name: o.refLabel, port: o.refPort, user: o.refUser, pass: o.refPass, pids: o.refPids, ownPid: 0 } : null;
    const params = `m${o.messages}-retr${o.retr}`;
    for (let rep = 0; rep <= o.reps; rep++) {
      const order = !ref ? [ours] : rep === 0 || rep % 2 === 1 ? [ref, ours] : [ours, ref];
      for (const t of order) {
        const label = `pop3|${t.name}|${params}|r${rep}`;
        for (let attempt = 0; attempt <= o.retries; attempt++) {
          let res;
          try { res = await session(o, t, label); } catch (e) { log(`${label}: ${e.message}`); bad++; break; }
          if (t === ours && srv.child.exitCode !== null) throw new Error(`serve exited (${srv.child.exitCode}) during ${label}:\n${srv.output()}`);
          res.env = envInfo();
          const other = res.noise.otherCpuPct ?? 0;
          // r0 is the first touch: it is never repeated (a repeat would no longer be first).
          const noisy = rep > 0 && other > o.otherMax && attempt < o.retries;
          if (noisy) res.label = `${label}-noisy${attempt}`;
          emit(o, res);
          const op = res.ops || {};
          log(`${res.label}: login ${op.login?.ms} STAT ${op.stat?.ms} LIST ${op.list?.ms} UIDL ${op.uidl?.ms} RETR×${op.retrAll?.messages} ${op.retrAll?.ms} ms ` +
            `(p50 ${res.retrMs?.p50} p99 ${res.retrMs?.p99}) QUIT ${op.quit?.ms} ms, complete ${res.complete}, server CPU ${res.monitor?.serverCpuS} s, ` +
            `other ${other}%${noisy ? ' — NOISY, repeating' : ''}`);
          if (noisy) continue;
          if (!res.complete) bad++;
          if (rep > 0) kept.push(res);
          break;
        }
      }
    }
    const after = countMaildrop(data);
    if (after.rows !== o.messages) { log(`maildrop changed during the sessions: ${after.rows} rows`); bad++; }
  } finally {
    if (srv) {
      const code = await stopServer(srv, log);
      if (code !== 0 && code !== null) log(`serve exited with ${code}`);
    }
    if (!o.keep) rmSync(data, { recursive: true, force: true });
    activeDirs.delete(data);
  }

  if (kept.length) {
    const servers = [...new Set(kept.map((r) => r.server))];
    const by = (s) => kept.filter((r) => r.server === s);
    const rng = (rs, f, d = 1) => {
      const v = rs.map(f).filter((x) => x != null);
      return v.length ? `${median(v).toFixed(d)} (${Math.min(...v).toFixed(d)}–${Math.max(...v).toFixed(d)})` : '–';
    };
    const lines = ['', `POP3, ${o.messages}-message maildrop, RETR ${o.retr}: median (min–max) ms over ${servers.map((s) => `${by(s).length} ${s}`).join(' / ')} session(s)`];
    const w = 24;
    lines.push('  ' + 'operation'.padEnd(18) + servers.map((s) => s.padEnd(w)).join('') + (servers.length > 1 ? 'ours / ref' : ''));
    for (const op of OPS) {
      const cells = servers.map((s) => rng(by(s), (r) => r.ops?.[op]?.ms).padEnd(w)).join('');
      let ratio = '';
      if (servers.length > 1) {
        const a = median(by(o.labelServer).map((r) => r.ops?.[op]?.ms)), b = median(by(o.refLabel).map((r) => r.ops?.[op]?.ms));
        ratio = a != null && b ? `${(a / b).toFixed(2)}×` : '–';
      }
      lines.push('  ' + OP_NAMES[op].padEnd(18) + cells + ratio);
    }
    lines.push('  ' + 'RETR p50 ms'.padEnd(18) + servers.map((s) => rng(by(s), (r) => r.retrMs?.p50, 2).padEnd(w)).join(''));
    lines.push('  ' + 'server CPU s'.padEnd(18) + servers.map((s) => rng(by(s), (r) => r.monitor?.serverCpuS, 2).padEnd(w)).join(''));
    lines.push('  ' + 'server RSS MiB'.padEnd(18) + servers.map((s) => rng(by(s), (r) => (r.serverProc?.vmHwmKb ?? r.monitor?.serverRssPeakKb ?? 0) / 1024, 0).padEnd(w)).join('') +
      '(buzon: VmHWM of serve; ref: sampled sum over its tree)');
    lines.push('  ' + 'other CPU %'.padEnd(18) + servers.map((s) => rng(by(s), (r) => r.noise?.otherCpuPct, 0).padEnd(w)).join(''));
    process.stderr.write(lines.join('\n') + '\n');
  }
  return bad ? 1 : 0;
}

main()
  .then((code) => { killAll('SIGTERM'); process.exitCode = code; })
  .catch((e) => { log(`error: ${e.stack || e.message}`); killAll('SIGKILL'); removeActiveDirs(); process.exitCode = 2; });
