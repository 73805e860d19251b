#!/usr/bin/env node
// report.mjs — Markdown tables from a results JSONL written by compare.sh / run.mjs (labels
// "imap-single|server|mN|rK", "imap-conc|server|mN-cKxI|rK", "imap-fill|…", "imap-verify|…"):
// per operation, the median (min–max) over the measured sessions r1..rN (noisy repeats and
// incomplete sessions excluded), r0 (first touch) apart, and the ratio ours / reference of the
// median *times* (below 1.00: Buzón is faster).
//   node bench/imap/report.mjs results.jsonl [--env results.env.txt] [--ref dovecot]
import { formatters, median, peakMiB, readResults, reportArgs, vals } from '../lib/common.mjs';

const { file, ref, envTxt } = reportArgs('bench/imap/report.mjs', 'dovecot');
const { fmt, spread } = formatters(1);
const rows = readResults(file);
const isMeasured = (r) => /^r[1-9]\d*$/.test(r.rep) && r.complete !== false;
const single = rows.filter((r) => r.scen === 'imap-single');
const conc = rows.filter((r) => r.scen === 'imap-conc');
const servers = [...new Set([...single, ...conc].map((r) => r.server))].sort((a, b) => (a === ref ? -1 : b === ref ? 1 : a < b ? -1 : 1));
const by = (rs, s) => rs.filter((r) => r.server === s);
const measured = (rs) => rs.filter(isMeasured);
const first = (rs) => rs.filter((r) => r.rep === 'r0');

const out = [];
const p = (s = '') => out.push(s);
p(`Source: \`${file.replace(/^.*\/(bench\/)/, '$1')}\`. Median of the measured sessions r1..rN (min–max); r0 = first session after the fill, not in the median. ` +
  `**ours / ${ref}** = ratio of the median times (below 1.00: Buzón is faster).`);
p();
if (envTxt) { p('```'); p(envTxt); p('```'); p(); }

const OPS = [
  ['connect', 'connect → greeting'],
  ['login', 'LOGIN'],
  ['select', 'SELECT INBOX'],
  ['uidFetchFlags', 'UID FETCH 1:* (FLAGS)'],
  ['fetchEnvelopeBodystructure', 'FETCH 1:* (ENVELOPE BODYSTRUCTURE)'],
  ['fetchFullBodies', 'FETCH 1:* (BODY.PEEK[])'],
  ['searchText', 'UID SEARCH TEXT needle'],
  ['logout', 'LOGOUT'],
];
const detail = (rs, op) => {
  const r = rs[0]?.ops?.[op];
  if (!r) return '';
  if (op === 'select') return `${r.exists} EXISTS`;
  if (op === 'searchText') return `${r.hits} hits`;
  if (r.responses != null) {
    const lit = r.literalBytes ? `, literals ${fmt(r.literalBytes / 1048576, 2)} MiB` : '';
    return `${r.responses} responses, reply ${fmt(median(vals(rs, `ops.${op}.replyBytes`)) / 1048576, 2)} MiB${lit}`;
  }
  return '';
};

p(`### One client: mailbox of ${single[0]?.ops?.select?.exists ?? '?'} messages`);
p();
p(`| operation | server | runs | median ms (min–max) | **ours / ${ref}** | first touch ms (r0) | detail |`);
p('|---|---|---|---|---|---|---|');
for (const [op, name] of OPS) {
  const refMed = median(vals(measured(by(single, ref)), `ops.${op}.ms`));
  for (const s of servers) {
    const rs = measured(by(single, s));
    if (!rs.length) continue;
    const med = median(vals(rs, `ops.${op}.ms`));
    const ratio = s === ref ? '1.00' : med != null && refMed ? `**${(med / refMed).toFixed(2)}×**` : '–';
    p(`| ${name} | ${s} | ${rs.length} | ${spread(rs, `ops.${op}.ms`)} | ${ratio} | ${fmt(median(vals(first(by(single, s)), `ops.${op}.ms`)))} | ${detail(rs, op)} |`);
  }
}
p();

