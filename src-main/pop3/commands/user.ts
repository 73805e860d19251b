// USER name (RFC 1939 §7). Answers +OK for any name: whether an account exists is never told.
import { defineCommand } from '../command';

export default defineCommand({
  name: 'USER',
  states: ['authorization'],
  handle(ctx, args) {
    if (!ctx.plaintextAllowed) return ctx.err('Plaintext authentication disallowed on non-secure connections: use STLS first', 'AUTH');
    const name = args.join(' ');
    if (!name) return ctx.err('USER needs a name (your full e-mail address)');
    ctx.setState({ kind: 'authorization', user: name });
    // +OK send PASS
    ctx.ok('send PASS');
  },
});
