// DELE msg (RFC 1939 §5): marks the message; it goes away only at QUIT (UPDATE state).
import { defineCommand } from '../command';

export default defineCommand({
  name: 'DELE',
  states: ['transaction'],
  handle(ctx, args) {
    const s = ctx.state;
    if (s.kind !== 'transaction') return;
    const m = ctx.message(args[0]);
    if (!m) return;
    s.deleted.add(m.n);
    ctx.ok(`message ${m.n} deleted`);
  },
});
