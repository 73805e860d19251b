// Shared helpers of the SMTP protocol tests: reading what the server stored, waiting for the
// server to apply a setting, and driving a raw session. No fixed sleeps: everything here waits on
// a reply, an event or a condition with a deadline.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { startServer, type TestServer } from '../../helpers/start-server';
import { tempDir } from '../../helpers/temp-dir';
import { LineClient } from '../../helpers/line-client';
import type { IpRange, LogEntry, QueueItem } from '../../../src-main/shared/model/entities';

let template: Promise<string> | undefined;

/**
 * startServer() with the classroom lab, on a fresh copy of a lab data folder that the first call
 * of each test file builds with startServer() itself. Every test still gets its own server, data
 * folder and ports; the copy only saves each test the key pair of the self-signed certificate and
 * the password hashes of the lab accounts (most of a start-up's time). A test that needs the
 * certificate made for its own host name calls startServer() directly.
 */
export async function startLab(opts: { settings?: Record<string, unknown> } = {}): Promise<TestServer> {
  template ??= (async () => {
    const srv = await startServer();
    await srv.host.close();
    process.once('exit', () => rmSync(srv.dir, { recursive: true, force: true }));
    return srv.dir;
  })();
  const from = await template;
  const tmp = tempDir();
  cpSync(from, tmp.path, { recursive: true });
  try {
    const srv = await startServer({ dir: tmp.path, ...(opts.settings ? { settings: opts.settings } : {}) });
    return {
      ...srv,
      async close() {
        try {
          await srv.close();
        } finally {
          tmp.remove();
        }
      },
    };
  } catch (e) {
    tmp.remove();
    throw e;
  }
}

export const EXTERNAL_SENDER = 'alguien@exterior.example';
export const EXTERNAL_RCPT = 'destino@remoto.example';

export function accountId(srv: TestServer, address: string): number {
  const acc = srv.host.repo.findAccount(address);
  assert.ok(acc, `account ${address} exists`);
  return acc.id;
}

/** The stored files of an account's INBOX, oldest first. */
export function inbox(srv: TestServer, address: string): { file: string; size: number; bytes: Buffer; text: string }[] {
  return srv.host.mail.listMessages(accountId(srv, address)).map((r) => {
    const bytes = readFileSync(join(srv.dir, r.file));
    return { file: r.file, size: r.size, bytes, text: bytes.toString('latin1') };
  });
}

/** The one message of an account's INBOX (asserts there is exactly one). */
export function onlyMessage(srv: TestServer, address: string): { file: string; size: number; bytes: Buffer; text: string } {
  const msgs = inbox(srv, address);
  assert.equal(msgs.length, 1, `${address} has exactly one message`);
  return msgs[0]!;
}

const TRACE = /^(Return-Path|Delivered-To|Received):/i;

/**
 * Splits a stored file into the trace headers the server put in front (Return-Path,
 * Delivered-To, Received and their folded lines) and the bytes that follow.
 */
export function splitTrace(file: Buffer): { trace: string; rest: Buffer } {
  let pos = 0;
  let inTrace = false;
  for (;;) {
    const nl = file.indexOf(0x0a, pos);
    if (nl < 0) break;
    const line = file.subarray(pos, nl + 1).toString('latin1');
    if (TRACE.test(line)) inTrace = true;
    else if (!(inTrace && /^[ \t]/.test(line))) break;
    pos = nl + 1;
  }
  return { trace: file.subarray(0, pos).toString('latin1'), rest: file.subarray(pos) };
}

export function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** SMTP dot-stuffing (RFC 5321 §4.5.2) of CRLF text, plus the terminator. */
export function dotStuff(data: Buffer): Buffer {
  const s = data.toString('latin1');
  const stuffed = (s.startsWith('.') ? '.' : '') + s.replace(/\r\n\./g, '\r\n..');
  const ending = stuffed.endsWith('\r\n') ? '.\r\n' : '\r\n.\r\n';
  return Buffer.from(stuffed + ending, 'latin1');
}

/** Opens a session and waits for the 220 greeting, as a person at telnet does. */
export async function open(port: number): Promise<LineClient> {
  const c = await LineClient.open(port);
  const g = await c.reply();
  assert.equal(g.code, 220, `greeting: ${g.text}`);
  return c;
}

