// Builds IMAP server responses from data (RFC 9051 §7, §9), so that commands never concatenate
// wire text: { tag: '*', number: 12, command: 'FETCH', attributes: [[atom('UID'), 7, …]] }
// → "* 12 FETCH (UID 7 …)\r\n".
//
// Values: a JS string or Buffer is an IMAP string, written quoted when it can be (7-bit, or UTF-8
// with UTF8=ACCEPT, no CR/LF, at most maxQuoted bytes; '"' and '\' escaped) and as a literal
// otherwise; numbers and bigints are numbers; null is NIL; arrays are parenthesised lists. Atoms
// (flags, keywords, capability names, sequence sets), sections (BODY[…]<n>) and forced literals
// are explicit: atom(), section(), literal().
//
// Large literals are not built: fileLiteral(path, start, length) and streamLiteral(length, open)
// stay descriptors in compile()'s output, and responseChunks() reads them piece by piece
// (node:fs createReadStream, 64 KB at a time), so FETCH BODY[] of a 30 MB message never sits
// whole in memory. The announced {length} is a promise to the client: a source that gives fewer
// or more bytes makes responseChunks() throw LiteralSourceError, after which the connection is
// out of step and must be closed. This file-literal helper is the module's only I/O.
//
// Text that flows into a response line (tags, atoms, resp-text, strings) is checked here, once:
// CR, LF or NUL where they cannot go is a programming error and throws a TypeError (a string with
// NUL has no IMAP form; the command layer cleans such header values). Explicit literal(), file
// and stream bytes are sent as they are.
import { createReadStream } from 'node:fs';
import type { FetchSectionName, SectionSpec, SectionToken } from './tokens';

export interface AtomValue {
  readonly type: 'atom';
  readonly value: string;
}
/** A string always sent as a literal. */
export interface LiteralValue {
  readonly type: 'literal';
  readonly value: string | Buffer;
}
/** A literal whose bytes are length bytes of a file from start (an .eml in the store). */
export interface FileLiteralValue {
  readonly type: 'file';
  readonly path: string;
  readonly start: number;
  readonly length: number;
}
/** A literal of exactly length bytes from a source opened when it is sent. */
export interface StreamLiteralValue {
  readonly type: 'stream';
  readonly length: number;
  readonly open: () => AsyncIterable<Buffer>;
}
/** A FETCH response item name: BODY[1.HEADER.FIELDS (From)]<0>, BINARY[2], BINARY.SIZE[2]. */
export interface SectionValue {
  readonly type: 'section';
  readonly name: 'BODY' | 'BINARY' | 'BINARY.SIZE';
  readonly section: SectionSpec;
  /** The <origin> of a partial response. */
  readonly origin?: number;
}

/** Bytes already in wire form (a cached ENVELOPE or BODYSTRUCTURE made by compileValue()), written as they are. */
export interface RawValue {
  readonly type: 'raw';
  readonly bytes: Buffer;
}

/** Values written one after the other without spaces: the bodies of a multipart BODYSTRUCTURE ("(…)(…)"). */
export interface JoinedValue {
  readonly type: 'joined';
  readonly items: readonly ResponseValue[];
}

export type ResponseValue =
  | string
  | Buffer
  | number
  | bigint
  | null
  | readonly ResponseValue[]
  | AtomValue
  | LiteralValue
  | FileLiteralValue
  | StreamLiteralValue
  | SectionValue
  | JoinedValue
  | RawValue;

export interface ResponseCode {
  /** ALERT, UIDVALIDITY, PERMANENTFLAGS, TOOBIG… */
  readonly name: string;
  readonly attributes?: readonly ResponseValue[];
}

export interface ImapResponse {
  /** "*" (untagged), "+" (continuation) or the command's tag. */
  readonly tag: string;
  /** "* 3 EXISTS", "* 12 FETCH (…)". */
  readonly number?: number;
  /** OK, NO, BAD, BYE, PREAUTH, FLAGS, LIST, FETCH… (absent for "+"). */
  readonly command?: string;
  readonly attributes?: readonly ResponseValue[];
  /** "[UIDNEXT 5]" after the command, before the text. */
  readonly code?: ResponseCode;
  /** Human-readable resp-text, written as is (no CR/LF). */
  readonly text?: string;
}

export interface CompileOptions {
  /** UTF8=ACCEPT is enabled: 8-bit (UTF-8) strings may be quoted. */
  readonly utf8?: boolean;
  /** Longer strings are sent as literals. */
  readonly maxQuoted?: number;
}

export type ResponsePart = Buffer | FileLiteralValue | StreamLiteralValue;

/** A literal source gave fewer or more bytes than its announced length. */
export class LiteralSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiteralSourceError';
  }
}

