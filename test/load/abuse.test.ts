// The server under abuse, as a real `buzon serve` process: 1,000 idle connections spread over
// SMTP, POP3 and IMAP and over 40 source addresses (127.0.0.2–41), 200 more that send garbage and
// 60 that send 1 MB lines without a line end. Meanwhile a legitimate user on 127.0.0.1 sends
// mail (nodemailer, AUTH on 587) and reads it (POP3 and imapflow). Then: everybody legitimate was
// served, the server's memory (VmRSS) stayed bounded, the garbage senders were closed and their
// addresses banned, one address cannot open more than its share, and the server still runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { tempDir } from '../helpers/temp-dir';
import { buzonOk, startServe, type ListenerLine } from '../helpers/buzon-process';
import { LineClient } from '../helpers/line-client';

const IDLE = 1000;
const GARBAGE = 200;
const LONG_LINES = 60;
const PER_IP_LIMIT = 50;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Connects from a given loopback address; resolves once the server has said its first bytes (or closed). */
function open(port: number, localAddress: string): Promise<{ socket: Socket; first: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.setEncoding('latin1');
    socket.once('error', reject);
    socket.once('data', (d: string) => resolve({ socket, first: d }));
    socket.once('close', () => resolve({ socket, first: '' }));
  });
}

/** Writes until the server closes the connection or `bytes` are out; resolves with whether it was closed by the server. */
function flood(socket: Socket, chunk: () => Buffer, bytes: number, awaitClose = true): Promise<boolean> {
  return new Promise((resolve) => {
    let sent = 0;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      resolve(closed);
    };
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    const pump = (): void => {
      while (!done && sent < bytes) {
        const c = chunk();
        sent += c.length;
        if (!socket.write(c)) return void socket.once('drain', pump);
      }
      // All written (much of it may still sit in socket buffers): give the server time to get to it.
      if (sent >= bytes) {
        if (!awaitClose) finish(socket.destroyed);
        else setTimeout(() => finish(socket.destroyed), 30_000).unref();
      }
    };
    pump();
  });
}

async function inParallel<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

