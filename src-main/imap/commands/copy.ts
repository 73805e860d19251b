// tag COPY set mailbox / UID COPY / MOVE / UID MOVE         (RFC 9051 §6.4.7, §6.4.8; MOVE RFC 6851;
//                                                           COPYUID of UIDPLUS RFC 4315)
// COPY: tag OK [COPYUID 1700000000 4:6 11:13] COPY completed
// MOVE: * OK [COPYUID …] / * 4 EXPUNGE … / tag OK MOVE completed
import { defineCommand, resolveSet } from '../command';
import { atom } from '../protocol/compiler';
import { formatSequenceSet } from '../protocol/sequence-set';

export default defineCommand({
  names: ['COPY', 'UID COPY', 'MOVE', 'UID MOVE'],
  states: ['selected'],
  arity: [2, 2],
  async handle(ctx, args) {
    const byUid = ctx.command.startsWith('UID ');
    const move = ctx.command.endsWith('MOVE');
    const view = ctx.view;
    const uids = resolveSet(ctx, args[0], byUid);
    const name = ctx.mailboxName(args[1]);
    if (name === null) return;
    const dest = ctx.findMailbox(name, true);
    if (!dest) return;
    if (move && view.readOnly) return ctx.no('Mailbox is read-only', { name: 'READ-ONLY' });
    if (!uids.length) return ctx.ok(`${ctx.command} completed (no messages)`);
    const store = ctx.deps.mailboxes;
    const { accountId, address } = ctx.user;
    if (move && dest.id === view.box.id) return ctx.no('Cannot move a message into its own mailbox', { name: 'CANNOT' });
    const pairs = move ? store.move(view.box.id, uids, dest.id, ctx.origin) : await store.copy(accountId, address, view.box.id, uids, dest.id);
    const code = pairs.length
      ? { name: 'COPYUID', attributes: [dest.uidvalidity, atom(formatSequenceSet(pairs.map((p) => p[0]))), atom(formatSequenceSet(pairs.map((p) => p[1])))] }
      : undefined;
    // COPYUID's two sets must list the UIDs in the same order: formatSequenceSet sorts, and the
    // new UIDs are given in the order of the source UIDs, so both orders agree.
    if (move) {
      if (code) ctx.untagged({ command: 'OK', code, text: 'Moved UIDs' });
      for (const r of view.expungeOwn(pairs.map((p) => p[0]))) ctx.untagged(r);
      return ctx.ok(`${ctx.command} completed`);
    }
    ctx.ok(`${ctx.command} completed`, code);
  },
});
