// tag SEARCH [CHARSET x] keys / tag UID SEARCH …             (RFC 9051 §6.4.4)
// * SEARCH 2 5 9   (sequence numbers; UIDs for UID SEARCH)
// Keys are parsed and evaluated by imap/search; this module gives it the view's messages.
import { defineCommand, BadArguments } from '../command';
import { parseSearch, runSearch, SearchError, type SearchMessage } from '../search';
import { atom } from '../protocol/compiler';

export default defineCommand({
  names: ['SEARCH', 'UID SEARCH'],
  states: ['selected'],
  arity: [1, Infinity],
  holdsExpunge: (c) => c === 'SEARCH',
  async handle(ctx, args) {
    const byUid = ctx.command === 'UID SEARCH';
    let parsed;
    try {
      parsed = parseSearch(args);
    } catch (e) {
      if (!(e instanceof SearchError)) throw e;
      if (e.kind === 'badcharset') return ctx.no(e.message, { name: 'BADCHARSET', attributes: [[atom('UTF-8'), atom('US-ASCII')]] });
      throw new BadArguments(e.message);
    }
    const view = ctx.view;
    const store = ctx.deps.mailboxes;
    const messages: SearchMessage[] = [];
    if (view.exists) {
      const rows = store.filesBetween(view.box.id, view.uidAt(1)!, view.maxUid);
      for (const r of rows) {
        const seq = view.seqOf(r.uid);
        if (!seq) continue;
        messages.push({
          seq,
          uid: r.uid,
          flags: new Set(r.flags ? r.flags.split(' ') : []),
          internalDate: new Date(r.internalDate),
          size: r.size,
          modseq: r.modseq,
          path: store.files.abs(r.file),
        });
      }
    }
    const seqs = await runSearch(parsed.key, messages, { maxSeq: view.exists, maxUid: view.maxUid });
    const numbers = byUid ? seqs.map((s) => view.uidAt(s)!) : seqs;
    ctx.untagged({ command: 'SEARCH', attributes: numbers });
    ctx.ok(`${ctx.command} completed`);
  },
});
