// tag NAMESPACE                                             (RFC 2342)
// * NAMESPACE (("" "/")) NIL NIL — one personal namespace, no shared or other users' folders.
import { defineCommand } from '../command';

export default defineCommand({
  names: ['NAMESPACE'],
  states: ['authenticated', 'selected'],
  arity: [0, 0],
  handle(ctx) {
    ctx.untagged({ command: 'NAMESPACE', attributes: [[['', ctx.delimiter]], null, null] });
    ctx.ok('NAMESPACE completed');
  },
});
