// One POP3 listener per POP3 entry of the TCP/IP ports table: plain (with STLS when a certificate
// is bound) or implicit TLS (995). Connections from a banned IP, or from an IP range that does not
// allow POP3, are refused at once (server/session-listener.ts).
import type { TcpIpPort } from '../shared/model/entities';
import type { MaildropStore } from '../store/maildrop';
import type { Listener, ProtocolDeps } from '../server/listen';
import type { PortTls } from '../security/tls/tls-manager';
import { createSessionListener } from '../server/session-listener';
import { Pop3Connection } from './connection';

export interface Pop3Deps extends ProtocolDeps {
  readonly maildrop: MaildropStore;
  /** Accounts whose maildrop a session holds (RFC 1939 §8 exclusive lock), shared by all listeners. */
  readonly locks: Set<number>;
  readonly counters: { pop3Sessions: number; authFailures: number };
}

export function createPop3Listener(entry: TcpIpPort, bindPort: number, deps: Pop3Deps, tls: PortTls | undefined): Listener {
  return createSessionListener(entry, bindPort, deps, tls, {
    protocol: 'pop3',
    maxConnections: () => deps.settings()['pop3.maxConnections'],
    greeting: () => deps.settings()['pop3.welcomeMessage'] || 'POP3 server ready',
    refuse: {
      busy: '-ERR [SYS/TEMP] too many connections, try again later\r\n',
      busyIp: '-ERR [SYS/TEMP] Too many connections from your address, try again later\r\n',
      banned: '-ERR [SYS/TEMP] too many failed logons from your address, try again later\r\n',
      range: '-ERR [SYS/PERM] connection refused by IP range policy\r\n',
      shutdown: '-ERR [SYS/TEMP] server shutting down\r\n',
    },
    // Sessions end without UPDATE: nothing marked deleted is removed (RFC 1939 §6).
    shutdownText: '-ERR [SYS/TEMP] server shutting down',
    onSession: () => deps.counters.pop3Sessions++,
    createSession: (socket, o) => new Pop3Connection(socket, deps, o),
  });
}
