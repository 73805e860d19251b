// Shared helpers of the IMAP protocol tests: a raw IMAP client on a real socket that keeps the
// bytes of every response (literals included, so BODY[] can be compared byte for byte), a small
// reader of IMAP response data (lists, strings, literals, NIL) to look into FETCH results, and
// the SMTP/POP3 helpers re-exported from their kits. No fixed sleeps: every wait is on a response
// or a condition, with a deadline.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { RawClient } from '../../helpers/raw-client';
import type { TestServer } from '../../helpers/start-server';
import { startServer } from '../../helpers/start-server';
import type { PortStatus } from '../../../src-main/shared/model/entities';
import { until } from '../smtp/kit';

export { accountId, fromInternet, run, sha256, startLab, until, b64, plain, expectReply, open as smtpOpen, waitForLog } from '../smtp/kit';
export { deliver, greet as pop3Greet, login as pop3Login, Pop3Client } from '../pop3/kit';

export const USER1 = { user: 'cuenta1@aula.test', pass: 'secreto1' } as const;
export const USER2 = { user: 'cuenta2@aula.test', pass: 'secreto2' } as const;

/** One response as it came on the wire: a line, or lines joined by the literals they announce. */
export interface Resp {
  /** Every byte of the response, CRLF included. */
  readonly raw: Buffer;
  /** The raw bytes as latin1 text (one char per byte) without the final CRLF. */
  readonly text: string;
}

/** The outcome of one tagged command. */
export interface Result {
  readonly tag: string;
  /** The tagged line, without the tag: "OK [APPENDUID 1 3] APPEND completed". */
  readonly status: string;
  /** The tagged line as sent. */
  readonly tagged: string;
  /** Untagged responses ("* …") and continuation requests ("+ …") before the tagged one. */
  readonly untagged: Resp[];
  /** Their texts. */
  readonly lines: string[];
}

/** An IMAP client on a raw socket, reading bytes as they come (nothing decoded or normalised). */
export class ImapClient extends RawClient {
  private n = 0;
  greeting = '';

  private constructor(socket: Socket | TLSSocket) {
    super(socket, 'utf8');
  }

  /** Opens a plain connection, or an implicit-TLS one (accepting the self-signed certificate). */
  static async open(port: number, opts: { tls?: boolean } = {}): Promise<ImapClient> {
    return new ImapClient(await RawClient.connectSocket(port, opts));
  }

  /** One whole response: a line, and while it ends in {n}, n bytes and the line after them. */
  async response(timeoutMs = 15_000): Promise<Resp> {
    const deadline = Date.now() + timeoutMs;
    const parts: Buffer[] = [];
    for (;;) {
      const l = await this.rawLine(Math.max(1, deadline - Date.now()));
      parts.push(l);
      assert.ok(l.length >= 2 && l[l.length - 2] === 0x0d, `server lines end in CRLF: ${JSON.stringify(l.toString('latin1').slice(0, 120))}`);
      const m = /\{(\d+)\}\r\n$/.exec(l.toString('latin1'));
      if (!m) break;
      parts.push(await this.bytes(Number(m[1]), deadline));
    }
    const raw = Buffer.concat(parts);
    return { raw, text: raw.toString('latin1').replace(/\r\n$/, '') };
  }

  nextTag(): string {
    return `A${String(++this.n).padStart(3, '0')}`;
  }

  /** Reads responses until the tagged one for `tag`. */
  async collect(tag: string, timeoutMs = 20_000): Promise<Result> {
    const deadline = Date.now() + timeoutMs;
    const untagged: Resp[] = [];
    for (;;) {
      const r = await this.response(Math.max(1, deadline - Date.now()));
      if (r.text.startsWith(tag + ' ')) {
        return { tag, tagged: r.text, status: r.text.slice(tag.length + 1), untagged, lines: untagged.map((u) => u.text) };
      }
      untagged.push(r);
    }
  }

  /** Sends "<tag> <command>" and reads up to its tagged response. */
  async cmd(command: string, timeoutMs?: number): Promise<Result> {
    const tag = this.nextTag();
    this.send(`${tag} ${command}`);
    return this.collect(tag, timeoutMs);
  }

  /** Sends a command and asserts a tagged OK (and the pattern on the tagged line, if given). */
  async ok(command: string, re?: RegExp): Promise<Result> {
    return this.expect(command, 'OK', re);
  }

  async no(command: string, re?: RegExp): Promise<Result> {
    return this.expect(command, 'NO', re);
  }

  async bad(command: string, re?: RegExp): Promise<Result> {
    return this.expect(command, 'BAD', re);
  }

