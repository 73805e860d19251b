// tag FETCH set items / tag UID FETCH set items              (RFC 9051 §6.4.5, §7.5.2)
// * 12 FETCH (UID 7 FLAGS (\Seen) RFC822.SIZE 4211 BODY[HEADER.FIELDS (FROM)] {42}…)
//
// The rows of the whole set are read in one query; ENVELOPE and BODYSTRUCTURE come from the MIME
// analysis cached in the index (computed once, at delivery or here for files indexed without
// it); body sections are byte ranges of the .eml file, sent as file literals that the connection
// streams (never the whole message in a string). Fetching a body without .PEEK sets \Seen on a
// read-write mailbox, in one transaction for the whole set, and the new FLAGS go out with it.
import { defineCommand, resolveSet, BadArguments } from '../command';
import { atom, fileLiteral, literal, section, type ResponseValue } from '../protocol/compiler';
import type { SectionToken, Token } from '../protocol/tokens';
import { formatDateTime } from '../dates';
import { analyzeFile, bodyStructureValue, deserializeAnalysis, envelopeValue, filterHeaderFields, sectionRange, serializeAnalysis, type MessageAnalysis } from '../mime';
import type { MessageRow } from '../../store/mailboxes';
import type { ImapContext } from '../session';
import { open } from 'node:fs/promises';

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

async function readRange(path: string, start: number, length: number): Promise<Buffer> {
  const h = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await h.read(buf, got, length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await h.close();
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
            out.push(atom('RFC822'), fileLiteral(path, 0, row.size));
            break;
          case 'RFC822.HEADER': {
            const r = sectionRange(analysis!, { part: [], text: 'HEADER' });
            out.push(atom('RFC822.HEADER'), r ? fileLiteral(path, r.start, r.length) : '');
            break;
          }
          case 'RFC822.TEXT': {
            const r = sectionRange(analysis!, { part: [], text: 'TEXT' });
            out.push(atom('RFC822.TEXT'), r ? fileLiteral(path, r.start, r.length) : '');
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
              const header = filterHeaderFields(await readRange(path, r.start, r.length), r.fields.names, r.fields.not);
              const cut = partial(0, header.length, p);
              out.push(name, literal(header.subarray(cut.start, cut.start + cut.length)));
            } else {
              const cut = partial(r.start, r.length, p);
              out.push(name, cut.length ? fileLiteral(path, cut.start, cut.length) : '');
            }
            break;
          }
        }
      }
      if (seenNow.has(uid) && !wantsFlags) out.push(atom('FLAGS'), flagsValue(row.flags));
      ctx.untagged({ number: seq, command: 'FETCH', attributes: [out] });
      if (ctx.queuedBytes >= FLUSH_BYTES) await ctx.drain();
    }
    if (missing && !byUid) return ctx.no('Some messages were expunged meanwhile and could not be fetched', { name: 'EXPUNGEISSUED' });
    ctx.ok(`${ctx.command} completed`);
  },
});
