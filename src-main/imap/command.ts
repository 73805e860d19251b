// One IMAP command = one module declaring its names, the states it is allowed in, how many
// arguments it takes and its handler (STYLE.md §10.5). The dispatcher (connection.ts) alone
// checks state and arity and keeps the bad-command budget; handlers throw BadArguments for
// arguments of the wrong shape.
import type { Token } from './protocol/tokens';
import type { ImapContext, ImapStateKind } from './session';
import { astring } from './protocol/tokens';
import { expandSequenceSet, expandUidSet, hasNumberAbove, parseSequenceSet } from './protocol/sequence-set';

export interface ImapCommand {
  /** Upper-cased; "UID FETCH" and friends are separate names of the same module. */
  readonly names: readonly string[];
  readonly states: readonly ImapStateKind[];
  /** Minimum and maximum number of top-level arguments (max Infinity for open-ended). */
  readonly arity: readonly [number, number];
  /** The arguments carry a secret (LOGIN, AUTHENTICATE): never logged. */
  readonly secret?: boolean;
  /**
   * Untagged EXPUNGE may not be sent while this command runs or with its completion: FETCH, STORE
   * and SEARCH by sequence number (RFC 9051 §7.5.1). Their UID forms may.
   */
  readonly holdsExpunge?: (command: string) => boolean;
  handle(ctx: ImapContext, args: readonly Token[]): Promise<void> | void;
}

export function defineCommand(c: ImapCommand): ImapCommand {
  return c;
}

/** An argument of the wrong type or value: the dispatcher answers BAD with this text. */
export class BadArguments extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadArguments';
  }
}

export function needAstring(t: Token | undefined, what: string): string {
  const s = astring(t);
  if (s === undefined) throw new BadArguments(`${what} expected`);
  return s;
}

export function needAtom(t: Token | undefined, what: string): string {
  if (t?.type === 'atom') return t.value;
  if (t?.type === 'number') return String(t.value);
  throw new BadArguments(`${what} expected`);
}

export function needList(t: Token | undefined, what: string): readonly Token[] {
  if (t?.type === 'list') return t.items;
  throw new BadArguments(`${what} expected`);
}

/** A flag list "(\Seen $Label1)" or a single flag; returns the flags as sent. */
export function flagList(t: Token | undefined): string[] {
  const items = t?.type === 'list' ? t.items : t ? [t] : [];
  const out: string[] = [];
  for (const f of items) {
    if (f.type !== 'atom' || !/^\\?[\x21-\x7e]+$/.test(f.value) || /[(){%*"\]]/.test(f.value)) throw new BadArguments('Invalid flag');
    if (f.value.toLowerCase() === '\\recent') continue; // not kept (RFC 9051 dropped it); ignored as Dovecot does
    if (f.value.startsWith('\\') && !['\\seen', '\\answered', '\\flagged', '\\deleted', '\\draft'].includes(f.value.toLowerCase())) {
      throw new BadArguments(`Unknown system flag ${f.value}`);
    }
    out.push(f.value);
  }
  return out;
}

/**
 * The messages a sequence set names, as UIDs in ascending order: sequence numbers of the
 * session's view (a number above the last message is a BAD, RFC 9051 §6.4.5), or UIDs (a UID that
 * does not exist is simply left out).
 */
export function resolveSet(ctx: ImapContext, token: Token | undefined, byUid: boolean): number[] {
  const text = token?.type === 'atom' ? token.value : token?.type === 'number' ? String(token.value) : undefined;
  const set = text === undefined ? undefined : parseSequenceSet(text);
  if (!set) throw new BadArguments('Invalid sequence set');
  const view = ctx.view;
  if (byUid) return expandUidSet(set, view.allUids());
  // "1:*" in an empty mailbox names nothing (clients send it before they know the count).
  if (view.exists === 0 && set.some((r) => r.start === '*' || r.end === '*')) return [];
  if (hasNumberAbove(set, view.exists)) throw new BadArguments('Invalid message sequence number (no such message)');
  const out: number[] = [];
  for (const seq of expandSequenceSet(set, view.exists)) out.push(view.uidAt(seq)!);
  return out;
}
