// tag FETCH set items / tag UID FETCH set items              (RFC 9051 §6.4.5, §7.5.2)
// * 12 FETCH (UID 7 FLAGS (\Seen) RFC822.SIZE 4211 BODY[HEADER.FIELDS (FROM)] {42}…)
//
// The rows of the whole set are read in one query, with only the columns the items need (flags
// and sizes: no file, no MIME data). ENVELOPE, BODY and BODYSTRUCTURE are copied from their wire
// form cached in the index (compiled once, at delivery, APPEND, or here the first time); body
// sections are byte ranges of the .eml file, located by the MIME analysis.
//
// Each message's file is opened once, when its response is built: an open file stays readable
// even if another session expunges the message and its file is removed before the response is
// written (RFC 2180 §4.1: data already promised is sent, never a cut connection). Small ranges are
// read then, synchronously (a page-cache read of a few KB costs less than the thread-pool round
// trips of open/read/close); large ones are streamed from their own open file by the connection,
// 64 KB at a time, never whole in memory.
//
// Fetching a body without .PEEK sets \Seen on a read-write mailbox, in one transaction for the
// whole set, and the new FLAGS go out with it.
import { closeSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { defineCommand, resolveSet, BadArguments } from '../command';
import { atom, literal, raw, section, streamLiteral, type ResponseValue } from '../protocol/compiler';
import type { SectionToken, Token } from '../protocol/tokens';
import { formatDateTime } from '../dates';
import { analyzeFile, deserializeAnalysis, filterHeaderFields, sectionRange, serializeAnalysis, type MessageAnalysis } from '../mime';
import { wireOf as compileWire } from '../wire-cache';
import type { MailboxStore, MessageMeta, MessageRow } from '../../store/mailboxes';
import type { MessageWire } from '../../store/mail-store';
import type { ImapContext } from '../session';

type Item =
  | { kind: 'UID' | 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'BODYSTRUCTURE' | 'BODY' }
  | { kind: 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT' }
  | { kind: 'section'; token: SectionToken };

const SIMPLE = new Set(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT']);
const MACROS: Record<string, string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};
const FLUSH_BYTES = 256 * 1024;
/** Ranges up to this size are read when the response is built; larger ones are streamed. */
const IN_MEMORY = 256 * 1024;
const CHUNK = 64 * 1024;

function parseItems(t: Token): Item[] {
  if (t.type === 'atom' && MACROS[t.value.toUpperCase()]) return MACROS[t.value.toUpperCase()]!.map((k) => ({ kind: k }) as Item);
  const list = t.type === 'list' ? t.items : [t];
  if (list.length === 0) throw new BadArguments('FETCH items expected');
  return list.map((i): Item => {
    if (i.type === 'section') {
      if (i.name !== 'BODY' && i.name !== 'BODY.PEEK') throw new BadArguments(`${i.name} is not supported (BINARY is not offered)`);
      if (i.section.text === 'MIME' && i.section.part.length === 0) throw new BadArguments('MIME needs a part number');
      return { kind: 'section', token: i };
    }
    const name = i.type === 'atom' ? i.value.toUpperCase() : '';
    if (!SIMPLE.has(name)) throw new BadArguments(`Unknown FETCH item ${i.type === 'atom' ? i.value.slice(0, 30) : ''}`.trim());
    return { kind: name } as Item;
  });
}

const setsSeen = (items: readonly Item[]): boolean => items.some((i) => i.kind === 'RFC822' || i.kind === 'RFC822.TEXT' || (i.kind === 'section' && i.token.name === 'BODY'));
const isWholeMessage = (i: Item): boolean => i.kind === 'RFC822' || (i.kind === 'section' && i.token.section.part.length === 0 && i.token.section.text === undefined);
const needsFile = (items: readonly Item[]): boolean => items.some((i) => i.kind === 'RFC822' || i.kind === 'RFC822.HEADER' || i.kind === 'RFC822.TEXT' || i.kind === 'section');
const needsWire = (items: readonly Item[]): boolean => items.some((i) => i.kind === 'ENVELOPE' || i.kind === 'BODY' || i.kind === 'BODYSTRUCTURE');
const needsAnalysis = (items: readonly Item[]): boolean => items.some((i) => (i.kind === 'RFC822.HEADER' || i.kind === 'RFC822.TEXT' || i.kind === 'section') && !isWholeMessage(i));

const flagsValue = (flags: string): ResponseValue => (flags ? flags.split(' ').map(atom) : []);

function readAtSync(fd: number, start: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, start + got);
    if (n === 0) throw new Error(`message file ended after ${got} of ${length} bytes`);
    got += n;
  }
  return buf;
}

