// tag EXPUNGE / tag UID EXPUNGE uid-set                     (RFC 9051 §6.4.3, UIDPLUS RFC 4315)
// * 3 EXPUNGE … for each message removed, highest number first.
import { defineCommand, needAtom, BadArguments } from '../command';
import { parseSequenceSet, expandUidSet } from '../protocol/sequence-set';

export default defineCommand({
  names: ['EXPUNGE', 'UID EXPUNGE'],
  states: ['selected'],
  arity: [0, 1],
  async handle(ctx, args) {
    const view = ctx.view;
    if (view.readOnly) return ctx.no('Mailbox is read-only', { name: 'READ-ONLY' });
    let only: number[] | null = null;
    if (ctx.command === 'UID EXPUNGE') {
      const set = parseSequenceSet(needAtom(args[0], 'UID set'));
      if (!set) throw new BadArguments('Invalid UID set');
      only = expandUidSet(set, view.allUids());
    } else if (args.length) throw new BadArguments('EXPUNGE takes no arguments');
    const removed = await ctx.deps.mailboxes.expunge(ctx.user.accountId, view.box.id, only, ctx.origin);
    for (const r of view.expungeOwn(removed)) ctx.untagged(r);
    ctx.ok(`${ctx.command} completed`);
  },
});
