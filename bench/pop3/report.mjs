#!/usr/bin/env node
// report.mjs — Markdown tables from a results JSONL written by compare.sh / run.mjs (labels
// "pop3|server|mN-retrN|rK", the harness's pop3-bench.js lines, plus "populate|server|pop|-"):
// per operation, the median (min–max) over the measured sessions r1..rN (noisy repeats excluded),
// r0 (first touch) apart, and the ratio ours / reference of the medians.
//   node bench/pop3/report.mjs results.jsonl [--env results.env.txt] [--ref dovecot]
import { formatters, median, peakMiB, readResults, reportArgs, vals } from '../lib/common.mjs';

const { file, ref, envTxt } = reportArgs('bench/pop3/report.mjs', 'dovecot');
const { fmt, spread } = formatters(1);
const rows = readResults(file);
const pop = rows.filter((r) => r.scen === 'pop3');
const measured = pop.filter((r) => /^r[1-9]\d*$/.test(r.rep));
const first = pop.filter((r) => r.rep === 'r0');
const noisy = pop.filter((r) => /-noisy\d+$/.test(r.rep || ''));

const servers = [...new Set(measured.map((r) => r.server))].sort((a, b) => (a === ref ? -1 : b === ref ? 1 : a < b ? -1 : 1));
const by = (rs, s) => rs.filter((r) => r.server === s);

const OPS = [
  ['connect', 'connect → greeting'],
  ['login', 'login (USER + PASS)'],
  ['stat', 'STAT'],
  ['list', 'LIST'],
  ['uidl', 'UIDL'],
  ['retrAll', 'RETR all'],
  ['quit', 'QUIT'],
];
const detail = (rs, op) => {
  const r = rs[0];
  if (!r) return '';
  if (op === 'stat') return `${r.ops.stat.messages} msgs, ${fmt(r.ops.stat.octets / 1048576, 2)} MiB`;
  if (op === 'list' || op === 'uidl') return `${r.ops[op].entries} entries`;
  if (op === 'retrAll') {
    return `${r.ops.retrAll.messages} RETRs: ${fmt(median(vals(rs, 'ops.retrAll.msgsPerS')), 0)} msg/s, ${fmt(median(vals(rs, 'ops.retrAll.mbPerS')), 2)} MiB/s, ` +
      `per-RETR p50 ${fmt(median(vals(rs, 'retrMs.p50')), 2)} ms / p99 ${fmt(median(vals(rs, 'retrMs.p99')), 2)} ms`;
  }
  return '';
};

const out = [];
const p = (s = '') => out.push(s);
p(`Source: \`${file.replace(/^.*\/(bench\/)/, '$1')}\`. Median of the measured sessions r1..rN (min–max); r0 = first session after the fill, not in the median.`);
p();
if (envTxt) { p('```'); p(envTxt); p('```'); p(); }

p(`| operation | server | runs | median ms (min–max) | **ours / ${ref}** | first touch ms (r0) | detail |`);
p('|---|---|---|---|---|---|---|');
for (const [op, name] of OPS) {
  const refMed = median(vals(by(measured, ref), `ops.${op}.ms`));
  for (const s of servers) {
    const rs = by(measured, s);
    const med = median(vals(rs, `ops.${op}.ms`));
    const ratio = s === ref ? '1.00' : med != null && refMed ? `**${(med / refMed).toFixed(2)}×**` : '–';
    p(`| ${name} | ${s} | ${rs.length} | ${spread(rs, `ops.${op}.ms`)} | ${ratio} | ${fmt(median(vals(by(first, s), `ops.${op}.ms`)))} | ${detail(rs, op)} |`);
  }
}
p();
p('ours / ' + ref + ' = ratio of the medians (below 1.00: Buzón is faster).');
p();

// Server cost per session. Buzón: CPU of the serve process (pop3-bench's /proc monitor), RSS =
// VmHWM of that one process. Dovecot: CPU summed over the master's tree incl. reaped children
// (the per-session pop3/pop3-login/auth processes), RSS = the harness's sampled peak over the tree.
p('| server | runs | session wall s | server CPU s / session | server CPU % of one core | server peak RSS MiB | processes | client CPU % | other CPU % | loadavg (1 min) at start |');
p('|---|---|---|---|---|---|---|---|---|---|');
for (const s of servers) {
  const rs = by(measured, s);
  p(`| ${s} | ${rs.length} | ${spread(rs, 'monitor.wallS', 2)} | ${spread(rs, 'monitor.serverCpuS', 2)} | ${spread(rs, 'monitor.serverCpuPct', 0)} | ` +
    `${spread(rs, peakMiB, 0)} | ${fmt(median(vals(rs, 'monitor.serverProcsPeak')), 0)} | ${spread(rs, 'monitor.clientCpuPct', 0)} | ${spread(rs, 'monitor.otherCpuPct', 0)} | ` +
    `${spread(rs, (r) => r.noise?.loadavgStart?.[0], 2)} |`);
}
p();

const fills = rows.filter((r) => r.scen === 'populate');
if (fills.length) {
  p('| server | maildrop fill | messages | rate | octets in the maildrop |');
  p('|---|---|---|---|---|');
  for (const f of fills) {
    if (f.tool === 'imap-populate') {
      p(`| ${f.server} | imap-populate.js, IMAP APPEND, 4 conns | ${f.appended} (now ${f.after}) | ${fmt(f.appendsPerS, 0)} APPEND/s | (see STAT) |`);
    } else {
      p(`| ${f.server} | run.mjs, harness corpus over SMTP, 4 conns | ${f.accepted}/${f.sent} (index rows with file ${f.maildrop?.rowsWithFile}) | ${fmt(f.msgsPerS, 0)} msg/s | ` +
        `${fmt((f.maildrop?.octets ?? 0) / 1048576, 2)} MiB (corpus ${fmt(f.corpusBytes / 1048576, 2)} MiB) |`);
    }
  }
  p();
}
const incomplete = pop.filter((r) => r.complete === false);
if (incomplete.length) p(`Incomplete sessions (LIST/UIDL/RETR count mismatch): ${incomplete.map((r) => r.label).join(', ')}.`);
if (noisy.length) {
  p(`Sessions repeated because other processes used too much CPU (kept in the raw file, not in the medians): ` +
    noisy.map((r) => `${r.server} ${r.rep} (other ${fmt(r.monitor?.otherCpuPct, 0)} %, RETR all ${fmt(r.ops?.retrAll?.ms, 0)} ms)`).join('; ') + '.');
}
process.stdout.write(out.join('\n') + '\n');
