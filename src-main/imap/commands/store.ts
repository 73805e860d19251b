// tag STORE set [+|-]FLAGS[.SILENT] (flags) / UID STORE      (RFC 9051 §6.4.6)
// * 2 FETCH (FLAGS (\Seen \Flagged)) for each message, unless .SILENT; UID STORE adds UID.
import { defineCommand, flagList, needAtom, resolveSet, BadArguments } from '../command';
import { atom } from '../protocol/compiler';
import type { FlagOperation } from '../../store/mailboxes';

export default defineCommand({
  names: ['STORE', 'UID STORE'],
  states: ['selected'],
  arity: [3, Infinity],
  holdsExpunge: (c) => c === 'STORE',
  handle(ctx, args) {
    const byUid = ctx.command === 'UID STORE';
    const uids = resolveSet(ctx, args[0], byUid);
    if (args[1]?.type === 'list') throw new BadArguments('STORE modifiers (UNCHANGEDSINCE) need CONDSTORE, which is not offered');
    const item = needAtom(args[1], 'FLAGS, +FLAGS or -FLAGS').toUpperCase();
    const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
    if (!m) throw new BadArguments('FLAGS, +FLAGS or -FLAGS expected');
    const op: FlagOperation = m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'set';
    const silent = m[2] !== undefined;
    const flags = args.length === 3 ? flagList(args[2]) : flagList({ type: 'list', items: args.slice(2) });
    const view = ctx.view;
    if (view.readOnly) return ctx.no('Mailbox is read-only', { name: 'READ-ONLY' });
    const results = ctx.deps.mailboxes.storeFlags(view.box.id, uids, op, flags, ctx.origin);
    // The rows were read in the STORE's own transaction, after every change queued for this view.
    if (!silent) view.dropFlagUpdates(results.map((r) => r.uid));
    // A keyword new to this mailbox: FLAGS first (even with .SILENT, the client must learn it).
    if (op !== 'remove') for (const r of view.announceKeywords(flags.join(' '))) ctx.untagged(r);
    if (!silent) {
      for (const r of results) {
        const seq = view.seqOf(r.uid);
        if (!seq) continue;
        const attrs = [atom('FLAGS'), r.flags ? r.flags.split(' ').map(atom) : []];
        ctx.untagged({ number: seq, command: 'FETCH', attributes: [byUid ? [atom('UID'), r.uid, ...attrs] : attrs] });
      }
    }
    ctx.ok(`${ctx.command} completed`);
  },
});
