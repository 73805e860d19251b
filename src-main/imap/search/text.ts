// The searchable text of a message, computed lazily from its bytes: the header fields (unfolded,
// RFC 2047 words decoded) for FROM/SUBJECT/HEADER/SENT*, the header text for TEXT, and the body
// text for BODY/TEXT. Everything is case-folded (toLowerCase, which folds "Ñ" to "ñ" and the
// Kelvin sign to "k"); header text also has runs of whitespace squashed to one space, so that
// folding a header over several lines makes no difference.
//
// Body text is the decoded text of every text/* part (quoted-printable and base64 undone, the
// declared charset converted; 8-bit text declared UTF-8 or undeclared that is not valid UTF-8 is
// read as windows-1252) plus the MIME header fields of every part and of attached messages
// (message/rfc822), decoded like the top-level header (so an attachment's file name matches).
// The decoded bytes of non-text parts (images, PDFs, application/*) are never searched: binary
// data would only produce accidental matches. HTML parts are searched as their source (tags and
// entities included), like Dovecot without full-text search.
//
// Fast path: when the body is plain 7-bit with nothing encoded (no base64/quoted-printable
// transfer encoding, no "=?" encoded words in part headers, only text/* and multipart/* parts),
// no charset whose 7-bit bytes are not ASCII such as ISO-2022-JP or UTF-7), decoding would give
// back the same characters, so the raw body is searched as is (case-folded).
// Boundary lines are then part of the searched text, a difference that does not matter in practice.
import { isAscii, isUtf8 } from 'node:buffer';
import libmime from 'libmime';
import { decode as decodeCharset } from 'libmime/lib/charset.js';

const LF = 0x0a;
const CR = 0x0d;
/** Nesting of multiparts / attached messages followed; deeper parts are not searched. */
const MAX_MIME_DEPTH = 32;
/** Parts searched in one message; the rest of a pathological message is ignored. */
const MAX_PARTS = 1000;

const WINDOWS_1252 = new TextDecoder('windows-1252');

/** Case folding for matching. */
export function fold(text: string): string {
  return text.toLowerCase();
}

/** Case folding plus whitespace squashing, for header text. */
export function foldHeader(text: string): string {
  return text.replace(/\s+/g, ' ').toLowerCase();
}

/** Bytes as text: UTF-8 when valid, else windows-1252 (a superset of Latin-1 for text). */
function bytesToText(bytes: Buffer): string {
  if (isAscii(bytes)) return bytes.toString('latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : WINDOWS_1252.decode(bytes);
}

/**
 * Where the header of the entity at buf[start, end) ends: headerEnd is the end of its last line
 * (the blank line excluded), bodyStart the first byte after the blank line. Without a blank line
 * the whole entity is header and the body is empty.
 */
export function findHeaderEnd(buf: Buffer, start = 0, end = buf.length): { headerEnd: number; bodyStart: number } {
  // A blank line at the very start: no header at all.
  if (buf[start] === LF) return { headerEnd: start, bodyStart: start + 1 };
  if (buf[start] === CR && buf[start + 1] === LF) return { headerEnd: start, bodyStart: start + 2 };
  let pos = start;
  while (pos < end) {
    const lf = buf.indexOf(LF, pos);
    if (lf < 0 || lf >= end) break;
    const next = lf + 1;
    if (buf[next] === LF && next < end) return { headerEnd: next, bodyStart: next + 1 };
    if (buf[next] === CR && buf[next + 1] === LF && next + 1 < end) return { headerEnd: next, bodyStart: next + 2 };
    pos = next;
  }
  return { headerEnd: end, bodyStart: end };
}

/** Header field name (lower-cased) → raw unfolded values, in order. */
export type HeaderFields = Map<string, string[]>;

/** Splits a header block into fields: continuation lines are joined, malformed lines skipped. */
export function parseHeaderFields(text: string): HeaderFields {
  const fields: HeaderFields = new Map();
  let name: string | null = null;
  let value = '';
  const flush = () => {
    if (name === null) return;
    const list = fields.get(name);
    if (list) list.push(value);
    else fields.set(name, [value]);
    name = null;
  };
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      // Continuation of the previous field (unfolding keeps the whitespace, drops the line end).
      if (name !== null) value += line;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a field ("From " mbox line, garbage)
    const fieldName = line.slice(0, colon).trimEnd();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(fieldName)) continue;
    name = fieldName.toLowerCase();
    value = line.slice(colon + 1);
  }
  flush();
  return fields;
}

