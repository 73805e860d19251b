// tag FETCH set items / tag UID FETCH set items              (RFC 9051 §6.4.5, §7.5.2)
// * 12 FETCH (UID 7 FLAGS (\Seen) RFC822.SIZE 4211 BODY[HEADER.FIELDS (FROM)] {42}…)
//
// The rows of the whole set are read in one query; ENVELOPE and BODYSTRUCTURE come from the MIME
// analysis cached in the index (computed once, at delivery or here for files indexed without
// it); body sections are byte ranges of the .eml file. Each message's file is opened once, when
// its response is built: an open file stays readable even if another session expunges the message
// and its file is removed before the response is written (RFC 2180 §4.1: the data already
// promised is sent, never a cut connection). Ranges up to 1 MB are read then; larger ones are
// streamed from the open file by the connection, 64 KB at a time, never whole in memory.
// Fetching a body without .PEEK sets \Seen on a read-write mailbox, in one transaction for the
// whole set, and the new FLAGS go out with it.
import { defineCommand, resolveSet, BadArguments } from '../command';
import { atom, literal, section, streamLiteral, type ResponseValue } from '../protocol/compiler';
import type { SectionToken, Token } from '../protocol/tokens';
import { formatDateTime } from '../dates';
import { analyzeFile, bodyStructureValue, deserializeAnalysis, envelopeValue, filterHeaderFields, sectionRange, serializeAnalysis, type MessageAnalysis } from '../mime';
import type { MessageRow } from '../../store/mailboxes';
import type { ImapContext } from '../session';
import { open, type FileHandle } from 'node:fs/promises';

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

function setsSeen(items: readonly Item[]): boolean {
  return items.some((i) => i.kind === 'RFC822' || i.kind === 'RFC822.TEXT' || (i.kind === 'section' && i.token.name === 'BODY'));
}

function needsAnalysis(items: readonly Item[]): boolean {
  return items.some(
    (i) =>
      i.kind === 'ENVELOPE' ||
      i.kind === 'BODYSTRUCTURE' ||
      i.kind === 'BODY' ||
      i.kind === 'RFC822.HEADER' ||
      i.kind === 'RFC822.TEXT' ||
      (i.kind === 'section' && (i.token.section.part.length > 0 || i.token.section.text !== undefined)),
  );
}

const flagsValue = (flags: string): ResponseValue => (flags ? flags.split(' ').map(atom) : []);

const IN_MEMORY = 1024 * 1024;
const CHUNK = 64 * 1024;

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

/** The message's file, opened on first use; undefined when it is gone (expunged meanwhile). */
class MessageSource {
  private fh: FileHandle | undefined;
  constructor(
    private readonly path: string,
    private readonly streaming: FileHandle[],
  ) {}

  private async handle(): Promise<FileHandle> {
    this.fh ??= await open(this.path, 'r');
    return this.fh;
  }

  /** A literal for [start, start+length): bytes now, or a stream from the open file. */
  async range(start: number, length: number): Promise<ResponseValue> {
    if (length === 0) return '';
    if (length <= IN_MEMORY) return literal(await readAt(await this.handle(), start, length));
    // Its own handle, closed by the command once the connection has sent the literal.
    const own = await open(this.path, 'r');
    this.streaming.push(own);
    return streamLiteral(length, () => chunksAt(own, start, length));
  }

