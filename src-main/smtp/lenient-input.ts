// What smtp-server (pinned version, see package.json) does not do and our users need, applied at
// the three places where a command line or a reply passes through the library:
//
// 1. Command lines (SMTPConnection#_onCommand): the course's telnet sessions type
//    `mail from: pepe@winp`, `MAIL FROM: root` and `RCPT TO: antonio`, without angle brackets and
//    sometimes without a domain. The library answers 501 to those. We rewrite such a line to
//    `MAIL FROM:<pepe@winp>` before the library parses it, completing a bare name with the default
//    domain (or the host name), like Postfix's $myorigin. Only command lines pass here: DATA
//    content never does, so message bodies are untouched.
// 2. Bare LF in DATA (SMTPStream#_write): a client that typed its commands ending in bare LF
//    (netcat on Linux) also ends DATA with `\n.\n`, which the library does not see as the end. For
//    such a client only (and when "Allow incorrectly formatted line endings" is on), bare LF in
//    the data is read as CRLF. A client that sends CRLF commands, as every MTA does, never gets
//    this, which keeps SMTP smuggling (`\n.\n` inside a relayed message) out. Which kind of client
//    it is is read from the end of its command lines only, never from message text.
//    AUTH before STARTTLS from a range that requires TLS for authentication gets 538 5.7.11
//    (RFC 3207/4954) instead of the library's "command not recognized". And the library's fixed
//    limit of 10 unrecognised commands becomes hMailServer's setting (see below).
// 3. Replies (SMTPConnection#send): the library derives the enhanced status code from the reply
//    code alone (550 → 5.1.1). A reply text that starts with its own enhanced code
//    ("5.7.1 Relay access denied") is sent with that code instead.
// 4. End of a message (SMTPStream#continue): the library runs the commands that followed a
//    message's final dot from inside continue() and clears its continuation only afterwards. When
//    those commands hold a whole second message (a client that writes several transactions at
//    once, e.g. `nc host 25 < mails.txt`), the continuation that the second message's end set up
//    was wiped, and whatever followed it (QUIT, a third message) was never read: the session hung
//    until the idle time-out. We clear the continuation before running it.
// 5. A command deadline (SMTPConnection#init, #_onCommand, #_onClose): the library's idle time-out
//    restarts on every byte, so a client that trickles a byte every few minutes (slow-loris) holds
//    a connection for ever. Here a command line must be complete within COMMAND_DEADLINE_MS of
//    the previous one (RFC 5321 §4.5.3.2: 5 minutes), else `421 4.4.2` and the session ends. Data
//    transfer (after DATA) is left to the library's own time-outs and the size limit.
//
// The hooks check that the library still has the methods they wrap and fail loudly at start-up
// otherwise; test/protocol/smtp covers each behaviour.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';

export interface LenientSession {
  /** Completes a bare name ("root") into an address. */
  qualify(name: string): string;
  allowBareLf: boolean;
  /** AUTH is refused with 538 until STARTTLS (the IP range requires TLS for authentication). */
  authNeedsTls: boolean;
  /** Unrecognised commands allowed before the session is closed (0: never closed for that). */
  readonly maxInvalidCommands: number;
  invalidCommands?: number;
  /** The session is being closed for abusing the protocol (counts toward auto-ban). */
  readonly onAbuse?: (what: string) => void;
}

const ENHANCED_PREFIX = /^[245]\.\d{1,3}\.\d{1,3} /;
// MAIL FROM / RCPT TO with an address not in <...>: the verb, the colon, optional spaces, the
// address (no spaces or brackets), then optional ESMTP parameters.
const ADDRESS_CMD = /^(MAIL FROM|RCPT TO)\s*:\s*([^\s<>]+)((?:\s+[^\s<>]+)*)\s*$/i;
// The same with brackets but spaces around the colon ("MAIL FROM : <a@b>", "mail from:  <a@b>").
const SPACED_CMD = /^(MAIL FROM|RCPT TO)\s*:\s*(<[^<>]*>)(.*)$/i;

