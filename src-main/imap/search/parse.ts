// SEARCH arguments → a SearchKey (RFC 3501 / RFC 9051 §6.4.4 "search" and "search-key"). The
// tokens are those the command reader hands out after SEARCH or UID SEARCH: keys are atoms (any
// case), strings are astrings (atom, number, quoted string or literal), sets are atoms or numbers.
// The top level is an implicit AND, as is a parenthesised list. "CHARSET x" may come first;
// "RETURN (...)" (ESEARCH) and "$" (SEARCHRES) are not supported and are syntax errors.
import { parseSequenceSet, type SequenceSet } from '../protocol/sequence-set';
import { astring, type Token } from '../protocol/tokens';
import { parseImapDate } from './dates';
import { SearchError, type DateOp, type Day, type SearchKey } from './keys';

/** Nesting of NOT / OR / lists; deeper programs are refused before they can exhaust the stack. */
const MAX_DEPTH = 64;

const SUPPORTED_CHARSETS = new Set(['utf-8', 'us-ascii']);

/** Keys without arguments. */
const SIMPLE: Readonly<Record<string, SearchKey>> = {
  ALL: { type: 'const', value: true },
  // We never store \Recent: no message is recent, so NEW (RECENT UNSEEN) and RECENT match
  // nothing and OLD (NOT RECENT) matches everything.
  OLD: { type: 'const', value: true },
  NEW: { type: 'const', value: false },
  RECENT: { type: 'const', value: false },
  ANSWERED: { type: 'flag', flag: '\\Answered', present: true },
  DELETED: { type: 'flag', flag: '\\Deleted', present: true },
  DRAFT: { type: 'flag', flag: '\\Draft', present: true },
  FLAGGED: { type: 'flag', flag: '\\Flagged', present: true },
  SEEN: { type: 'flag', flag: '\\Seen', present: true },
  UNANSWERED: { type: 'flag', flag: '\\Answered', present: false },
  UNDELETED: { type: 'flag', flag: '\\Deleted', present: false },
  UNDRAFT: { type: 'flag', flag: '\\Draft', present: false },
  UNFLAGGED: { type: 'flag', flag: '\\Flagged', present: false },
  UNSEEN: { type: 'flag', flag: '\\Seen', present: false },
};

/** Keys taking one string, and the header field they search. */
const ADDRESS_OR_SUBJECT: Readonly<Record<string, string>> = {
  FROM: 'from',
  TO: 'to',
  CC: 'cc',
  BCC: 'bcc',
  SUBJECT: 'subject',
};

const DATE_KEYS: Readonly<Record<string, { type: 'internaldate' | 'sentdate'; op: DateOp }>> = {
  BEFORE: { type: 'internaldate', op: 'before' },
  ON: { type: 'internaldate', op: 'on' },
  SINCE: { type: 'internaldate', op: 'since' },
  SENTBEFORE: { type: 'sentdate', op: 'before' },
  SENTON: { type: 'sentdate', op: 'on' },
  SENTSINCE: { type: 'sentdate', op: 'since' },
};

/** Client text for an error message: printable ASCII, at most 40 characters. */
function printable(text: string): string {
  const clean = text.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}

function syntax(message: string): SearchError {
  return new SearchError('syntax', message);
}

/** Reads search keys off a token list, left to right. */
class KeyReader {
  private pos = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  get done(): boolean {
    return this.pos >= this.tokens.length;
  }

  private next(what: string, key: string): Token {
    const t = this.tokens[this.pos];
    if (t === undefined) throw syntax(`Missing ${what} after ${key}`);
    this.pos++;
    return t;
  }

  private string(key: string): string {
    const t = this.next('string', key);
    if (t.type === 'stream') throw syntax(`Search string after ${key} is too long`);
    const s = astring(t);
    if (s === undefined) throw syntax(`Expected a string after ${key}`);
    return s;
  }

  private number(key: string): number {
    const t = this.next('number', key);
    if (t.type === 'number') return t.value;
    // Numbers above 2^53-1 stay atoms; they still compare sensibly as (rounded) numbers.
    if (t.type === 'atom' && /^[0-9]+$/.test(t.value)) return Number(t.value);
    throw syntax(`Expected a number after ${key}`);
  }

  private date(key: string): Day {
    const t = this.next('date', key);
    const text = t.type === 'atom' || t.type === 'string' ? t.value : undefined;
    const day = text === undefined ? undefined : parseImapDate(text);
    if (day === undefined) throw syntax(`Invalid date after ${key} (expected e.g. 1-Feb-1994)`);
    return day;
  }

  private set(key: string): SequenceSet {
    const t = this.next('sequence set', key);
    const set = t.type === 'atom' ? parseSequenceSet(t.value) : t.type === 'number' ? parseSequenceSet(String(t.value)) : undefined;
    if (set === undefined) throw syntax(`Invalid sequence set after ${key}`);
    return set;
  }

