// One IMAP connection: the command reader (protocol/parser.ts) in front, the dispatcher that checks
// each command's state and arity once, the output queue that streams literals from the message
// files with back-pressure, and the session's moments outside commands: SASL exchanges, STARTTLS,
// IDLE, autologout and the bad-command budget.
//
// Commands run one at a time in arrival order: the reader is paused while a command runs, and
// resumed only for the raw lines a command waits for (AUTHENTICATE responses, IDLE's DONE).
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { CommandReader, type ImapCommand as ParsedCommand, type ImapParseError, type LiteralRequest, type RawLine } from './protocol/parser';
import { compile, LiteralSourceError, responseChunks, type ImapResponse, type ResponseCode, type ResponsePart } from './protocol/compiler';
import type { LiteralSink, Token } from './protocol/tokens';
import { startSasl } from '../security/auth/sasl';
import { COMMANDS } from './command-table';
import { BadArguments } from './command';
import { imapError } from './errors';
import { InvalidName, toStoreName, toWireName } from './names';
import { MailboxView } from './mailbox-view';
import { AppendSink } from './append-sink';
import type { ImapContext, ImapState, ImapUser } from './session';
import type { ImapDeps } from './imap-daemon';
import type { MailboxRow } from '../store/mailboxes';
import type { SessionOptions } from '../server/session-listener';
import { socketDrained } from '../server/listen';

const MAX_BAD_COMMANDS = 20; // tolerated; the next one closes the session
const IDLE_MS = 30 * 60_000; // RFC 9051 §5.4: the autologout timer is at least 30 minutes
// Before logon a shorter one is allowed (§5.4): connections that never log on do not hold
// connection slots for half an hour. Long enough for a person typing at telnet.
const PREAUTH_MS = 3 * 60_000;
const BATCH_BYTES = 128 * 1024;
const READER_HIGH_WATER = 1024 * 1024;

/** What the session listener gives every session (starttls: STARTTLS may be offered). */
export type ConnectionOptions = SessionOptions;

type Queued = { kind: 'command'; command: ParsedCommand } | { kind: 'error'; error: ImapParseError };

export class ImapConnection {
  private socket: Socket;
  private state: ImapState = { kind: 'notAuthenticated' };
  private readonly queue: Queued[] = [];
  private busy = false;
  private closed = false;
  private ended = false;
  /** BYE is queued: no more commands are run; the connection ends once the output is written. */
  private closing = false;
  /**
   * The client closed its sending side (sockets are half-open: "nc -q", scripts that send and
   * then shut down): the commands already received are still answered, then the connection ends.
   */
  private peerEnded = false;
  private secure: boolean;
  private badCommands = 0;
  private reader: CommandReader;
  private idleTimer: NodeJS.Timeout | undefined;
  private detach: () => void = () => undefined;
  private rawWaiter: ((l: RawLine | null) => void) | undefined;
  private out: ResponsePart[] = [];
  private outBytes = 0;
  private draining: Promise<void> = Promise.resolve();
  private idling: { tag: string } | undefined;
  /** Why the reader's last onLiteral refused a literal (its parse error then says only "refused"). */
  private refusal: ResponseCode | undefined;
  private current: { tag: string; command: string; holdsExpunge: boolean } = { tag: '*', command: '', holdsExpunge: false };
  readonly enabled = new Set<string>();
  private readonly origin = {};

  constructor(
    socket: Socket,
    private readonly deps: ImapDeps,
    private readonly opts: ConnectionOptions,
  ) {
    this.socket = socket;
    this.secure = opts.secure;
    this.reader = this.newReader();
    this.attach(socket);
  }

  private newReader(): CommandReader {
    const max = this.deps.settings()['smtp.maxMessageSizeKb'];
    return new CommandReader(
      {
        onCommand: (c) => {
          this.reader.pause();
          this.queue.push({ kind: 'command', command: c });
          void this.pump();
        },
        onError: (e) => {
          this.queue.push({ kind: 'error', error: e });
          void this.pump();
        },
        onContinuation: () => this.writeNow('+ Ready for literal data\r\n'),
        onLiteral: (r) => this.literalSink(r),
        onRawLine: (l) => {
          const w = this.rawWaiter;
          this.rawWaiter = undefined;
          this.reader.pause();
          w?.(l);
        },
      },
      { maxLiteralSize: max > 0 ? max * 1024 : 2 * 1024 * 1024 * 1024 },
    );
  }

