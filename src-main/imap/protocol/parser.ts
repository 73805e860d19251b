// Incremental reader of IMAP client commands (RFC 9051 §2.2 and §9, RFC 7888 LITERAL+). The socket's
// bytes go in through push() in chunks of any size; each command comes out once, as a command
// (tag, upper-cased name with "UID FETCH" joined, argument tokens) or as a parse error for its tag
// ("*" when even the tag is unreadable), and the reader goes on with the next command.
//
// Pure: no sockets, files or timers. Handlers are called synchronously from push()/resume().
//
// Lines are parsed when their LF arrives (CRLF or bare LF), by command-syntax.ts; the tokens are
// those of tokens.ts. A command is line segments joined by literals, so the token state (open
// lists, open BODY[...] sections) carries across segments.
//
// Literals. "{n}" asks the owner to send "+ Ready" (onContinuation) before the bytes come; "{n+}"
// (LITERAL+) does not. Up to smallLiteral bytes a literal becomes a string token, up to
// maxInlineLiteral a Buffer token; anything larger is written, as it arrives, into a LiteralSink
// that onLiteral() returns (a temp file for APPEND), in slices of the pushed chunks that are never
// joined, and the command carries that sink. A Readable on the token would not do: a command is
// complete only after its last CRLF, so a stream handed over with it would first have buffered the
// whole message. The destination has to be chosen when the literal starts, hence the hook.
//
// Errors (limits, syntax) are reported as soon as they are found; the rest of that command is then
// skipped without being read as commands. Skipping honours literals: a "{n+}" ending a skipped line
// has its n bytes skipped too, so literal bytes can never be taken for a command (injection); a
// "{n}" ends the command there, since the client waits for a "+" that never comes.
//
// Flow control: pause() stops handing out commands (bytes pushed meanwhile wait in order) until
// resume(); a session that runs one command at a time pauses in onCommand. expectRawLine() makes the
// next line a raw line (IDLE's DONE, AUTHENTICATE responses) instead of a command.

import { peekDraft, parseArgs, startCommand, syntax, top, trailingLiteral, Fault, type Draft, type Outcome, type ParseErrorCode } from './command-syntax';
import { decodeImapText, type LiteralSink, type Token } from './tokens';

export type { ParseErrorCode } from './command-syntax';

const LF = 0x0a;
const CR = 0x0d;
const EMPTY: Buffer = Buffer.alloc(0);

export interface LiteralRequest {
  readonly tag: string;
  readonly command: string;
  readonly size: number;
  /** {n+}: the bytes follow at once; refusing it still costs reading (and skipping) them. */
  readonly nonSynchronizing: boolean;
  /** The top-level arguments read before this literal (APPEND: the mailbox, flags, date). */
  readonly args: readonly Token[];
}

export interface ImapCommand {
  readonly tag: string;
  /** Upper-cased; "UID FETCH", "UID STORE"… as one name. */
  readonly command: string;
  readonly args: readonly Token[];
  /** Every sink opened for this command's literals (in order), wherever its token sits in args. */
  readonly sinks: readonly LiteralSink[];
}

export interface ImapParseError {
  /** The command's tag, or "*" when it could not be read. */
  readonly tag: string;
  readonly command?: string;
  /** literal-too-big and command-too-big are answered with [TOOBIG]. */
  readonly code: ParseErrorCode;
  /** Short text safe to send to the client. */
  readonly message: string;
}

export type RawLine = { readonly ok: true; readonly text: string } | { readonly ok: false };

export interface CommandReaderHandlers {
  onCommand(command: ImapCommand): void;
  onError(error: ImapParseError): void;
  /** A synchronizing literal {n} will be read: send "+ Ready" now. Never called for {n+}. */
  onContinuation(request: LiteralRequest): void;
  /**
   * A literal above maxInlineLiteral starts: the sink for its bytes, or null to refuse it (the
   * command fails with 'literal-refused'). Called before onContinuation. Without this handler,
   * such literals are kept in memory in a MemoryLiteralSink.
   */
  onLiteral?(request: LiteralRequest): LiteralSink | null;
  /** The line asked for with expectRawLine(); { ok: false } when it was over maxLineLength. */
  onRawLine?(line: RawLine): void;
}

export interface CommandReaderOptions {
  /** Bytes in one line (between line ends and literals), CR excluded. */
  maxLineLength?: number;
  /** Bytes in one literal. */
  maxLiteralSize?: number;
  /** Bytes of a command held in memory: its lines plus its string/Buffer literals (not sinks). */
  maxCommandSize?: number;
  /** Nested lists and sections. */
  maxDepth?: number;
  /** Literals up to this size become string tokens. */
  smallLiteral?: number;
  /** Literals up to this size become Buffer tokens; larger ones go to a LiteralSink. */
  maxInlineLiteral?: number;
}

export const DEFAULT_READER_OPTIONS: Readonly<Required<CommandReaderOptions>> = {
  maxLineLength: 64 * 1024,
  maxLiteralSize: 64 * 1024 * 1024,
  maxCommandSize: 1024 * 1024,
  maxDepth: 16,
  smallLiteral: 4096,
  maxInlineLiteral: 64 * 1024,
};

