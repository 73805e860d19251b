// The grammar of IMAP client command lines (RFC 9051 §9), for the command reader. Pure functions
// over one complete line segment at a time: a command is line segments joined by literals, so what
// is open at the end of a segment (lists, a BODY[...] section) stays in the Draft until the next
// segment, after the literal. Errors are thrown as Faults and become the command's parse error.
//
// Lenient where real clients need it, strict where it keeps commands unambiguous: "%" and "*" in
// atoms (list patterns, "1:*"), "]" in atoms outside sections (astrings), 8-bit atoms (read as
// UTF-8), and trailing spaces are accepted; a quoted string escapes only '"' and '\', a literal
// header must end its line, and BODY[...] is a section only in FETCH and UID FETCH.
import { astring, decodeImapText, type ByteRange, type FetchSectionName, type NilToken, type SectionSpec, type SectionText, type LiteralSink, type StringToken, type Token } from './tokens';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const DQUOTE = 0x22;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LT = 0x3c;
const LBRACKET = 0x5b;
const BACKSLASH = 0x5c;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;

export type ParseErrorCode = 'syntax' | 'line-too-long' | 'too-deep' | 'literal-too-big' | 'command-too-big' | 'literal-refused';

const NIL: NilToken = { type: 'nil' };

type Frame = { kind: 'args' | 'list'; items: Token[] } | { kind: 'section'; name: FetchSectionName; items: Token[] };

export interface Draft {
  tag: string;
  command: string;
  readonly stack: Frame[];
  /** The previous token is complete: a space, ")" or "]" must come next. */
  needSep: boolean;
  /** Line and in-memory literal bytes so far (maxCommandSize). */
  bytes: number;
  readonly sinks: LiteralSink[];
  /** FETCH / UID FETCH: BODY[...] and friends are parsed as sections. */
  sections: boolean;
}

export type Outcome = { kind: 'done' } | { kind: 'literal'; size: number; plus: boolean };

export class Fault {
  constructor(
    readonly code: ParseErrorCode,
    readonly message: string,
  ) {}
}

export function syntax(message: string): Fault {
  return new Fault('syntax', message);
}

const SECTION_NAMES: ReadonlySet<string> = new Set<FetchSectionName>(['BODY', 'BODY.PEEK', 'BINARY', 'BINARY.PEEK', 'BINARY.SIZE']);
const SECTION_TEXTS: ReadonlySet<string> = new Set<SectionText>(['HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT', 'MIME']);
const MAX_UINT32 = 4294967295;

/** ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ]. */
function isAtomChar(b: number): boolean {
  return b > SP && b < 0x7f && b !== LPAREN && b !== RPAREN && b !== LBRACE && b !== 0x25 && b !== 0x2a && b !== DQUOTE && b !== BACKSLASH && b !== RBRACKET;
}

/** tag = 1*<any ASTRING-CHAR except "+"> (ASTRING-CHAR = ATOM-CHAR / "]"). */
function isTagChar(b: number): boolean {
  return (isAtomChar(b) && b !== 0x2b) || b === RBRACKET;
}

/** Where an argument atom ends. Lenient beyond ATOM-CHAR: "%", "*" (list patterns, sets), "]"
 * outside sections (astrings), and 8-bit bytes (read as UTF-8). */
function endsAtom(b: number, inSection: boolean): boolean {
  return b <= SP || b === 0x7f || b === LPAREN || b === RPAREN || b === LBRACE || b === DQUOTE || b === BACKSLASH || (inSection && b === RBRACKET);
}

/** A literal header "{n}" / "{n+}" at the end of a line, if there is one. */
export function trailingLiteral(line: Buffer): { size: number; plus: boolean } | null {
  const m = /\{(\d{1,20})(\+?)\}\r?$/.exec(line.toString('latin1', Math.max(0, line.length - 26)));
  if (!m) return null;
  return { size: literalSize(m[1]!), plus: m[2] === '+' };
}

function literalSize(digits: string): number {
  return digits.length > 15 ? Number.POSITIVE_INFINITY : Number(digits);
}

function classifyAtom(text: string): Token {
  if (/^(?:0|[1-9][0-9]{0,15})$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return { type: 'number', value: n };
  }
  if (text.length === 3 && text.toUpperCase() === 'NIL') return NIL;
  return { type: 'atom', value: text };
}

export function top(d: Draft): Frame {
  return d.stack[d.stack.length - 1]!;
}