export const atom = (value: string): AtomValue => ({ type: 'atom', value });
export const literal = (value: string | Buffer): LiteralValue => ({ type: 'literal', value });
export const fileLiteral = (path: string, start: number, length: number): FileLiteralValue => ({ type: 'file', path, start, length });
export const raw = (bytes: Buffer): RawValue => ({ type: 'raw', bytes });
export const joined = (items: readonly ResponseValue[]): JoinedValue => ({ type: 'joined', items });
export const streamLiteral = (length: number, open: () => AsyncIterable<Buffer>): StreamLiteralValue => ({ type: 'stream', length, open });

const RESPONSE_NAMES: Record<FetchSectionName, SectionValue['name']> = {
  BODY: 'BODY',
  'BODY.PEEK': 'BODY',
  BINARY: 'BINARY',
  'BINARY.PEEK': 'BINARY',
  'BINARY.SIZE': 'BINARY.SIZE',
};

/**
 * The response item name for a FETCH att the client sent: BODY.PEEK[TEXT]<0.100> → BODY[TEXT]<0>
 * (a partial response names its origin only; pass the origin when the client asked for a partial).
 */
export function section(token: SectionToken, origin?: number): SectionValue {
  return { type: 'section', name: RESPONSE_NAMES[token.name], section: token.section, ...(origin === undefined ? {} : { origin }) };
}

const DEFAULT_MAX_QUOTED = 1024;
const FILE_CHUNK = 64 * 1024;

function checkLineText(text: string, what: string): void {
  if (/[\r\n\0]/.test(text)) throw new TypeError(`${what} must not contain CR, LF or NUL: ${JSON.stringify(text)}`);
}

