// NOOP (RFC 1939 §5).
import { defineCommand } from '../command';

export default defineCommand({
  name: 'NOOP',
  states: ['transaction'],
  handle(ctx) {
    ctx.ok();
  },
});
