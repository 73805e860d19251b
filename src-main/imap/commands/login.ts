// tag LOGIN user password                                   (RFC 9051 §6.2.3)
import { defineCommand, needAstring } from '../command';

export default defineCommand({
  names: ['LOGIN'],
  states: ['notAuthenticated'],
  arity: [2, 2],
  secret: true,
  async handle(ctx, args) {
    const user = needAstring(args[0], 'User name');
    const password = needAstring(args[1], 'Password');
    // LOGINDISABLED is advertised in this case (RFC 9051 §6.2.3).
    if (!ctx.plaintextAllowed) return ctx.no('Plaintext authentication disallowed on non-secure connections, use STARTTLS', { name: 'PRIVACYREQUIRED' });
    await ctx.login(user, password);
  },
});