function pushFrame(d: Draft, frame: Frame, maxDepth: number): void {
  if (d.stack.length > maxDepth) throw new Fault('too-deep', 'Too many nested lists');
  d.stack.push(frame);
  d.needSep = false;
}

function closeList(d: Draft): void {
  const frame = d.stack.pop()!;
  top(d).items.push({ type: 'list', items: frame.items });
  d.needSep = true;
}

function buildSection(name: FetchSectionName, items: readonly Token[]): SectionSpec {
  if (items.length === 0) return { part: [] };
  const first = items[0]!;
  const spec = first.type === 'atom' ? first.value : first.type === 'number' ? String(first.value) : undefined;
  if (spec === undefined || !/^[^.]+(?:\.[^.]+)*$/.test(spec)) throw syntax('Invalid section');
  const pieces = spec.split('.');
  const part: number[] = [];
  while (pieces.length > 0 && /^[1-9][0-9]{0,9}$/.test(pieces[0]!)) {
    const n = Number(pieces.shift());
    if (n > MAX_UINT32) throw syntax('Invalid section');
    part.push(n);
  }
  const text = pieces.join('.').toUpperCase();
  if (text === '') {
    if (items.length !== 1) throw syntax('Invalid section');
    return { part };
  }
  if (name.startsWith('BINARY') || !SECTION_TEXTS.has(text)) throw syntax('Invalid section');
  if (text === 'MIME' && part.length === 0) throw syntax('Invalid section');
  if (text === 'HEADER.FIELDS' || text === 'HEADER.FIELDS.NOT') {
    const list = items[1];
    if (items.length !== 2 || list?.type !== 'list' || list.items.length === 0) throw syntax('Invalid header list');
    const fields = list.items.map((t) => {
      const f = t.type === 'nil' ? undefined : astring(t);
      if (f === undefined || f === '') throw syntax('Invalid header list');
      return f;
    });
    return { part, text, fields };
  }
  if (items.length !== 1) throw syntax('Invalid section');
  return { part, text: text as SectionText };
}

/** Closes the section whose "]" is just before i; reads a <start.length> after it. Returns the new i. */
function closeSection(d: Draft, seg: Buffer, i: number): number {
  const frame = d.stack.pop()!;
  if (frame.kind !== 'section') throw syntax('Unexpected "]"');
  const section = buildSection(frame.name, frame.items);
  let partial: ByteRange | undefined;
  if (seg[i] === LT) {
    const m = /^<(\d{1,10})\.(\d{1,10})>/.exec(seg.toString('latin1', i, Math.min(seg.length, i + 24)));
    if (!m || frame.name === 'BINARY.SIZE') throw syntax('Invalid partial');
    const start = Number(m[1]);
    const length = Number(m[2]);
    if (start > MAX_UINT32 || length < 1 || length > MAX_UINT32) throw syntax('Invalid partial');
    partial = { start, length };
    i += m[0].length;
  }
  top(d).items.push({ type: 'section', name: frame.name, section, ...(partial ? { partial } : {}) });
  d.needSep = true;
  return i;
}

function readQuoted(seg: Buffer, i: number): { token: StringToken; next: number } {
  let j = i + 1;
  let escapes = 0;
  for (; j < seg.length; j++) {
    const c = seg[j]!;
    if (c === DQUOTE) break;
    if (c === BACKSLASH) {
      const n = seg[j + 1];
      if (n !== DQUOTE && n !== BACKSLASH) throw syntax('Invalid escape in quoted string');
      escapes++;
      j++;
    } else if (c === CR || c === LF || c === 0) {
      throw syntax('Invalid character in quoted string');
    }
  }
  if (j >= seg.length) throw syntax('Unterminated quoted string');
  let bytes: Buffer;
  if (escapes === 0) {
    bytes = Buffer.from(seg.subarray(i + 1, j));
  } else {
    bytes = Buffer.allocUnsafe(j - i - 1 - escapes);
    let o = 0;
    for (let k = i + 1; k < j; k++) {
      if (seg[k] === BACKSLASH) k++;
      bytes[o++] = seg[k]!;
    }
  }
  return { token: { type: 'string', value: decodeImapText(bytes), bytes, literal: false }, next: j + 1 };
}

