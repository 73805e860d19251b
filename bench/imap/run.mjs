#!/usr/bin/env node
// IMAP benchmark of Buzón on a 10,000-message mailbox, next to a reference server (Dovecot).
//
//   node bench/imap/run.mjs [--reps 5] [--out results.jsonl]                 # Buzón alone
//   node bench/imap/run.mjs --ref-port 12143 --ref-user bench --ref-pids $DOVECOT_PID   # + Dovecot, interleaved
//   node bench/imap/run.mjs --port 1143 --user U --pass PW                   # any running IMAP server, no Buzón
//
// Set-up. Without --port, run.mjs starts Buzón itself: a fresh temp data folder, `buzon config
// apply` (domain bench.test, account bench@bench.test), `buzon port set` moves the IMAP 143 entry
// to 127.0.0.1:<free port> and every other enabled entry is disabled, then `buzon serve --quiet`
// as a child process. With --port it measures the server already listening there instead.
//
// Fill. Every target's INBOX gets the same corpus (corpus.mjs: message i is always the same bytes;
// ≈ 5 KB average, plain / multipart/alternative / attachments / message/rfc822, RFC 2047 subjects,
// the needle word in exactly 1 % of the bodies) by IMAP APPEND with LITERAL+, flags and an
// INTERNALDATE, over --fill-conns connections: the same client path into every server. A mailbox
// that already holds exactly --messages messages is reused (verified, below); any other non-empty
// mailbox is an error. The fill's APPEND rate is recorded but is not one of the benchmark figures.
//
// Verify (once per target, after the fill, not timed): SELECT must report N messages; FETCH 1:*
// (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]) must name every corpus message exactly
// once, each with the corpus size; UID SEARCH TEXT <needle> must return exactly the corpus's
// needle messages. Any difference stops the run (exit 1): the servers would not be doing the same work.
//
// Scenarios, one connection each, every figure from the command's write to its tagged OK fully read:
//   single  (a session per rep): connect → greeting, LOGIN, SELECT INBOX, UID FETCH 1:* (FLAGS),
//           FETCH 1:* (ENVELOPE BODYSTRUCTURE), FETCH 1:* (BODY.PEEK[]) (full bodies),
//           UID SEARCH TEXT needle, LOGOUT; each reply is checked (N FETCH responses, N literals
//           adding up to the corpus octets, the expected number of SEARCH hits).
//   concurrent (a run per rep): --clients clients each loop --iterations times over connect, LOGIN,
//           SELECT INBOX, FETCH --conc-fetch, FETCH <n> (BODY.PEEK[]) of a seeded-random message,
//           LOGOUT (the shared harness's `imap-bench.js --mode concurrent` workload); figure: wall
//           time for all sessions (and sessions/s, per-step p50).
// r0 is the first session / run after the fill (Dovecot builds its index cache then, Buzón's JIT
// is cold), reported apart and not in the medians. With a reference, reps are interleaved: r0 ref
// first; odd reps ref first, even reps ours first; in each rep the single sessions, then the
// concurrent runs.
//
// Noise handling follows the harness's run-baseline.sh: before each session wait (≤ --quiet-wait
// s) for the machine to be ≤ --quiet-busy % busy; record loadavg and the CPU used by everything
// else; a session where other processes used > --other-max % of one core is kept as "rN-noisyK"
// and repeated (≤ --retries times).
//
// Core modules only. Loopback only (the client has no TLS). Every wait is bounded; the script has a
// hard deadline (--deadline s) after which it stops the server by PID.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setInterval, clearInterval } from 'node:timers';
import {
  activeDirs, buzon, cpuSnap, envInfo, freePort, installAbortHandlers, killAll, loadavg, makeLog, median, nowMs,
  parseOptions, procStatus, removeActiveDirs, spawnServe, stopServer, waitQuiet,
} from '../lib/common.mjs';
import { ImapConn, quote } from './imap-client.mjs';
import { corpusFlags, corpusInternalDate, corpusMessage, corpusStats, isNeedle, NEEDLE } from './corpus.mjs';

