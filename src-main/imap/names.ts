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
  const parts = decoded.split(delimiter);
  if (parts.some((p) => p === '')) throw new InvalidName('Empty level in mailbox name');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[*%\u0000-\u001f\u007f]/.test(decoded)) throw new InvalidName('Invalid character in mailbox name');
  if (parts[0]!.toUpperCase() === 'INBOX') parts[0] = 'INBOX';
  if (decoded.length > 500 || parts.length > 20) throw new InvalidName('Mailbox name too long');
  return parts.join('/');
}

export function toWireName(name: string, delimiter: string): string {
  return encodeMailboxName(delimiter === '/' ? name : name.split('/').join(delimiter));
}

/** A LIST pattern (reference + mailbox, already joined) as a matcher of wire names. */
export function patternMatcher(pattern: string, delimiter: string): (wire: string) => boolean {
  const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '%') re += `[^${esc(delimiter)}]*`;
    else re += esc(ch);
  }
  const rx = new RegExp(`^${re}$`, 's');
  // INBOX matches case-insensitively: compare with the pattern's own spelling of INBOX.
  const inboxRx = /^inbox/i.test(pattern) ? new RegExp(`^${re}$`, 'is') : null;
  return (wire) => rx.test(wire) || (inboxRx !== null && /^INBOX(?:$|[/.\\])/.test(wire) && inboxRx.test(wire));
}
