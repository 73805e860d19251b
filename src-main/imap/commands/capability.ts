// tag CAPABILITY                                            (RFC 9051 §6.1.1)
import { defineCommand } from '../command';
import { atom } from '../protocol/compiler';

export default defineCommand({
  names: ['CAPABILITY'],
  states: ['notAuthenticated', 'authenticated', 'selected'],
  arity: [0, 0],
  handle(ctx) {
    // * CAPABILITY IMAP4rev1 LITERAL+ … AUTH=PLAIN
    ctx.untagged({ command: 'CAPABILITY', attributes: ctx.capabilities().map(atom) });
    ctx.ok('CAPABILITY completed');
  },
});
