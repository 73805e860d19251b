// UIDL [msg] (RFC 1939 §7): unique ids that never change for a message: "UIDVALIDITY.UID" of
// INBOX, the same ids IMAP uses, so they survive restarts and IMAP activity.
import { defineCommand } from '../command';

export default defineCommand({
  name: 'UIDL',
  states: ['transaction'],
  handle(ctx, args) {
    const s = ctx.state;
    if (s.kind !== 'transaction') return;
    const id = (uid: number) => `${s.drop.uidvalidity}.${uid}`;
    if (args.length > 0) {
      const m = ctx.message(args[0]);
      if (m) ctx.ok(`${m.n} ${id(m.msg.uid)}`);
      return;
    }
    const lines: string[] = [];
    s.drop.messages.forEach((m, i) => {
      if (!s.deleted.has(i + 1)) lines.push(`${i + 1} ${id(m.uid)}`);
    });
    ctx.multiline('unique-id listing follows', lines);
  },
});