  private async expect(command: string, status: string, re?: RegExp): Promise<Result> {
    const r = await this.cmd(command);
    const what = `reply to ${JSON.stringify(command.slice(0, 100))}: ${JSON.stringify(r.tagged)} after ${JSON.stringify(r.lines.slice(0, 8))}`;
    assert.ok(r.status.startsWith(status + ' ') || r.status === status, what);
    if (re) assert.match(r.status, re, what);
    return r;
  }

}

/** Connects and reads the greeting ("* OK [CAPABILITY …] …"). */
/** Reads untagged responses (an IDLE session's) until one matches, returning all read. */
export async function untilUntagged(c: ImapClient, re: RegExp, timeoutMs = 15_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await c.response(Math.max(1, deadline - Date.now()));
    seen.push(r.text);
    if (re.test(r.text)) return seen;
  }
}

export async function connectImap(port: number, opts: { tls?: boolean } = {}): Promise<ImapClient> {
  const c = await ImapClient.open(port, opts);
  c.greeting = await c.line();
  assert.match(c.greeting, /^\* OK /, 'greeting');
  return c;
}

/** A logged-in session (LOGIN), optionally with a mailbox selected. */
export async function login(port: number, who: { user: string; pass: string } = USER1, select?: string): Promise<ImapClient> {
  const c = await connectImap(port);
  await c.ok(`LOGIN ${quote(who.user)} ${quote(who.pass)}`);
  if (select) await c.ok(`SELECT ${quote(select)}`);
  return c;
}

export function quote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** Logs out politely and waits for the server to close. */
export async function logout(c: ImapClient): Promise<void> {
  const r = await c.ok('LOGOUT');
  assert.ok(r.lines.some((l) => l.startsWith('* BYE')), 'LOGOUT sends BYE before its OK');
  assert.ok(await c.closedByServer(), 'the server closes after LOGOUT');
}

// ---- IMAP data ----

/** IMAP data: atom or quoted string → string, number → number, literal → Buffer, NIL → null. */
export type Val = string | number | null | Buffer | Val[];

/** Parses the IMAP data of a response (from `from`, a byte offset). Text after data is atoms. */
export function parseData(raw: Buffer, from = 0): Val[] {
  let p = from;
  const end = raw.length >= 2 && raw[raw.length - 2] === 0x0d ? raw.length - 2 : raw.length;
  const out: Val[][] = [[]];
  while (p < end) {
    const ch = raw[p]!;
    if (ch === 0x20) {
      p++;
    } else if (ch === 0x28 /* ( */) {
      out.push([]);
      p++;
    } else if (ch === 0x29 /* ) */) {
      const l = out.pop()!;
      assert.ok(out.length > 0, 'unbalanced ")" in ' + raw.toString('latin1').slice(0, 200));
      out[out.length - 1]!.push(l);
      p++;
    } else if (ch === 0x22 /* " */) {
      let s = '';
      p++;
      while (raw[p] !== 0x22) {
        assert.ok(p < end, 'unterminated quoted string');
        if (raw[p] === 0x5c) p++;
        s += String.fromCharCode(raw[p]!);
        p++;
      }
      p++;
      out[out.length - 1]!.push(Buffer.from(s, 'latin1').toString('utf8'));
    } else if (ch === 0x7b /* { */) {
      const close = raw.indexOf(0x7d, p);
      const n = Number(raw.subarray(p + 1, close).toString('latin1'));
      const start = close + 3; // "}\r\n"
      out[out.length - 1]!.push(Buffer.from(raw.subarray(start, start + n)));
      p = start + n;
    } else {
      const s = p;
      let depth = 0;
      while (p < end) {
        const c = raw[p]!;
        if (c === 0x5b) depth++;
        else if (c === 0x5d) depth--;
        else if (depth === 0 && (c === 0x20 || c === 0x28 || c === 0x29)) break;
        p++;
      }
      const a = raw.subarray(s, p).toString('latin1');
      out[out.length - 1]!.push(/^\d+$/.test(a) ? Number(a) : a === 'NIL' ? null : a);
    }
  }
  assert.equal(out.length, 1, 'balanced parentheses in ' + raw.toString('latin1').slice(0, 200));
  return out[0]!;
}

export interface Fetched {
  readonly seq: number;
  /** Item names upper-cased as sent ("BODY[HEADER.FIELDS (SUBJECT)]", "UID", "FLAGS"…). */
  readonly items: Map<string, Val>;
  readonly text: string;
}

