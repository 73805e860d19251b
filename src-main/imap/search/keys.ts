// The parsed form of an IMAP SEARCH program (RFC 3501 / RFC 9051 §6.4.4) and its error type.
// parse.ts builds it from command tokens, evaluate.ts runs it over a mailbox.
import type { SequenceSet } from '../protocol/sequence-set';

/** A calendar day as a count of days since 1970-01-01 (negative before). */
export type Day = number;

export type DateOp = 'before' | 'on' | 'since';

/**
 * One search key. Composite keys (and/or/not) hold other keys; the leaves are grouped by what
 * evaluating them costs: the message's metadata (flags, sizes, dates, numbers), its header
 * block, or its whole text.
 */
export type SearchKey =
  /** ALL, OLD (always true) — and, with value false, NEW / RECENT (we never have \Recent). */
  | { readonly type: 'const'; readonly value: boolean }
  /** ANSWERED, SEEN, KEYWORD x… (present: true) and UNANSWERED, UNSEEN, UNKEYWORD x… (present: false). */
  | { readonly type: 'flag'; readonly flag: string; readonly present: boolean }
  /** A sequence set as a key: message sequence numbers, "*" = the message count. */
  | { readonly type: 'seq'; readonly set: SequenceSet }
  /** UID set: "*" = the highest UID. */
  | { readonly type: 'uid'; readonly set: SequenceSet }
  /** LARGER n (size > n) / SMALLER n (size < n), in RFC822.SIZE octets. */
  | { readonly type: 'size'; readonly op: 'larger' | 'smaller'; readonly n: number }
  /** BEFORE / ON / SINCE: the internal date's day (UTC). */
  | { readonly type: 'internaldate'; readonly op: DateOp; readonly day: Day }
  /** SENTBEFORE / SENTON / SENTSINCE: the Date: header's day, as written (its own timezone). */
  | { readonly type: 'sentdate'; readonly op: DateOp; readonly day: Day }
  /** MODSEQ n (CONDSTORE): modseq >= n. */
  | { readonly type: 'modseq'; readonly n: number }
  /**
   * FROM/TO/CC/BCC/SUBJECT x and HEADER field x: field name lower-cased; value as the client
   * sent it ("" = the message has the field).
   */
  | { readonly type: 'header'; readonly field: string; readonly value: string }
  /** BODY x: the body's decoded text. */
  | { readonly type: 'body'; readonly value: string }
  /** TEXT x: the decoded header and body text. */
  | { readonly type: 'text'; readonly value: string }
  | { readonly type: 'not'; readonly key: SearchKey }
  | { readonly type: 'or'; readonly left: SearchKey; readonly right: SearchKey }
  /** A parenthesised list, or the top-level list of keys: all must match. */
  | { readonly type: 'and'; readonly keys: readonly SearchKey[] };

/**
 * A SEARCH the client got wrong. 'syntax' is answered "BAD <message>"; 'badcharset' is answered
 * "NO [BADCHARSET (UTF-8 US-ASCII)] <message>".
 */
export class SearchError extends Error {
  constructor(
    readonly kind: 'syntax' | 'badcharset',
    message: string,
  ) {
    super(message);
    this.name = 'SearchError';
  }
}
