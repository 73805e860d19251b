// The streaming MIME analysis of a message: byte ranges and BODYSTRUCTURE fields of every part.
//
// The MIME parse is mailsplit's: its Splitter recognises header blocks, boundaries (of the current
// multipart and of its parent) and builds the node tree, and libmime (through it) parses
// Content-Type and Content-Disposition with RFC 2231. mailsplit's Transform output cannot give
// exact offsets in every case (a header-only part closed by its parent's boundary is emitted twice,
// and lines are regrouped across chunk edges), and it costs a setImmediate per line; so this module
// splits lines itself, keeps its own byte count, and feeds each line to the splitter's line state
// machine (processLine, which answers synchronously). A line after which splitter.node changed was
// a boundary delimiter; a line answered with the node itself ended that node's header. Body lines
// that cannot be a delimiter (not starting with '-' or CR) skip the splitter.
//
// Embedded messages (message/rfc822, message/global, and parts without Content-Type in a
// multipart/digest) are parsed, whatever their transfer encoding (as Dovecot does), by a nested
// Core fed with the part's body bytes: mailsplit runs with ignoreEmbedded so the outer splitter
// still ends the embedded message at the enclosing boundary.
//
// Nothing here throws on content: a splitter error (too many parts, a header over 1 MB), nesting
// deeper than MAX_DEPTH or an inconsistent state stops the structure parse where it is and the rest
// of the bytes belong to the part that is open, so offsets stay exact and nothing is lost.
import { createReadStream } from 'node:fs';
import mailsplit, { type MimeNode, type Splitter } from 'mailsplit';
import { envelopeOf, mimeFields, type MimeFields } from './fields';
import type { Envelope, MessageAnalysis, PartInfo } from './structure';

/** Multiparts and embedded messages nested deeper are opaque application/octet-stream leaves. */
export const MAX_DEPTH = 20;
/** Parts per message (all embedded messages together); past it the structure parse stops. */
const MAX_PARTS = 5000;
/** A longer line cannot be a boundary or header line: it is body content, streamed through. */
const MAX_LINE = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const SPLITTER_BODY = 2;

interface Budget {
  parts: number;
}

class Part {
  headerEnd = -1;
  bodyStart = -1;
  bodyEnd = -1;
  lfAtBodyStart = 0;
  lines = 0;
  readonly children: Part[] = [];
  fields: MimeFields | null = null;
  message: Core | null = null;

  constructor(
    readonly node: MimeNode,
    readonly parent: Part | null,
    readonly depth: number,
    public headerStart: number,
  ) {}
}

function isMessageType(f: MimeFields): boolean {
  return f.type === 'message' && (f.subtype === 'rfc822' || f.subtype === 'global');
}

class Core {
  private readonly splitter: Splitter;
  private readonly stack: Part[];
  private readonly parts = new Map<MimeNode, Part>();
  readonly root: Part;
  envelope: Envelope | null = null;
  private failed = false;
  private finished = false;
  /** Absolute offset of the next byte, and LFs seen so far. */
  private pos: number;
  private lf = 0;
  /** The bytes at pos-1, pos-2, pos-3 (-1 before the start). */
  private b1 = -1;
  private b2 = -1;
  private b3 = -1;
  /** Bytes of the current line not ended by an LF yet. */
  private partial: Buffer[] = [];
  private partialLength = 0;
  /** The current line is over MAX_LINE: the rest of it is content. */
  private longLine = false;

  constructor(
    readonly base: number,
    depth: number,
    private readonly budget: Budget,
  ) {
    this.pos = base;
    this.splitter = new mailsplit.Splitter({ ignoreEmbedded: true });
    // processLine hands over one node by push() (a header-only part closed by its parent's
    // boundary); this analyser reads the splitter's state instead of its output.
    this.splitter.push = () => true;
    this.root = this.newPart(this.splitter.node, null, depth, base);
    this.stack = [this.root];
  }

