// tag ENABLE capability…                                    (RFC 5161)
// No extension that needs enabling is offered yet (CONDSTORE, QRESYNC and UTF8=ACCEPT come
// later), so "* ENABLED" lists nothing; unknown names are ignored, as the RFC says.
import { defineCommand, needAtom } from '../command';

export default defineCommand({
  names: ['ENABLE'],
  states: ['authenticated', 'selected'],
  arity: [1, Infinity],
  handle(ctx, args) {
    for (const a of args) needAtom(a, 'Capability name');
    ctx.untagged({ command: 'ENABLED' });
    ctx.ok('ENABLE completed');
  },
});