let installed = false;
/** RFC 5321 §4.5.3.2: 5 minutes for a command; a test may shorten it (BUZON_SMTP_COMMAND_DEADLINE_MS). */
const COMMAND_DEADLINE_MS = Number(process.env.BUZON_SMTP_COMMAND_DEADLINE_MS) || 5 * 60_000;

type Conn = {
  session: { buzon?: LenientSession };
  _parser?: { bareLfClient?: boolean; allowBareLf?: boolean };
  _server: { options: { hideENHANCEDSTATUSCODES?: boolean } };
};

export function rewriteCommandLine(line: string, qualify: (name: string) => string): string {
  const m = ADDRESS_CMD.exec(line);
  if (m) {
    const addr = m[2]!;
    const full = addr.includes('@') || /^postmaster$/i.test(addr) ? addr : qualify(addr);
    return `${m[1]!.toUpperCase()}:<${full}>${m[3] ?? ''}`;
  }
  const s = SPACED_CMD.exec(line);
  if (s) {
    let inner = s[2]!.slice(1, -1);
    if (inner && !inner.includes('@') && !/^postmaster$/i.test(inner)) inner = qualify(inner);
    return `${s[1]!.toUpperCase()}:<${inner}>${s[3] ?? ''}`;
  }
  return line;
}

