// Reading the header block of a message we are answering automatically: the bounce code (dsn.ts)
// and the auto-responder (autoreply.ts) both decide from a few fields of the original whether they
// may answer, and quote its Subject. They need no full MIME parser for that, only the fields of
// the top-level header, unfolded; these helpers are that much and no more.
import libmime from 'libmime';

export interface HeaderField {
  /** Lower-case name. */
  name: string;
  /** Unfolded value, leading/trailing white space trimmed. */
  value: string;
}

/** Length of the header block: up to and including the CRLF (or LF) that ends the last field,
 *  without the empty line. The whole buffer when there is no empty line. */
export function headerBlockLength(message: Buffer): number {
  if (message[0] === 0x0a) return 0;
  if (message[0] === 0x0d && message[1] === 0x0a) return 0;
  for (let i = message.indexOf(0x0a); i !== -1; i = message.indexOf(0x0a, i + 1)) {
    const next = message[i + 1];
    if (next === 0x0a) return i + 1;
    if (next === 0x0d && message[i + 2] === 0x0a) return i + 1;
  }
  return message.length;
}

export function parseHeaderFields(header: Buffer): HeaderField[] {
  const text = header.subarray(0, headerBlockLength(header)).toString('utf8');
  const fields: HeaderField[] = [];
  let current: string | null = null;
  const flush = () => {
    if (current === null) return;
    const colon = current.indexOf(':');
    if (colon > 0) {
      fields.push({ name: current.slice(0, colon).trim().toLowerCase(), value: current.slice(colon + 1).trim() });
    }
    current = null;
  };
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && current !== null) {
      current += line; // unfold: drop the line break, keep the white space
    } else {
      flush();
      current = line;
    }
  }
  flush();
  return fields;
}

export function firstField(fields: HeaderField[], name: string): string | undefined {
  return fields.find((f) => f.name === name)?.value;
}

/** Removes RFC 5322 comments (not nested-aware beyond one level, which is enough here). */
export function stripComments(value: string): string {
  return value.replace(/\((?:[^()\\]|\\.)*\)/g, ' ');
}

/** The first Subject, RFC 2047-decoded and on one line (control characters, line breaks
 *  included, become spaces; runs of spaces collapse): '' when there is none. Malformed encoded
 *  words are left as they are written rather than failing, since the text is only quoted back. */
export function decodedSubject(fields: HeaderField[]): string {
  const raw = firstField(fields, 'subject');
  if (raw === undefined) return '';
  let text: string;
  try {
    text = libmime.decodeWords(raw);
  } catch {
    text = raw;
  }
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}