const USAGE = `usage: node bench/imap/run.mjs [options]
  --messages N        mailbox size (10000)
  --reps R            measured single-client sessions per server, after r0 (5)
  --conc-reps R       measured concurrent runs per server, after r0 (5; 0 = no concurrent scenario)
  --clients K         concurrent clients (20)
  --iterations N      sessions per concurrent client (25)
  --conc-fetch SPEC   FETCH of each concurrent session ("1:20 (FLAGS ENVELOPE)")
  --body-fetch 0|1    concurrent sessions also FETCH one seeded-random message's BODY.PEEK[] (1)
  --ops LIST          single-session operations: select,flags,envelope,bodies,search (all)
  --fill-conns K      APPEND connections for the fill (4)
  --port P            measure the IMAP server on --host:P (with --user, --pass, --pids PID, --label)
                      instead of starting Buzón; default: start Buzón on a temp data folder
  --ref-port P        also measure a reference IMAP server (Dovecot from servers.sh: 12143), interleaved;
                      with --ref-host, --ref-user (bench), --ref-pass (benchpass), --ref-pids PID, --ref-label (dovecot)
  --no-fill           never APPEND: the mailboxes must already hold the corpus (verified)
  --out FILE.jsonl    append one JSON line per session / run (and per fill and verify)
  --max-seconds S     per-command timeout and concurrent-run limit (300)
  --quiet-busy P      wait until the machine is ≤ P % busy before each session (15)
  --quiet-wait S      ... but at most S s (20; 0 = do not wait)
  --other-max P       a session is noisy if other processes used > P % of one core (45)
  --retries K         repeat a noisy session up to K times (2)
  --cpu-prof DIR      run Buzón under node --cpu-prof, profiles written to DIR (profiling only)
  --server-node-args "ARGS"  extra node flags for Buzón's process
  --keep              keep Buzón's temp data folder (printed)
  --deadline S        hard limit for the whole script (default: generous, from the options)`;

const DOMAIN = 'bench.test';
const OUR_USER = `bench@${DOMAIN}`;
const OUR_PASS = 'benchpass';

function parseArgs(argv) {
  const o = parseOptions(argv, {
    messages: 10000, reps: 5, concReps: 5, clients: 20, iterations: 25, concFetch: '1:20 (FLAGS ENVELOPE)', bodyFetch: 1,
    ops: 'select,flags,envelope,bodies,search', fillConns: 4,
    host: '127.0.0.1', port: 0, user: OUR_USER, pass: OUR_PASS, pids: '', label: 'buzon',
    refHost: '127.0.0.1', refPort: 0, refUser: 'bench', refPass: 'benchpass', refPids: '', refLabel: 'dovecot',
    noFill: false, out: '', maxSeconds: 300, quietBusy: 15, quietWait: 20, otherMax: 45, retries: 2,
    cpuProf: '', serverNodeArgs: '', keep: false, deadline: 0, help: false,
  }, USAGE, ['keep', 'help', 'no-fill']);
  if (o.messages < 1 || o.reps < 1 || o.fillConns < 1 || o.clients < 1 || o.iterations < 1) throw new Error('--messages, --reps, --fill-conns, --clients, --iterations must be ≥ 1');
  const servers = o.refPort ? 2 : 1;
  if (!o.deadline) o.deadline = 900 + servers * (900 + (Math.max(o.reps, o.concReps) + 1) * (1 + o.retries) * 2 * (o.quietWait + o.maxSeconds));
  return o;
}

const log = makeLog('imap');
const r2 = (v) => (v == null ? v : Math.round(v * 100) / 100);

// ---------------------------------------------------------------- Buzón lifecycle
async function configure(data, imapPort) {
  const file = path.join(data, 'bench-config.json');
  writeFileSync(file, JSON.stringify({ domains: [{ name: DOMAIN }], accounts: [{ address: OUR_USER, password: OUR_PASS }] }));
  await buzon(data, 'config', 'apply', file);
  rmSync(file);
  const entries = JSON.parse(await buzon(data, 'port', 'list', '--json'));
  const imap = entries.find((e) => e.protocol === 'imap' && e.port === 143) ?? entries.find((e) => e.protocol === 'imap' && e.security !== 'tls');
  if (!imap) throw new Error(`no IMAP 143 entry in the ports table: ${JSON.stringify(entries)}`);
  await buzon(data, 'port', 'set', String(imap.id), '--port', String(imapPort), '--address', '127.0.0.1', '--enabled', 'true');
  for (const e of entries) if (e.enabled && e.id !== imap.id) await buzon(data, 'port', 'disable', String(e.id));
}

