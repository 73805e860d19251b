// tag IDLE … DONE                                           (RFC 2177)
// + idling, then changes to the selected mailbox go out as they happen, until the client's DONE.
import { defineCommand } from '../command';

export default defineCommand({
  names: ['IDLE'],
  states: ['authenticated', 'selected'],
  arity: [0, 0],
  async handle(ctx) {
    await ctx.idle();
  },
});
