// tag DELETE mailbox                                        (RFC 9051 §6.3.5)
// INBOX cannot be deleted; a mailbox with children neither (delete them first, as Dovecot says).
// Its messages and their files go with it.
import { defineCommand } from '../command';

export default defineCommand({
  names: ['DELETE'],
  states: ['authenticated', 'selected'],
  arity: [1, 1],
  async handle(ctx, args) {
    const name = ctx.mailboxName(args[0]);
    if (name === null) return;
    if (name === 'INBOX') return ctx.no('INBOX cannot be deleted', { name: 'CANNOT' });
    const box = ctx.findMailbox(name);
    if (!box) return;
    await ctx.deps.mailboxes.delete(ctx.user.accountId, name);
    // Only once it is gone (a refused DELETE leaves the session as it was).
    if (ctx.state.kind === 'selected' && ctx.view.box.id === box.id) ctx.unselect();
    ctx.log.info({ event: 'imap.mailbox.deleted', mailbox: name }, 'mailbox deleted');
    ctx.ok('DELETE completed');
  },
});