function startBuzon(data, imapPort, o) {
  return new Promise((resolve, reject) => {
    const { child: c, t0 } = spawnServe(data, o);
    let out = '', err = '', done = false;
    const finish = (e, v) => { if (done) return; done = true; clearTimeout(t); if (e) reject(e); else resolve(v); };
    const t = setTimeout(() => { c.kill('SIGKILL'); finish(new Error(`serve did not print ready within 30 s:\n${out}${err}`)); }, 30_000);
    c.stdout.on('data', (d) => {
      out += d;
      if (!/^ready$/m.test(out)) return;
      const port = Number((/listening\s+IMAP\s+127\.0\.0\.1:(\d+)/.exec(out) || [])[1]);
      if (port !== imapPort || /listening\s+\S+\s+(?!127\.0\.0\.1:)/.test(out) || (out.match(/listening\s/g) || []).length !== 1) {
        c.kill('SIGKILL');
        return finish(new Error(`serve is not listening on 127.0.0.1:${imapPort} (IMAP) only:\n${out}`));
      }
      finish(null, { child: c, pid: c.pid, startMs: Math.round(nowMs() - t0), output: () => out + err });
    });
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', (code) => finish(new Error(`serve exited (${code}) before ready:\n${out}${err}`)));
  });
}

// ---------------------------------------------------------------- /proc monitor
const PAGE_KB = 4;
const SETTLE_MS = 300;
/** pid → {ppid, cpu (utime+stime+cutime+cstime, jiffies), rssKb} for every process. */
function procTable() {
  const t = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'latin1');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      t.set(Number(d), { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]), rssKb: Number(f[21]) * PAGE_KB });
    } catch { /* gone */ }
  }
  return t;
}
/** CPU jiffies, RSS and process count of the trees under `roots` (children reaped during a run are in their parent's cutime). */
function treeUsage(table, roots) {
  const kids = new Map();
  for (const [pid, p] of table) { if (!kids.has(p.ppid)) kids.set(p.ppid, []); kids.get(p.ppid).push(pid); }
  let cpu = 0, rssKb = 0, procs = 0;
  const stack = roots.filter((p) => table.has(p));
  while (stack.length) {
    const pid = stack.pop();
    const p = table.get(pid);
    cpu += p.cpu; rssKb += p.rssKb; procs++;
    for (const k of kids.get(pid) || []) stack.push(k);
  }
  return { cpu, rssKb, procs };
}

/** Starts sampling; the returned stop() gives wall, server / client / other CPU and the server's peak RSS. */
function startMonitor(pids) {
  const roots = String(pids || '').split(',').filter(Boolean).map(Number);
  const t0 = nowMs();
  const m0 = cpuSnap();
  const c0 = process.cpuUsage();
  const s0 = roots.length ? treeUsage(procTable(), roots) : null;
  let rssPeak = s0?.rssKb ?? null, procsPeak = s0?.procs ?? null;
  const timer = roots.length ? setInterval(() => {
    const u = treeUsage(procTable(), roots);
    rssPeak = Math.max(rssPeak, u.rssKb);
    procsPeak = Math.max(procsPeak, u.procs);
  }, 500) : null;
  // stop(): the wall time ends now, the CPU snapshots are taken SETTLE_MS later. A per-session
  // process (Dovecot's imap) exits right after LOGOUT; read during its exit, it can be gone from
  // /proc while its parent's cutime does not include it yet, and its CPU would be lost.
  return async () => {
    if (timer) clearInterval(timer);
    const wallS = (nowMs() - t0) / 1000;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const spanS = (nowMs() - t0) / 1000; // the CPU counters cover this span
    const m1 = cpuSnap();
    const c = process.cpuUsage(c0);
    const s1 = roots.length ? treeUsage(procTable(), roots) : null;
    const hz = 100;
    const ncpu = os.cpus().length;
    const machineJ = (m1.total - m1.idle) - (m0.total - m0.idle);
    const totalJ = m1.total - m0.total;
    const machineBusyS = totalJ > 0 ? (machineJ / totalJ) * ncpu * spanS : 0;
    const serverCpuS = s1 ? (s1.cpu - s0.cpu) / hz : null;
    const clientCpuS = (c.user + c.system) / 1e6;
    const otherS = Math.max(0, machineBusyS - (serverCpuS ?? 0) - clientCpuS);
    if (s1) { rssPeak = Math.max(rssPeak, s1.rssKb); procsPeak = Math.max(procsPeak, s1.procs); }
    return {
      wallS: Math.round(wallS * 1000) / 1000, serverCpuS: r2(serverCpuS), serverCpuPct: serverCpuS == null ? null : Math.round((100 * serverCpuS) / wallS),
      clientCpuS: r2(clientCpuS), clientCpuPct: Math.round((100 * clientCpuS) / wallS), otherCpuPct: Math.round((100 * otherS) / spanS),
      machineBusyPct: Math.round((100 * machineBusyS) / (spanS * ncpu)), serverRssPeakKb: rssPeak, serverProcsPeak: procsPeak,
    };
  };
}

