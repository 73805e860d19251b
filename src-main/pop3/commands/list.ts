// LIST [msg] (RFC 1939 §5): scan listings "n size".
import { defineCommand } from '../command';

export default defineCommand({
  name: 'LIST',
  states: ['transaction'],
  handle(ctx, args) {
    const s = ctx.state;
    if (s.kind !== 'transaction') return;
    if (args.length > 0) {
      const m = ctx.message(args[0]);
      // +OK 2 200
      if (m) ctx.ok(`${m.n} ${m.msg.size}`);
      return;
    }
    const lines: string[] = [];
    let bytes = 0;
    s.drop.messages.forEach((m, i) => {
      if (s.deleted.has(i + 1)) return;
      lines.push(`${i + 1} ${m.size}`);
      bytes += m.size;
    });
    // +OK 2 messages (320 octets)
    ctx.multiline(`${lines.length} messages (${bytes} octets)`, lines);
  },
});
