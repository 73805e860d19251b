// IMAP sequence sets (RFC 9051 §9 "sequence-set"): "1:5,7,9:*". The parser leaves them as atoms;
// the command layer parses them here, against message sequence numbers or UIDs. "*" is the largest
// number in use (the message count, or the highest UID), and a range is the same whichever way
// round it is written ("4:2" = "2:4"), so "559:*" still holds the last UID when 559 is above it
// (RFC 9051 §6.4.8). Expanding is bounded by the mailbox, never by the numbers the client wrote:
// "1:4294967295" on a 3-message mailbox costs three entries. "$" (SEARCHRES) is not supported.

/** A range bound: a number (1..2^32-1) or "*". */
export type SeqBound = number | '*';

/** One element of a set; a single number has start === end. */
export interface SeqRange {
  readonly start: SeqBound;
  readonly end: SeqBound;
}

export type SequenceSet = readonly SeqRange[];

/** The largest nz-number (RFC 9051: nz-number is a 32-bit unsigned value, 0 excluded). */
export const MAX_SEQ_NUMBER = 4294967295;

function parseBound(text: string): SeqBound | undefined {
  if (text === '*') return '*';
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_SEQ_NUMBER ? n : undefined;
}

/** Parses a sequence set; undefined when the text is not one ("0", "1:", "a", "", "1,,2"). */
export function parseSequenceSet(text: string): SequenceSet | undefined {
  if (text === '') return undefined;
  const out: SeqRange[] = [];
  for (const element of text.split(',')) {
    const colon = element.indexOf(':');
    if (colon < 0) {
      const n = parseBound(element);
      if (n === undefined) return undefined;
      out.push({ start: n, end: n });
    } else {
      const start = parseBound(element.slice(0, colon));
      const end = parseBound(element.slice(colon + 1));
      if (start === undefined || end === undefined) return undefined;
      out.push({ start, end });
    }
  }
  return out;
}

function resolve(bound: SeqBound, max: number): number {
  return bound === '*' ? max : bound;
}

/** Whether n is in the set, "*" standing for max (the message count or the highest UID). */
export function contains(set: SequenceSet, n: number, max: number): boolean {
  for (const r of set) {
    const a = resolve(r.start, max);
    const b = resolve(r.end, max);
    if (n >= Math.min(a, b) && n <= Math.max(a, b)) return true;
  }
  return false;
}

/**
 * The set as sorted, merged, non-overlapping [low, high] pairs ("*" = max). Overlapping and
 * adjacent ranges are joined: "5:7,1:3,4" → [[1, 7]].
 */
export function toRanges(set: SequenceSet, max: number): Array<[number, number]> {
  const ranges = set
    .map((r): [number, number] => {
      const a = resolve(r.start, max);
      const b = resolve(r.end, max);
      return a <= b ? [a, b] : [b, a];
    })
    .sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/**
 * Message sequence numbers 1..max in the set, ascending and without repeats. Numbers above max
 * are left out; use hasNumberAbove() to answer the client's error for them.
 */
export function expandSequenceSet(set: SequenceSet, max: number): number[] {
  const out: number[] = [];
  for (const [low, high] of toRanges(set, max)) {
    for (let n = Math.max(low, 1); n <= Math.min(high, max); n++) out.push(n);
  }
  return out;
}

/** Index of the first element of sorted that is >= value. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The UIDs of uids (ascending, as the mailbox view keeps them) that the set names, ascending.
 * "*" is the highest UID (0 when the mailbox is empty). UIDs in the set that do not exist are
 * simply absent (RFC 9051 §6.4.8: a non-existent UID is not an error).
 */
export function expandUidSet(set: SequenceSet, uids: readonly number[]): number[] {
  const max = uids.length > 0 ? uids[uids.length - 1]! : 0;
  const out: number[] = [];
  for (const [low, high] of toRanges(set, max)) {
    for (let i = lowerBound(uids, low); i < uids.length && uids[i]! <= high; i++) out.push(uids[i]!);
  }
  return out;
}

/** Whether the set names a number (not "*") above max: for sequence numbers, a client error. */
export function hasNumberAbove(set: SequenceSet, max: number): boolean {
  return set.some((r) => (r.start !== '*' && r.start > max) || (r.end !== '*' && r.end > max));
}

/**
 * The shortest set text for numbers (any order, repeats allowed), as UIDPLUS responses need:
 * [1, 2, 3, 5, 9, 8] → "1:3,5,8:9". Throws on an empty list (an empty set has no wire form) and on
 * anything that is not a number 1..2^32-1.
 */
export function formatSequenceSet(numbers: Iterable<number>): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  if (sorted.length === 0) throw new RangeError('an empty sequence set has no wire form');
  for (const n of sorted) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_SEQ_NUMBER) throw new RangeError(`${n} is not a sequence number`);
  }
  const parts: string[] = [];
  let start = sorted[0]!;
  let prev = start;
  for (let i = 1; i <= sorted.length; i++) {
    const n = sorted[i];
    if (n === prev + 1) {
      prev = n;
      continue;
    }
    parts.push(start === prev ? String(start) : `${start}:${prev}`);
    if (n === undefined) break;
    start = prev = n;
  }
  return parts.join(',');
}
