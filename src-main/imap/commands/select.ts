// tag SELECT mailbox / tag EXAMINE mailbox                  (RFC 9051 §6.3.2, §6.3.3)
// * FLAGS (…) / * OK [PERMANENTFLAGS (…)] / * n EXISTS / * 0 RECENT / * OK [UNSEEN n] /
// * OK [UIDVALIDITY v] / * OK [UIDNEXT n] / tag OK [READ-WRITE] SELECT completed
// A failed SELECT leaves the session unselected (the previous mailbox is closed).
import { defineCommand } from '../command';

export default defineCommand({
  names: ['SELECT', 'EXAMINE'],
  states: ['authenticated', 'selected'],
  arity: [1, 2],
  handle(ctx, args) {
    const name = ctx.mailboxName(args[0]);
    if (name === null) return ctx.unselect();
    const box = ctx.deps.mailboxes.find(ctx.user.accountId, name);
    if (!box) {
      ctx.unselect();
      return ctx.no('Mailbox does not exist', { name: 'NONEXISTENT' });
    }
    const readOnly = ctx.command === 'EXAMINE';
    ctx.select(box, readOnly);
    ctx.ok(`${ctx.command} completed`, { name: readOnly ? 'READ-ONLY' : 'READ-WRITE' });
  },
});