function readAtom(d: Draft, seg: Buffer, start: number, maxDepth: number): number {
  const inSection = top(d).kind === 'section';
  let i = start;
  if (seg[i] === BACKSLASH) i++;
  for (; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === LBRACKET && d.sections && !inSection) {
      const name = seg.toString('latin1', start, i).toUpperCase();
      if (SECTION_NAMES.has(name)) {
        pushFrame(d, { kind: 'section', name: name as FetchSectionName, items: [] }, maxDepth);
        return i + 1;
      }
    }
    if (endsAtom(c, inSection)) break;
  }
  if (i === start) throw syntax('Unexpected character');
  if (i === start + 1 && seg[start] === BACKSLASH) throw syntax('Invalid flag');
  top(d).items.push(classifyAtom(decodeImapText(seg.subarray(start, i))));
  d.needSep = true;
  return i;
}

/** Reads argument tokens from seg[i..]; the line ends the command, or a literal header does. */
export function parseArgs(d: Draft, seg: Buffer, i: number, maxDepth: number): Outcome {
  const len = seg.length;
  while (i < len) {
    const b = seg[i]!;
    const frame = top(d);
    if (d.needSep) {
      if (b === SP) {
        let j = i + 1;
        while (j < len && seg[j] === SP) j++;
        if (j === len) break; // trailing spaces before the line end are tolerated
        if (j > i + 1) throw syntax('Unexpected space');
        d.needSep = false;
        i = j;
      } else if (b === RPAREN && frame.kind === 'list') {
        closeList(d);
        i++;
      } else if (b === RBRACKET && frame.kind === 'section') {
        i = closeSection(d, seg, i + 1);
      } else {
        throw syntax('Expected a space');
      }
      continue;
    }
    if (b === LPAREN) {
      pushFrame(d, { kind: 'list', items: [] }, maxDepth);
      i++;
    } else if (b === RPAREN) {
      if (frame.kind !== 'list' || frame.items.length > 0) throw syntax('Unexpected ")"');
      closeList(d);
      i++;
    } else if (b === RBRACKET && frame.kind === 'section') {
      if (frame.items.length > 0) throw syntax('Unexpected "]"');
      i = closeSection(d, seg, i + 1);
    } else if (b === DQUOTE) {
      const { token, next } = readQuoted(seg, i);
      frame.items.push(token);
      d.needSep = true;
      i = next;
    } else if (b === LBRACE) {
      const m = len - i <= 24 ? /^\{(\d{1,20})(\+?)\}$/.exec(seg.toString('latin1', i)) : null;
      if (!m) throw syntax('Invalid literal');
      return { kind: 'literal', size: literalSize(m[1]!), plus: m[2] === '+' };
    } else {
      i = readAtom(d, seg, i, maxDepth);
    }
  }
  return { kind: 'done' };
}

/** Reads "tag SP command [SP]" and creates the draft (tag "*" when unreadable). */
export function startCommand(seg: Buffer, maxDepth: number): { draft: Draft; outcome: () => Outcome } {
  let i = 0;
  while (i < seg.length && isTagChar(seg[i]!)) i++;
  const tagOk = i > 0 && (i === seg.length || seg[i] === SP);
  const draft: Draft = {
    tag: tagOk ? seg.toString('latin1', 0, i) : '*',
    command: '',
    stack: [{ kind: 'args', items: [] }],
    needSep: true,
    bytes: seg.length,
    sinks: [],
    sections: false,
  };
  const outcome = (): Outcome => {
    if (!tagOk) throw syntax('Invalid tag');
    const readName = (from: number): number => {
      let j = from;
      while (j < seg.length && isAtomChar(seg[j]!)) j++;
      return j;
    };
    if (i === seg.length) throw syntax('Missing command');
    let end = readName(i + 1);
    if (end === i + 1) throw syntax('Invalid command');
    let command = seg.toString('latin1', i + 1, end).toUpperCase();
    if (command === 'UID') {
      const sub = readName(end + 1);
      if (seg[end] !== SP || sub === end + 1) throw syntax('Missing command after UID');
      command = `UID ${seg.toString('latin1', end + 1, sub).toUpperCase()}`;
      end = sub;
    }
    draft.command = command;
    draft.sections = command === 'FETCH' || command === 'UID FETCH';
    return parseArgs(draft, seg, end, maxDepth);
  };
  return { draft, outcome };
}

/** Tag and command of a line too long to parse, read from its first bytes, for the error. */
export function peekDraft(head: Buffer): Draft {
  const { draft, outcome } = startCommand(head.subarray(0, 256), 0);
  try {
    outcome();
  } catch {
    // only the tag and command name matter here
  }
  return draft;
}