export async function expectReply(c: LineClient, line: string, re: RegExp): Promise<string> {
  const r = await c.cmd(line);
  assert.match(r.text, re, `reply to ${JSON.stringify(line.slice(0, 80))}`);
  return r.text;
}

/** AUTH PLAIN with the initial response, as typed by hand (base64 of "\0user\0password"). */
export function plain(user: string, password: string): string {
  return Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
}

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** EHLO, optional STARTTLS (and EHLO again), optional AUTH PLAIN. */
export async function session(port: number, opts: { tls?: boolean; auth?: { user: string; password: string } } = {}): Promise<LineClient> {
  const c = await open(port);
  await expectReply(c, 'EHLO cliente.test', /^250[ -]/);
  if (opts.tls) {
    await expectReply(c, 'STARTTLS', /^220 /);
    await c.startTls();
    await expectReply(c, 'EHLO cliente.test', /^250[ -]/);
  }
  if (opts.auth) await expectReply(c, `AUTH PLAIN ${plain(opts.auth.user, opts.auth.password)}`, /^235 /);
  return c;
}

/** A whole transaction on an open session; returns the final reply text of DATA. */
export async function transaction(c: LineClient, from: string, to: readonly string[], data: string | Buffer): Promise<string> {
  await expectReply(c, `MAIL FROM:<${from}>`, /^250 /);
  for (const r of to) await expectReply(c, `RCPT TO:<${r}>`, /^250 /);
  await expectReply(c, 'DATA', /^354 /);
  c.write(dotStuff(Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8')));
  return (await c.reply(30_000)).text;
}

/** Resolves with the next `server.statusChanged` (the end of a listener reconcile). */
export function nextStatus(srv: TestServer): Promise<void> {
  return new Promise((resolve) => {
    const off = srv.host.on('server.statusChanged', () => {
      off();
      resolve();
    });
  });
}

/**
 * Changes a setting the SMTP listeners are built from and waits until they are bound again;
 * returns the new bound port of the entry configured as 25.
 */
export async function setListenerSetting(srv: TestServer, key: string, value: unknown): Promise<number> {
  const rebound = nextStatus(srv);
  await srv.call('settings', 'set', { key, value });
  await rebound;
  const port = srv.host.boundPort('smtp', 25);
  assert.ok(port, 'SMTP listener bound again');
  return port;
}

/** Resolves with the first log entry that matches, logged from now on. */
export function waitForLog(srv: TestServer, match: (e: LogEntry) => boolean, timeoutMs = 15_000): Promise<LogEntry> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error('timeout waiting for a log entry'));
    }, timeoutMs);
    const off = srv.host.on('log.entry', (e) => {
      if (!match(e)) return;
      clearTimeout(t);
      off();
      resolve(e);
    });
  });
}

/** Waits for a condition, checking it on every turn of the event loop, until a deadline. */
export async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Makes 127.0.0.1 a client "from the Internet": removes the "My computer" range. */
export async function fromInternet(srv: TestServer): Promise<IpRange> {
  const ranges = await srv.call<IpRange[]>('ipRanges', 'list');
  const mine = ranges.find((r) => r.name === 'My computer');
  assert.ok(mine, 'the seeded "My computer" range exists');
  await srv.call('ipRanges', 'remove', { id: mine.id });
  const internet = (await srv.call<IpRange[]>('ipRanges', 'list')).find((r) => r.name === 'Internet');
  assert.ok(internet, 'the seeded "Internet" range exists');
  return internet;
}

export function queue(srv: TestServer): Promise<QueueItem[]> {
  return srv.call<QueueItem[]>('queue', 'list');
}

/** Every file (relative paths) under a folder of the data dir; [] if it does not exist. */
export function filesUnder(srv: TestServer, rel: string): string[] {
  const root = join(srv.dir, rel);
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (d: string, prefix: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${e}/`);
      else out.push(prefix + e);
    }
  };
  walk(root, '');
  return out;
}

export function messageRowCount(srv: TestServer): number {
  return (srv.host.db.prepare('SELECT count(*) AS c FROM messages').get() as { c: number }).c;
}

/** Runs a program; resolves with its output whatever the exit code (the test asserts on it). */
export function run(
  file: string,
  args: readonly string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 }, (_err, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
