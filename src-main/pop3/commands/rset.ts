// RSET (RFC 1939 §5): unmarks every message marked deleted.
import { defineCommand } from '../command';

export default defineCommand({
  name: 'RSET',
  states: ['transaction'],
  handle(ctx) {
    const s = ctx.state;
    if (s.kind !== 'transaction') return;
    s.deleted.clear();
    const bytes = s.drop.messages.reduce((a, m) => a + m.size, 0);
    ctx.ok(`maildrop has ${s.drop.messages.length} messages (${bytes} octets)`);
  },
});