  private newPart(node: MimeNode, parent: Part | null, depth: number, headerStart: number): Part {
    this.budget.parts++;
    const part = new Part(node, parent, depth, headerStart);
    this.parts.set(node, part);
    const parse = node.parseHeaders;
    node.parseHeaders = function (this: MimeNode) {
      parse.call(this);
      // Only a multipart has children: a boundary parameter elsewhere means nothing, and too deep
      // a multipart is opaque.
      if (!this.multipart || depth >= MAX_DEPTH) {
        this.multipart = false;
        this._boundary = false;
      }
    };
    return part;
  }

  private top(): Part {
    return this.stack[this.stack.length - 1]!;
  }

  write(chunk: Buffer): void {
    if (this.finished) return;
    let start = 0;
    const len = chunk.length;
    while (start < len) {
      const i = chunk.indexOf(LF, start);
      if (this.longLine) {
        const end = i < 0 ? len : i + 1;
        this.content(chunk.subarray(start, end));
        if (i >= 0) this.longLine = false;
        start = end;
        continue;
      }
      if (i < 0) {
        const rest = Buffer.from(chunk.subarray(start));
        this.partial.push(rest);
        this.partialLength += rest.length;
        if (this.partialLength > MAX_LINE) this.startLongLine();
        return;
      }
      let line = chunk.subarray(start, i + 1);
      if (this.partial.length > 0) {
        this.partial.push(line);
        line = Buffer.concat(this.partial, this.partialLength + line.length);
        this.partial = [];
        this.partialLength = 0;
      }
      this.line(line, false);
      start = i + 1;
    }
  }

  private startLongLine(): void {
    const piece = Buffer.concat(this.partial, this.partialLength);
    this.partial = [];
    this.partialLength = 0;
    this.longLine = true;
    // A header line this long: mailsplit would refuse the header anyway.
    if (this.top().headerEnd < 0) this.failed = true;
    this.content(piece);
  }

  /** Bytes that are neither a delimiter nor the end of a header: content of the open part. */
  private content(piece: Buffer): void {
    const top = this.top();
    if (top.message && top.headerEnd >= 0) top.message.write(piece);
    this.advance(piece);
  }

  private advance(piece: Buffer): void {
    const n = piece.length;
    if (n === 0) return;
    this.pos += n;
    if (piece[n - 1] === LF) this.lf++;
    if (n >= 3) {
      this.b3 = piece[n - 3]!;
      this.b2 = piece[n - 2]!;
    } else if (n === 2) {
      this.b3 = this.b1;
      this.b2 = piece[0]!;
    } else {
      this.b3 = this.b2;
      this.b2 = this.b1;
    }
    this.b1 = piece[n - 1]!;
  }

  /** LFs before offset x, for x in [pos-3, pos]. */
  private lfAt(x: number): number {
    const d = this.pos - x;
    let n = this.lf;
    if (d >= 1 && this.b1 === LF) n--;
    if (d >= 2 && this.b2 === LF) n--;
    if (d >= 3 && this.b3 === LF) n--;
    return n;
  }

  /** The byte at x, for x in [pos-3, pos). */
  private byteAt(x: number): number {
    const d = this.pos - x;
    return d === 1 ? this.b1 : d === 2 ? this.b2 : d === 3 ? this.b3 : -1;
  }

  private line(line: Buffer, final: boolean): void {
    const top = this.top();
    if (this.failed || (!final && this.splitter.state === SPLITTER_BODY && line[0] !== DASH && line[0] !== CR)) {
      this.content(line);
      return;
    }
    const before = this.splitter.node;
    let result: unknown;
    let error = false;
    try {
      // RFC 2046 §5.1.1 allows "transport padding" (spaces, tabs) after a boundary; mailsplit
      // does not, so its parser sees such a line without the padding (offsets use the real line).
      this.splitter.processLine(line[0] === DASH ? withoutPadding(line) : line, final, (err, data) => {
        if (err) error = true;
        else result = data;
      });
    } catch {
      error = true;
    }
    const after = this.splitter.node;
    if (error || before !== top.node) {
      this.failed = true;
      this.content(line);
    } else if (after !== before) {
      if (this.delimiter(line, after)) this.advance(line);
      else this.content(line);
    } else if (result === before) {
      this.advance(line);
      this.headerDone(top);
    } else {
      this.content(line);
    }
  }

