// AUTH mechanism [initial-response] (RFC 5034), with the shared SASL layer. Bare AUTH lists the
// mechanisms (a common client probe).
import { defineCommand } from '../command';
import { SASL_MECHANISMS } from '../../security/auth/sasl';

export default defineCommand({
  name: 'AUTH',
  states: ['authorization'],
  secret: true,
  handle(ctx, args) {
    if (args.length === 0) {
      // +OK / PLAIN / LOGIN / .
      return ctx.multiline('SASL mechanisms follow', ctx.plaintextAllowed ? SASL_MECHANISMS : []);
    }
    if (!ctx.plaintextAllowed) return ctx.err('Plaintext authentication disallowed on non-secure connections: use STLS first', 'AUTH');
    ctx.startSasl(args[0]!, args[1]);
  },
});