/** The untagged FETCH responses of a result, in order. */
export function fetches(r: Result | Resp[]): Fetched[] {
  const list = Array.isArray(r) ? r : r.untagged;
  const out: Fetched[] = [];
  for (const u of list) {
    const m = /^\* (\d+) FETCH \(/.exec(u.text);
    if (!m) continue;
    const d = parseData(u.raw, 2);
    const attrs = d[2] as Val[];
    const items = new Map<string, Val>();
    for (let i = 0; i < attrs.length; i += 2) items.set(String(attrs[i]).toUpperCase(), attrs[i + 1]!);
    out.push({ seq: Number(m[1]), items, text: u.text });
  }
  return out;
}

/** The one FETCH response of a result (asserts there is exactly one). */
export function fetchOne(r: Result): Fetched {
  const f = fetches(r);
  assert.equal(f.length, 1, `exactly one FETCH response: ${JSON.stringify(r.lines.map((l) => l.slice(0, 200)))}`);
  return f[0]!;
}

/** The numbers of "* SEARCH 1 2 3" (asserts there is exactly one SEARCH response). */
export function searchResult(r: Result): number[] {
  const s = r.lines.filter((l) => /^\* SEARCH\b/.test(l));
  assert.equal(s.length, 1, `exactly one SEARCH response: ${JSON.stringify(r.lines)}`);
  return s[0]!
    .slice('* SEARCH'.length)
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}

/** The flags of a FETCH item, sorted. */
export function flagsOf(f: Fetched): string[] {
  const v = f.items.get('FLAGS');
  assert.ok(Array.isArray(v), `FLAGS in ${f.text.slice(0, 200)}`);
  return (v as string[]).map(String).sort();
}

/** Appends with a non-synchronizing literal (LITERAL+); returns the APPENDUID's UID. */
export async function append(c: ImapClient, mailbox: string, message: string | Buffer, extra = ''): Promise<number> {
  const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message, 'utf8');
  const tag = c.nextTag();
  c.write(Buffer.concat([Buffer.from(`${tag} APPEND ${quote(mailbox)}${extra ? ' ' + extra : ''} {${bytes.length}+}\r\n`, 'utf8'), bytes, Buffer.from('\r\n')]));
  const r = await c.collect(tag);
  const m = /^OK \[APPENDUID (\d+) (\d+)\]/.exec(r.status);
  assert.ok(m, `APPEND answered with APPENDUID: ${r.tagged}`);
  return Number(m[2]);
}

/** A simple RFC 5322 message with CRLF line ends. */
export function message(subject: string, body: string, headers: Record<string, string> = {}): string {
  const h = { From: 'Cuenta Dos <cuenta2@aula.test>', To: 'cuenta1@aula.test', Subject: subject, Date: 'Tue, 10 Mar 2026 10:00:00 +0100', 'Message-ID': `<${subject.replace(/\W/g, '')}.${Math.random().toString(36).slice(2)}@aula.test>`, ...headers };
  return Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n' + body;
}

/** Enables the seeded IMAP port 993 (implicit TLS) and returns the port it is bound to. */
export async function enableImaps(srv: TestServer): Promise<number> {
  const ports = await srv.call<PortStatus[]>('ports', 'list');
  const e = ports.find((p) => p.protocol === 'imap' && p.port === 993);
  assert.ok(e, 'the seeded IMAP 993 entry exists');
  assert.equal(e.security, 'tls');
  assert.equal(e.enabled, false, '993 is seeded disabled');
  await srv.call('ports', 'update', { id: e.id, enabled: true });
  await until(() => srv.host.boundPort('imap', 993) !== undefined, 'the 993 listener to be bound', 15_000);
  return srv.host.boundPort('imap', 993)!;
}

/** Stops the server (keeping its data folder) and starts a new one on the same folder. */
export async function restart(srv: TestServer): Promise<TestServer> {
  await srv.host.close();
  const next = await startServer({ dir: srv.dir });
  return {
    ...next,
    async close() {
      await next.host.close();
      await srv.close().catch(() => undefined);
    },
  };
}

/** The LIST (or LSUB) responses of a result: mailbox name → its attributes (in order sent). */
export function listed(r: Result, command = 'LIST'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const u of r.untagged) {
    if (!u.text.startsWith(`* ${command} `)) continue;
    const d = parseData(u.raw, 2);
    assert.ok(Array.isArray(d[1]) && d.length >= 4, `LIST response shape: ${u.text}`);
    const name = d[3];
    assert.ok(typeof name === 'string' || Buffer.isBuffer(name), `mailbox name in ${u.text}`);
    out.set(String(name), (d[1] as Val[]).map(String));
  }
  return out;
}

/** The STATUS response items of a result for one mailbox: item → number. */
export function statusOf(r: Result, mailbox: string): Record<string, number> {
  for (const u of r.untagged) {
    if (!u.text.startsWith('* STATUS ')) continue;
    const d = parseData(u.raw, 2);
    if (String(d[1]) !== mailbox) continue;
    const items = d[2] as Val[];
    const out: Record<string, number> = {};
    for (let i = 0; i < items.length; i += 2) out[String(items[i]).toUpperCase()] = Number(items[i + 1]);
    return out;
  }
  assert.fail(`no STATUS for ${mailbox} in ${JSON.stringify(r.lines)}`);
}
