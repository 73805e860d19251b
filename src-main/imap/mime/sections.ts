// FETCH BODY[section] as a byte range of the .eml file (RFC 3501 §6.4.5, RFC 9051 §6.4.5).
//
// Part numbers: the children of a multipart count from 1; a non-multipart message (the top one or
// an embedded message/rfc822) has the single part 1, its body. A number after a message/rfc822
// part goes into the embedded message. BODY[n] is the part's body (for a message/rfc822 part: the
// whole embedded message; for a multipart: preamble to epilogue), BODY[n.MIME] its MIME header,
// BODY[n.HEADER] / [n.TEXT] / [n.HEADER.FIELDS …] the header / body of the message embedded in
// part n (only when part n is message/rfc822), BODY[] / [HEADER] / [TEXT] those of the message.
import type { SectionSpec } from '../protocol/tokens';
import type { MessageAnalysis, PartInfo } from './structure';

export interface SectionRange {
  start: number;
  length: number;
  /** HEADER.FIELDS (NOT): filter the range with filterHeaderFields(). */
  fields?: { names: string[]; not: boolean };
}

function resolvePart(a: MessageAnalysis, numbers: readonly number[]): PartInfo | null {
  let container = a.root;
  let messageRoot = true;
  let part: PartInfo | null = null;
  for (const n of numbers) {
    if (!Number.isSafeInteger(n) || n < 1) return null;
    if (container.children) part = container.children[n - 1] ?? null;
    else if (messageRoot && n === 1) part = container;
    else return null;
    if (!part) return null;
    if (part.message) {
      container = part.message.root;
      messageRoot = true;
    } else {
      container = part;
      messageRoot = false;
    }
  }
  return part;
}

/** The bytes of a FETCH section; null when the part does not exist (the server sends ""). */
export function sectionRange(a: MessageAnalysis, spec: SectionSpec): SectionRange | null {
  const { part: numbers, text } = spec;
  let message: PartInfo;
  if (numbers.length === 0) {
    message = a.root;
    if (text === undefined) return { start: message.headerStart, length: message.bodyStart + message.bodyLength - message.headerStart };
    if (text === 'MIME') return null;
  } else {
    const part = resolvePart(a, numbers);
    if (!part) return null;
    if (text === undefined) return { start: part.bodyStart, length: part.bodyLength };
    if (text === 'MIME') return { start: part.headerStart, length: part.headerLength };
    if (!part.message) return null;
    message = part.message.root;
  }
  switch (text) {
    case 'HEADER':
      return { start: message.headerStart, length: message.headerLength };
    case 'TEXT':
      return { start: message.bodyStart, length: message.bodyLength };
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT':
      return { start: message.headerStart, length: message.headerLength, fields: { names: [...(spec.fields ?? [])], not: text === 'HEADER.FIELDS.NOT' } };
    default:
      return null;
  }
}

const CRLF = Buffer.from('\r\n');

/**
 * HEADER.FIELDS / HEADER.FIELDS.NOT: the fields of a header block whose names are (not) in names
 * (case-insensitive), each with its continuation lines, byte for byte, then the empty line that
 * ends the block (CRLF when the block has none). Lines that are not fields go with NOT only.
 */
export function filterHeaderFields(header: Buffer, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const pieces: Buffer[] = [];
  let blank: Buffer = CRLF;
  // A continuation line before any field is not a field either.
  let keep = not;
  let pos = 0;
  while (pos < header.length) {
    const lf = header.indexOf(0x0a, pos);
    const end = lf < 0 ? header.length : lf + 1;
    const line = header.subarray(pos, end);
    pos = end;
    const first = line[0];
    if (first === 0x0a || (first === 0x0d && line.length === 2 && line[1] === 0x0a)) {
      blank = line;
      break;
    }
    if (first !== 0x20 && first !== 0x09) {
      const colon = line.indexOf(0x3a);
      if (colon <= 0) keep = not;
      else {
        const name = line.toString('latin1', 0, colon).replace(/[ \t]+$/, '').toLowerCase();
        keep = wanted.has(name) !== not;
      }
    }
    if (keep) pieces.push(line);
  }
  const last = pieces[pieces.length - 1];
  if (last && last[last.length - 1] !== 0x0a) pieces.push(CRLF);
  pieces.push(blank);
  return Buffer.concat(pieces);
}