  private attach(socket: Socket): void {
    const onData = (d: Buffer): void => {
      this.touch();
      this.reader.push(d);
      if (this.reader.pendingBytes > READER_HIGH_WATER && !socket.isPaused()) socket.pause();
    };
    const onClose = (): void => this.onClose();
    const onEnd = (): void => {
      this.peerEnded = true;
      // A command waiting for a line (IDLE's DONE, an AUTHENTICATE response) will not get it.
      const w = this.rawWaiter;
      this.rawWaiter = undefined;
      w?.(null);
      void this.pump();
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', (e) => this.opts.log.debug({ event: 'imap.connection.error', err: e.message }, 'socket error'));
    socket.on('close', onClose);
    this.detach = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('end', onEnd);
    };
  }

  start(greeting: string): void {
    this.touch();
    this.writeNow(`* OK [CAPABILITY ${this.capabilities().join(' ')}] ${greeting}\r\n`);
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.autologout(), this.state.kind === 'notAuthenticated' ? PREAUTH_MS : IDLE_MS);
    this.idleTimer.unref();
  }

  private autologout(): void {
    // A command still running or sending (a long download to a slow client) is not idleness;
    // IDLE is, once its 30 minutes are up (clients re-issue it every 29).
    if (this.busy && !this.idling) return this.touch();
    this.send({ tag: '*', command: 'BYE', text: 'Autologout; idle for too long' });
    this.closeAfterOutput();
  }

  private gone(): boolean {
    return this.closed || this.ended || this.socket.destroyed;
  }

  private writeNow(text: string | Buffer): void {
    if (!this.gone()) this.socket.write(text);
  }

  private end(): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    this.leaveMailbox();
    this.reader.close();
    this.socket.end();
  }

  private closeAfterOutput(): void {
    if (this.closing) return;
    this.closing = true;
    this.reader.pause();
    void this.drain().then(() => this.end());
  }

  /** The listener is closing: says goodbye on the current socket (TLS after STARTTLS). */
  shutdown(text: string): void {
    // Through the output queue: never in the middle of a literal being sent.
    this.send({ tag: '*', command: 'BYE', text });
    this.closeAfterOutput();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.leaveMailbox();
    this.reader.close();
    this.abortQueued();
    this.rawWaiter?.(null);
    this.rawWaiter = undefined;
    this.opts.log.debug({ event: 'imap.connection.closed' }, 'closed');
  }

  /** Commands received but not run: their APPEND temp files go now, not at the next start. */
  private abortQueued(): void {
    for (const q of this.queue.splice(0)) if (q.kind === 'command') for (const sink of q.command.sinks) sink.abort();
  }

  private leaveMailbox(): void {
    if (this.state.kind === 'selected') {
      this.state.view.close();
      this.state = { kind: 'authenticated', user: this.state.user };
    }
  }

  // ---- output ----

  private send(r: ImapResponse): void {
    for (const p of compile(r)) {
      this.out.push(p);
      this.outBytes += Buffer.isBuffer(p) ? p.length : p.length;
    }
  }

  /** Writes the queue in order; batches small pieces; streams large literals. */
  private drain(): Promise<void> {
    this.draining = this.draining.then(() => this.drainNow());
    return this.draining;
  }

  private async drainNow(): Promise<void> {
    while (this.out.length) {
      const parts = this.out;
      this.out = [];
      this.outBytes = 0;
      let batch: Buffer[] = [];
      let batchBytes = 0;
      const flush = async (): Promise<void> => {
        if (!batchBytes) return;
        const data = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes);
        batch = [];
        batchBytes = 0;
        await this.write(data);
      };
      for (const p of parts) {
        if (this.gone()) return;
        if (Buffer.isBuffer(p)) {
          batch.push(p);
          batchBytes += p.length;
        } else {
          await flush();
          try {
            for await (const chunk of responseChunks([p])) {
              if (this.gone()) return;
              await this.write(chunk);
            }
          } catch (e) {
            return this.broken(e as Error);
          }
        }
        if (batchBytes >= BATCH_BYTES) await flush();
      }
      await flush();
    }
  }

  /** A literal whose source failed after its {n} went out: the client is out of step. */
  private broken(e: Error): void {
    this.opts.log.error({ event: 'imap.literal.failed', err: e.message, literal: e instanceof LiteralSourceError }, 'message file could not be sent');
    this.out = [];
    this.outBytes = 0;
    this.socket.destroy();
  }

  private async write(data: Buffer): Promise<void> {
    if (this.gone()) return;
    if (!this.socket.write(data)) await socketDrained(this.socket);
  }

  // ---- dispatch ----

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.gone() && !this.closing) {
        const item = this.queue.shift()!;
        if (item.kind === 'error') this.parseError(item.error);
        else await this.dispatch(item.command);
        await this.drain();
        if (!this.queue.length && !this.gone() && !this.closing) {
          this.reader.resume();
          if (this.socket.isPaused() && this.reader.pendingBytes < READER_HIGH_WATER) this.socket.resume();
        }
      }
      if (this.peerEnded && !this.queue.length && !this.gone()) this.closeAfterOutput();
    } finally {
      this.busy = false;
    }
  }

  private parseError(e: ImapParseError): void {
    if (e.code === 'literal-refused' && this.refusal) {
      const code = this.refusal;
      this.refusal = undefined;
      const text = code.name === 'OVERQUOTA' ? 'Quota exceeded' : code.name === 'TRYCREATE' ? 'Mailbox does not exist' : 'Literal refused';
      this.send({ tag: e.tag, command: 'NO', code, text });
      return;
    }
    if (e.code === 'literal-too-big' || e.code === 'command-too-big') {
      this.send({ tag: e.tag, command: 'NO', code: { name: 'TOOBIG' }, text: e.code === 'literal-too-big' ? 'Message too big' : 'Command too big' });
      return;
    }
    if (e.code === 'line-too-long') {
      // No IMAP client sends a command line this long without literals: as Dovecot does, the
      // session ends (and the abuse counts toward auto-ban) instead of reading on.
      this.send({ tag: e.tag, command: 'BAD', text: e.message });
      this.deps.guard.abuse(this.opts.ip, 'IMAP command line too long');
      this.send({ tag: '*', command: 'BYE', text: 'Command line too long' });
      this.closeAfterOutput();
      return;
    }
    this.bad(e.tag, e.message);
  }

  private bad(tag: string, text: string): void {
    this.badCommands++;
    this.send({ tag, command: 'BAD', text });
    if (this.badCommands > MAX_BAD_COMMANDS) {
      this.deps.guard.abuse(this.opts.ip, 'too many invalid IMAP commands');
      this.send({ tag: '*', command: 'BYE', text: 'Too many invalid commands' });
      this.closeAfterOutput();
    }
  }

  private async dispatch(c: ParsedCommand): Promise<void> {
    const cmd = COMMANDS.get(c.command);
    if (!cmd) return this.bad(c.tag, c.command ? `Unknown command ${c.command.slice(0, 30)}` : 'Empty command');
    const kind = this.state.kind;
    if (kind === 'logout' || !cmd.states.includes(kind)) {
      return this.bad(c.tag, kind === 'notAuthenticated' ? `${c.command} needs authentication first` : kind === 'authenticated' ? `${c.command} needs a selected mailbox` : `${c.command} is not allowed now`);
    }
    if (c.args.length < cmd.arity[0] || c.args.length > cmd.arity[1]) {
      for (const s of c.sinks) s.abort();
      return this.bad(c.tag, `Wrong number of arguments for ${c.command}`);
    }
    if (this.opts.log.isLevelEnabled('debug')) {
      this.opts.log.debug({ event: 'imap.command', tag: c.tag.slice(0, 40), cmd: c.command, args: cmd.secret ? '[redacted]' : summarize(c.args) }, 'C: ' + c.command);
    }
    this.current = { tag: c.tag, command: c.command, holdsExpunge: cmd.holdsExpunge?.(c.command) ?? false };
    try {
      await cmd.handle(this.context(), c.args);
    } catch (e) {
      for (const s of c.sinks) s.abort();
      if (e instanceof BadArguments) return this.bad(c.tag, e.message);
      const { text, code, unexpected } = imapError(e);
      if (unexpected) this.opts.log.error({ event: 'imap.command.failed', cmd: c.command, err: String((e as Error)?.stack ?? e) }, 'command failed');
      this.tagged('NO', text, code);
    }
  }

  /** The tagged response, preceded by the view's queued changes that may go out now. */
  private tagged(status: 'OK' | 'NO' | 'BAD', text: string, code?: ResponseCode): void {
    this.flushView(!this.current.holdsExpunge);
    if (status === 'BAD') return this.bad(this.current.tag, text);
    this.send({ tag: this.current.tag, command: status, text, ...(code ? { code } : {}) });
  }

  private flushView(allowExpunge: boolean): void {
    const s = this.state;
    if (s.kind !== 'selected') return;
    for (const u of s.view.flush(allowExpunge)) this.send({ tag: '*', ...u });
    if (s.view.gone) {
      // The mailbox was deleted or renamed by another session: RFC 9051 allows BYE; we leave the
      // mailbox instead and say so, which clients handle as "mailbox closed".
      s.view.close();
      this.state = { kind: 'authenticated', user: s.user };
      this.send({ tag: '*', command: 'OK', code: { name: 'CLOSED' }, text: 'Mailbox was deleted or renamed' });
    }
  }

  // ---- literals (APPEND) ----

  private literalSink(r: LiteralRequest): LiteralSink | null {
    const s = this.state;
    if (r.command !== 'APPEND' || s.kind === 'notAuthenticated' || s.kind === 'logout') {
      this.refusal = { name: 'TOOBIG' };
      return null;
    }
    if (r.size > this.deps.mailboxes.room(s.user.accountId)) {
      this.refusal = { name: 'OVERQUOTA' };
      return null;
    }
    // A mailbox that does not exist: say so before the client sends the message, not after.
    const wire = r.args[0] === undefined ? undefined : tokenText(r.args[0]);
    if (wire !== undefined) {
      let exists = true;
      try {
        exists = this.deps.mailboxes.find(s.user.accountId, toStoreName(wire, this.deps.settings()['imap.hierarchyDelimiter'])) !== undefined;
      } catch {
        // an invalid name: APPEND itself answers it
      }
      if (!exists) {
        this.refusal = { name: 'TRYCREATE' };
        return null;
      }
    }
    return new AppendSink(this.deps.mailboxes.files.tmpPath(), (pause) => {
      if (pause) this.socket.pause();
      else if (this.reader.pendingBytes < READER_HIGH_WATER) this.socket.resume();
    });
  }

  // ---- raw lines (SASL, IDLE) ----

  private rawLine(): Promise<RawLine | null> {
    if (this.gone()) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.rawWaiter = resolve;
      this.reader.expectRawLine();
      this.reader.resume();
      if (this.socket.isPaused()) this.socket.resume();
    });
  }

  // ---- capabilities and context ----

  private plaintextAllowed(): boolean {
    return this.secure || this.opts.plaintextAllowedInsecure;
  }

  capabilities(): string[] {
    const caps = ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UIDPLUS', 'MOVE', 'SPECIAL-USE', 'LIST-EXTENDED', 'LIST-STATUS', 'CHILDREN', 'UNSELECT', 'QUOTA'];
    if (this.state.kind === 'notAuthenticated') {
      if (this.opts.starttls && !this.secure) caps.push('STARTTLS');
      if (this.plaintextAllowed()) caps.push('AUTH=PLAIN', 'AUTH=LOGIN');
      else caps.push('LOGINDISABLED');
    }
    return caps;
  }

  private ctx: ImapContext | undefined;

  private context(): ImapContext {
    if (this.ctx) return this.ctx;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const conn = this;
    const delimiter = (): string => this.deps.settings()['imap.hierarchyDelimiter'];
    this.ctx = {
      deps: this.deps,
      get state() {
        return conn.state;
      },
      get tag() {
        return conn.current.tag;
      },
      get command() {
        return conn.current.command;
      },
      log: this.opts.log,
      get secure() {
        return conn.secure;
      },
      get plaintextAllowed() {
        return conn.plaintextAllowed();
      },
      get starttlsAvailable() {
        return conn.opts.starttls && !conn.secure;
      },
      ip: this.opts.ip,
      get user(): ImapUser {
        const s = conn.state;
        if (s.kind !== 'authenticated' && s.kind !== 'selected') throw new Error('not authenticated');
        return s.user;
      },
      get view(): MailboxView {
        const s = conn.state;
        if (s.kind !== 'selected') throw new Error('no mailbox selected');
        return s.view;
      },
      origin: this.origin,
      get closed() {
        return conn.gone() || conn.closing;
      },
      capabilities: () => this.capabilities(),
      setState: (s) => {
        this.state = s;
      },
      untagged: (r) => this.send({ tag: '*', ...r }),
      untaggedRaw: (b) => {
        this.out.push(b);
        this.outBytes += b.length;
      },
      drain: () => this.drain(),
      get queuedBytes() {
        return conn.outBytes;
      },
      ok: (text, code) => this.tagged('OK', text, code),
      no: (text, code) => this.tagged('NO', text, code),
      bad: (text, code) => this.tagged('BAD', text, code),
      get delimiter() {
        return delimiter();
      },
      mailboxName: (token) => {
        const wire = token === undefined ? undefined : tokenText(token);
        if (wire === undefined) throw new BadArguments('Mailbox name expected');
        try {
          return toStoreName(wire, delimiter());
        } catch (e) {
          if (!(e instanceof InvalidName)) throw e;
          this.tagged('NO', e.message, { name: 'CANNOT' });
          return null;
        }
      },
      wireName: (name) => toWireName(name, delimiter()),
      findMailbox: (name, tryCreate) => {
        const box = this.deps.mailboxes.find(this.context().user.accountId, name);
        if (!box) this.tagged('NO', 'Mailbox does not exist', { name: tryCreate ? 'TRYCREATE' : 'NONEXISTENT' });
        return box ?? null;
      },
      login: (u, p) => this.login(u, p),
      authenticate: (m, i) => this.authenticate(m, i),
      startTls: () => this.startTls(),
      idle: () => this.idle(),
      logout: () => {
        this.send({ tag: '*', command: 'BYE', text: 'Logging out' });
        this.tagged('OK', 'LOGOUT completed');
        this.leaveMailbox();
        this.state = { kind: 'logout' };
        this.closeAfterOutput();
      },
      select: (box, readOnly) => this.select(box, readOnly),
      unselect: () => this.leaveMailbox(),
      enabled: this.enabled,
    };
    return this.ctx;
  }

  private select(box: MailboxRow, readOnly: boolean): void {
    this.leaveMailbox();
    const user = this.context().user;
    const mailboxes = this.deps.mailboxes;
    // Read the mailbox's state and subscribe to its events in one synchronous step: no change can
    // fall between the two (store events are emitted synchronously after each commit).
    const fresh = mailboxes.get(box.id) ?? box;
    const uids = mailboxes.uidList(box.id);
    const view = new MailboxView(fresh, readOnly, uids, this.deps.events, this.origin, () => this.onViewPending(), (uid) => mailboxes.flagsOf(box.id, uid));
    this.state = { kind: 'selected', user, view };
    const unseenUid = mailboxes.firstUnseen(box.id);
    const firstUnseen = unseenUid === undefined ? 0 : view.seqOf(unseenUid);
    for (const r of view.flagResponses()) this.send({ tag: '*', ...r });
    this.send({ tag: '*', number: view.exists, command: 'EXISTS' });
    this.send({ tag: '*', number: 0, command: 'RECENT' });
    if (firstUnseen) this.send({ tag: '*', command: 'OK', code: { name: 'UNSEEN', attributes: [firstUnseen] }, text: `Message ${firstUnseen} is first unseen` });
    this.send({ tag: '*', command: 'OK', code: { name: 'UIDVALIDITY', attributes: [fresh.uidvalidity] }, text: 'UIDs valid' });
    this.send({ tag: '*', command: 'OK', code: { name: 'UIDNEXT', attributes: [fresh.uidnext] }, text: 'Predicted next UID' });
  }

  /** A store event for the selected mailbox: during IDLE it goes out at once. */
  private onViewPending(): void {
    if (!this.idling || this.gone()) return;
    this.flushView(true);
    void this.drain();
  }

  // ---- authentication ----

  private async login(username: string, password: string): Promise<void> {
    const r = await this.deps.auth.authenticate(username, password, this.opts.ip);
    if (!r.ok) {
      this.opts.log.warn({ event: 'imap.auth.failed', user: username.slice(0, 100), banned: r.banned }, 'authentication failed');
      this.deps.counters.authFailures++;
      this.tagged('NO', 'Authentication failed', { name: 'AUTHENTICATIONFAILED' });
      if (r.banned) {
        this.send({ tag: '*', command: 'BYE', text: 'Too many failed logons from your address, try again later' });
        this.closeAfterOutput();
      }
      return;
    }
    this.state = { kind: 'authenticated', user: { accountId: r.accountId, address: r.address } };
    this.touch(); // from now on the 30-minute autologout
    this.deps.mailboxes.list(r.accountId); // creates INBOX and the special folders if missing
    this.opts.log.info({ event: 'imap.auth.succeeded', user: r.address }, 'logged in');
    this.tagged('OK', 'Logged in', { name: 'CAPABILITY', attributes: this.capabilities().map((c) => ({ type: 'atom' as const, value: c })) });
  }

  private async authenticate(mechanism: string, initial: string | undefined): Promise<void> {
    const exchange = startSasl(mechanism);
    if (!exchange) return this.tagged('NO', `Unsupported authentication mechanism`, { name: 'CANNOT' });
    let step = exchange.start(initial);
    for (;;) {
      switch (step.kind) {
        case 'challenge': {
          // + VXNlcm5hbWU6
          this.send({ tag: '+', text: step.challenge || undefined });
          await this.drain();
          const line = await this.rawLine();
          if (!line) return;
          if (!line.ok) return this.tagged('BAD', 'Line too long');
          if (line.text.trim() === '*') return this.tagged('BAD', 'Authentication cancelled');
          step = exchange.next(line.text);
          continue;
        }
        case 'cancelled':
          return this.tagged('BAD', 'Authentication cancelled');
        case 'error':
          this.deps.counters.authFailures++;
          return this.tagged('NO', `Authentication failed: ${step.message}`, { name: 'AUTHENTICATIONFAILED' });
        case 'done':
          if (step.authzid && step.authzid.toLowerCase() !== step.username.toLowerCase()) {
            return this.tagged('NO', 'Authorization identity not allowed', { name: 'AUTHORIZATIONFAILED' });
          }
          return this.login(step.username, step.password);
      }
    }
  }

  private startTls(): void {
    const tlsOf = this.opts.tls;
    if (!tlsOf || this.secure) return this.tagged('BAD', 'STARTTLS not available');
    this.tagged('OK', 'Begin TLS negotiation now');
    // The OK must go out in clear before the handshake starts.
    void this.drain().then(() => {
      if (this.gone()) return;
      const raw = this.socket;
      this.detach();
      const tls = new TLSSocket(raw, { isServer: true, secureContext: tlsOf.context(), SNICallback: tlsOf.SNICallback });
      this.socket = tls;
      this.reader.close();
      this.reader = this.newReader(); // anything pipelined before the handshake is discarded (RFC 9051 §6.2.1)
      this.abortQueued();
      tls.once('secure', () => {
        this.secure = true;
        this.opts.log.debug({ event: 'imap.tls.started' }, 'TLS started');
      });
      this.attach(tls);
    });
  }

  private async idle(): Promise<void> {
    this.idling = { tag: this.current.tag };
    this.send({ tag: '+', text: 'idling' });
    this.flushView(true);
    await this.drain();
    const line = await this.rawLine();
    this.idling = undefined;
    if (!line) return;
    if (!line.ok || line.text.trim().toUpperCase() !== 'DONE') return this.tagged('BAD', 'Expected DONE');
    this.tagged('OK', 'IDLE terminated');
  }
}

function tokenText(t: Token): string | undefined {
  switch (t.type) {
    case 'atom':
      return t.value;
    case 'number':
      return String(t.value);
    case 'string':
      return t.value;
    case 'nil':
      return 'NIL';
    default:
      return undefined;
  }
}

function summarize(args: readonly Token[]): string {
  const s = args
    .map((t) => (t.type === 'list' ? '(…)' : t.type === 'stream' ? `{${t.size}}` : t.type === 'literal' ? `{${t.bytes.length}}` : t.type === 'section' ? t.name + '[…]' : (tokenText(t) ?? '')))
    .join(' ');
  return s.slice(0, 120);
}