  /** A boundary line at pos: closes parts, opens the next one. False if the state is not understood. */
  private delimiter(line: Buffer, next: MimeNode): boolean {
    const o = this.pos;
    // The line end before a delimiter belongs to it (RFC 2046 §5.1.1).
    let end = o;
    if (this.b1 === LF) {
      end--;
      if (this.b2 === CR) end--;
    }
    const known = this.parts.get(next);
    if (known) {
      if (!this.stack.includes(known)) return this.fail();
      this.closeAbove(known, o, end);
      return true;
    }
    const parent = next.parentNode ? this.parts.get(next.parentNode) : undefined;
    if (!parent || !this.stack.includes(parent) || this.budget.parts >= MAX_PARTS) return this.fail();
    this.closeAbove(parent, o, end);
    const part = this.newPart(next, parent, parent.depth + 1, o + line.length);
    parent.children.push(part);
    this.stack.push(part);
    return true;
  }

  private fail(): false {
    this.failed = true;
    return false;
  }

  private closeAbove(keep: Part, headerEnd: number, end: number): void {
    while (this.stack.length > 0 && this.top() !== keep) this.close(this.stack.pop()!, headerEnd, end);
  }

  private setFields(part: Part): void {
    let fields: MimeFields;
    try {
      part.node.parseHeaders();
      const parent = part.parent?.fields;
      fields = mimeFields(part.node, parent?.type === 'multipart' && parent.subtype === 'digest');
    } catch {
      fields = { type: 'text', subtype: 'plain', params: [], id: null, description: null, encoding: '7BIT', md5: null, disposition: null, language: null, location: null };
    }
    if (part.depth >= MAX_DEPTH && (fields.type === 'multipart' || isMessageType(fields))) {
      fields = { ...fields, type: 'application', subtype: 'octet-stream', params: [] };
    }
    part.fields = fields;
    if (part === this.root) {
      try {
        this.envelope = envelopeOf(part.node.headers);
      } catch {
        this.envelope = envelopeOf(false);
      }
    }
  }

  /** The header of part ended at pos (with its empty line). */
  private headerDone(part: Part): void {
    part.headerEnd = this.pos;
    part.bodyStart = this.pos;
    part.lfAtBodyStart = this.lf;
    this.setFields(part);
    const f = part.fields!;
    if (isMessageType(f)) {
      if (this.budget.parts < MAX_PARTS) part.message = new Core(this.pos, part.depth + 1, this.budget);
      else part.fields = { ...f, type: 'application', subtype: 'octet-stream', params: [] };
    }
  }

  private close(part: Part, headerEnd: number, end: number): void {
    if (part.headerEnd < 0) {
      // The header never ended (header-only part or message): it is all there is.
      part.headerEnd = headerEnd;
      part.bodyStart = headerEnd;
      part.lfAtBodyStart = this.lfAt(headerEnd);
      this.setFields(part);
    }
    part.bodyEnd = Math.max(part.bodyStart, end);
    let lines = 0;
    if (part.bodyEnd > part.bodyStart) {
      lines = this.lfAt(part.bodyEnd) - part.lfAtBodyStart;
      if (this.byteAt(part.bodyEnd - 1) !== LF) lines++;
    }
    part.lines = lines;
    part.message?.finish(part.bodyEnd);
  }

  /** Ends the input; an embedded message ends at end (before the CRLF of the next delimiter). */
  finish(end?: number): void {
    if (this.finished) return;
    const rest = this.partial.length > 0 ? Buffer.concat(this.partial, this.partialLength) : Buffer.alloc(0);
    this.partial = [];
    this.partialLength = 0;
    if (this.longLine) this.content(rest);
    else this.line(rest, true);
    this.finished = true;
    const stop = end === undefined ? this.pos : Math.max(Math.min(end, this.pos), this.base);
    while (this.stack.length > 0) {
      const part = this.stack.pop()!;
      if (part.headerStart > stop) part.headerStart = stop;
      if (part.headerEnd > stop) {
        part.headerEnd = stop;
        part.bodyStart = stop;
        part.lfAtBodyStart = this.lfAt(stop);
      }
      this.close(part, stop, stop);
    }
  }

  analysis(): MessageAnalysis {
    return { envelope: this.envelope ?? envelopeOf(false), root: partInfo(this.root) };
  }
}