/** The default LiteralSink: keeps the pieces as they came (never joined unless asked). */
export class MemoryLiteralSink implements LiteralSink {
  readonly chunks: Buffer[] = [];
  ended = false;
  aborted = false;

  write(chunk: Buffer): void {
    this.chunks.push(chunk);
  }
  end(): void {
    this.ended = true;
  }
  abort(): void {
    this.aborted = true;
    this.chunks.length = 0;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

type Mode =
  | { kind: 'line' }
  | { kind: 'literal'; remaining: number; readonly size: number; readonly parts: Buffer[] | null; readonly sink: LiteralSink | null }
  | { kind: 'skip'; remaining: number }
  | { kind: 'discard'; tail: Buffer; readonly raw: boolean };

const TAIL = 32;

function keepTail(tail: Buffer, more: Buffer): Buffer {
  if (more.length >= TAIL) return Buffer.from(more.subarray(more.length - TAIL));
  const joined = Buffer.concat([tail, more]);
  return joined.length > TAIL ? joined.subarray(joined.length - TAIL) : joined;
}

function afterFailure(lit: { size: number; plus: boolean } | null): Mode {
  return lit?.plus ? { kind: 'skip', remaining: lit.size } : { kind: 'line' };
}

export class CommandReader {
  private readonly opts: Readonly<Required<CommandReaderOptions>>;
  private queue: Buffer[] = [];
  private queuePos = 0;
  private line: Buffer[] = [];
  private lineLength = 0;
  private mode: Mode = { kind: 'line' };
  private draft: Draft | null = null;
  private rawWanted = false;
  private paused = false;
  private draining = false;
  private closed = false;

  constructor(
    private readonly handlers: CommandReaderHandlers,
    options: CommandReaderOptions = {},
  ) {
    this.opts = { ...DEFAULT_READER_OPTIONS, ...options };
  }

  /** Bytes from the client. The reader keeps references to (slices of) chunk: do not reuse it. */
  push(chunk: Buffer): void {
    if (this.closed || chunk.length === 0) return;
    this.queue.push(chunk);
    this.drain();
  }

  /** Stops handing out results until resume(); pushed bytes wait (see pendingBytes). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.drain();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Pushed bytes not read yet (the owner pauses the socket when this grows). */
  get pendingBytes(): number {
    return this.queue.reduce((n, c) => n + c.length, 0) - this.queuePos;
  }

  /**
   * The next line (after the command being read, if any) is delivered to onRawLine as text, with
   * no literal processing; then commands again. Call it from onCommand (IDLE) or right before
   * sending a "+" that expects a line (AUTHENTICATE).
   */
  expectRawLine(): void {
    this.rawWanted = true;
  }

  /** The connection is gone: aborts the sinks of an unfinished command and ignores further bytes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.line = [];
    const d = this.draft;
    this.draft = null;
    if (d) for (const s of d.sinks) s.abort();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (!this.paused && !this.closed && this.queue.length > 0) {
        const chunk = this.queue[0]!;
        const pos = this.step(chunk, this.queuePos);
        if (pos >= chunk.length) {
          this.queue.shift();
          this.queuePos = 0;
        } else {
          this.queuePos = pos;
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Consumes some of chunk from pos (one line end, literal piece…); returns the new position. */
  private step(chunk: Buffer, pos: number): number {
    const m = this.mode;
    switch (m.kind) {
      case 'line':
        return this.stepLine(chunk, pos);
      case 'literal': {
        const n = Math.min(m.remaining, chunk.length - pos);
        const piece = chunk.subarray(pos, pos + n);
        if (m.sink) m.sink.write(piece);
        else m.parts!.push(piece);
        m.remaining -= n;
        if (m.remaining === 0 && !this.closed) this.finishLiteral(m);
        return pos + n;
      }
      case 'skip': {
        const n = Math.min(m.remaining, chunk.length - pos);
        m.remaining -= n;
        if (m.remaining === 0) this.mode = { kind: 'discard', tail: EMPTY, raw: false };
        return pos + n;
      }
      case 'discard': {
        const nl = chunk.indexOf(LF, pos);
        m.tail = keepTail(m.tail, chunk.subarray(pos, nl < 0 ? chunk.length : nl));
        if (nl < 0) return chunk.length;
        this.mode = m.raw ? { kind: 'line' } : afterFailure(trailingLiteral(m.tail));
        return nl + 1;
      }
    }
  }

  private stepLine(chunk: Buffer, pos: number): number {
    const nl = chunk.indexOf(LF, pos);
    const end = nl < 0 ? chunk.length : nl;
    // +1: the CR of a CRLF does not count against the limit
    if (this.lineLength + (end - pos) > this.opts.maxLineLength + 1) {
      this.overflow(chunk.subarray(pos, end));
      return pos;
    }
    if (nl < 0) {
      this.line.push(chunk.subarray(pos));
      this.lineLength += chunk.length - pos;
      return chunk.length;
    }
    let seg = this.line.length === 0 ? chunk.subarray(pos, nl) : Buffer.concat([...this.line, chunk.subarray(pos, nl)]);
    this.line = [];
    this.lineLength = 0;
    if (seg[seg.length - 1] === CR) seg = seg.subarray(0, seg.length - 1);
    if (seg.length > this.opts.maxLineLength) {
      this.overflowed(seg, afterFailure(trailingLiteral(seg)));
    } else {
      this.segment(seg);
    }
    return nl + 1;
  }

  /**
   * The line being collected (this.line, then current from the chunk) is over the limit: drop it
   * up to its LF. current is not consumed here; discard mode reads it next.
   */
  private overflow(current: Buffer): void {
    const parts = this.line;
    this.line = [];
    this.lineLength = 0;
    const first: Buffer[] = [];
    let have = 0;
    for (const b of [...parts, current]) {
      if (have >= 256) break;
      first.push(b.subarray(0, 256 - have));
      have += first[first.length - 1]!.length;
    }
    const head = Buffer.concat(first);
    let tail = EMPTY;
    for (let i = parts.length - 1; i >= 0 && tail.length < TAIL; i--) tail = keepTail(parts[i]!, tail);
    this.overflowed(head, { kind: 'discard', tail, raw: this.draft === null && this.rawWanted });
  }

  private overflowed(head: Buffer, next: Mode): void {
    if (this.draft === null && this.rawWanted) {
      this.rawWanted = false;
      this.mode = next.kind === 'discard' ? next : { kind: 'line' };
      this.handlers.onRawLine?.({ ok: false });
      return;
    }
    this.draft ??= peekDraft(head);
    this.fail(new Fault('line-too-long', 'Line too long'), next);
  }

  /** A complete line segment (line end and CR removed). */
  private segment(seg: Buffer): void {
    let d = this.draft;
    let outcome: Outcome;
    try {
      if (d === null) {
        if (this.rawWanted) {
          this.rawWanted = false;
          this.handlers.onRawLine?.({ ok: true, text: decodeImapText(seg) });
          return;
        }
        if (seg.length === 0) return; // empty lines between commands are ignored
        const started = startCommand(seg, this.opts.maxDepth);
        d = this.draft = started.draft;
        outcome = started.outcome();
      } else {
        d.bytes += seg.length;
        if (d.bytes > this.opts.maxCommandSize) throw new Fault('command-too-big', 'Command too big');
        outcome = parseArgs(d, seg, 0, this.opts.maxDepth);
      }
      if (outcome.kind === 'done' && d.stack.length > 1) throw syntax(top(d).kind === 'section' ? 'Unclosed section' : 'Unclosed list');
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      this.fail(e, afterFailure(trailingLiteral(seg)));
      return;
    }
    if (outcome.kind === 'done') this.complete(d);
    else this.literalHeader(d, outcome.size, outcome.plus);
  }

  private literalHeader(d: Draft, size: number, plus: boolean): void {
    const o = this.opts;
    const next = afterFailure({ size, plus });
    if (size > o.maxLiteralSize) return this.fail(new Fault('literal-too-big', 'Literal too big'), next);
    const request: LiteralRequest = { tag: d.tag, command: d.command, size, nonSynchronizing: plus, args: d.stack[0]!.items.slice() };
    let sink: LiteralSink | null = null;
    if (size > o.maxInlineLiteral) {
      sink = this.handlers.onLiteral ? this.handlers.onLiteral(request) : new MemoryLiteralSink();
      if (sink === null) return this.fail(new Fault('literal-refused', 'Literal refused'), next);
      d.sinks.push(sink);
    } else if (d.bytes + size > o.maxCommandSize) {
      return this.fail(new Fault('command-too-big', 'Command too big'), next);
    }
    const mode: Mode = { kind: 'literal', remaining: size, size, parts: sink ? null : [], sink };
    this.mode = mode;
    if (!plus) this.handlers.onContinuation(request);
    if (size === 0 && !this.closed && this.mode === mode) this.finishLiteral(mode);
  }

  private finishLiteral(m: Extract<Mode, { kind: 'literal' }>): void {
    const d = this.draft!;
    let token: Token;
    if (m.sink) {
      m.sink.end();
      token = { type: 'stream', size: m.size, sink: m.sink };
    } else {
      const bytes = Buffer.concat(m.parts!, m.size);
      d.bytes += m.size;
      token = m.size <= this.opts.smallLiteral ? { type: 'string', value: decodeImapText(bytes), bytes, literal: true } : { type: 'literal', bytes };
    }
    top(d).items.push(token);
    d.needSep = true;
    this.mode = { kind: 'line' };
  }

  private complete(d: Draft): void {
    this.draft = null;
    this.handlers.onCommand({ tag: d.tag, command: d.command, args: d.stack[0]!.items, sinks: d.sinks });
  }

  private fail(fault: Fault, next: Mode): void {
    const d = this.draft;
    this.draft = null;
    this.mode = next;
    if (d) for (const s of d.sinks) s.abort();
    this.handlers.onError({ tag: d?.tag ?? '*', ...(d?.command ? { command: d.command } : {}), code: fault.code, message: fault.message });
  }
}
