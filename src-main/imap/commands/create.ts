// tag CREATE mailbox                                        (RFC 9051 §6.3.4)
import { defineCommand } from '../command';

export default defineCommand({
  names: ['CREATE'],
  states: ['authenticated', 'selected'],
  arity: [1, 2],
  handle(ctx, args) {
    // A trailing delimiter says the client means to create children under it: the same for us.
    const raw = args[0];
    const trimmed = raw && (raw.type === 'string' || raw.type === 'atom') && raw.value.length > 1 && raw.value.endsWith(ctx.delimiter) ? { ...raw, value: raw.value.slice(0, -1) } : raw;
    const name = ctx.mailboxName(trimmed);
    if (name === null) return;
    if (name === 'INBOX') return ctx.no('INBOX always exists', { name: 'ALREADYEXISTS' });
    ctx.deps.mailboxes.create(ctx.user.accountId, name);
    ctx.log.info({ event: 'imap.mailbox.created', mailbox: name }, 'mailbox created');
    ctx.ok('CREATE completed');
  },
});