function partInfo(part: Part): PartInfo {
  const f = part.fields!;
  let { type, subtype, params } = f;
  let children: PartInfo[] | undefined;
  let message: PartInfo['message'];
  if (type === 'multipart') {
    if (part.children.length > 0) children = part.children.map(partInfo);
    else {
      // No boundary, or none found: the whole body is one text part (and BODYSTRUCTURE stays valid).
      type = 'text';
      subtype = 'plain';
      params = [];
    }
  } else if (isMessageType(f)) {
    if (part.message) message = part.message.analysis();
    else {
      type = 'application';
      subtype = 'octet-stream';
      params = [];
    }
  }
  const bodyLength = part.bodyEnd - part.bodyStart;
  const info: PartInfo = {
    headerStart: part.headerStart,
    headerLength: part.headerEnd - part.headerStart,
    bodyStart: part.bodyStart,
    bodyLength,
    type,
    subtype,
    params,
    id: f.id,
    description: f.description,
    encoding: f.encoding,
    size: bodyLength,
    lines: part.lines,
    md5: f.md5,
    disposition: f.disposition,
    language: f.language,
    location: f.location,
  };
  if (children) info.children = children;
  if (message) info.message = message;
  return info;
}

function fallbackAnalysis(start: number, end: number): MessageAnalysis {
  return {
    envelope: envelopeOf(false),
    root: {
      headerStart: start,
      headerLength: 0,
      bodyStart: start,
      bodyLength: end - start,
      type: 'text',
      subtype: 'plain',
      params: [],
      id: null,
      description: null,
      encoding: '7BIT',
      size: end - start,
      lines: 0,
      md5: null,
      disposition: null,
      language: null,
      location: null,
    },
  };
}

/**
 * Push-based streaming analyser: write() the message bytes as they arrive (SMTP DATA, APPEND
 * literal), then end(). start is the file offset of the first byte (offsets in the result are
 * absolute). Never throws on content.
 */
export class MimeAnalyzer {
  private readonly core: Core;
  private total: number;
  private broken = false;
  private result: MessageAnalysis | null = null;

  constructor(readonly start = 0) {
    this.core = new Core(start, 0, { parts: 0 });
    this.total = start;
  }

  write(chunk: Buffer): void {
    if (this.result) throw new Error('MimeAnalyzer: write() after end()');
    this.total += chunk.length;
    if (this.broken) return;
    try {
      this.core.write(chunk);
    } catch {
      // An internal error: the structure is lost, not the message.
      this.broken = true;
    }
  }

  /** The analysis, synchronously (end() wraps it in a promise). */
  endSync(): MessageAnalysis {
    if (this.result) return this.result;
    if (!this.broken) {
      try {
        this.core.finish();
        this.result = this.core.analysis();
      } catch {
        this.result = null;
      }
    }
    this.result ??= fallbackAnalysis(this.start, this.total);
    return this.result;
  }

  end(): Promise<MessageAnalysis> {
    return Promise.resolve(this.endSync());
  }
}

export function analyzeBufferSync(buf: Buffer, start = 0): MessageAnalysis {
  const a = new MimeAnalyzer(start);
  a.write(buf);
  return a.endSync();
}

export function analyzeBuffer(buf: Buffer): Promise<MessageAnalysis> {
  return Promise.resolve(analyzeBufferSync(buf));
}

/** Analyses the message that fills the file from start (offsets stay file offsets). */
export async function analyzeFile(path: string, start = 0): Promise<MessageAnalysis> {
  const a = new MimeAnalyzer(start);
  for await (const chunk of createReadStream(path, { start, highWaterMark: 64 * 1024 })) a.write(chunk as Buffer);
  return a.endSync();
}

/** A "--…" line without the spaces and tabs before its line end. */
function withoutPadding(line: Buffer): Buffer {
  let end = line.length;
  if (end > 0 && line[end - 1] === LF) end--;
  if (end > 0 && line[end - 1] === CR) end--;
  let cut = end;
  while (cut > 2 && (line[cut - 1] === 0x20 || line[cut - 1] === 0x09)) cut--;
  return cut === end ? line : Buffer.concat([line.subarray(0, cut), line.subarray(end)]);
}