  async bytes(start: number, length: number): Promise<Buffer> {
    return length === 0 ? Buffer.alloc(0) : readAt(await this.handle(), start, length);
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}

async function analysisOf(ctx: ImapContext, row: MessageRow, path: string): Promise<MessageAnalysis> {
  if (row.analysis) {
    try {
      return deserializeAnalysis(row.analysis);
    } catch {
      // fall through: analyse again
    }
  }
  const a = await analyzeFile(path);
  ctx.deps.mailboxes.saveAnalysis(row.id, serializeAnalysis(a));
  return a;
}

async function closeAll(handles: FileHandle[]): Promise<void> {
  const hs = handles.splice(0);
  await Promise.all(hs.map((h) => h.close().catch(() => undefined)));
}

/** A byte range of the file, cut to the client's <start.length>; an empty string when out of range. */
function partial(start: number, length: number, p: { start: number; length: number } | undefined): { start: number; length: number } {
  if (!p) return { start, length };
  if (p.start >= length) return { start: start + length, length: 0 };
  return { start: start + p.start, length: Math.min(p.length, length - p.start) };
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
    const rows = new Map<number, MessageRow>();
    for (const r of store.rowsBetween(view.box.id, uids[0]!, uids[uids.length - 1]!)) rows.set(r.uid, r);
    // \Seen for the whole set first, so that each response carries the flags it caused.
    const seenNow = new Set<number>();
    if (setsSeen(items) && !view.readOnly) {
      const unseen = uids.filter((u) => {
        const r = rows.get(u);
        return r !== undefined && !(' ' + r.flags + ' ').includes(' \\Seen ');
      });
      if (unseen.length) {
        for (const c of store.storeFlags(view.box.id, unseen, 'add', ['\\Seen'], ctx.origin)) {
          const r = rows.get(c.uid);
          if (r && c.changed) {
            rows.set(c.uid, { ...r, flags: c.flags, modseq: c.modseq });
            seenNow.add(c.uid);
          }
        }
      }
    }
    const streaming: FileHandle[] = [];
    try {
      return await fetchAll();
    } finally {
      await closeAll(streaming);
    }
    async function fetchAll(): Promise<void> {
      const wantsAnalysis = needsAnalysis(items);
      const wantsFlags = items.some((i) => i.kind === 'FLAGS');
      let missing = false;
      for (const uid of uids) {
        const row = rows.get(uid);
        const seq = view.seqOf(uid);
        if (!row || !seq) {
          missing = true; // expunged by another session since this session's view was updated
          continue;
        }
        const path = store.files.abs(row.file);
        let analysis: MessageAnalysis | undefined;
        if (wantsAnalysis) {
          try {
            analysis = await analysisOf(ctx, row, path);
          } catch (e) {
            ctx.log.error({ event: 'imap.fetch.unreadable', uid, file: row.file, err: String(e) }, 'message file unreadable');
            missing = true;
            continue;
          }
        }
        const out: ResponseValue[] = [];
        const src = new MessageSource(path, streaming);
        try {
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
                out.push(atom('ENVELOPE'), envelopeValue(analysis!.envelope));
                break;
              case 'BODYSTRUCTURE':
                out.push(atom('BODYSTRUCTURE'), bodyStructureValue(analysis!.root, true));
                break;
              case 'BODY':
                out.push(atom('BODY'), bodyStructureValue(analysis!.root, false));
                break;
              case 'RFC822':
                out.push(atom('RFC822'), await src.range(0, row.size));
                break;
              case 'RFC822.HEADER': {
                const r = sectionRange(analysis!, { part: [], text: 'HEADER' });
                out.push(atom('RFC822.HEADER'), r ? await src.range(r.start, r.length) : '');
                break;
              }
              case 'RFC822.TEXT': {
                const r = sectionRange(analysis!, { part: [], text: 'TEXT' });
                out.push(atom('RFC822.TEXT'), r ? await src.range(r.start, r.length) : '');
                break;
              }
              case 'section': {
                const spec = item.token.section;
                const p = item.token.partial;
                const name = section(item.token, p?.start);
                const r = spec.part.length === 0 && spec.text === undefined ? { start: 0, length: row.size } : sectionRange(analysis!, spec);
                if (!r) {
                  out.push(name, '');
                } else if (r.fields) {
                  const header = filterHeaderFields(await src.bytes(r.start, r.length), r.fields.names, r.fields.not);
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
          await src.close();
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          missing = true; // its file was removed: expunged by another session meanwhile
          continue;
        }
        await src.close();
        if (seenNow.has(uid) && !wantsFlags) out.push(atom('FLAGS'), flagsValue(row.flags));
        ctx.untagged({ number: seq, command: 'FETCH', attributes: [out] });
        if (ctx.queuedBytes >= FLUSH_BYTES) {
          await ctx.drain();
          await closeAll(streaming);
        }
      }
      await ctx.drain();
      await closeAll(streaming);
      if (missing && !byUid) return ctx.no('Some messages were expunged meanwhile and could not be fetched', { name: 'EXPUNGEISSUED' });
      ctx.ok(`${ctx.command} completed`);
    }
  },
});
