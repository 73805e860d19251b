// tag RENAME from to                                        (RFC 9051 §6.3.6)
// Children move with their parent; renaming INBOX moves its messages to the new mailbox and
// leaves INBOX empty.
import { defineCommand } from '../command';

export default defineCommand({
  names: ['RENAME'],
  states: ['authenticated', 'selected'],
  arity: [2, 2],
  handle(ctx, args) {
    const from = ctx.mailboxName(args[0]);
    if (from === null) return;
    const to = ctx.mailboxName(args[1]);
    if (to === null) return;
    if (to === 'INBOX') return ctx.no('INBOX already exists', { name: 'ALREADYEXISTS' });
    ctx.deps.mailboxes.rename(ctx.user.accountId, from, to);
    ctx.log.info({ event: 'imap.mailbox.renamed', from, to }, 'mailbox renamed');
    ctx.ok('RENAME completed');
  },
});
