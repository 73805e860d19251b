// One smtp-server instance per SMTP entry of the TCP/IP ports table. The options come from the
// settings at the time the listener starts; settings read per session (relay, sizes, bare LF …)
// apply to the next session without a restart.
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { TcpIpPort } from '../shared/model/entities';
import { createHooks, type SmtpDeps } from './hooks';
import { installLenientInput } from './lenient-input';
import { bind, type Listener } from '../server/listen';
import type { PortTls } from '../security/tls/tls-manager';


export function createSmtpListener(entry: TcpIpPort, bindPort: number, deps: SmtpDeps, tls: PortTls | undefined): Listener {
  installLenientInput();
  const s = deps.settings();
  const hooks = createHooks(deps, entry);
  const maxKb = s['smtp.maxMessageSizeKb'];
  const options: SMTPServerOptions = {
    name: deps.hostName(),
    banner: s['smtp.welcomeMessage'] || 'Buzon',
    secure: entry.security === 'tls',
    // The port's certificate for clients without SNI, the manager's choice for those with it.
    ...(tls ? { ...tls.options(), SNICallback: tls.SNICallback } : { minVersion: s['tls.minVersion'] }),
    hideSTARTTLS: entry.security === 'none' || entry.security === 'tls' || !tls,
    disabledCommands: entry.security === 'none' ? ['STARTTLS'] : [],
    // hMailServer "Allow plain text authentication": off → AUTH PLAIN is not offered, LOGIN is.
    authMethods: s['smtp.allowPlainAuth'] ? ['PLAIN', 'LOGIN'] : ['LOGIN'],
    authOptional: true,
    // Whether AUTH may run without TLS is decided per session from the IP range (hooks.ts).
    allowInsecureAuth: true,
    ...(maxKb > 0 ? { size: maxKb * 1024 } : {}),
    disableReverseLookup: !s['smtp.reverseLookup'],
    hideENHANCEDSTATUSCODES: false, // the library hides it unless asked
    hideDSN: true,
    hideREQUIRETLS: true,
    ...(s['smtp.maxConnections'] > 0 ? { maxClients: s['smtp.maxConnections'] } : {}),
    socketTimeout: 5 * 60_000, // RFC 5321 §4.5.3.2: at least 5 minutes between commands
    closeTimeout: 10_000,
    logger: false,
    ...hooks,
  } as SMTPServerOptions;

  const server = new SMTPServer(options);
  // Errors of single connections (resets, TLS handshake failures) must not end the listener.
  server.on('error', (err: Error & { code?: string }) => {
    deps.logger.child({ svc: 'smtp' }).debug({ event: 'smtp.connection.error', err: err.message, code: err.code }, 'connection error');
  });

  return {
    listen: () => bind(server.server, bindPort, entry.address),
    updateTls: () => {
      if (tls) server.updateSecureContext(tls.options());
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
