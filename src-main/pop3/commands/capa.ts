// CAPA (RFC 2449 §5). What the server offers right now: STLS only before TLS, USER and SASL only
// when plaintext logon is allowed on this connection.
import { defineCommand } from '../command';
import { SASL_MECHANISMS } from '../../security/auth/sasl';

export default defineCommand({
  name: 'CAPA',
  states: ['authorization', 'transaction'],
  handle(ctx) {
    const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
    if (ctx.state.kind === 'authorization') {
      if (ctx.plaintextAllowed) caps.push('USER', `SASL ${SASL_MECHANISMS.join(' ')}`);
      if (ctx.stlsAvailable) caps.push('STLS');
    }
    caps.push('IMPLEMENTATION Buzon');
    ctx.multiline('Capability list follows', caps);
  },
});
