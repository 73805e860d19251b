// STAT (RFC 1939 §5): "+OK nn mm", messages marked deleted not counted.
import { defineCommand } from '../command';

export default defineCommand({
  name: 'STAT',
  states: ['transaction'],
  handle(ctx) {
    const s = ctx.state;
    if (s.kind !== 'transaction') return;
    let n = 0;
    let bytes = 0;
    s.drop.messages.forEach((m, i) => {
      if (s.deleted.has(i + 1)) return;
      n++;
      bytes += m.size;
    });
    ctx.ok(`${n} ${bytes}`);
  },
});
