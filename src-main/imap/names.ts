// Mailbox names between the wire and the store. On the wire: modified UTF-7 (RFC 3501 §5.1.3) with
// the configured hierarchy delimiter; in the store: Unicode with "/". INBOX is case-insensitive
// (also as the first level of a child: "inbox/x" is "INBOX/x"). LIST patterns ("*", "%") are
// matched against wire names.
import { decodeMailboxName, encodeMailboxName, isValidMailboxUtf7 } from './protocol/utf7';

export class InvalidName extends Error {}

export function toStoreName(wire: string, delimiter: string): string {
  if (!isValidMailboxUtf7(wire)) throw new InvalidName('Invalid mailbox name (modified UTF-7 expected)');
  const decoded = decodeMailboxName(wire);
  if (delimiter !== '/' && decoded.includes('/')) throw new InvalidName('"/" is not allowed in mailbox names');
  return checkStoreName(delimiter === '/' ? decoded : decoded.split(delimiter).join('/'), delimiter);
}

/**
 * The rules every mailbox name follows, for a name already in store form ("/" between levels,
 * Unicode): what IMAP takes from the wire and what the admin API may create. A level cannot hold
 * the wire delimiter (with "." configured, "v1.2" would reach clients as v1 › 2, a mailbox they
 * could never name). Returns the name with INBOX folded to capitals at the first level.
 */
export function checkStoreName(name: string, delimiter: string): string {
  if (delimiter !== '/' && name.includes(delimiter)) throw new InvalidName(`"${delimiter}" is the IMAP hierarchy delimiter: it is not allowed in mailbox names`);
  const parts = name.split('/');
  if (parts.some((p) => p === '')) throw new InvalidName('Empty level in mailbox name');
  // Lone surrogates have no modified UTF-7 form (a wire name never decodes to one).
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[*%\u0000-\u001f\u007f]|\p{Cs}/u.test(name)) throw new InvalidName('Invalid character in mailbox name');
  if (parts[0]!.toUpperCase() === 'INBOX') parts[0] = 'INBOX';
  if (name.length > 500 || parts.length > 20) throw new InvalidName('Mailbox name too long');
  return parts.join('/');
}

export function toWireName(name: string, delimiter: string): string {
  return encodeMailboxName(delimiter === '/' ? name : name.split('/').join(delimiter));
}

/**
 * Whether `name` matches the LIST pattern: "*" matches anything, "%" anything but the delimiter.
 * Linear-time (greedy with one backtrack point per wildcard run, like a shell glob), never a
 * backtracking RegExp: "*a*a*a*a*a*a*aX" against a long name must not stall the server.
 */
function globMatch(pattern: string, name: string, delimiter: string, fold: boolean): boolean {
  const p = fold ? pattern.toUpperCase() : pattern;
  const n = fold ? name.toUpperCase() : name;
  let pi = 0;
  let ni = 0;
  let starP = -1; // position after the last "*" or "%" in the pattern
  let starN = 0; // where in the name that wildcard's match would grow next
  let starIsPercent = false;
  while (ni < n.length) {
    const c = p[pi];
    if (c === '*' || c === '%') {
      // A run of wildcards acts as one; "*" in it wins over "%".
      let percent = true;
      while (p[pi] === '*' || p[pi] === '%') {
        if (p[pi] === '*') percent = false;
        pi++;
      }
      starP = pi;
      starN = ni;
      starIsPercent = percent;
      continue;
    }
    if (c !== undefined && c === n[ni]) {
      pi++;
      ni++;
      continue;
    }
    // Mismatch: let the last wildcard swallow one more character, if it may.
    if (starP < 0 || (starIsPercent && n[starN] === delimiter)) return false;
    starN++;
    ni = starN;
    pi = starP;
  }
  while (p[pi] === '*' || p[pi] === '%') pi++;
  return pi === p.length;
}

/** A LIST pattern (reference + mailbox, already joined) as a matcher of wire names. */
export function patternMatcher(pattern: string, delimiter: string): (wire: string) => boolean {
  // INBOX matches case-insensitively (and so does a pattern for its children): "inbox", "Inbox/%".
  const inboxPattern = /^inbox/i.test(pattern);
  return (wire) => globMatch(pattern, wire, delimiter, false) || (inboxPattern && /^INBOX(?:$|[/.\\])/.test(wire) && globMatch(pattern, wire, delimiter, true));
}
