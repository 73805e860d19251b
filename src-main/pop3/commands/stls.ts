// STLS (RFC 2595 §4): only in AUTHORIZATION, only once, only on a plain port with a certificate.
import { defineCommand } from '../command';

export default defineCommand({
  name: 'STLS',
  states: ['authorization'],
  handle(ctx) {
    if (ctx.secure) return ctx.err('already using TLS');
    if (!ctx.stlsAvailable) return ctx.err('STLS not available on this port');
    ctx.startTls();
  },
});
