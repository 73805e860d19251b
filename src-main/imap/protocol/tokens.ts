// The tokens of an IMAP client command as the command reader (parser.ts) hands them out, and the
// helpers the command layer reads them with. Atoms keep their spelling (flags keep the backslash,
// sequence sets stay atoms for sequence-set.ts); strings are decoded as UTF-8, or Latin-1 when the
// bytes are not UTF-8, and keep their bytes; literals too large for memory are StreamTokens whose
// bytes went to a LiteralSink.
export type FetchSectionName = 'BODY' | 'BODY.PEEK' | 'BINARY' | 'BINARY.PEEK' | 'BINARY.SIZE';
export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

/** BODY[1.2.HEADER.FIELDS (From To)] → { part: [1, 2], text: 'HEADER.FIELDS', fields: ['From', 'To'] }. */
export interface SectionSpec {
  readonly part: readonly number[];
  readonly text?: SectionText;
  /** HEADER.FIELDS / HEADER.FIELDS.NOT only, as the client spelled them. */
  readonly fields?: readonly string[];
}

/** The <start.length> of a partial FETCH. */
export interface ByteRange {
  readonly start: number;
  readonly length: number;
}

/** Where a large literal's bytes go. The reader calls write() for each piece, then end(). */
export interface LiteralSink {
  /** The next piece of the literal; never more than the pushed chunk it came in. */
  write(chunk: Buffer): void;
  /** All the literal's bytes have been written. */
  end(): void;
  /**
   * The command failed or the reader was closed before the command was complete: discard what was
   * written. May follow end(). Once the command is handed out, the reader never touches the sink.
   */
  abort(): void;
}

export interface AtomToken {
  readonly type: 'atom';
  /** As sent (flags keep their backslash: "\\Seen"); sequence sets are atoms ("1:*") too. */
  readonly value: string;
}
export interface NumberToken {
  readonly type: 'number';
  /** "0" or digits without a leading zero, up to 2^53-1 (larger ones stay atoms). */
  readonly value: number;
}
/** A quoted string, or a literal of at most smallLiteral bytes. */
export interface StringToken {
  readonly type: 'string';
  /** The bytes as UTF-8, or as Latin-1 when they are not valid UTF-8. */
  readonly value: string;
  readonly bytes: Buffer;
  readonly literal: boolean;
}
/** A literal above smallLiteral and at most maxInlineLiteral bytes. */
export interface LiteralToken {
  readonly type: 'literal';
  readonly bytes: Buffer;
}
/** A literal above maxInlineLiteral: its bytes went to sink, which has seen end(). */
export interface StreamToken {
  readonly type: 'stream';
  readonly size: number;
  readonly sink: LiteralSink;
}
export interface NilToken {
  readonly type: 'nil';
}
export interface ListToken {
  readonly type: 'list';
  readonly items: readonly Token[];
}
/** A FETCH att with a section (FETCH and UID FETCH only): BODY.PEEK[HEADER]<0.100>. */
export interface SectionToken {
  readonly type: 'section';
  readonly name: FetchSectionName;
  readonly section: SectionSpec;
  readonly partial?: ByteRange;
}

export type Token = AtomToken | NumberToken | StringToken | LiteralToken | StreamToken | NilToken | ListToken | SectionToken;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes from the wire as text: UTF-8 when they are valid UTF-8, Latin-1 otherwise. */
export function decodeImapText(bytes: Buffer): string {
  let ascii = true;
  for (const b of bytes) {
    if (b >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return bytes.toString('latin1');
  try {
    return UTF8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/**
 * The text of an astring-like argument (atom, number, string or in-memory literal; an unquoted
 * NIL is the name "NIL"), or undefined for lists, sections and streamed literals.
 */
export function astring(token: Token | undefined): string | undefined {
  if (token === undefined) return undefined;
  switch (token.type) {
    case 'atom':
      return token.value;
    case 'number':
      return String(token.value);
    case 'string':
      return token.value;
    case 'literal':
      return decodeImapText(token.bytes);
    case 'nil':
      return 'NIL';
    default:
      return undefined;
  }
}
