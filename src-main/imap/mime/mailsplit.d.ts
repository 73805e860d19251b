// The part of mailsplit 5.x that the MIME analyser uses (mailsplit ships no types). Besides the
// public Splitter class, analyzer.ts drives the splitter's line state machine directly
// (processLine, node, state) instead of going through its Transform stream: that keeps exact byte
// offsets and avoids a setImmediate per line. Those members are internal to mailsplit 5.x; the
// unit tests in test/unit/imap/mime.test.ts pin the behaviour the analyser relies on.
declare module 'mailsplit' {
  import { Transform } from 'node:stream';

  export interface HeaderLine {
    /** Lower-case field name. */
    key: string;
    /** The whole field as a binary (latin1) string, folds kept ("Subject: a\r\n b"). */
    line: string;
  }

  export interface Headers {
    getList(): HeaderLine[];
    get(key: string): string[];
    getFirst(key: string): string;
  }

  export interface StructuredValue {
    value: string;
    params: Record<string, unknown>;
  }

  export interface MimeNode {
    parentNode: MimeNode | false;
    headers: Headers | false;
    /** The multipart subtype, or false. */
    multipart: string | false;
    _boundary: Buffer | false;
    contentType: string | false;
    _parsedContentType: StructuredValue | false;
    _parsedContentDisposition?: StructuredValue;
    parseHeaders(): void;
  }

  export interface SplitterOptions {
    ignoreEmbedded?: boolean;
    defaultInlineEmbedded?: boolean;
    maxHeadSize?: number;
    maxChildNodes?: number;
  }

  export type LineCallback = (err?: Error | null, data?: unknown, flush?: boolean) => void;

  export class Splitter extends Transform {
    constructor(config?: SplitterOptions);
    /** Internal: the node the next line belongs to. */
    node: MimeNode;
    /** Internal: 1 while reading a header, 2 in a body. */
    state: number;
    /** Internal: feeds one line (with its LF); calls next synchronously. */
    processLine(line: Buffer | false, final: boolean, next: LineCallback): void;
  }

  /** The CommonJS module object (import mailsplit from 'mailsplit'). */
  const mailsplit: { Splitter: typeof Splitter };
  export default mailsplit;
}
