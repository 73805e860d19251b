// tag SUBSCRIBE mailbox / tag UNSUBSCRIBE mailbox           (RFC 9051 §6.3.7, §6.3.8)
import { defineCommand } from '../command';

export default defineCommand({
  names: ['SUBSCRIBE', 'UNSUBSCRIBE'],
  states: ['authenticated', 'selected'],
  arity: [1, 1],
  handle(ctx, args) {
    const name = ctx.mailboxName(args[0]);
    if (name === null) return;
    ctx.deps.mailboxes.setSubscribed(ctx.user.accountId, name, ctx.command === 'SUBSCRIBE');
    ctx.ok(`${ctx.command} completed`);
  },
});