export function installLenientInput(): void {
  if (installed) return;
  // The same module instances that smtp-server itself imports (ESM build; a bundle keeps them one).
  const connProto = (SMTPConnection as unknown as { prototype: Record<string, unknown> } | undefined)?.prototype;
  const streamProto = (SMTPStream as unknown as { prototype: Record<string, unknown> } | undefined)?.prototype;
  if (
    !connProto ||
    typeof connProto._onCommand !== 'function' ||
    typeof connProto.init !== 'function' ||
    typeof connProto._onClose !== 'function' ||
    typeof connProto.send !== 'function' ||
    !streamProto ||
    typeof streamProto._write !== 'function' ||
    typeof streamProto.continue !== 'function'
  ) {
    throw new Error('smtp-server internals changed: src-main/smtp/lenient-input.ts must be updated for this version');
  }

  type Timed = Conn & { _buzonDeadline?: NodeJS.Timeout; _dataStream?: unknown; _closed?: boolean; _closing?: boolean; send(code: number, text: string): void; close(): void };
  // One timer per connection, restarted (refresh) with each command rather than made anew.
  const arm = (c: Timed): void => {
    if (c._buzonDeadline) {
      c._buzonDeadline.refresh();
      return;
    }
    c._buzonDeadline = setTimeout(() => {
      if (c._closed || c._closing) return;
      if (c._dataStream) return void c._buzonDeadline?.refresh(); // receiving a message: the library's time-outs apply
      c.send(421, '4.4.2 Timeout: command line not completed in time, closing connection');
      c.close();
    }, COMMAND_DEADLINE_MS);
    c._buzonDeadline.unref();
  };
  const init = connProto.init as (this: Timed) => void;
  connProto.init = function (this: Timed) {
    arm(this);
    return init.call(this);
  };
  const onClose = connProto._onClose as (this: Timed) => void;
  connProto._onClose = function (this: Timed) {
    if (this._buzonDeadline) clearTimeout(this._buzonDeadline);
    return onClose.call(this);
  };

  const onCommand = connProto._onCommand as (this: Conn, command: Buffer, cb: () => void) => void;
  connProto._onCommand = function (this: Conn, command: Buffer, callback: () => void) {
    arm(this as Timed);
    const lenient = this.session?.buzon;
    if (lenient && this._parser) this._parser.allowBareLf = lenient.allowBareLf;
    if (lenient && command && command.length < 2048) {
      const line = command.toString('binary');
      if (lenient.authNeedsTls && /^auth(\s|$)/i.test(line)) {
        // 538 before the library's "502 not implemented": AUTH exists, but only after STARTTLS.
        (this as unknown as { send(code: number, text: string): void }).send(538, '5.7.11 Encryption required for requested authentication mechanism: issue STARTTLS first');
        setImmediate(callback);
        return;
      }
      if (/^(mail|rcpt)\s/i.test(line)) {
        const rewritten = rewriteCommandLine(line, lenient.qualify);
        if (rewritten !== line) command = Buffer.from(rewritten, 'binary');
      }
    }
    // hMailServer's "Disconnect client after too many invalid commands" replaces the library's
    // fixed limit of 10 unrecognised commands: we count them, and keep the library's count at 0.
    const c = this as unknown as {
      _unrecognizedCommands: number;
      _nextHandler: unknown;
      _ready: boolean;
      _isSupported(cmd: string): boolean;
      send(code: number, text: string): void;
    };
    if (lenient && c._ready && !c._nextHandler) {
      const verb = (command ?? Buffer.alloc(0)).toString('binary').split(' ')[0]!.toUpperCase();
      if (!c._isSupported(verb)) {
        lenient.invalidCommands = (lenient.invalidCommands ?? 0) + 1;
        if (lenient.maxInvalidCommands > 0 && lenient.invalidCommands >= lenient.maxInvalidCommands) {
          lenient.onAbuse?.('too many invalid commands');
          c.send(421, '4.7.0 Too many invalid commands, closing connection'); // a 421 closes the session
          return;
        }
        c._unrecognizedCommands = 0; // the library's own limit (10) never triggers
      }
    }
    return onCommand.call(this, command, callback);
  };

  const send = connProto.send as (this: Conn, code: number, data: unknown, context?: unknown) => void;
  connProto.send = function (this: Conn, code: number, data: unknown, context?: unknown) {
    if (typeof data === 'string' && ENHANCED_PREFIX.test(data)) {
      if (this._server.options.hideENHANCEDSTATUSCODES) data = data.replace(ENHANCED_PREFIX, '');
      return send.call(this, code, data, false);
    }
    return send.call(this, code, data, context);
  };

  type Stream = { _dataMode: boolean; bareLfClient?: boolean; allowBareLf?: boolean; _lastByte?: number };
  const write = streamProto._write as (this: Stream, chunk: Buffer, enc: string, next: (err?: Error) => void) => void;
  streamProto._write = function (this: Stream, chunk: Buffer, encoding: string, next: (err?: Error) => void) {
    if (chunk && chunk.length) {
      if (!this._dataMode) {
        // Command lines: remember whether this client ends its lines with bare LF. Only the first
        // newline of a command-mode chunk surely ends a command line: when a client sends DATA and
        // its message in one write, the later newlines are message text, and a bare-LF line there
        // must not turn a CRLF client into a bare-LF one (that would let `\n.\n` end its DATA).
        // Once a bare-LF client, always one for the session: what comes back here after the end
        // of one of its messages was already converted to CRLF with that message, and must not
        // switch the conversion off for the rest of the next message still to arrive.
        const nl = chunk.indexOf(0x0a);
        if (nl >= 0 && !this.bareLfClient) this.bareLfClient = nl === 0 ? this._lastByte !== 0x0d : chunk[nl - 1] !== 0x0d;
      } else if (this.bareLfClient && this.allowBareLf) {
        chunk = lfToCrlf(chunk, this._lastByte);
      }
      this._lastByte = chunk[chunk.length - 1];
    }
    return write.call(this, chunk, encoding, next);
  };

  type Continuable = { _continueCallback: false | true | (() => void) };
  streamProto.continue = function (this: Continuable) {
    const resume = this._continueCallback;
    if (typeof resume === 'function') {
      // Cleared first: resume() may end the next message, which sets a new continuation.
      this._continueCallback = false;
      resume();
    } else {
      // The message has not been read to its end yet: resume as soon as it has.
      this._continueCallback = true;
    }
  };
  installed = true;
}

/** Bare LF → CRLF; `prev` is the last byte of the previous chunk (a CR there pairs with a leading LF). */
export function lfToCrlf(chunk: Buffer, prev?: number): Buffer {
  let count = 0;
  for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) {
    if ((i === 0 ? prev : chunk[i - 1]) !== 0x0d) count++;
  }
  if (count === 0) return chunk;
  const out = Buffer.allocUnsafe(chunk.length + count);
  let o = 0;
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i]!;
    if (c === 0x0a && (i === 0 ? prev : chunk[i - 1]) !== 0x0d) out[o++] = 0x0d;
    out[o++] = c;
  }
  return out;
}
