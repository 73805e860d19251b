// Runs a SearchKey over a mailbox. Each message is evaluated in up to three rounds with
// three-valued logic: first from its metadata alone (flags, numbers, size, dates, modseq); a key
// that needs the message's bytes answers "unknown, needs the header" or "unknown, needs the whole
// message". AND is false as soon as one key is false and OR true as soon as one is true, whatever
// the others say, so most messages are decided without opening their file. When the answer is
// still unknown, the file is read once — just its header block when only header keys are
// undecided, the whole message otherwise — and the program evaluated again. Known answers never
// change when more is known, so a message needing only its header never needs its body later.
//
// Within AND and OR the cheaper keys go first (metadata, then header, then body), so that a body is
// decoded only when nothing cheaper settles the answer. Files are read at most CONCURRENCY at a
// time; results are collected by position and returned in sequence-number order. A file that
// cannot be read, or a message that cannot be parsed, does not match.
import { contains } from '../protocol/sequence-set';
import { parseHeaderDay, utcDay } from './dates';
import { readMessageFile, readMessageFileSync } from './read';
import type { DateOp, Day, SearchKey } from './keys';
import { fold, foldHeader, LoadedMessage } from './text';

export interface SearchMessage {
  seq: number;
  uid: number;
  /** System flags with their backslash as stored ('\\Seen', ...) and keywords; never '\\Recent'. */
  flags: ReadonlySet<string>;
  internalDate: Date;
  size: number;
  modseq: number;
  /** Absolute path of the .eml. */
  path: string;
}

export interface SearchScope {
  /** The message count: "*" in a sequence set. */
  maxSeq: number;
  /** The highest UID: "*" in a UID set. '$' (SEARCHRES) is not supported. */
  maxUid: number;
}