async function readAt(fh: FileHandle, start: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, start + got);
    if (bytesRead === 0) throw new Error(`message file ended after ${got} of ${length} bytes`);
    got += bytesRead;
  }
  return buf;
}

async function* chunksAt(fh: FileHandle, start: number, length: number): AsyncGenerator<Buffer> {
  for (let off = 0; off < length; off += CHUNK) yield await readAt(fh, start + off, Math.min(CHUNK, length - off));
}

/** One message's file while its response is built: opened on first use (throws ENOENT when gone). */
class MessageSource {
  private fd: number | undefined;

  constructor(
    private readonly path: string,
    /** Handles of streamed literals, closed by the command once the connection has sent them. */
    private readonly streaming: FileHandle[],
  ) {}

  private handle(): number {
    this.fd ??= openSync(this.path, 'r');
    return this.fd;
  }

  async range(start: number, length: number): Promise<ResponseValue> {
    if (length === 0) return '';
    if (length <= IN_MEMORY) return literal(readAtSync(this.handle(), start, length));
    this.handle(); // the file exists now, or ENOENT before anything of this response is queued
    const own = await open(this.path, 'r');
    this.streaming.push(own);
    return streamLiteral(length, () => chunksAt(own, start, length));
  }

  bytes(start: number, length: number): Buffer {
    return length === 0 ? Buffer.alloc(0) : readAtSync(this.handle(), start, length);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

async function closeAll(handles: FileHandle[]): Promise<void> {
  const hs = handles.splice(0);
  await Promise.all(hs.map((h) => h.close().catch(() => undefined)));
}

/** A byte range cut to the client's <start.length>; empty when the start is past the end. */
function partial(start: number, length: number, p: { start: number; length: number } | undefined): { start: number; length: number } {
  if (!p) return { start, length };
  if (p.start >= length) return { start: start + length, length: 0 };
  return { start: start + p.start, length: Math.min(p.length, length - p.start) };
}

type Row = MessageMeta & Partial<Pick<MessageRow, 'file' | 'wireEnvelope' | 'wireBody' | 'wireBodystructure'>>;

/** Items answered from the index alone, never setting \Seen: FETCH builds their lines directly. */
const INDEX_ONLY = new Set(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY', 'BODYSTRUCTURE']);

function binarySearch(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The MIME analysis: from the index, or from the file (then saved). */
async function analysisOf(store: MailboxStore, row: Row): Promise<MessageAnalysis> {
  const stored = store.analysisOf(row.id);
  if (stored) {
    try {
      return deserializeAnalysis(stored);
    } catch {
      // unreadable: analyse the file again
    }
  }
  const a = await analyzeFile(store.files.abs(row.file!));
  store.saveAnalysis(row.id, serializeAnalysis(a));
  return a;
}

/** ENVELOPE / BODY / BODYSTRUCTURE in wire form: cached in the row, else made once and saved. */
async function wireOf(store: MailboxStore, row: Row, analysis?: MessageAnalysis): Promise<MessageWire> {
  if (row.wireEnvelope && row.wireBody && row.wireBodystructure) return { envelope: row.wireEnvelope, body: row.wireBody, bodystructure: row.wireBodystructure };
  const wire = compileWire(analysis ?? (await analysisOf(store, row)));
  store.saveWire(row.id, wire);
  return wire;
}

/** Items the direct path below answers: index data, and whole messages (no partial). */
function directItem(i: Item): boolean {
  if (INDEX_ONLY.has(i.kind)) return true;
  if (i.kind === 'RFC822') return true;
  return i.kind === 'section' && isWholeMessage(i) && i.token.partial === undefined;
}

/** Marks the set \Seen (a body fetched without .PEEK); returns the UIDs that changed. */
function markSeen(ctx: ImapContext, uids: readonly number[]): Set<number> {
  const view = ctx.view;
  const store = ctx.deps.mailboxes;
  const cached = store.uidFlags(view.box.id);
  const unseen = uids.filter((u) => {
    const i = binarySearch(cached.uids, u);
    return i >= 0 && !(' ' + cached.flags[i] + ' ').includes(' \\Seen ');
  });
  const changed = new Set<number>();
  if (unseen.length) for (const c of store.storeFlags(view.box.id, unseen, 'add', ['\\Seen'], ctx.origin)) if (c.changed) changed.add(c.uid);
  // Their responses carry the flags as of now: older queued changes must not follow them.
  view.dropFlagUpdates(changed);
  return changed;
}

/**
 * What nearly every FETCH of a client is (the flag sync UID FETCH 1:* (FLAGS), the header list
 * FETCH 1:50 (UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE), the download BODY.PEEK[]): lines
 * written directly, not through the general response compiler, since every value is a number, an
 * atom (flags are checked atoms when they are stored), a quoted date, cached wire bytes or a whole
 * message file read at once. A flags-only sync reads the mailbox's cached flags, no rows.
 * Returns 'gone' when some message of the set was expunged meanwhile, or 'large' (before sending
 * anything) when a message is too big to read at once: the general path streams it.
 */
async function fetchDirect(ctx: ImapContext, items: readonly Item[], uids: readonly number[], byUid: boolean, seenNow: ReadonlySet<number>): Promise<'ok' | 'gone' | 'large'> {
  const view = ctx.view;
  const store = ctx.deps.mailboxes;
  const kinds = items.map((i) => (i.kind === 'section' ? 'BODY[]' : i.kind));
  const flagsOnly = kinds.every((k) => k === 'UID' || k === 'FLAGS');
  const withWire = needsWire(items);
  const withFile = needsFile(items);
  const addFlags = seenNow.size > 0 && !kinds.includes('FLAGS');
  let lookup: (uid: number) => Row | undefined;
  if (flagsOnly) {
    const cached = store.uidFlags(view.box.id);
    lookup = (uid) => {
      const i = binarySearch(cached.uids, uid);
      return i < 0 ? undefined : ({ uid, flags: cached.flags[i]! } as Row);
    };
  } else {
    const lo = uids[0]!;
    const hi = uids[uids.length - 1]!;
    const rows = new Map<number, Row>();
    const list: Row[] = withWire ? store.rowsBetween(view.box.id, lo, hi) : withFile ? store.filesBetween(view.box.id, lo, hi) : store.metaBetween(view.box.id, lo, hi);
    for (const r of list) {
      if (withFile && r.size > IN_MEMORY) return 'large';
      rows.set(r.uid, r);
    }
    lookup = (uid) => rows.get(uid);
  }
  let missing = false;
  let text = '';
  const flushText = (): void => {
    if (text) ctx.untaggedRaw(Buffer.from(text, 'latin1'));
    text = '';
  };
  for (const uid of uids) {
    if (ctx.closed) break;
    const row = lookup(uid);
    const seq = view.seqOf(uid);
    if (!row || !seq) {
      missing = true;
      continue;
    }
    let wire: MessageWire | undefined;
    let body: Buffer | undefined;
    try {
      if (withWire) wire = await wireOf(store, row);
      if (withFile) {
        const fd = openSync(store.files.abs(row.file!), 'r');
        try {
          body = readAtSync(fd, 0, row.size);
        } finally {
          closeSync(fd);
        }
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      missing = true; // its file was removed: expunged by another session meanwhile
      continue;
    }
    // * 12 FETCH (UID 7 FLAGS (\Seen) RFC822.SIZE 4211 ENVELOPE (…) BODY[] {4211}…)
    text += `* ${seq} FETCH (`;
    // sp: the space before every item but the first (no closure per message in this hot loop)
    let sp = '';
    if (byUid) {
      text += `UID ${uid}`;
      sp = ' ';
    }
    for (const k of kinds) {
      switch (k) {
        case 'UID':
          if (!byUid) text += `${sp}UID ${uid}`;
          sp = ' ';
          break;
        case 'FLAGS':
          text += `${sp}FLAGS (${row.flags})`;
          sp = ' ';
          break;
        case 'INTERNALDATE':
          text += `${sp}INTERNALDATE "${formatDateTime(new Date(row.internalDate))}"`;
          sp = ' ';
          break;
        case 'RFC822.SIZE':
          text += `${sp}RFC822.SIZE ${row.size}`;
          sp = ' ';
          break;
        case 'RFC822':
        case 'BODY[]':
          text += `${sp}${k} {${body!.length}}\r\n`;
          flushText();
          ctx.untaggedRaw(body!);
          sp = ' ';
          break;
        default:
          text += `${sp}${k} `;
          flushText();
          ctx.untaggedRaw(k === 'ENVELOPE' ? wire!.envelope : k === 'BODY' ? wire!.body : wire!.bodystructure);
          sp = ' ';
      }
    }
    if (addFlags && seenNow.has(uid)) text += ` FLAGS (${row.flags})`;
    text += ')\r\n';
    if (text.length >= 64 * 1024) flushText();
    if (ctx.queuedBytes >= FLUSH_BYTES) {
      flushText();
      await ctx.drain();
    }
  }
  flushText();
  return missing ? 'gone' : 'ok';
}

export default defineCommand({
  names: ['FETCH', 'UID FETCH'],
  states: ['selected'],
  arity: [2, 3],
  holdsExpunge: (c) => c === 'FETCH',
  async handle(ctx, args) {
    const byUid = ctx.command === 'UID FETCH';
    if (args.length === 3) throw new BadArguments('FETCH modifiers (CHANGEDSINCE) need CONDSTORE, which is not offered');
    const items = parseItems(args[1]!);
    const uids = resolveSet(ctx, args[0], byUid);
    const view = ctx.view;
    const store = ctx.deps.mailboxes;
    if (!uids.length) return ctx.ok(`${ctx.command} completed`);
    // \Seen for the whole set first, so that each response carries the flags it caused.
    const seenNow = setsSeen(items) && !view.readOnly ? markSeen(ctx, uids) : new Set<number>();
    if (items.every(directItem)) {
      const r = await fetchDirect(ctx, items, uids, byUid, seenNow);
      if (r === 'gone' && !byUid) return ctx.no('Some messages were expunged meanwhile and could not be fetched', { name: 'EXPUNGEISSUED' });
      if (r !== 'large') return ctx.ok(`${ctx.command} completed`);
    }
    const withFile = needsFile(items);
    const withWire = needsWire(items);
    const withAnalysis = needsAnalysis(items);
    const lo = uids[0]!;
    const hi = uids[uids.length - 1]!;
    const list: Row[] = withWire ? store.rowsBetween(view.box.id, lo, hi) : withFile ? store.filesBetween(view.box.id, lo, hi) : store.metaBetween(view.box.id, lo, hi);
    const rows = new Map<number, Row>();
    for (const r of list) rows.set(r.uid, r);

    const streaming: FileHandle[] = [];
    const wantsFlags = items.some((i) => i.kind === 'FLAGS');
    let missing = false;
    try {
      for (const uid of uids) {
        if (ctx.closed) break;
        const row = rows.get(uid);
        const seq = view.seqOf(uid);
        if (!row || !seq) {
          missing = true; // expunged by another session since this session's view was updated
          continue;
        }
        const path = row.file === undefined ? '' : store.files.abs(row.file);
        const src = new MessageSource(path, streaming);
        const out: ResponseValue[] = [];
        try {
          let analysis: MessageAnalysis | undefined;
          if (withAnalysis) analysis = await analysisOf(store, row);
          const wire = withWire ? await wireOf(store, row, analysis) : undefined;
          if (byUid) out.push(atom('UID'), uid);
          for (const item of items) {
            switch (item.kind) {
              case 'UID':
                if (!byUid) out.push(atom('UID'), uid);
                break;
              case 'FLAGS':
                out.push(atom('FLAGS'), flagsValue(row.flags));
                break;
              case 'INTERNALDATE':
                out.push(atom('INTERNALDATE'), formatDateTime(new Date(row.internalDate)));
                break;
              case 'RFC822.SIZE':
                out.push(atom('RFC822.SIZE'), row.size);
                break;
              case 'ENVELOPE':
                out.push(atom('ENVELOPE'), raw(wire!.envelope));
                break;
              case 'BODYSTRUCTURE':
                out.push(atom('BODYSTRUCTURE'), raw(wire!.bodystructure));
                break;
              case 'BODY':
                out.push(atom('BODY'), raw(wire!.body));
                break;
              case 'RFC822':
                out.push(atom('RFC822'), await src.range(0, row.size));
                break;
              case 'RFC822.HEADER':
              case 'RFC822.TEXT': {
                const r = sectionRange(analysis!, { part: [], text: item.kind === 'RFC822.HEADER' ? 'HEADER' : 'TEXT' });
                out.push(atom(item.kind), r ? await src.range(r.start, r.length) : '');
                break;
              }
              case 'section': {
                const spec = item.token.section;
                const p = item.token.partial;
                const name = section(item.token, p?.start);
                const r = isWholeMessage(item) ? { start: 0, length: row.size } : sectionRange(analysis!, spec);
                if (!r) {
                  out.push(name, '');
                } else if (r.fields) {
                  const header = filterHeaderFields(src.bytes(r.start, r.length), r.fields.names, r.fields.not);
                  const cut = partial(0, header.length, p);
                  out.push(name, literal(header.subarray(cut.start, cut.start + cut.length)));
                } else {
                  const cut = partial(r.start, r.length, p);
                  out.push(name, await src.range(cut.start, cut.length));
                }
                break;
              }
            }
          }
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          missing = true; // its file was removed: expunged by another session meanwhile
          continue;
        } finally {
          src.close();
        }
        if (seenNow.has(uid) && !wantsFlags) out.push(atom('FLAGS'), flagsValue(row.flags));
        ctx.untagged({ number: seq, command: 'FETCH', attributes: [out] });
        if (ctx.queuedBytes >= FLUSH_BYTES) {
          await ctx.drain();
          await closeAll(streaming);
        }
      }
      await ctx.drain();
    } finally {
      await closeAll(streaming);
    }
    if (missing && !byUid) return ctx.no('Some messages were expunged meanwhile and could not be fetched', { name: 'EXPUNGEISSUED' });
    ctx.ok(`${ctx.command} completed`);
  },
});
