// tag CLOSE / tag UNSELECT                                  (RFC 9051 §6.4.1, §6.4.2)
// CLOSE removes the \Deleted messages (without untagged EXPUNGE) when the mailbox is read-write;
// UNSELECT leaves them.
import { defineCommand } from '../command';

export default defineCommand({
  names: ['CLOSE', 'UNSELECT'],
  states: ['selected'],
  arity: [0, 0],
  async handle(ctx) {
    const view = ctx.view;
    const user = ctx.user;
    ctx.unselect();
    if (ctx.command === 'CLOSE' && !view.readOnly) {
      await ctx.deps.mailboxes.expunge(user.accountId, view.box.id, null, ctx.origin);
    }
    ctx.ok(`${ctx.command} completed`);
  },
});