/** Atom text in a response: printable US-ASCII without ( ) { " ] and space. */
function checkAtom(text: string, what: string): void {
  if (!/^[\x21-\x7e]+$/.test(text) || /[(){"\]]/.test(text)) throw new TypeError(`${what} is not an atom: ${JSON.stringify(text)}`);
}

function isNode(v: ResponseValue): v is AtomValue | LiteralValue | FileLiteralValue | StreamLiteralValue | SectionValue | JoinedValue | RawValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

class Writer {
  readonly parts: ResponsePart[] = [];
  private pending: Buffer[] = [];

  constructor(private readonly opts: CompileOptions) {}

  text(s: string): void {
    this.pending.push(Buffer.from(s, 'utf8'));
  }

  bytes(b: Buffer): void {
    this.pending.push(b);
  }

  source(v: FileLiteralValue | StreamLiteralValue): void {
    if (!Number.isSafeInteger(v.length) || v.length < 0) throw new TypeError(`invalid literal length ${v.length}`);
    this.text(`{${v.length}}\r\n`);
    if (v.length === 0) return;
    this.flush();
    this.parts.push(v);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    this.parts.push(this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending));
    this.pending = [];
  }

  literalBytes(b: Buffer): void {
    this.text(`{${b.length}}\r\n`);
    this.bytes(b);
  }

  string(v: string | Buffer): void {
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    if (b.length > (this.opts.maxQuoted ?? DEFAULT_MAX_QUOTED)) return this.literalBytes(b);
    let escapes = 0;
    for (const c of b) {
      if (c === 0) throw new TypeError('an IMAP string must not contain NUL');
      if (c === 0x0d || c === 0x0a || (c >= 0x80 && !this.opts.utf8)) return this.literalBytes(b);
      if (c === 0x22 || c === 0x5c) escapes++;
    }
    if (escapes === 0) {
      this.text('"');
      this.bytes(b);
      this.text('"');
      return;
    }
    const q = Buffer.allocUnsafe(b.length + escapes + 2);
    let o = 0;
    q[o++] = 0x22;
    for (const c of b) {
      if (c === 0x22 || c === 0x5c) q[o++] = 0x5c;
      q[o++] = c;
    }
    q[o] = 0x22;
    this.bytes(q);
  }

  /** An astring: an atom when the text is one, else a string (header field names). */
  astring(s: string): void {
    if (/^[\x21-\x7e]+$/.test(s) && !/[(){"\\\]%*]/.test(s) && s.toUpperCase() !== 'NIL') this.text(s);
    else this.string(s);
  }

  value(v: ResponseValue): void {
    if (v === null) return this.text('NIL');
    if (typeof v === 'string' || Buffer.isBuffer(v)) return this.string(v);
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`an IMAP number must be a non-negative integer: ${v}`);
      return this.text(String(v));
    }
    if (typeof v === 'bigint') {
      if (v < 0n) throw new TypeError(`an IMAP number must be non-negative: ${v}`);
      return this.text(v.toString());
    }
    if (!isNode(v)) {
      this.text('(');
      v.forEach((item, i) => {
        if (i > 0) this.text(' ');
        this.value(item);
      });
      return this.text(')');
    }
    switch (v.type) {
      case 'atom':
        checkAtom(v.value, 'atom');
        return this.text(v.value);
      case 'literal':
        return this.literalBytes(typeof v.value === 'string' ? Buffer.from(v.value, 'utf8') : v.value);
      case 'file':
        if (!Number.isSafeInteger(v.start) || v.start < 0) throw new TypeError(`invalid file literal start ${v.start}`);
        return this.source(v);
      case 'stream':
        return this.source(v);
      case 'section':
        return this.section(v);
      case 'joined':
        for (const item of v.items) this.value(item);
        return;
      case 'raw':
        return this.bytes(v.bytes);
    }
  }

  section(v: SectionValue): void {
    const { part, text, fields } = v.section;
    this.text(`${v.name}[${part.join('.')}${part.length > 0 && text ? '.' : ''}${text ?? ''}`);
    if (fields) {
      this.text(' (');
      fields.forEach((f, i) => {
        if (i > 0) this.text(' ');
        this.astring(f);
      });
      this.text(')');
    }
    this.text(']');
    if (v.origin !== undefined) {
      if (!Number.isSafeInteger(v.origin) || v.origin < 0) throw new TypeError(`invalid partial origin ${v.origin}`);
      this.text(`<${v.origin}>`);
    }
  }
}

/**
 * A response as wire pieces: Buffers for everything built here and descriptors for file and
 * stream literals, in order. Pure; throws TypeError on values that cannot go on the wire.
 */
export function compile(response: ImapResponse, options: CompileOptions = {}): ResponsePart[] {
  const w = new Writer(options);
  const { tag } = response;
  if (!/^[\x21-\x7e]+$/.test(tag)) throw new TypeError(`invalid tag ${JSON.stringify(tag)}`);
  w.text(tag);
  if (response.number !== undefined) {
    if (!Number.isSafeInteger(response.number) || response.number < 0) throw new TypeError(`invalid response number ${response.number}`);
    w.text(` ${response.number}`);
  }
  if (response.command !== undefined) {
    checkAtom(response.command, 'command');
    w.text(` ${response.command}`);
  }
  for (const a of response.attributes ?? []) {
    w.text(' ');
    w.value(a);
  }
  // "+" is always followed by a space, even before an empty text (RFC 9051 continue-req).
  if (tag === '+' && response.command === undefined && (response.attributes ?? []).length === 0) w.text(' ');
  else if (response.code || response.text) w.text(' ');
  if (response.code) {
    checkAtom(response.code.name, 'response code');
    w.text(`[${response.code.name}`);
    for (const a of response.code.attributes ?? []) {
      w.text(' ');
      w.value(a);
    }
    w.text(']');
    if (response.text) w.text(' ');
  }
  if (response.text) {
    checkLineText(response.text, 'response text');
    w.text(response.text);
  }
  w.text('\r\n');
  w.flush();
  return w.parts;
}

/**
 * One value in wire form (no file or stream literals), to be cached and sent later with raw():
 * ENVELOPE and BODYSTRUCTURE are computed once per message, not per FETCH.
 */
export function compileValue(value: ResponseValue, options: CompileOptions = {}): Buffer {
  const w = new Writer(options);
  w.value(value);
  w.flush();
  return w.parts.length === 1 && Buffer.isBuffer(w.parts[0]) ? w.parts[0] : Buffer.concat(w.parts.map((p) => {
    if (!Buffer.isBuffer(p)) throw new TypeError('compileValue: file and stream literals cannot be cached');
    return p;
  }));
}

/** A response that has no file or stream literals, as one Buffer; throws if it has one. */
export function compileToBuffer(response: ImapResponse, options: CompileOptions = {}): Buffer {
  const parts = compile(response, options);
  const buffers = parts.map((p) => {
    if (!Buffer.isBuffer(p)) throw new TypeError('response has a streamed literal: use responseChunks()');
    return p;
  });
  return buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers);
}

async function* fromFile(v: FileLiteralValue): AsyncGenerator<Buffer> {
  const stream = createReadStream(v.path, { start: v.start, end: v.start + v.length - 1, highWaterMark: FILE_CHUNK });
  for await (const chunk of stream) yield chunk as Buffer;
}

/**
 * The bytes of compiled parts, in pieces (file literals 64 KB at a time). Throws
 * LiteralSourceError when a source gives other than its announced length (the file shrank):
 * the client is then out of step and the connection must be closed.
 */
export async function* responseChunks(parts: readonly ResponsePart[]): AsyncGenerator<Buffer> {
  for (const part of parts) {
    if (Buffer.isBuffer(part)) {
      yield part;
      continue;
    }
    let sent = 0;
    for await (const chunk of part.type === 'file' ? fromFile(part) : part.open()) {
      sent += chunk.length;
      if (sent > part.length) throw new LiteralSourceError(`literal source gave more than the announced ${part.length} bytes`);
      if (chunk.length > 0) yield chunk;
    }
    if (sent < part.length) throw new LiteralSourceError(`literal source ended after ${sent} of the announced ${part.length} bytes`);
  }
}
