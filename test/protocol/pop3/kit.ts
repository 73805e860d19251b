// Shared helpers of the POP3 protocol tests: a raw POP3 client that keeps the bytes (so RETR can
// be compared byte for byte), delivering mail over real SMTP, and reading what the server stored.
// No fixed sleeps: every wait is on a reply or a condition, with a deadline.
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { RawClient } from '../../helpers/raw-client';
import type { TestServer } from '../../helpers/start-server';
import type { PortStatus } from '../../../src-main/shared/model/entities';
import { accountId, dotStuff, expectReply, session, until } from '../smtp/kit';

export { accountId, fromInternet, run, sha256, splitTrace, startLab, until, b64 } from '../smtp/kit';

export const GREETING = '+OK POP3 server ready';

/** A POP3 client on a raw socket, reading bytes as they come (nothing decoded or normalised). */
export class Pop3Client extends RawClient {
  private constructor(socket: Socket | TLSSocket) {
    super(socket, 'latin1');
  }

  /** Opens a plain connection, or an implicit-TLS one (accepting the self-signed certificate). */
  static async open(port: number, opts: { tls?: boolean } = {}): Promise<Pop3Client> {
    return new Pop3Client(await RawClient.connectSocket(port, opts));
  }

  /**
   * The rest of a multi-line response, up to and without the terminating ".\r\n": `raw` as it came
   * on the wire (byte-stuffed), `body` with the stuffing undone.
   */
  async multiline(timeoutMs = 60_000): Promise<{ raw: Buffer; body: Buffer }> {
    const raw: Buffer[] = [];
    const body: Buffer[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const l = await this.rawLine(Math.max(1, deadline - Date.now()));
      if (l.length === 3 && l[0] === 0x2e && l[1] === 0x0d) break;
      assert.ok(l.length >= 2 && l[l.length - 2] === 0x0d, `every line of a multi-line response ends in CRLF: ${JSON.stringify(l.toString('latin1').slice(0, 80))}`);
      raw.push(l);
      body.push(l[0] === 0x2e ? l.subarray(1) : l);
    }
    return { raw: Buffer.concat(raw), body: Buffer.concat(body) };
  }

  /** Sends a command and returns its one-line reply. */
  async cmd(line: string): Promise<string> {
    this.send(line);
    return this.line();
  }

  /** Sends a command and asserts "+OK" (and the pattern, if given). */
  async ok(line: string, re?: RegExp): Promise<string> {
    const r = await this.cmd(line);
    assert.match(r, /^\+OK\b/, `reply to ${JSON.stringify(line.slice(0, 60))}`);
    if (re) assert.match(r, re, `reply to ${JSON.stringify(line.slice(0, 60))}`);
    return r;
  }

  /** Sends a command and asserts "-ERR" (and the pattern, if given). */
  async err(line: string, re?: RegExp): Promise<string> {
    const r = await this.cmd(line);
    assert.match(r, /^-ERR\b/, `reply to ${JSON.stringify(line.slice(0, 60))}`);
    if (re) assert.match(r, re, `reply to ${JSON.stringify(line.slice(0, 60))}`);
    return r;
  }

  /** Sends a multi-line command, asserts "+OK", returns the status line and the lines as text. */
  async multi(line: string, re?: RegExp): Promise<{ status: string; raw: Buffer; body: Buffer; lines: string[] }> {
    const status = await this.ok(line, re);
    const { raw, body } = await this.multiline();
    const text = body.toString('latin1');
    return { status, raw, body, lines: text === '' ? [] : text.replace(/\r\n$/, '').split('\r\n') };
  }

}

/** Connects and waits for the greeting, as a person at telnet does. */
export async function greet(port: number, opts: { tls?: boolean } = {}): Promise<Pop3Client> {
  const c = await Pop3Client.open(port, opts);
  assert.equal(await c.line(), GREETING);
  return c;
}

/** USER/PASS on a fresh connection; returns the client in TRANSACTION and the PASS reply. */
export async function login(port: number, user: string, password: string): Promise<Pop3Client> {
  const c = await greet(port);
  await c.ok(`USER ${user}`);
  await c.ok(`PASS ${password}`, /^\+OK maildrop has \d+ messages \(\d+ octets\)$/);
  return c;
}

/**
 * Delivers messages over real SMTP (one session, BODY=8BITMIME), each to `to`, and asserts the
 * 250 for each one. `data` is the message as the client means it (dot-stuffed here).
 */
export async function deliver(srv: TestServer, to: string, ...messages: (string | Buffer)[]): Promise<void> {
  const c = await session(srv.smtpPort);
  try {
    for (const m of messages) {
      await expectReply(c, 'MAIL FROM:<cuenta2@aula.test> BODY=8BITMIME', /^250 /);
      c.write(Buffer.from(`RCPT TO:<${to}>\r\n`, 'utf8'));
      assert.match((await c.reply()).text, /^250 /);
      await expectReply(c, 'DATA', /^354 /);
      c.write(dotStuff(Buffer.isBuffer(m) ? m : Buffer.from(m, 'utf8')));
      assert.match((await c.reply(60_000)).text, /^250 2\.0\.0 /);
    }
    await expectReply(c, 'QUIT', /^221 /);
  } finally {
    c.close();
  }
}

export interface StoredMessage {
  readonly uid: number;
  readonly file: string;
  readonly size: number;
  readonly flags: string;
  readonly path: string;
  bytes(): Buffer;
  exists(): boolean;
}

/** An account's INBOX as the index has it, oldest first. */
export function stored(srv: TestServer, address: string): StoredMessage[] {
  return srv.host.mail.listMessages(accountId(srv, address)).map((r) => {
    const path = join(srv.dir, r.file);
    return { uid: r.uid, file: r.file, size: r.size, flags: r.flags, path, bytes: () => readFileSync(path), exists: () => existsSync(path) };
  });
}

/** Enables the seeded POP3 port 995 (implicit TLS) and returns the port it is bound to. */
export async function enablePop3s(srv: TestServer): Promise<number> {
  const ports = await srv.call<PortStatus[]>('ports', 'list');
  const e = ports.find((p) => p.protocol === 'pop3' && p.port === 995);
  assert.ok(e, 'the seeded POP3 995 entry exists');
  assert.equal(e.security, 'tls');
  assert.equal(e.enabled, false, '995 is seeded disabled');
  await srv.call('ports', 'update', { id: e.id, enabled: true });
  await until(() => srv.host.boundPort('pop3', 995) !== undefined, 'the 995 listener to be bound', 15_000);
  return srv.host.boundPort('pop3', 995)!;
}

/** Splits a stored message at its first empty line: the header block (with CRLF) and the body. */
export function headerAndBody(file: Buffer): { header: Buffer; body: Buffer } {
  const i = file.indexOf('\r\n\r\n');
  assert.ok(i >= 0, 'the message has a body');
  return { header: file.subarray(0, i + 4), body: file.subarray(i + 4) };
}