export interface SearchOptions {
  /** Reads a whole message (default: from m.path). When given, header-only keys read the whole file too. */
  readFile?: (path: string) => Promise<Buffer>;
  /** Aborting stops the search: runSearch rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Files read at the same time by the asynchronous pool. libuv runs 4 file operations at once by
 * default; 8 in flight keeps its threads busy while this thread evaluates what came back.
 */
const CONCURRENCY = 8;
/** Synchronous reads (and the evaluation that follows) run for at most this long between yields. */
const SLICE_MS = 8;
/** Files larger than this are always read asynchronously. */
const SYNC_MAX_SIZE = 256 * 1024;
/** SLOW_READS synchronous reads in a row slower than SLOW_READ_MS switch to asynchronous reads. */
const SLOW_READ_MS = 4;
const SLOW_READS = 4;

const HEADER = 1;
const BODY = 2;
/** What a message needs loaded: nothing, its header block, or all of it. */
type Cost = 0 | typeof HEADER | typeof BODY;
/** true / false, or unknown: the level of data that would settle it. */
type Tri = boolean | typeof HEADER | typeof BODY;

/** The key with its needles prepared and its AND/OR operands cheapest first. */
type Node =
  | { readonly k: 'meta'; readonly cost: 0; readonly test: (m: SearchMessage, scope: SearchScope) => boolean }
  | { readonly k: 'header'; readonly cost: typeof HEADER; readonly field: string; readonly needle: string }
  | { readonly k: 'sent'; readonly cost: typeof HEADER; readonly op: DateOp; readonly day: Day }
  | { readonly k: 'body'; readonly cost: typeof BODY; readonly needle: string; readonly raw: RegExp | null }
  | { readonly k: 'text'; readonly cost: typeof BODY; readonly headerNeedle: string; readonly needle: string; readonly raw: RegExp | null }
  | { readonly k: 'not'; readonly cost: Cost; readonly node: Node }
  | { readonly k: 'and' | 'or'; readonly cost: Cost; readonly nodes: readonly Node[] };

/**
 * For a needle of printable ASCII without spaces (most searches: a word, an address), a
 * case-insensitive pattern to run on the raw text of plain 7-bit messages: no lower-cased copy of
 * each message, and, as the needle has no whitespace, folding whitespace cannot change a match.
 */
function rawMatcher(value: string): RegExp | null {
  if (!/^[\x21-\x7e]+$/.test(value)) return null;
  return new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
}

function compareDay(op: DateOp, day: Day | undefined, wanted: Day): boolean {
  if (day === undefined) return false;
  return op === 'before' ? day < wanted : op === 'on' ? day === wanted : day >= wanted;
}

function hasFlag(flags: ReadonlySet<string>, flag: string): boolean {
  if (flags.has(flag)) return true;
  // Flag and keyword names are case-insensitive (RFC 9051 §2.3.2 and Dovecot agree).
  const wanted = flag.toLowerCase();
  for (const f of flags) if (f.toLowerCase() === wanted) return true;
  return false;
}

function meta(test: (m: SearchMessage, scope: SearchScope) => boolean): Node {
  return { k: 'meta', cost: 0, test };
}

function maxCost(nodes: readonly Node[]): Cost {
  let c: Cost = 0;
  for (const n of nodes) if (n.cost > c) c = n.cost;
  return c;
}

/** SearchKey → Node: needles folded, nested ANDs flattened, operands sorted by cost. */
export function compile(key: SearchKey): Node {
  switch (key.type) {
    case 'const': {
      const value = key.value;
      return meta(() => value);
    }
    case 'flag': {
      const { flag, present } = key;
      return meta((m) => hasFlag(m.flags, flag) === present);
    }
    case 'seq': {
      const set = key.set;
      return meta((m, s) => contains(set, m.seq, s.maxSeq));
    }
    case 'uid': {
      const set = key.set;
      return meta((m, s) => contains(set, m.uid, s.maxUid));
    }
    case 'size': {
      const n = key.n;
      return key.op === 'larger' ? meta((m) => m.size > n) : meta((m) => m.size < n);
    }
    case 'internaldate': {
      // The internal date's calendar day is taken in UTC: the server's local timezone is not a
      // meaningful choice for a mail server, and UTC is what every client of it sees the same way.
      const { op, day } = key;
      return meta((m) => compareDay(op, utcDay(m.internalDate), day));
    }
    case 'modseq': {
      const n = key.n;
      return meta((m) => m.modseq >= n);
    }
    case 'sentdate':
      return { k: 'sent', cost: HEADER, op: key.op, day: key.day };
    case 'header':
      return { k: 'header', cost: HEADER, field: key.field, needle: foldHeader(key.value) };
    case 'body':
      return { k: 'body', cost: BODY, needle: fold(key.value), raw: rawMatcher(key.value) };
    case 'text':
      return { k: 'text', cost: BODY, headerNeedle: foldHeader(key.value), needle: fold(key.value), raw: rawMatcher(key.value) };
    case 'not': {
      const node = compile(key.key);
      return { k: 'not', cost: node.cost, node };
    }
    case 'or':
    case 'and': {
      const operands = key.type === 'or' ? [key.left, key.right] : key.keys;
      const nodes: Node[] = [];
      for (const operand of operands) {
        const n = compile(operand);
        // (a (b c)) = (a b c), and OR a (OR b c) = a OR b OR c.
        if (n.k === key.type) nodes.push(...n.nodes);
        else nodes.push(n);
      }
      nodes.sort((a, b) => a.cost - b.cost); // stable: same-cost keys keep the client's order
      return { k: key.type, cost: maxCost(nodes), nodes };
    }
  }
}

/** The Date: header's day, or undefined when there is none or it cannot be read. */
function sentDay(msg: LoadedMessage): Day | undefined {
  const date = msg.fields.get('date')?.[0];
  return date === undefined ? undefined : parseHeaderDay(date);
}

/** Evaluates node for m with what is loaded so far (null: nothing). */
function evaluate(node: Node, m: SearchMessage, scope: SearchScope, loaded: LoadedMessage | null): Tri {
  switch (node.k) {
    case 'meta':
      return node.test(m, scope);
    case 'header': {
      if (loaded === null) return HEADER;
      const values = loaded.field(node.field);
      if (node.needle === '') return values.length > 0;
      return values.some((v) => v.includes(node.needle));
    }
    case 'sent':
      // No Date: header, or one that cannot be read: no SENT* key matches (and NOT SENT* does).
      return loaded === null ? HEADER : compareDay(node.op, sentDay(loaded), node.day);
    case 'body':
      return loaded?.complete ? loaded.bodyMatches(node.needle, node.raw) : BODY;
    case 'text':
      if (loaded === null) return BODY;
      if (loaded.headerMatches(node.headerNeedle, node.raw)) return true;
      return loaded.complete ? loaded.bodyMatches(node.needle, node.raw) : BODY;
    case 'not': {
      const r = evaluate(node.node, m, scope, loaded);
      return typeof r === 'boolean' ? !r : r;
    }
    case 'and':
    case 'or': {
      // AND stops at the first false, OR at the first true; unknowns remember what they need.
      const decisive = node.k === 'or';
      let need: Tri = !decisive;
      for (const n of node.nodes) {
        const r = evaluate(n, m, scope, loaded);
        if (r === decisive) return decisive;
        if (typeof r !== 'boolean' && (typeof need === 'boolean' || r > need)) need = r;
      }
      return need;
    }
  }
}

type Need = typeof HEADER | typeof BODY;

async function load(m: SearchMessage, need: Need, readFile: SearchOptions['readFile']): Promise<LoadedMessage> {
  if (readFile) return new LoadedMessage(await readFile(m.path), true);
  const { bytes, complete } = await readMessageFile(m.path, m.size, need === HEADER);
  return new LoadedMessage(bytes, complete);
}

/** How the synchronous reads of one search are going. */
interface ReadStats {
  /** Reads in a row that took longer than SLOW_READ_MS. */
  slowInARow: number;
}

function loadSync(m: SearchMessage, need: Need, stats: ReadStats): LoadedMessage {
  const start = performance.now();
  const { bytes, complete } = readMessageFileSync(m.path, m.size, need === HEADER);
  stats.slowInARow = performance.now() - start > SLOW_READ_MS ? stats.slowInARow + 1 : 0;
  return new LoadedMessage(bytes, complete);
}

/** Evaluates a message that needs its file: reads it (once, normally) and decides. */
async function decide(node: Node, m: SearchMessage, scope: SearchScope, need: Need, opts: SearchOptions): Promise<boolean> {
  try {
    let loaded = await load(m, need, opts.readFile);
    let r = evaluate(node, m, scope, loaded);
    // Cannot happen (see the top of the file), but a second read is better than a wrong answer.
    if (r === BODY && !loaded.complete) {
      loaded = await load(m, BODY, opts.readFile);
      r = evaluate(node, m, scope, loaded);
    }
    return r === true;
  } catch {
    // Unreadable (expunged meanwhile, permissions) or unparseable: not a match.
    return false;
  }
}

/** decide() with synchronous reads. */
function decideSync(node: Node, m: SearchMessage, scope: SearchScope, need: Need, stats: ReadStats): boolean {
  try {
    let loaded = loadSync(m, need, stats);
    let r = evaluate(node, m, scope, loaded);
    if (r === BODY && !loaded.complete) {
      loaded = loadSync(m, BODY, stats);
      r = evaluate(node, m, scope, loaded);
    }
    return r === true;
  } catch {
    return false;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Returns the sequence numbers of the messages that match key, ascending. Reads files only when a
 * key needs them (header keys: the header block; TEXT/BODY: the whole message), each at most once.
 */
export async function runSearch(key: SearchKey, messages: readonly SearchMessage[], scope: SearchScope, opts: SearchOptions = {}): Promise<number[]> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const node = compile(key);
  const matched: boolean[] = new Array<boolean>(messages.length).fill(false);
  const pending: Array<{ index: number; need: Need }> = [];
  for (let i = 0; i < messages.length; i++) {
    const r = evaluate(node, messages[i]!, scope, null);
    if (r === true) matched[i] = true;
    else if (r !== false) pending.push({ index: i, need: r });
  }
  let next = 0;
  if (!opts.readFile) {
    // Small files on a fast disk: synchronous reads in slices of SLICE_MS, yielding to the event
    // loop between slices. Large files are read asynchronously, one at a time. When reads turn out
    // slow (network or cold storage: SLOW_READS in a row over SLOW_READ_MS; one slow read may just
    // be this process being descheduled), the rest of the search goes to the asynchronous pool,
    // which overlaps the waits.
    const stats: ReadStats = { slowInARow: 0 };
    while (next < pending.length && stats.slowInARow < SLOW_READS) {
      signal?.throwIfAborted();
      const sliceEnd = performance.now() + SLICE_MS;
      while (next < pending.length && stats.slowInARow < SLOW_READS && performance.now() < sliceEnd) {
        const { index, need } = pending[next++]!;
        const m = messages[index]!;
        if (m.size > SYNC_MAX_SIZE) {
          matched[index] = await decide(node, m, scope, need, opts);
          break;
        }
        matched[index] = decideSync(node, m, scope, need, stats);
      }
      if (next < pending.length) await yieldToEventLoop();
    }
  }
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      signal?.throwIfAborted();
      const { index, need } = pending[next++]!;
      matched[index] = await decide(node, messages[index]!, scope, need, opts);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, pending.length - next) }, worker));
  signal?.throwIfAborted();
  const seqs: number[] = [];
  for (let i = 0; i < messages.length; i++) if (matched[i]) seqs.push(messages[i]!.seq);
  return seqs.sort((a, b) => a - b);
}
