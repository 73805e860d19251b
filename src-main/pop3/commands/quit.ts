// QUIT (RFC 1939 §6): in TRANSACTION enters UPDATE, removes the messages marked deleted, and
// closes; in AUTHORIZATION just closes.
import { defineCommand } from '../command';

export default defineCommand({
  name: 'QUIT',
  states: ['authorization', 'transaction'],
  async handle(ctx) {
    await ctx.quit();
  },
});