// ---------------------------------------------------------------- fill and verify
async function countMessages(t, o) {
  const c = await ImapConn.connect(t.host, t.port, { timeoutMs: o.maxSeconds * 1000 });
  try {
    await c.login(t.user, t.pass);
    const r = await c.ok('SELECT INBOX');
    return r.exists ?? null;
  } finally { await c.logout(); }
}

async function fill(t, o, corpus) {
  const exists = await countMessages(t, o);
  if (exists === o.messages) return { skipped: true, existing: exists };
  if (exists !== 0) throw new Error(`${t.name}: INBOX holds ${exists} messages; expected 0 (to fill) or ${o.messages}`);
  if (o.noFill) throw new Error(`${t.name}: INBOX is empty and --no-fill was given`);
  const stop = startMonitor(t.pids);
  const lat = [];
  let next = 0, appended = 0;
  const t0 = nowMs();
  const worker = async () => {
    const c = await ImapConn.connect(t.host, t.port, { timeoutMs: o.maxSeconds * 1000 });
    try {
      await c.login(t.user, t.pass);
      while (next < o.messages) {
        const i = next++;
        const flags = corpusFlags(i);
        const r = await c.ok(`APPEND INBOX (${flags.join(' ')}) ${quote(corpusInternalDate(i))}`, { literal: corpusMessage(i) });
        lat.push(r.ms);
        appended++;
        if (appended % 2000 === 0) log(`${t.name}: fill ${appended}/${o.messages}`);
      }
    } finally { await c.logout(); }
  };
  await Promise.all(Array.from({ length: Math.min(o.fillConns, o.messages) }, worker));
  const wallS = (nowMs() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return {
    skipped: false, existing: 0, appended, wallS: Math.round(wallS * 1000) / 1000, appendsPerS: Math.round(appended / wallS),
    appendMs: { p50: r2(lat[lat.length >> 1]), p99: r2(lat[Math.floor(lat.length * 0.99)]) }, conns: o.fillConns, corpus, monitor: await stop(),
  };
}

/** Every corpus message exactly once with its size, and the needle messages from SEARCH; throws on any difference. */
async function verify(t, o, sizes) {
  const problems = [];
  const c = await ImapConn.connect(t.host, t.port, { timeoutMs: o.maxSeconds * 1000 });
  try {
    await c.login(t.user, t.pass);
    const sel = await c.ok('SELECT INBOX');
    if (sel.exists !== o.messages) problems.push(`SELECT: ${sel.exists} EXISTS, expected ${o.messages}`);
    const idxOf = (buf) => { const m = /<buzon-bench\.(\d+)@corpus\.bench\.test>/.exec(buf.toString('latin1')); return m ? Number(m[1]) : -1; };
    const all = await c.ok('UID FETCH 1:* (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])', { keepLiterals: true });
    const seen = new Map(); // corpus index → uid
    let octets = 0;
    for (const it of all.items) {
      const uid = Number((/\bUID (\d+)/i.exec(it.text) || [])[1]);
      const size = Number((/RFC822\.SIZE (\d+)/i.exec(it.text) || [])[1]);
      const i = idxOf(Buffer.concat(it.lits));
      octets += size;
      if (i < 0 || i >= o.messages) { problems.push(`UID ${uid}: not a corpus message`); continue; }
      if (seen.has(i)) problems.push(`corpus message ${i} twice (UIDs ${seen.get(i)}, ${uid})`);
      seen.set(i, uid);
      if (size !== sizes[i]) problems.push(`corpus message ${i} (UID ${uid}): RFC822.SIZE ${size}, corpus ${sizes[i]}`);
    }
    if (seen.size !== o.messages) problems.push(`${seen.size} distinct corpus messages, expected ${o.messages}`);
    const s = await c.ok(`UID SEARCH TEXT ${NEEDLE}`);
    const uidToIdx = new Map([...seen].map(([i, u]) => [u, i]));
    const hits = (s.search || []).map((u) => uidToIdx.get(u));
    const expected = [];
    for (let i = 0; i < o.messages; i++) if (isNeedle(i)) expected.push(i);
    const got = new Set(hits);
    const missing = expected.filter((i) => !got.has(i));
    const extra = hits.filter((i) => i === undefined || !isNeedle(i));
    if (missing.length || extra.length) problems.push(`SEARCH TEXT ${NEEDLE}: ${hits.length} hits, expected ${expected.length}; missing corpus ${missing.slice(0, 10).join(',')}; unexpected ${extra.slice(0, 10).join(',')}`);
    return { exists: sel.exists, messages: seen.size, octets, searchHits: hits.length, expectedHits: expected.length, problems: problems.slice(0, 20), ok: problems.length === 0 };
  } finally { await c.logout(); }
}

// ---------------------------------------------------------------- scenarios
/** One single-client session: every op timed and checked. */
async function single(t, o, expect) {
  const ops = new Set(o.ops.split(','));
  const res = { ops: {}, checks: [] };
  const to = { timeoutMs: o.maxSeconds * 1000 };
  const c = await ImapConn.connect(t.host, t.port, to);
  try {
    res.ops.connect = { ms: r2(c.greetMs) };
    res.ops.login = { ms: r2((await c.login(t.user, t.pass)).ms) };
    const sel = await c.ok('SELECT INBOX', to);
    res.ops.select = { ms: r2(sel.ms), exists: sel.exists };
    if (sel.exists !== expect.messages) res.checks.push(`SELECT: ${sel.exists} EXISTS`);
    const fetchOp = async (key, cmd, wantBytes) => {
      const b0 = c.bytesIn;
      const r = await c.ok(cmd, to);
      res.ops[key] = { ms: r2(r.ms), responses: r.fetches, literalBytes: r.literalBytes, replyBytes: c.bytesIn - b0 };
      if (r.fetches !== expect.messages) res.checks.push(`${cmd}: ${r.fetches} FETCH responses, expected ${expect.messages}`);
      if (wantBytes && (r.literalBytes !== expect.octets || r.literals !== expect.messages)) res.checks.push(`${cmd}: ${r.literals} literals of ${r.literalBytes} octets, expected ${expect.messages} of ${expect.octets}`);
    };
    if (ops.has('flags')) await fetchOp('uidFetchFlags', 'UID FETCH 1:* (FLAGS)');
    if (ops.has('envelope')) await fetchOp('fetchEnvelopeBodystructure', 'FETCH 1:* (ENVELOPE BODYSTRUCTURE)');
    if (ops.has('bodies')) await fetchOp('fetchFullBodies', 'FETCH 1:* (BODY.PEEK[])', true);
    if (ops.has('search')) {
      const r = await c.ok(`UID SEARCH TEXT ${NEEDLE}`, to);
      const hits = r.search ? r.search.length : null;
      res.ops.searchText = { ms: r2(r.ms), hits };
      if (hits !== expect.hits) res.checks.push(`UID SEARCH TEXT ${NEEDLE}: ${hits} hits, expected ${expect.hits}`);
    }
    const lo = await c.logout();
    res.ops.logout = { ms: r2(lo?.ms ?? null) };
  } finally { c.destroy(); }
  res.complete = res.checks.length === 0;
  return res;
}

function pct(sorted, p) { return sorted.length ? r2(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]) : null; }
const stats = (a) => { const s = [...a].sort((x, y) => x - y); return { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s.length ? r2(s[s.length - 1]) : null }; };

