// PASS string (RFC 1939 §7). The password may contain spaces. Failures feed auto-ban.
import { defineCommand } from '../command';

export default defineCommand({
  name: 'PASS',
  states: ['authorization'],
  secret: true,
  async handle(ctx, args) {
    if (!ctx.plaintextAllowed) return ctx.err('Plaintext authentication disallowed on non-secure connections: use STLS first', 'AUTH');
    const s = ctx.state;
    if (s.kind !== 'authorization' || !s.user) return ctx.err('send USER first');
    await ctx.login(s.user, args.join(' '));
  },
});
