// tag AUTHENTICATE mechanism [initial-response]             (RFC 9051 §6.2.2, SASL-IR RFC 4959)
import { defineCommand, needAtom } from '../command';
import { astring } from '../protocol/tokens';

export default defineCommand({
  names: ['AUTHENTICATE'],
  states: ['notAuthenticated'],
  arity: [1, 2],
  secret: true,
  async handle(ctx, args) {
    const mechanism = needAtom(args[0], 'SASL mechanism').toUpperCase();
    if (!ctx.plaintextAllowed) return ctx.no('Plaintext authentication disallowed on non-secure connections', { name: 'PRIVACYREQUIRED' });
    await ctx.authenticate(mechanism, args[1] === undefined ? undefined : astring(args[1]));
  },
});
