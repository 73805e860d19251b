// One IMAP listener per IMAP entry of the TCP/IP ports table: plain (with STARTTLS when a
// certificate is bound) or implicit TLS (993). Connections from a banned IP, or from an IP range
// that does not allow IMAP, are refused at once with BYE.
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { TcpIpPort } from '../shared/model/entities';
import type { MailboxStore } from '../store/mailboxes';
import type { MailboxEvents } from '../store/mailbox-events';
import type { MailStore } from '../store/mail-store';
import { bind, type Listener, type ProtocolDeps, type TlsMaterial } from '../server/listen';
import { normalizeIp } from '../security/ip/ip-ranges';
import { admit } from '../security/admission';
import { ImapConnection } from './connection';

export interface ImapDeps extends ProtocolDeps {
  readonly mailboxes: MailboxStore;
  readonly mailStore: MailStore;
  readonly events: MailboxEvents;
  readonly counters: { imapSessions: number; authFailures: number };
}

export function createImapListener(entry: TcpIpPort, bindPort: number, deps: ImapDeps, tls: TlsMaterial | undefined): Listener {
  const log = deps.logger.child({ svc: 'imap' });
  const s = deps.settings();
  const secureContext = tls ? createSecureContext({ key: tls.key, cert: tls.cert, minVersion: s['tls.minVersion'] }) : undefined;
  const implicit = entry.security === 'tls';
  const sockets = new Map<Socket, ImapConnection | undefined>();
  let connections = 0;

  const onSocket = (socket: Socket | TLSSocket): void => {
    sockets.set(socket, undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      connections--;
    });
    connections++;
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    const ip = normalizeIp(socket.remoteAddress ?? '');
    const id = randomBytes(6).toString('base64url');
    const slog = log.child({ sid: id, ip });
    const settings = deps.settings();
    const max = settings['imap.maxConnections'];
    if (max > 0 && connections > max) {
      socket.end('* BYE [UNAVAILABLE] Too many connections, try again later\r\n');
      return;
    }
    const admission = admit(deps, ip, 'imap');
    if (!admission.ok) {
      if (admission.reason === 'banned') {
        slog.info({ event: 'imap.connection.banned' }, 'refused: banned IP');
        socket.end('* BYE [UNAVAILABLE] Too many failed logons from your address, try again later\r\n');
      } else {
        slog.info({ event: 'imap.connection.refused', range: admission.range?.name ?? null }, 'refused by IP range');
        socket.end('* BYE [UNAVAILABLE] Connection refused by IP range policy\r\n');
      }
      return;
    }
    const range = admission.range;
    deps.counters.imapSessions++;
    slog.info({ event: 'imap.connection.opened', port: entry.port, range: range.name, tls: implicit }, 'connection');
    const conn = new ImapConnection(socket, deps, {
      id,
      ip,
      secure: implicit,
      plaintextAllowedInsecure: !range.requireTlsForAuth,
      secureContext,
      starttls: !implicit && entry.security !== 'none' && secureContext !== undefined,
      log: slog,
    });
    sockets.set(socket, conn);
    conn.start(settings['imap.welcomeMessage'] || 'Buzon IMAP server ready');
  };

  // Half-open sockets: a client that sends its commands and then shuts down its side still gets
  // the answers (the connection ends after them, see ImapConnection).
  const server: Server = implicit
    ? createTlsServer({ key: tls?.key, cert: tls?.cert, minVersion: s['tls.minVersion'], allowHalfOpen: true }, onSocket)
    : createNetServer({ allowHalfOpen: true }, onSocket);
  server.on('tlsClientError', (err: Error) => log.debug({ event: 'imap.tls.failed', err: err.message }, 'TLS handshake failed'));
  server.on('error', (err: Error) => log.debug({ event: 'imap.server.error', err: err.message }, 'server error'));

  return {
    listen: () => bind(server, bindPort, entry.address),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const [so, conn] of sockets) {
          if (conn) conn.shutdown('Server shutting down');
          else so.end('* BYE Server shutting down\r\n');
          setTimeout(() => so.destroy(), 2000).unref();
        }
      }),
  };
}
