// Drives a CommandReader in tests: feeds input whole, byte by byte or in seeded random chunks and
// records what comes out as compact, comparable events.
import {
  CommandReader,
  type CommandReaderHandlers,
  type CommandReaderOptions,
  type ImapParseError,
  type LiteralRequest,
} from '../../../../src-main/imap/protocol/parser';
import type { LiteralSink, SectionToken, Token } from '../../../../src-main/imap/protocol/tokens';

/**
 * atom → its text; number → number; NIL → null; list → array; quoted string → { str };
 * small literal → { lit }; Buffer literal → { buf } (latin1); streamed literal → { stream: size };
 * section → { section: 'BODY.PEEK[HEADER.FIELDS (A B)]<0.100>' }.
 */
export type Simple = string | number | null | Simple[] | { str: string } | { lit: string } | { buf: string } | { stream: number } | { section: string };

export type Event =
  | { command: string; tag: string; args: Simple[] }
  | { error: ImapParseError['code']; tag: string; command?: string }
  | { continuation: number }
  | { raw: string | null };

export function sectionText(t: SectionToken): string {
  const { part, text, fields } = t.section;
  const spec = `${part.join('.')}${part.length > 0 && text ? '.' : ''}${text ?? ''}${fields ? ` (${fields.join(' ')})` : ''}`;
  return `${t.name}[${spec}]${t.partial ? `<${t.partial.start}.${t.partial.length}>` : ''}`;
}

export function simplify(t: Token): Simple {
  switch (t.type) {
    case 'atom':
      return t.value;
    case 'number':
      return t.value;
    case 'nil':
      return null;
    case 'list':
      return t.items.map(simplify);
    case 'string':
      return t.literal ? { lit: t.value } : { str: t.value };
    case 'literal':
      return { buf: t.bytes.toString('latin1') };
    case 'stream':
      return { stream: t.size };
    case 'section':
      return { section: sectionText(t) };
  }
}

export type Chunking = 'whole' | 'bytes' | { seed: number; max: number };

export const CHUNKINGS: Chunking[] = ['whole', 'bytes', { seed: 1, max: 3 }, { seed: 2, max: 7 }, { seed: 3, max: 16 }, { seed: 4, max: 64 }];

export function chunkName(c: Chunking): string {
  return typeof c === 'string' ? c : `random chunks ≤${c.max} (seed ${c.seed})`;
}

export function split(input: Buffer, chunking: Chunking): Buffer[] {
  if (chunking === 'whole') return [input];
  const out: Buffer[] = [];
  let seed = chunking === 'bytes' ? 0 : chunking.seed;
  const max = chunking === 'bytes' ? 1 : chunking.max;
  for (let i = 0; i < input.length; ) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (seed % max);
    out.push(Buffer.from(input.subarray(i, i + n)));
    i += n;
  }
  return out;
}

export interface RunOptions extends CommandReaderOptions {
  /** Commands after which the next line is raw (IDLE, AUTHENTICATE). */
  rawAfter?: string[];
  onLiteral?: (req: LiteralRequest) => LiteralSink | null;
}

export function makeReader(events: Event[], options: RunOptions = {}): CommandReader {
  const { rawAfter = [], onLiteral, ...readerOptions } = options;
  let reader: CommandReader | undefined = undefined;
  const handlers: CommandReaderHandlers = {
    onCommand(c) {
      events.push({ command: c.command, tag: c.tag, args: c.args.map(simplify) });
      if (rawAfter.includes(c.command)) reader!.expectRawLine();
    },
    onError(e) {
      events.push({ error: e.code, tag: e.tag, ...(e.command ? { command: e.command } : {}) });
    },
    onContinuation(req) {
      events.push({ continuation: req.size });
    },
    onRawLine(line) {
      events.push({ raw: line.ok ? line.text : null });
    },
    ...(onLiteral ? { onLiteral } : {}),
  };
  reader = new CommandReader(handlers, readerOptions);
  return reader;
}

export function run(input: string | Buffer, chunking: Chunking = 'whole', options: RunOptions = {}): Event[] {
  const events: Event[] = [];
  const reader = makeReader(events, options);
  for (const chunk of split(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, chunking)) reader.push(chunk);
  return events;
}

/** A message of exactly size bytes, CRLF lines. */
export function message(size: number): string {
  const head = 'From: a@x.test\r\nTo: b@y.test\r\nSubject: test\r\n\r\n';
  let body = head;
  while (body.length < size) body += 'line of body text\r\n';
  return body.slice(0, size - 2) + '\r\n';
}