/** K clients looping connect/LOGIN/SELECT/FETCH/FETCH body/LOGOUT. */
async function concurrent(t, o, expect) {
  const steps = { session: [], connect: [], login: [], select: [], fetch: [], body: [], logout: [] };
  const errors = {};
  const checks = [];
  const wantFetches = (() => { const m = /^(\d+):(\d+)\s/.exec(o.concFetch); return m ? Math.min(expect.messages, Number(m[2])) - Number(m[1]) + 1 : null; })();
  let sessions = 0;
  const t0 = nowMs();
  const deadline = t0 + o.maxSeconds * 1000;
  const client = async (k) => {
    let x = (k + 1) * 2654435761 >>> 0 || 1; // the same message numbers for every server
    const rnd = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
    for (let it = 0; it < o.iterations && nowMs() < deadline; it++) {
      const ts = nowMs();
      let c = null;
      try {
        c = await ImapConn.connect(t.host, t.port, { timeoutMs: 120_000 });
        steps.connect.push(c.greetMs);
        steps.login.push((await c.login(t.user, t.pass)).ms);
        const sel = await c.ok('SELECT INBOX');
        steps.select.push(sel.ms);
        const f = await c.ok(`FETCH ${o.concFetch}`);
        steps.fetch.push(f.ms);
        if (wantFetches != null && f.fetches !== wantFetches) checks.push(`FETCH ${o.concFetch}: ${f.fetches} responses`);
        if (o.bodyFetch) {
          const n = 1 + (rnd() % (sel.exists || 1));
          const b = await c.ok(`FETCH ${n} (BODY.PEEK[])`);
          steps.body.push(b.ms);
          if (b.fetches !== 1 || b.literals !== 1) checks.push(`FETCH ${n} (BODY.PEEK[]): ${b.fetches} responses, ${b.literals} literals`);
        }
        const lo = await c.logout();
        if (lo) steps.logout.push(lo.ms);
        steps.session.push(nowMs() - ts);
        sessions++;
      } catch (e) {
        errors[e.message] = (errors[e.message] || 0) + 1;
        if (c) c.destroy();
      }
    }
  };
  await Promise.all(Array.from({ length: o.clients }, (_, k) => client(k)));
  const wallS = (nowMs() - t0) / 1000;
  const res = {
    clients: o.clients, iterations: o.iterations, sessions, wantedSessions: o.clients * o.iterations, errors, checks: checks.slice(0, 10),
    ms: Math.round(wallS * 1000), sessionsPerS: r2(sessions / wallS),
  };
  for (const [k, v] of Object.entries(steps)) res[`${k}Ms`] = stats(v);
  res.complete = sessions === res.wantedSessions && !Object.keys(errors).length && !checks.length;
  return res;
}