/** A header value with RFC 2047 encoded words decoded (left as is when they do not decode). */
export function decodeHeaderValue(raw: string): string {
  if (!raw.includes('=?')) return raw;
  try {
    return libmime.decodeWords(raw);
  } catch {
    return raw;
  }
}

/** The folded "name: decoded value" lines of a header, for TEXT. */
function headerSearchText(fields: HeaderFields): string {
  const lines: string[] = [];
  for (const [name, values] of fields) {
    for (const v of values) lines.push(`${name}: ${decodeHeaderValue(v)}`);
  }
  return foldHeader(lines.join('\n'));
}

interface ContentInfo {
  /** Lower-cased type/subtype. */
  type: string;
  boundary: string | undefined;
  charset: string | undefined;
  /** Lower-cased Content-Transfer-Encoding, '' when absent. */
  encoding: string;
}

function contentInfo(fields: HeaderFields, defaultType: string): ContentInfo {
  const ct = fields.get('content-type')?.[0];
  let type = defaultType;
  let boundary: string | undefined;
  let charset: string | undefined;
  if (ct !== undefined) {
    try {
      const parsed = libmime.parseHeaderValue(ct);
      const value = parsed.value.trim().toLowerCase();
      // RFC 2045 §5.2: a syntactically invalid Content-Type means text/plain.
      type = /^[^/\s]+\/[^/\s]+$/.test(value) ? value : 'text/plain';
      const params = parsed.params as Record<string, unknown>;
      if (typeof params.boundary === 'string' && params.boundary !== '') boundary = params.boundary;
      if (typeof params.charset === 'string' && params.charset !== '') charset = params.charset.trim();
    } catch {
      type = 'text/plain';
    }
  }
  const encoding = (fields.get('content-transfer-encoding')?.[0] ?? '').trim().toLowerCase();
  return { type, boundary, charset, encoding };
}

const HEX: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

/** Quoted-printable → bytes (RFC 2045 §6.7); malformed escapes are kept as they are. */
export function decodeQuotedPrintable(input: Buffer): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let o = 0;
  const n = input.length;
  for (let i = 0; i < n; i++) {
    const c = input[i]!;
    if (c !== 0x3d) {
      out[o++] = c;
      continue;
    }
    const h = HEX[input[i + 1] ?? 0]!;
    const l = HEX[input[i + 2] ?? 0]!;
    if (i + 2 < n && h >= 0 && l >= 0) {
      out[o++] = (h << 4) | l;
      i += 2;
      continue;
    }
    // A soft line break: "=" then optional trailing whitespace then the line end.
    let j = i + 1;
    while (j < n && (input[j] === 0x20 || input[j] === 0x09)) j++;
    if (j < n && input[j] === CR && input[j + 1] === LF) {
      i = j + 1;
      continue;
    }
    if (j < n && input[j] === LF) {
      i = j;
      continue;
    }
    if (j >= n) break; // "=" at the very end
    out[o++] = c;
  }
  return out.subarray(0, o);
}