if (conc.length) {
  const c0 = conc[0];
  p(`### ${c0.clients} concurrent clients, each looping ${c0.iterations}× connect / LOGIN / SELECT / FETCH / FETCH 1 body / LOGOUT`);
  p();
  p(`| server | runs | **wall ms for ${c0.clients * c0.iterations} sessions** | **ours / ${ref}** | first run (r0) ms | sessions/s | session p50 / p99 ms | connect p50 | LOGIN p50 | SELECT p50 | FETCH p50 | body p50 | LOGOUT p50 | errors | server CPU s / run |`);
  p('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const refMed = median(vals(measured(by(conc, ref)), 'ms'));
  for (const s of servers) {
    const rs = measured(by(conc, s));
    if (!rs.length) continue;
    const med = median(vals(rs, 'ms'));
    const m = (k) => fmt(median(vals(rs, `${k}Ms.p50`)));
    const errs = rs.reduce((a, r) => a + Object.values(r.errors || {}).reduce((x, y) => x + y, 0), 0);
    p(`| ${s} | ${rs.length} | ${spread(rs, 'ms', 0)} | ${s === ref ? '1.00' : med != null && refMed ? `**${(med / refMed).toFixed(2)}×**` : '–'} | ` +
      `${fmt(median(vals(first(by(conc, s)), 'ms')), 0)} | ${spread(rs, 'sessionsPerS')} | ${m('session')} / ${fmt(median(vals(rs, 'sessionMs.p99')))} | ` +
      `${m('connect')} | ${m('login')} | ${m('select')} | ${m('fetch')} | ${m('body')} | ${m('logout')} | ${errs} | ${spread(rs, 'monitor.serverCpuS', 2)} |`);
  }
  p();
}

// Server cost. Buzón: CPU of the serve process; RSS = its VmHWM. Dovecot: CPU of the master's
// tree incl. reaped children (per-session imap / imap-login / auth); RSS = sampled sum over the tree.
p('| server | scenario | runs | server CPU s / run | server CPU % of one core | server peak RSS MiB | processes (peak) | client CPU % | other CPU % | loadavg (1 min) at start |');
p('|---|---|---|---|---|---|---|---|---|---|');
for (const [scen, rs0] of [['single', single], ['concurrent', conc]]) {
  for (const s of servers) {
    const rs = measured(by(rs0, s));
    if (!rs.length) continue;
    p(`| ${s} | ${scen} | ${rs.length} | ${spread(rs, 'monitor.serverCpuS', 2)} | ${spread(rs, 'monitor.serverCpuPct', 0)} | ${spread(rs, peakMiB, 0)} | ` +
      `${fmt(median(vals(rs, 'monitor.serverProcsPeak')), 0)} | ${spread(rs, 'monitor.clientCpuPct', 0)} | ${spread(rs, 'monitor.otherCpuPct', 0)} | ${spread(rs, (r) => r.noise?.loadavgStart?.[0], 2)} |`);
  }
}
p();

const fills = rows.filter((r) => r.scen === 'imap-fill');
const verifies = rows.filter((r) => r.scen === 'imap-verify');
if (fills.length) {
  p('| server | fill (IMAP APPEND, LITERAL+) | APPEND/s | APPEND p50 / p99 ms | server CPU s | verify |');
  p('|---|---|---|---|---|---|');
  for (const f of fills) {
    const v = verifies.find((x) => x.server === f.server);
    const vt = v ? (v.ok ? `ok: ${v.messages} corpus messages, ${fmt(v.octets / 1048576, 2)} MiB, ${v.searchHits}/${v.expectedHits} SEARCH hits` : `**FAILED**: ${v.problems.join('; ')}`) : '–';
    if (f.skipped) p(`| ${f.server} | reused (${f.existing} messages) | – | – | – | ${vt} |`);
    else p(`| ${f.server} | ${f.appended} messages on ${f.conns} conns in ${fmt(f.wallS, 1)} s | ${f.appendsPerS} | ${f.appendMs.p50} / ${f.appendMs.p99} | ${fmt(f.monitor?.serverCpuS, 1)} | ${vt} |`);
  }
  const c = fills.find((f) => f.corpus)?.corpus;
  if (c) p(`\nCorpus (bench/imap/corpus.mjs): ${c.messages} messages, ${fmt(c.bytes / 1048576, 2)} MiB, avg ${c.avgBytes} B (${c.minBytes}–${c.maxBytes}), ${c.needles} with the needle, sha256 ${c.sha256}.`);
  p();
}

const failed = [...single, ...conc].filter((r) => r.complete === false);
if (failed.length) p(`**Incomplete / failed checks** (not in the medians): ${failed.map((r) => `${r.label}: ${r.error || [...(r.checks || []), ...Object.keys(r.errors || {})].join('; ')}`).join(' · ')}`);
const noisy = [...single, ...conc].filter((r) => /-noisy\d+$/.test(r.rep || ''));
if (noisy.length) p(`Runs repeated because other processes used too much CPU (kept in the raw file, not in the medians): ${noisy.map((r) => `${r.server} ${r.scen.replace('imap-', '')} ${r.rep} (other ${fmt(r.monitor?.otherCpuPct, 0)} %)`).join('; ')}.`);
process.stdout.write(out.join('\n') + '\n');