  /** One search key (with its arguments). */
  key(depth: number): SearchKey {
    if (depth > MAX_DEPTH) throw syntax('Search program nested too deeply');
    const t = this.tokens[this.pos++];
    if (t === undefined) throw syntax('Missing search key');
    if (t.type === 'list') {
      if (t.items.length === 0) throw syntax('Empty search key list');
      return readAll(t.items, depth + 1);
    }
    if (t.type === 'number') {
      const set = parseSequenceSet(String(t.value));
      if (set === undefined) throw syntax(`Invalid sequence set ${t.value}`);
      return { type: 'seq', set };
    }
    if (t.type !== 'atom') throw syntax('Expected a search key');
    const name = t.value.toUpperCase();
    const simple = SIMPLE[name];
    if (simple) return simple;
    const field = ADDRESS_OR_SUBJECT[name];
    if (field !== undefined) return { type: 'header', field, value: this.string(name) };
    const date = DATE_KEYS[name];
    if (date) return { type: date.type, op: date.op, day: this.date(name) };
    switch (name) {
      case 'BODY':
        return { type: 'body', value: this.string(name) };
      case 'TEXT':
        return { type: 'text', value: this.string(name) };
      case 'HEADER': {
        const fieldName = this.string(name);
        if (!/^[\x21-\x39\x3b-\x7e]+$/.test(fieldName)) throw syntax('Invalid header field name after HEADER');
        return { type: 'header', field: fieldName.toLowerCase(), value: this.string(name) };
      }
      case 'KEYWORD':
      case 'UNKEYWORD': {
        const flag = this.string(name);
        if (flag === '') throw syntax(`Missing keyword after ${name}`);
        return { type: 'flag', flag, present: name === 'KEYWORD' };
      }
      case 'LARGER':
        return { type: 'size', op: 'larger', n: this.number(name) };
      case 'SMALLER':
        return { type: 'size', op: 'smaller', n: this.number(name) };
      case 'UID':
        return { type: 'uid', set: this.set(name) };
      case 'MODSEQ': {
        // RFC 7162: MODSEQ [entry-name entry-type-req] mod-sequence-valzer. The metadata entry
        // only narrows which flag's modseq is meant; we keep one modseq per message and ignore it.
        const t2 = this.tokens[this.pos];
        if (t2 !== undefined && (t2.type === 'string' || t2.type === 'literal')) {
          this.pos++;
          const kind = this.tokens[this.pos++];
          if (kind?.type !== 'atom' || !/^(priv|shared|all)$/i.test(kind.value)) throw syntax('Expected priv, shared or all after the MODSEQ entry name');
        }
        return { type: 'modseq', n: this.number(name) };
      }
      case 'NOT':
        if (this.done) throw syntax('Missing search key after NOT');
        return { type: 'not', key: this.key(depth + 1) };
      case 'OR': {
        if (this.done) throw syntax('Missing search keys after OR');
        const left = this.key(depth + 1);
        if (this.done) throw syntax('Missing second search key after OR');
        return { type: 'or', left, right: this.key(depth + 1) };
      }
      case 'CHARSET':
        throw syntax('CHARSET must come first');
      case 'RETURN':
        throw syntax('SEARCH RETURN is not supported');
    }
    if (t.value === '$') throw syntax('$ (SEARCHRES) is not supported');
    const set = parseSequenceSet(t.value);
    if (set !== undefined) return { type: 'seq', set };
    throw syntax(`Unknown search key ${printable(t.value)}`);
  }
}

/** Every key of a list, as one AND (or the single key itself). */
function readAll(tokens: readonly Token[], depth: number): SearchKey {
  const reader = new KeyReader(tokens);
  const keys: SearchKey[] = [];
  while (!reader.done) keys.push(reader.key(depth));
  return keys.length === 1 ? keys[0]! : { type: 'and', keys };
}

/**
 * Parses the arguments of SEARCH / UID SEARCH. Throws SearchError: 'syntax' for anything
 * malformed (unknown key, missing or bad argument, RETURN), 'badcharset' for a CHARSET other than
 * UTF-8 or US-ASCII. The charset is returned upper-cased (null without CHARSET); both supported
 * charsets are read the same way, as the reader already decoded the strings.
 */
export function parseSearch(args: readonly Token[]): { key: SearchKey; charset: string | null } {
  let rest = args;
  let charset: string | null = null;
  const first = args[0];
  if (first?.type === 'atom' && first.value.toUpperCase() === 'CHARSET') {
    const name = astring(args[1]);
    if (name === undefined) throw syntax('Missing charset after CHARSET');
    if (!SUPPORTED_CHARSETS.has(name.toLowerCase())) throw new SearchError('badcharset', `Unsupported charset ${printable(name)}`);
    charset = name.toUpperCase();
    rest = args.slice(2);
  }
  if (rest.length === 0) throw syntax('Missing search key');
  return { key: readAll(rest, 0), charset };
}
