// One POP3 connection: reads lines, dispatches them to the command modules (checking the state
// once, here), runs SASL exchanges and STLS, holds the maildrop lock while in TRANSACTION, and
// performs the UPDATE state at QUIT. Commands are processed one at a time in arrival order
// (PIPELINING), and every write honours back-pressure.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Readable } from 'node:stream';
import { LineReader } from './line-reader';
import { DotStuffer, stuff } from './dot-stuff';
import { COMMANDS } from './command-table';
import { messageNumber } from './command';
import { pop3Error } from './errors';
import { startSasl, type SaslExchange } from '../security/auth/sasl';
import type { Pop3Context, Pop3ResponseCode, Pop3State } from './session';
import type { Pop3Deps } from './pop3-daemon';
import type { SessionOptions } from '../server/session-listener';
import { socketDrained } from '../server/listen';

const MAX_LINE = 8 * 1024; // RFC 2449 allows 255 octets per command; be generous with clients
const MAX_BAD_COMMANDS = 20; // tolerated; the next one closes the session
const IDLE_MS = 10 * 60_000; // RFC 1939 §3: at least 10 minutes

/** What the session listener gives every session (starttls: STLS may be offered). */
export type ConnectionOptions = SessionOptions;

export class Pop3Connection {
  private socket: Socket;
  private state: Pop3State = { kind: 'authorization' };
  private readonly queue: string[] = [];
  private busy = false;
  private closed = false;
  /** end() was called (QUIT, too many bad commands, ban, shutdown): nothing more is read or written. */
  private ended = false;
  private secure: boolean;
  private badCommands = 0;
  private sasl: { exchange: SaslExchange; mechanism: string } | undefined;
  private reader: LineReader;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Removes this connection's 'data' and 'close' listeners from the current socket (before STLS). */
  private detach: () => void = () => undefined;

  constructor(
    socket: Socket,
    private readonly deps: Pop3Deps,
    private readonly opts: ConnectionOptions,
  ) {
    this.socket = socket;
    this.secure = opts.secure;
    this.reader = this.newReader();
    this.attach(socket);
  }

  private newReader(): LineReader {
    return new LineReader(
      {
        line: (l) => {
          this.queue.push(l);
          void this.pump();
        },
        overflow: () => {
          this.queue.push('\u0000overflow');
          void this.pump();
        },
      },
      MAX_LINE,
    );
  }

