// One IMAP listener per IMAP entry of the TCP/IP ports table: plain (with STARTTLS when a
// certificate is bound) or implicit TLS (993). Connections from a banned IP, or from an IP range
// that does not allow IMAP, are refused at once with BYE (server/session-listener.ts).
import type { TcpIpPort } from '../shared/model/entities';
import type { MailboxStore } from '../store/mailboxes';
import type { MailboxEvents } from '../store/mailbox-events';
import type { MailStore } from '../store/mail-store';
import type { Listener, ProtocolDeps } from '../server/listen';
import type { PortTls } from '../security/tls/tls-manager';
import { createSessionListener } from '../server/session-listener';
import { ImapConnection } from './connection';

export interface ImapDeps extends ProtocolDeps {
  readonly mailboxes: MailboxStore;
  readonly mailStore: MailStore;
  readonly events: MailboxEvents;
  readonly counters: { imapSessions: number; authFailures: number };
}

export function createImapListener(entry: TcpIpPort, bindPort: number, deps: ImapDeps, tls: PortTls | undefined): Listener {
  return createSessionListener(entry, bindPort, deps, tls, {
    protocol: 'imap',
    maxConnections: () => deps.settings()['imap.maxConnections'],
    greeting: () => deps.settings()['imap.welcomeMessage'] || 'Buzon IMAP server ready',
    refuse: {
      busy: '* BYE [UNAVAILABLE] Too many connections, try again later\r\n',
      busyIp: '* BYE [UNAVAILABLE] Too many connections from your address, try again later\r\n',
      banned: '* BYE [UNAVAILABLE] Too many failed logons from your address, try again later\r\n',
      range: '* BYE [UNAVAILABLE] Connection refused by IP range policy\r\n',
      shutdown: '* BYE Server shutting down\r\n',
    },
    shutdownText: 'Server shutting down',
    // A client that sends its commands and then shuts down its side still gets the answers.
    allowHalfOpen: true,
    onSession: () => deps.counters.imapSessions++,
    createSession: (socket, o) => new ImapConnection(socket, deps, o),
  });
}