// ---------------------------------------------------------------- bookkeeping
function emit(o, res) {
  const line = JSON.stringify(res);
  process.stdout.write(line + '\n');
  if (o.out) appendFileSync(o.out, line + '\n');
}

const SINGLE_OPS = ['connect', 'login', 'select', 'uidFetchFlags', 'fetchEnvelopeBodystructure', 'fetchFullBodies', 'searchText', 'logout'];

async function measure(o, t, scen, label, fn, ownServer) {
  const quiet = await waitQuiet(o.quietBusy, o.quietWait);
  const loadavgStart = loadavg();
  const stop = startMonitor(t.pids);
  let res;
  try { res = await fn(); } catch (e) { res = { error: e.message, complete: false }; }
  const monitor = await stop();
  if (ownServer && ownServer.child.exitCode !== null) throw new Error(`serve exited (${ownServer.child.exitCode}) during ${label}:\n${ownServer.output()}`);
  const out = { tool: 'buzon-bench-imap', scenario: scen, label, server: t.name, target: `${t.host}:${t.port}`, user: t.user, ...res, monitor };
  out.noise = { loadavgStart, quietBusyPct: quiet.busyPct, quietWaitedS: quiet.waitedS, otherCpuPct: monitor.otherCpuPct, machineBusyPct: monitor.machineBusyPct };
  if (t.ownPid) { const st = procStatus(t.ownPid); out.serverProc = { pid: t.ownPid, vmHwmKb: st.vmHwmKb, vmRssKb: st.vmRssKb, threads: st.threads }; }
  out.env = envInfo();
  return out;
}