  private attach(socket: Socket): void {
    const onData = (d: Buffer): void => {
      this.touch();
      this.reader.push(d);
    };
    const onClose = (): void => this.onClose();
    socket.on('data', onData);
    socket.on('error', (e) => this.opts.log.debug({ event: 'pop3.connection.error', err: e.message }, 'socket error'));
    socket.on('close', onClose);
    // Only our own listeners: the daemon's 'close' listener (connection count, open sockets) must
    // stay on the raw socket, which still closes when the TLS socket over it does.
    this.detach = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
    };
  }

  start(greeting: string): void {
    this.touch();
    this.write(`+OK ${greeting}\r\n`);
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.write('-ERR autologout: idle for too long\r\n');
      this.end();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private write(text: string | Buffer): void {
    if (!this.closed && !this.ended && !this.socket.destroyed) this.socket.write(text);
  }

  /** Waits until the socket takes more data, or is gone (then there is nothing to wait for). */
  private drain(): Promise<void> {
    return socketDrained(this.socket);
  }

  private end(): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    this.socket.end();
  }

  /** The listener is closing: says so on the current socket (TLS after STLS) and ends; no UPDATE. */
  shutdown(text: string): void {
    this.write(`${text}\r\n`);
    this.end();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    // A dropped connection deletes nothing: only QUIT enters UPDATE. Release the lock.
    if (this.state.kind === 'transaction') this.deps.locks.delete(this.state.accountId);
    this.opts.log.debug({ event: 'pop3.connection.closed' }, 'closed');
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // Lines pipelined after QUIT get no answer: writing after end() would be an error that
      // destroys the socket, and with it any reply not yet flushed.
      while (this.queue.length && !this.closed && !this.ended) {
        const line = this.queue.shift()!;
        await this.handleLine(line);
        await this.drain();
      }
    } finally {
      this.busy = false;
    }
  }

  private async handleLine(line: string): Promise<void> {
    if (line === '\u0000overflow') {
      this.sasl = undefined;
      return this.bad('line too long');
    }
    if (this.sasl) return this.saslStep(line);
    const sp = line.indexOf(' ');
    const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    const cmd = COMMANDS.get(verb);
    if (!cmd) return this.bad(verb ? `unknown command` : 'empty command');
    const kind = this.state.kind;
    if (kind === 'update' || !cmd.states.includes(kind)) {
      return this.bad(kind === 'authorization' ? `${verb} needs you to log in first` : `${verb} is not allowed now`);
    }
    if (this.opts.log.isLevelEnabled('debug')) {
      this.opts.log.debug({ event: 'pop3.command', cmd: verb, args: cmd.secret ? '[redacted]' : rest.slice(0, 100) }, 'C: ' + verb);
    }
    const args = verb === 'PASS' ? [rest] : rest.split(' ').filter(Boolean);
    try {
      await cmd.handle(this.context(), args);
    } catch (e) {
      const { text, code } = pop3Error(e);
      this.opts.log.error({ event: 'pop3.command.failed', cmd: verb, err: String(e) }, 'command failed');
      this.err(text, code);
    }
  }

  private bad(text: string): void {
    this.badCommands++;
    this.err(text);
    if (this.badCommands > MAX_BAD_COMMANDS) {
      this.deps.guard.abuse(this.opts.ip, 'too many bad POP3 commands');
      this.write('-ERR too many bad commands, closing\r\n');
      this.end();
    }
  }

  private ok(text?: string): void {
    this.write(text ? `+OK ${text}\r\n` : '+OK\r\n');
  }

  private err(text: string, code?: Pop3ResponseCode): void {
    this.write(code ? `-ERR [${code}] ${text}\r\n` : `-ERR ${text}\r\n`);
  }

  private plaintextAllowed(): boolean {
    return this.secure || this.opts.plaintextAllowedInsecure;
  }

  /** One context per connection (commands run one at a time); its state fields read live. */
  private ctx: Pop3Context | undefined;

  private context(): Pop3Context {
    if (this.ctx) return this.ctx;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const conn = this;
    this.ctx = {
      deps: this.deps,
      get state() {
        return conn.state;
      },
      get secure() {
        return conn.secure;
      },
      get plaintextAllowed() {
        return conn.plaintextAllowed();
      },
      get stlsAvailable() {
        return conn.opts.starttls && !conn.secure;
      },
      ip: this.opts.ip,
      setState: (s) => {
        this.state = s;
      },
      ok: (t) => this.ok(t),
      err: (t, c) => this.err(t, c),
      multiline: (text, lines) => {
        const body = lines.map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n');
        this.write(`+OK ${text}\r\n${body}${lines.length ? '\r\n' : ''}.\r\n`);
      },
      stream: (text, body) => this.stream(text, body),
      sendWhole: (text, data) => {
        const body = stuff(data, true);
        const end = body.length === 0 || body[body.length - 1] === 0x0a ? '.\r\n' : '\r\n.\r\n';
        // +OK 1234 octets / <message> / .
        this.write(Buffer.concat([Buffer.from(`+OK ${text}\r\n`, 'latin1'), body, Buffer.from(end, 'latin1')]));
      },
      message: (arg) => {
        const s = this.state;
        if (s.kind !== 'transaction') return undefined;
        const n = messageNumber(arg);
        if (n === undefined) {
          this.err(arg === undefined ? 'message number required' : `invalid message number ${arg}`);
          return undefined;
        }
        const msg = s.drop.messages[n - 1];
        if (!msg) {
          // -ERR no such message, only 2 messages in maildrop
          this.err(`no such message, only ${s.drop.messages.length} messages in maildrop`);
          return undefined;
        }
        if (s.deleted.has(n)) {
          this.err(`message ${n} already deleted`);
          return undefined;
        }
        return { n, msg };
      },
      login: (u, p) => this.login(u, p),
      startSasl: (mech, initial) => this.beginSasl(mech, initial),
      startTls: () => this.upgrade(),
      quit: () => this.quit(),
    };
    return this.ctx;
  }

  /** Resolves true when the whole message and its terminating line went out. */
  private async stream(text: string, body: Readable): Promise<boolean> {
    const stuffer = new DotStuffer();
    // pipe() does not forward errors: a file that cannot be read (gone, unreadable) must fail the
    // loop below instead of leaving it waiting forever (and the 'error' unhandled).
    body.once('error', (e) => stuffer.destroy(e));
    const source = body.pipe(stuffer);
    const gone = () => this.closed || this.ended || this.socket.destroyed;
    // The status line goes out with the first chunk and the terminating line with the last one:
    // a small message is one write (one segment), and no small write ever waits on the client's
    // delayed ACK (the Nagle + delayed-ACK stall cost 40 ms per RETR).
    let header: Buffer | undefined = Buffer.from(`+OK ${text}\r\n`, 'latin1');
    let pending: Buffer | undefined;
    let headerSent = false;
    try {
      for await (const chunk of source) {
        if (gone()) break;
        if (pending) {
          const data: Buffer = header ? Buffer.concat([header, pending]) : pending;
          header = undefined;
          headerSent = true;
          if (!this.socket.write(data)) await this.drain();
        }
        pending = chunk as Buffer;
      }
      if (gone()) {
        // The client went away mid-message: stop reading the file.
        body.destroy();
        return false;
      }
    } catch (e) {
      body.destroy();
      if (!headerSent) throw e;
      // Mid-stream failure: the client would read a truncated message as whole. Close instead.
      this.opts.log.error({ event: 'pop3.stream.failed', err: String(e) }, 'message stream failed');
      this.socket.destroy();
      return false;
    }
    // The terminating line, preceded by a CRLF if the data did not end with one.
    const end = Buffer.from(stuffer.lastByte === 0x0a ? '.\r\n' : '\r\n.\r\n', 'latin1');
    this.write(Buffer.concat([...(header ? [header] : []), ...(pending ? [pending] : []), end]));
    return true;
  }

  private async login(username: string, password: string): Promise<void> {
    const r = await this.deps.auth.authenticate(username, password, this.opts.ip);
    if (!r.ok) {
      this.opts.log.warn({ event: 'pop3.auth.failed', user: username.slice(0, 100), banned: r.banned }, 'authentication failed');
      this.deps.counters.authFailures++;
      this.state = { kind: 'authorization' };
      this.err('authentication failed', 'AUTH');
      if (r.banned) this.end();
      return;
    }
    if (this.deps.locks.has(r.accountId)) {
      this.state = { kind: 'authorization' };
      return this.err('maildrop already locked by another session', 'IN-USE');
    }
    this.deps.locks.add(r.accountId);
    try {
      const drop = this.deps.maildrop.open(r.accountId);
      this.state = { kind: 'transaction', accountId: r.accountId, address: r.address, drop, deleted: new Set() };
      this.opts.log.info({ event: 'pop3.auth.succeeded', user: r.address, messages: drop.messages.length }, 'logged in');
      const bytes = drop.messages.reduce((a, m) => a + m.size, 0);
      this.ok(`maildrop has ${drop.messages.length} messages (${bytes} octets)`);
    } catch (e) {
      this.deps.locks.delete(r.accountId);
      this.state = { kind: 'authorization' };
      throw e;
    }
  }

  private beginSasl(mechanism: string, initial: string | undefined): void {
    const exchange = startSasl(mechanism);
    if (!exchange) return this.err(`unsupported SASL mechanism ${mechanism.slice(0, 20)}`);
    this.sasl = { exchange, mechanism: mechanism.toUpperCase() };
    return void this.saslResult(exchange.start(initial));
  }

  private saslStep(line: string): Promise<void> {
    return this.saslResult(this.sasl!.exchange.next(line));
  }

  private async saslResult(step: ReturnType<SaslExchange['start']>): Promise<void> {
    switch (step.kind) {
      case 'challenge':
        // + VXNlcm5hbWU6
        this.write(`+ ${step.challenge}\r\n`);
        return;
      case 'cancelled':
        this.sasl = undefined;
        return this.err('authentication cancelled');
      case 'error':
        this.sasl = undefined;
        return this.err(`authentication failed: ${step.message}`, 'AUTH');
      case 'done':
        this.sasl = undefined;
        if (step.authzid && step.authzid.toLowerCase() !== step.username.toLowerCase()) {
          return this.err('authorization identity not allowed', 'AUTH');
        }
        return this.login(step.username, step.password);
    }
  }

  private upgrade(): void {
    const tlsOf = this.opts.tls;
    if (!tlsOf) return this.err('STLS not available');
    // +OK Begin TLS negotiation
    this.ok('Begin TLS negotiation');
    const raw = this.socket;
    this.detach();
    const tls = new TLSSocket(raw, { isServer: true, secureContext: tlsOf.context(), SNICallback: tlsOf.SNICallback });
    this.socket = tls;
    this.reader = this.newReader(); // discard anything pipelined before the handshake (RFC 2595 §4)
    this.queue.length = 0;
    tls.once('secure', () => {
      this.secure = true;
      this.state = { kind: 'authorization' };
      this.opts.log.debug({ event: 'pop3.tls.started' }, 'TLS started');
    });
    this.attach(tls);
  }

  private async quit(): Promise<void> {
    const s = this.state;
    if (s.kind === 'transaction') {
      this.state = { kind: 'update' };
      const ids = [...s.deleted].map((n) => s.drop.messages[n - 1]!.id);
      try {
        const removed = await this.deps.maildrop.expunge(s.accountId, s.drop.mailboxId, ids);
        const left = s.drop.messages.length - removed;
        this.opts.log.info({ event: 'pop3.update', user: s.address, deleted: removed }, 'session ended');
        this.ok(`Buzon POP3 server signing off (${left} messages left)`);
      } catch (e) {
        this.opts.log.error({ event: 'pop3.update.failed', err: String(e) }, 'could not remove messages');
        this.err('some deleted messages not removed', 'SYS/TEMP');
      } finally {
        this.deps.locks.delete(s.accountId);
      }
    } else {
      this.ok('Buzon POP3 server signing off');
    }
    this.end();
  }
}
