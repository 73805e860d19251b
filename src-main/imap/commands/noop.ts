// tag NOOP / tag CHECK                                      (RFC 9051 §6.1.2; CHECK: RFC 3501 §6.4.1)
// Nothing to do but let the queued mailbox changes out (the dispatcher does that before the OK).
// CHECK has nothing to checkpoint either: every change is durable when its command completes.
import { defineCommand } from '../command';

export default defineCommand({
  names: ['NOOP', 'CHECK'],
  states: ['notAuthenticated', 'authenticated', 'selected'],
  arity: [0, 0],
  handle(ctx) {
    if (ctx.command === 'CHECK' && ctx.state.kind !== 'selected') return ctx.bad('CHECK needs a selected mailbox');
    ctx.ok(`${ctx.command} completed`);
  },
});
