// The MIME structure of a stored message, as IMAP FETCH needs it (RFC 3501 §6.4.5, §7.4.2;
// RFC 9051): the ENVELOPE of the message and of every embedded message/rfc822, and for every part
// the byte ranges of its header and body in the .eml file plus the BODYSTRUCTURE fields. It is
// computed once at delivery by a streaming parse (analyzer.ts, on mailsplit's MIME state machine),
// cached in the index as compact JSON (serialize.ts) and turned into response values (wire.ts) and
// file ranges (sections.ts) at FETCH time.
//
// This file holds the data types and re-exports the whole API (index.ts does the same).

/**
 * An address of ENVELOPE (RFC 3501 §7.4.2). A group start has host null and the group name in
 * mailbox; a group end has mailbox and host null.
 */
export interface Address {
  name: string | null;
  mailbox: string | null;
  host: string | null;
}

/**
 * Raw (unfolded, RFC 2047 words left encoded) values of the message header. sender and replyTo are
 * null when the header has none: envelopeValue() sends From in their place, as RFC 3501 asks.
 */
export interface Envelope {
  date: string | null;
  subject: string | null;
  from: Address[] | null;
  sender: Address[] | null;
  replyTo: Address[] | null;
  to: Address[] | null;
  cc: Address[] | null;
  bcc: Address[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

export interface PartInfo {
  /** This part's header block in the file, including the empty line that ends it (when there is one). */
  headerStart: number;
  headerLength: number;
  /**
   * The part's body: after the header up to the CRLF that precedes the next boundary (which belongs
   * to the boundary, RFC 2046 §5.1.1), or to the end of the enclosing body. For a multipart this
   * takes in the preamble, all children, the closing boundary and the epilogue.
   */
  bodyStart: number;
  bodyLength: number;
  /** Lower case; text/plain when absent or invalid (message/rfc822 in multipart/digest). */
  type: string;
  subtype: string;
  /** Content-Type parameters, names lower case, RFC 2231 continuations and charsets decoded. */
  params: [string, string][];
  id: string | null;
  description: string | null;
  /** Content-Transfer-Encoding upper-cased, '7BIT' when absent. */
  encoding: string;
  /** Body octets (= bodyLength). */
  size: number;
  /** Line ends in the body, plus one for a last line without one. */
  lines: number;
  md5: string | null;
  disposition: { type: string; params: [string, string][] } | null;
  language: string[] | null;
  location: string | null;
  /** multipart/* (always at least one child: a multipart without any is analysed as text/plain). */
  children?: PartInfo[];
  /** message/rfc822 and message/global: the embedded message, offsets absolute in the file. */
  message?: { envelope: Envelope; root: PartInfo };
}

export interface MessageAnalysis {
  envelope: Envelope;
  root: PartInfo;
}

export { MimeAnalyzer, analyzeBuffer, analyzeBufferSync, analyzeFile } from './analyzer';
export { serializeAnalysis, deserializeAnalysis } from './serialize';
export { envelopeValue, bodyStructureValue } from './wire';
export { sectionRange, filterHeaderFields, type SectionRange } from './sections';
