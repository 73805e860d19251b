#!/usr/bin/env node
// report.mjs — Markdown tables from a results JSONL written by compare.sh / run.mjs / smtp-load.js
// (labels "smtp-load|server|cC-sS|rN"): medians (min–max) over the measured reps r1..rN (noisy
// and warm-up runs excluded), and the ratio of stored msg/s to the reference server of the same
// scenario.   node bench/smtp/report.mjs results.jsonl [--env results.env.txt] [--ref postfix]
import { formatters, median, peakMiB, readResults, reportArgs, vals } from '../lib/common.mjs';

const { file, ref, envTxt } = reportArgs('bench/smtp/report.mjs', 'postfix');
const { fmt, spread } = formatters(0);
const rows = readResults(file);
const measured = rows.filter((r) => r.scen === 'smtp-load' && /^r[1-9]\d*$/.test(r.rep));
const noisy = rows.filter((r) => r.scen === 'smtp-load' && /-noisy\d+$/.test(r.rep || ''));

// CPU time the server spent per accepted message (over the whole load + delivery wait): less
// sensitive to other tenants than msg/s, since it counts the server's own CPU only.
const cpuPerMsg = (r) => (r.monitor?.serverCpuS != null && r.accepted ? (1000 * r.monitor.serverCpuS) / r.accepted : null);

const groups = new Map();
for (const r of measured) {
  const k = `${r.params}|${r.server}`;
  if (!groups.has(k)) groups.set(k, []);
  groups.get(k).push(r);
}
const conns = (k) => Number((/c(\d+)/.exec(k) || [])[1]);
const size = (k) => Number((/-s(\d+)/.exec(k) || [])[1]);
const keys = [...groups.keys()].sort((a, b) => size(a) - size(b) || conns(a) - conns(b) || (a.endsWith(ref) ? -1 : b.endsWith(ref) ? 1 : a < b ? -1 : 1));

const out = [];
const p = (s = '') => out.push(s);
p(`Source: \`${file.replace(/^.*\/(bench\/)/, '$1')}\`. Median of the measured runs (min–max); CPU in % of ONE core (the machine has 200 %).`);
p();
if (envTxt) { p('```'); p(envTxt); p('```'); p(); }
p('| server | size | conns | runs | msgs/run | accepted msg/s | stored msg/s | stored vs ' + ref + ' | p50 ms | p99 ms | lost | server CPU % | server CPU ms/msg | server peak RSS MiB | client CPU % | other CPU % | loadavg (1 min) at start |');
p('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const k of keys) {
  const rs = groups.get(k);
  const [params, server] = k.split('|');
  const refRs = groups.get(`${params}|${ref}`);
  const sMed = median(vals(rs, 'storedPerS'));
  const rMed = refRs ? median(vals(refRs, 'storedPerS')) : null;
  const ratio = server === ref ? '1.00' : sMed != null && rMed ? `**${(sMed / rMed).toFixed(2)}×**` : '–';
  const lost = rs.reduce((a, r) => a + (r.lost || 0) + (r.failed || 0), 0);
  const lostFiles = rs.every((r) => r.maildirLost != null) ? ` / ${rs.reduce((a, r) => a + r.maildirLost, 0)}` : '';
  const sz = rs[0].size >= 1024 ? `${Math.round(rs[0].size / 1024)} KB` : `${rs[0].size} B`;
  p(`| ${server} | ${sz} | ${rs[0].conns} | ${rs.length} | ${rs[0].requested} | ${spread(rs, 'acceptPerS')} | ${spread(rs, 'storedPerS')} | ${ratio} | ` +
    `${spread(rs, 'latencyMs.p50', 1)} | ${spread(rs, 'latencyMs.p99', 1)} | ${lost}${lostFiles} | ${spread(rs, 'monitor.serverCpuPct')} | ${spread(rs, cpuPerMsg, 2)} | ` +
    `${spread(rs, peakMiB)} | ${fmt(median(vals(rs, 'monitor.clientCpuPct')))} | ${spread(rs, 'monitor.otherCpuPct')} | ${spread(rs, (r) => r.noise?.loadavgStart?.[0], 2)} |`);
}
p();
p(`lost = accepted but not stored (+ failed transactions): for ${ref}, by IMAP STATUS / Maildir files; for buzon, by index rows whose .eml exists / .eml files.`);
if (noisy.length) {
  p();
  p(`Runs repeated because other processes used too much CPU (kept in the raw file, not in the medians): ` +
    noisy.map((r) => `${r.server} ${r.params} ${r.rep} (other ${fmt(r.monitor?.otherCpuPct)} %, stored ${fmt(r.storedPerS)} msg/s)`).join('; ') + '.');
}
process.stdout.write(out.join('\n') + '\n');
