// tag STARTTLS                                              (RFC 9051 §6.2.1)
import { defineCommand } from '../command';

export default defineCommand({
  names: ['STARTTLS'],
  states: ['notAuthenticated'],
  arity: [0, 0],
  handle(ctx) {
    if (!ctx.starttlsAvailable) return ctx.bad(ctx.secure ? 'TLS is already active' : 'STARTTLS is not available on this port');
    ctx.startTls();
  },
});