// ---------------------------------------------------------------- main
async function main() {
  let o;
  try { o = parseArgs(process.argv.slice(2)); } catch (e) { process.stderr.write(`${e.message}\n`); return 2; }
  if (o.help) { process.stdout.write(USAGE + '\n'); return 0; }
  installAbortHandlers(o.deadline, log);

  let data = null, srv = null;
  let bad = 0;
  const kept = [];
  try {
    const t0 = nowMs();
    const sizes = Array.from({ length: o.messages }, (_, i) => corpusMessage(i).length);
    const corpus = corpusStats(o.messages);
    log(`corpus: ${corpus.messages} messages, ${(corpus.bytes / 1048576).toFixed(2)} MiB (avg ${corpus.avgBytes} B, ${corpus.minBytes}–${corpus.maxBytes}), ` +
      `${corpus.needles} with "${NEEDLE}", sha256 ${corpus.sha256} (${Math.round(nowMs() - t0)} ms to build)`);
    const expect = { messages: o.messages, octets: corpus.bytes, hits: corpus.needles };

    let ours;
    if (o.port) {
      ours = { name: o.label, host: o.host, port: o.port, user: o.user, pass: o.pass, pids: o.pids, ownPid: 0 };
    } else {
      data = mkdtempSync(path.join(os.tmpdir(), 'buzon-bench-imap-'));
      if (!o.keep) activeDirs.add(data);
      const imapPort = await freePort();
      await configure(data, imapPort);
      srv = await startBuzon(data, imapPort, o);
      log(`serve pid ${srv.pid} ready in ${srv.startMs} ms: IMAP 127.0.0.1:${imapPort}${o.keep ? `, data ${data}` : ''}`);
      ours = { name: o.label, host: '127.0.0.1', port: imapPort, user: OUR_USER, pass: OUR_PASS, pids: String(srv.pid), ownPid: srv.pid };
    }
    const ref = o.refPort ? { name: o.refLabel, host: o.refHost, port: o.refPort, user: o.refUser, pass: o.refPass, pids: o.refPids, ownPid: 0 } : null;
    const targets = ref ? [ref, ours] : [ours];
    const params = `m${o.messages}`;

    for (const t of targets) {
      const f = await fill(t, o, corpus);
      emit(o, { tool: 'buzon-bench-imap', scenario: 'fill', label: `imap-fill|${t.name}|${params}|-`, server: t.name, ...f, env: envInfo() });
      log(f.skipped ? `${t.name}: INBOX already holds ${f.existing} messages, not filled` :
        `${t.name}: filled ${f.appended} messages by APPEND on ${f.conns} conns in ${f.wallS} s (${f.appendsPerS}/s, p50 ${f.appendMs.p50} ms, p99 ${f.appendMs.p99} ms), server CPU ${f.monitor.serverCpuS} s`);
      const v = await verify(t, o, sizes);
      emit(o, { tool: 'buzon-bench-imap', scenario: 'verify', label: `imap-verify|${t.name}|${params}|-`, server: t.name, ...v, env: envInfo() });
      if (!v.ok) throw new Error(`${t.name}: the mailbox is not the corpus:\n  ${v.problems.join('\n  ')}`);
      log(`${t.name}: verified ${v.messages} corpus messages (${(v.octets / 1048576).toFixed(2)} MiB), SEARCH TEXT ${NEEDLE} = ${v.searchHits} (expected ${v.expectedHits})`);
    }

    const lastRep = Math.max(o.reps, o.concReps);
    const cparams = `${params}-c${o.clients}x${o.iterations}`;
    for (let rep = 0; rep <= lastRep; rep++) {
      const order = !ref ? [ours] : rep === 0 || rep % 2 === 1 ? [ref, ours] : [ours, ref];
      const plan = [];
      if (rep <= o.reps) for (const t of order) plan.push({ t, scen: 'single', label: `imap-single|${t.name}|${params}|r${rep}`, fn: () => single(t, o, expect) });
      if (rep <= o.concReps) for (const t of order) plan.push({ t, scen: 'concurrent', label: `imap-conc|${t.name}|${cparams}|r${rep}`, fn: () => concurrent(t, o, expect) });
      for (const step of plan) {
        for (let attempt = 0; attempt <= o.retries; attempt++) {
          const res = await measure(o, step.t, step.scen, step.label, step.fn, step.t === ours ? srv : null);
          const other = res.noise.otherCpuPct ?? 0;
          const noisy = rep > 0 && other > o.otherMax && attempt < o.retries;
          if (noisy) res.label = `${step.label}-noisy${attempt}`;
          emit(o, res);
          if (step.scen === 'single') {
            log(`${res.label}: ${SINGLE_OPS.filter((k) => res.ops?.[k]).map((k) => `${k} ${res.ops[k].ms}`).join(', ')} ms; ` +
              `hits ${res.ops?.searchText?.hits}; server CPU ${res.monitor.serverCpuS} s, other ${other}%` +
              `${res.error ? `; ERROR ${res.error}` : ''}${res.checks?.length ? `; CHECK FAILED: ${res.checks.join('; ')}` : ''}${noisy ? ' — NOISY, repeating' : ''}`);
          } else {
            log(`${res.label}: ${res.sessions}/${res.wantedSessions} sessions in ${res.ms} ms (${res.sessionsPerS}/s), session p50 ${res.sessionMs?.p50} p99 ${res.sessionMs?.p99} ms, ` +
              `login p50 ${res.loginMs?.p50}; server CPU ${res.monitor.serverCpuS} s, other ${other}%` +
              `${res.error ? `; ERROR ${res.error}` : ''}${res.errors && Object.keys(res.errors).length ? `; ERRORS ${JSON.stringify(res.errors)}` : ''}` +
              `${res.checks?.length ? `; CHECK FAILED: ${res.checks.join('; ')}` : ''}${noisy ? ' — NOISY, repeating' : ''}`);
          }
          if (noisy) continue;
          if (!res.complete) bad++;
          if (rep > 0) kept.push(res);
          break;
        }
      }
    }
  } finally {
    if (srv) {
      const code = await stopServer(srv, log);
      if (code !== 0 && code !== null) log(`serve exited with ${code}`);
    }
    if (data && !o.keep) rmSync(data, { recursive: true, force: true });
    if (data) activeDirs.delete(data);
  }

  if (kept.length) printSummary(o, kept);
  if (bad) log(`${bad} session(s) incomplete or failed a check: see CHECK FAILED / ERROR above`);
  return bad ? 1 : 0;
}