test('1,000 idle connections, garbage and 1 MB lines: legitimate users are served, memory stays bounded, abusers are closed and banned', { timeout: 300_000 }, async (t) => {
  const tmp = tempDir('buzon-load-');
  const dir = tmp.path;
  const sockets: Socket[] = [];
  try {
    await buzonOk(dir, ['domain', 'add', 'aula.test']);
    await buzonOk(dir, ['account', 'add', 'cuenta1@aula.test', '--password', 'secreto1']);
    await buzonOk(dir, ['account', 'add', 'cuenta2@aula.test', '--password', 'secreto2']);
    const { serve, listeners } = await startServe(dir, ['--ephemeral-ports', '--quiet']);
    try {
      const port = (p: number): number => listeners.find((l: ListenerLine) => l.configuredPort === p)!.boundPort!;
      const pid = serve.pid;
      const baseline = rssMb(pid);
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);

      // 1,000 idle connections: 25 per source address, on the three protocols.
      const targets = [port(25), port(110), port(143)];
      const idle = await inParallel(IDLE, 100, (i) => open(targets[i % 3]!, `127.0.0.${2 + (i % 40)}`));
      for (const c of idle) sockets.push(c.socket);
      const greeted = idle.filter((c) => /^(220 |\+OK|\* OK)/.test(c.first)).length;
      assert.equal(greeted, IDLE, 'every idle connection was greeted');

      // Garbage and over-long lines, from other addresses, all at once.
      const abusers = await inParallel(GARBAGE + LONG_LINES, 50, (i) => open(targets[i % 3]!, `127.0.1.${1 + (i % 20)}`));
      for (const a of abusers) sockets.push(a.socket);
      const abuse = abusers.map((a, i) =>
        i < GARBAGE
          ? flood(a.socket, () => Buffer.concat([randomBytes(200).map((b) => (b === 10 || b === 13 ? 65 : b)), Buffer.from('\r\n')]), 400_000)
          : // POP3 drops an over-long line and reads on: nothing to wait for there.
            flood(a.socket, () => Buffer.alloc(64 * 1024, 0x41), 1024 * 1024, i % 3 !== 1),
      );

      // The legitimate user, meanwhile.
      const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: port(587), secure: false, ignoreTLS: true, auth: { user: 'cuenta1@aula.test', pass: 'secreto1' } });
      const started = Date.now();
      for (let i = 0; i < 5; i++) await mailer.sendMail({ from: 'cuenta1@aula.test', to: 'cuenta2@aula.test', subject: `bajo carga ${i}`, text: 'hola\r\n' });
      mailer.close();
      const pop = await LineClient.open(port(110));
      assert.match((await pop.reply()).text, /^\+OK/);
      assert.match((await pop.cmd('USER cuenta2@aula.test')).text, /^\+OK/);
      assert.match((await pop.cmd('PASS secreto2')).text, /^\+OK/);
      assert.match((await pop.cmd('STAT')).text, /^\+OK 5 /);
      await pop.cmd('QUIT');
      const imap = new ImapFlow({ host: '127.0.0.1', port: port(143), secure: false, auth: { user: 'cuenta2@aula.test', pass: 'secreto2' }, logger: false, tls: { rejectUnauthorized: false } });
      await imap.connect();
      const box = await imap.mailboxOpen('INBOX');
      assert.equal(box.exists, 5);
      await imap.logout();
      const servedIn = Date.now() - started;

      const closedByServer = await Promise.all(abuse);
      clearInterval(sampler);
      peak = Math.max(peak, rssMb(pid));
      const closed = closedByServer.filter(Boolean).length;
      const still = closedByServer.map((c, i) => (c ? '' : `${i < GARBAGE ? 'garbage' : 'long'}:${['smtp', 'pop3', 'imap'][i % 3]}`)).filter(Boolean);
      const tally = [...new Set(still)].map((k) => `${k}×${still.filter((x) => x === k).length}`).join(' ');
      if (tally) t.diagnostic(`not closed: ${tally}`);
      t.diagnostic(`server RSS: ${baseline.toFixed(0)} MB at rest, ${peak.toFixed(0)} MB peak with ${IDLE} idle + ${GARBAGE + LONG_LINES} abusive connections; legitimate user served in ${servedIn} ms; ${closed}/${abuse.length} abusers closed by the server`);
      assert.ok(peak < baseline + 300, `memory stays bounded (${baseline.toFixed(0)} → ${peak.toFixed(0)} MB)`);
      // Garbage gets closed on every protocol (too many invalid commands); an over-long line ends
      // an SMTP or IMAP session, while POP3 drops it and reads on (its idle time-out ends it).
      const mustClose = closedByServer.map((_c, i) => i < GARBAGE || i % 3 !== 1);
      const open_ = closedByServer.filter((c, i) => mustClose[i] && !c).length;
      assert.equal(open_, 0, `abusers are closed (${closed}/${abuse.length})`);
      const bans = JSON.parse(await buzonOk(dir, ['ban', 'list', '--json'])) as { ip: string }[];
      assert.ok(bans.some((b) => b.ip.startsWith('127.0.1.')), 'garbage senders\' addresses are banned');
      assert.ok(!bans.some((b) => b.ip === '127.0.0.1'), 'the legitimate user is not');

      // One address cannot take more than its share.
      const many = await inParallel(PER_IP_LIMIT + 10, 20, () => open(port(143), '127.0.2.1'));
      for (const c of many) sockets.push(c.socket);
      const refused = many.filter((c) => /Too many connections from your address/.test(c.first)).length;
      assert.equal(refused, 10, 'the connections over the per-address limit are refused');

      // Still alive and answering.
      assert.equal(serve.child.exitCode, null, "the server did not exit");
      const last = await open(port(25), '127.0.0.1');
      assert.match(last.first, /^220 /);
      last.socket.destroy();
      for (const s of sockets) s.destroy();
      assert.deepEqual(await serve.stop(), { code: 0, signal: null });
    } finally {
      for (const s of sockets) s.destroy();
      await serve.kill();
    }
  } finally {
    tmp.remove();
  }
});