function decodeTransfer(body: Buffer, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function decodeText(bytes: Buffer, charset: string | undefined): string {
  const cs = charset?.toLowerCase();
  if (cs === undefined || cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' || cs === 'ascii') return bytesToText(bytes);
  try {
    return decodeCharset(bytes, charset);
  } catch {
    return bytesToText(bytes);
  }
}

/** Collects the searchable text of the entity at buf[start, end) into out. */
function collectEntity(buf: Buffer, start: number, end: number, defaultType: string, out: string[], depth: number, budget: { parts: number }): void {
  if (depth > MAX_MIME_DEPTH || --budget.parts < 0) return;
  const { headerEnd, bodyStart } = findHeaderEnd(buf, start, end);
  const fields = parseHeaderFields(bytesToText(buf.subarray(start, headerEnd)));
  // The top-level header is searched separately (TEXT), and is not part of the body (BODY).
  if (depth > 0) out.push(headerSearchText(fields));
  const info = contentInfo(fields, defaultType);
  if (info.type.startsWith('multipart/')) {
    if (info.boundary === undefined) {
      // A multipart without a boundary cannot be split: read it as one text.
      out.push(fold(bytesToText(buf.subarray(bodyStart, end))));
      return;
    }
    const childType = info.type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    for (const [a, b] of splitMultipart(buf, bodyStart, end, info.boundary)) collectEntity(buf, a, b, childType, out, depth + 1, budget);
    return;
  }
  if ((info.type === 'message/rfc822' || info.type === 'message/global') && info.encoding !== 'base64' && info.encoding !== 'quoted-printable') {
    collectEntity(buf, bodyStart, end, 'text/plain', out, depth + 1, budget);
    return;
  }
  if (!info.type.startsWith('text/')) return;
  const bytes = decodeTransfer(buf.subarray(bodyStart, end), info.encoding);
  out.push(fold(decodeText(bytes, info.charset)));
}

/**
 * The [start, end) ranges of the parts of the multipart body buf[start, end): the content between
 * "--boundary" delimiter lines (the line end before a delimiter belongs to it), up to the
 * "--boundary--" close delimiter or the end. The preamble and epilogue are not parts.
 */
function splitMultipart(buf: Buffer, start: number, end: number, boundary: string): Array<[number, number]> {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Array<[number, number]> = [];
  let partStart = -1;
  let pos = start;
  while (pos < end) {
    const at = buf.indexOf(delimiter, pos);
    if (at < 0 || at + delimiter.length > end) break;
    pos = at + delimiter.length;
    if (at !== start && buf[at - 1] !== LF) continue; // not at the start of a line
    const after = buf[pos];
    const close = after === 0x2d && buf[pos + 1] === 0x2d;
    // "--boundaryX" is another boundary's delimiter, not ours.
    if (!close && after !== undefined && pos < end && after !== CR && after !== LF && after !== 0x20 && after !== 0x09) continue;
    if (partStart >= 0) {
      let partEnd = at > start ? at - 1 : at;
      if (partEnd > partStart && buf[partEnd - 1] === CR) partEnd--;
      parts.push([partStart, Math.max(partStart, partEnd)]);
    }
    if (close) return parts;
    const lf = buf.indexOf(LF, pos);
    partStart = lf < 0 || lf >= end ? end : lf + 1;
    pos = partStart;
  }
  // No close delimiter: the last part runs to the end.
  if (partStart >= 0) parts.push([partStart, end]);
  return parts;
}

const NOT_PLAIN_TRANSFER = /content-transfer-encoding:[ \t]*(?:\r?\n[ \t]+)?(?:base64|quoted-printable)/i;
const PART_TYPE = /^content-type:[ \t]*(?:\r?\n[ \t]+)?([^\s/;]*)/gim;

/** Charsets whose 7-bit bytes are not ASCII text (ISO-2022-*, UTF-7, HZ, UTF-16/32). */
const NON_ASCII_CHARSET = /^"?\s*(?:iso-?2022|utf-?7|hz|utf-?16|utf-?32|ucs|unicode)/i;
const PART_CHARSET = /charset\s*=\s*("?\s*[^\s;"]*)/gi;

/** Whether the raw body, 7-bit and read as text, would decode to itself: see the fast path above. */
function bodyIsPlain(body: string, top: ContentInfo): boolean {
  if (top.encoding === 'base64' || top.encoding === 'quoted-printable') return false;
  if (top.charset !== undefined && NON_ASCII_CHARSET.test(top.charset)) return false;
  const multipart = top.type.startsWith('multipart/');
  if (!multipart && !top.type.startsWith('text/')) return false;
  if (!multipart) return true;
  if (body.includes('=?') || NOT_PLAIN_TRANSFER.test(body)) return false;
  for (const m of body.matchAll(PART_TYPE)) {
    const major = m[1]!.toLowerCase();
    if (major !== 'text' && major !== 'multipart') return false;
  }
  for (const m of body.matchAll(PART_CHARSET)) {
    if (NON_ASCII_CHARSET.test(m[1]!)) return false;
  }
  return true;
}

/**
 * A message's bytes as loaded for one search: the whole message (complete) or only enough of the
 * start to hold the header block. Derived texts are computed on first use and kept.
 */
export class LoadedMessage {
  private readonly headerEnd: number;
  private readonly bodyStart: number;
  private fieldsCache: HeaderFields | undefined;
  private readonly decodedFields = new Map<string, string[]>();
  private headerTextCache: string | undefined;
  private bodyTextCache: string | undefined;
  /** null: not computed yet. */
  private plainHeaderCache: string | undefined | null = null;
  private plainBodyCache: string | undefined | null = null;

  constructor(
    private readonly raw: Buffer,
    /** False when raw holds only the start of the message (the header block). */
    readonly complete: boolean,
  ) {
    const { headerEnd, bodyStart } = findHeaderEnd(raw);
    this.headerEnd = headerEnd;
    this.bodyStart = bodyStart;
  }

  get fields(): HeaderFields {
    this.fieldsCache ??= parseHeaderFields(bytesToText(this.raw.subarray(0, this.headerEnd)));
    return this.fieldsCache;
  }

  /** The values of a field (lower-case name): unfolded, decoded, folded and squashed. */
  field(name: string): string[] {
    let values = this.decodedFields.get(name);
    if (values === undefined) {
      values = (this.fields.get(name) ?? []).map((v) => foldHeader(decodeHeaderValue(v)).trim());
      this.decodedFields.set(name, values);
    }
    return values;
  }

  /** The header block as text when it is plain ASCII without encoded words (its decoded text is itself), else undefined. */
  private get plainHeader(): string | undefined {
    if (this.plainHeaderCache === null) {
      const block = this.raw.subarray(0, this.headerEnd);
      const plain = isAscii(block) ? block.toString('latin1') : undefined;
      this.plainHeaderCache = plain !== undefined && !plain.includes('=?') ? plain : undefined;
    }
    return this.plainHeaderCache;
  }

  /** The body as text when it is plain 7-bit text (see bodyIsPlain): its decoded text is itself. */
  private get plainBody(): string | undefined {
    if (this.plainBodyCache === null) {
      const body = this.raw.subarray(this.bodyStart);
      const plain = isAscii(body) ? body.toString('latin1') : undefined;
      this.plainBodyCache = plain !== undefined && bodyIsPlain(plain, contentInfo(this.fields, 'text/plain')) ? plain : undefined;
    }
    return this.plainBodyCache;
  }

  /** TEXT's header part: `raw` (see evaluate.ts rawMatcher) runs on a plain header as it is. */
  headerMatches(needle: string, raw: RegExp | null): boolean {
    const plain = raw ? this.plainHeader : undefined;
    return plain !== undefined ? raw!.test(plain) : this.headerText.includes(needle);
  }

  /** BODY / TEXT's body part, the same way. Only for a complete message. */
  bodyMatches(needle: string, raw: RegExp | null): boolean {
    const plain = raw ? this.plainBody : undefined;
    return plain !== undefined ? raw!.test(plain) : this.bodyText.includes(needle);
  }

  /** The whole header as folded "name: value" lines (for plain ASCII headers, the raw block folded). */
  get headerText(): string {
    if (this.headerTextCache === undefined) {
      const plain = this.plainHeader;
      this.headerTextCache = plain !== undefined ? foldHeader(plain) : headerSearchText(this.fields);
    }
    return this.headerTextCache;
  }

  /** The folded body text (see the top of this file); only for a complete message. */
  get bodyText(): string {
    if (this.bodyTextCache === undefined) {
      // Any 8-bit byte: the charset matters, decode.
      const plain = this.plainBody;
      if (plain !== undefined) this.bodyTextCache = fold(plain);
      else {
        const out: string[] = [];
        collectEntity(this.raw, 0, this.raw.length, 'text/plain', out, 0, { parts: MAX_PARTS });
        this.bodyTextCache = out.join('\n');
      }
    }
    return this.bodyTextCache;
  }
}
