// tag GETQUOTAROOT mailbox / tag GETQUOTA root               (RFC 2087 / RFC 9208)
// One quota root per account, named "" (the account's size limit, in KB):
// * QUOTAROOT INBOX "" / * QUOTA "" (STORAGE 512 102400)
// An account without a limit has no quota root: * QUOTAROOT INBOX
import { defineCommand, needAstring } from '../command';
import { atom } from '../protocol/compiler';

export default defineCommand({
  names: ['GETQUOTAROOT', 'GETQUOTA'],
  states: ['authenticated', 'selected'],
  arity: [1, 1],
  handle(ctx, args) {
    const q = ctx.deps.mailboxes.quota(ctx.user.accountId);
    const quota = () => ctx.untagged({ command: 'QUOTA', attributes: ['', [atom('STORAGE'), Math.ceil(q.usedBytes / 1024), Math.floor((q.limitBytes ?? 0) / 1024)]] });
    if (ctx.command === 'GETQUOTA') {
      const root = needAstring(args[0], 'Quota root');
      if (root !== '' || q.limitBytes === null) return ctx.no('No such quota root', { name: 'NONEXISTENT' });
      quota();
      return ctx.ok('GETQUOTA completed');
    }
    const name = ctx.mailboxName(args[0]);
    if (name === null) return;
    const box = ctx.findMailbox(name);
    if (!box) return;
    const wire = ctx.wireName(box.name);
    if (q.limitBytes === null) {
      ctx.untagged({ command: 'QUOTAROOT', attributes: [wire] });
    } else {
      ctx.untagged({ command: 'QUOTAROOT', attributes: [wire, ''] });
      quota();
    }
    ctx.ok('GETQUOTAROOT completed');
  },
});
