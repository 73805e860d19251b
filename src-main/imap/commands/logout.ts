// tag LOGOUT                                                (RFC 9051 §6.1.3)
// * BYE Logging out / tag OK LOGOUT completed, then the connection closes.
import { defineCommand } from '../command';

export default defineCommand({
  names: ['LOGOUT'],
  states: ['notAuthenticated', 'authenticated', 'selected'],
  arity: [0, 0],
  handle(ctx) {
    ctx.logout();
  },
});