function printSummary(o, kept) {
  const servers = [...new Set(kept.map((r) => r.server))];
  const refName = o.refPort ? o.refLabel : null;
  const ourName = o.label;
  const rng = (rs, f, d = 1) => {
    const v = rs.map(f).filter((x) => x != null);
    return v.length ? `${median(v).toFixed(d)} (${Math.min(...v).toFixed(d)}–${Math.max(...v).toFixed(d)})` : '–';
  };
  const by = (scen, s) => kept.filter((r) => r.scenario === scen && r.server === s && r.complete);
  const ratio = (scen, f) => {
    if (!refName) return '';
    const a = median(by(scen, ourName).map(f).filter((x) => x != null)), b = median(by(scen, refName).map(f).filter((x) => x != null));
    return a != null && b ? `${(a / b).toFixed(2)}×` : '–';
  };
  const w = 26;
  const lines = ['', `IMAP, ${o.messages}-message mailbox: median (min–max) ms over ${servers.map((s) => `${by('single', s).length} ${s}`).join(' / ')} session(s)`];
  lines.push('  ' + 'operation'.padEnd(30) + servers.map((s) => s.padEnd(w)).join('') + (refName ? 'ours / ref (time)' : ''));
  for (const op of SINGLE_OPS) {
    const f = (r) => r.ops?.[op]?.ms;
    lines.push('  ' + op.padEnd(30) + servers.map((s) => rng(by('single', s), f).padEnd(w)).join('') + ratio('single', f));
  }
  const cf = (r) => r.ms;
  if (kept.some((r) => r.scenario === 'concurrent')) {
    lines.push('  ' + `${o.clients} clients × ${o.iterations} sessions`.padEnd(30) + servers.map((s) => rng(by('concurrent', s), cf, 0).padEnd(w)).join('') + ratio('concurrent', cf));
    lines.push('  ' + '  sessions/s'.padEnd(30) + servers.map((s) => rng(by('concurrent', s), (r) => r.sessionsPerS, 1).padEnd(w)).join(''));
    lines.push('  ' + '  LOGIN p50 ms'.padEnd(30) + servers.map((s) => rng(by('concurrent', s), (r) => r.loginMs?.p50, 1).padEnd(w)).join(''));
  }
  lines.push('  ' + 'server CPU s / single session'.padEnd(30) + servers.map((s) => rng(by('single', s), (r) => r.monitor?.serverCpuS, 2).padEnd(w)).join(''));
  lines.push('  ' + 'other CPU % (single)'.padEnd(30) + servers.map((s) => rng(by('single', s), (r) => r.noise?.otherCpuPct, 0).padEnd(w)).join(''));
  process.stderr.write(lines.join('\n') + '\n');
}

main()
  .then((code) => { killAll('SIGTERM'); process.exitCode = code; })
  .catch((e) => { log(`error: ${e.stack || e.message}`); killAll('SIGKILL'); removeActiveDirs(); process.exitCode = 2; });
