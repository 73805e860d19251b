// One POP3 listener per POP3 entry of the TCP/IP ports table: plain (with STLS when a certificate
// is bound) or implicit TLS (995). Connections from a banned IP, or from an IP range that does not
// allow POP3, are refused at once.
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { TcpIpPort } from '../shared/model/entities';
import type { MaildropStore } from '../store/maildrop';
import { bind, type Listener, type ProtocolDeps, type TlsMaterial } from '../server/listen';
import { normalizeIp } from '../security/ip/ip-ranges';
import { admit } from '../security/admission';
import { Pop3Connection } from './connection';

export interface Pop3Deps extends ProtocolDeps {
  readonly maildrop: MaildropStore;
  /** Accounts whose maildrop a session holds (RFC 1939 §8 exclusive lock), shared by all listeners. */
  readonly locks: Set<number>;
  readonly counters: { pop3Sessions: number; authFailures: number };
}

export function createPop3Listener(entry: TcpIpPort, bindPort: number, deps: Pop3Deps, tls: TlsMaterial | undefined): Listener {
  const log = deps.logger.child({ svc: 'pop3' });
  const s = deps.settings();
  const secureContext = tls ? createSecureContext({ key: tls.key, cert: tls.cert, minVersion: s['tls.minVersion'] }) : undefined;
  const implicit = entry.security === 'tls';
  // Open sockets, with their session once it has one (to say goodbye on the session's own socket:
  // after STLS that is the TLS socket over this one).
  const sockets = new Map<Socket, Pop3Connection | undefined>();
  let connections = 0;

  const onSocket = (socket: Socket | TLSSocket): void => {
    sockets.set(socket, undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      connections--;
    });
    connections++;
    socket.on('error', () => undefined);
    // Replies are written whole; do not hold small segments back for the client's delayed ACK.
    socket.setNoDelay(true);
    const ip = normalizeIp(socket.remoteAddress ?? '');
    const id = randomBytes(6).toString('base64url');
    const slog = log.child({ sid: id, ip });
    const settings = deps.settings();
    const max = settings['pop3.maxConnections'];
    if (max > 0 && connections > max) {
      socket.end('-ERR [SYS/TEMP] too many connections, try again later\r\n');
      return;
    }
    const admission = admit(deps, ip, 'pop3');
    if (!admission.ok) {
      if (admission.reason === 'banned') {
        slog.info({ event: 'pop3.connection.banned' }, 'refused: banned IP');
        socket.end('-ERR [SYS/TEMP] too many failed logons from your address, try again later\r\n');
      } else {
        slog.info({ event: 'pop3.connection.refused', range: admission.range?.name ?? null }, 'refused by IP range');
        socket.end('-ERR [SYS/PERM] connection refused by IP range policy\r\n');
      }
      return;
    }
    const range = admission.range;
    deps.counters.pop3Sessions++;
    slog.info({ event: 'pop3.connection.opened', port: entry.port, range: range.name, tls: implicit }, 'connection');
    const conn = new Pop3Connection(socket, deps, {
      id,
      ip,
      secure: implicit,
      plaintextAllowedInsecure: !range.requireTlsForAuth,
      secureContext,
      stls: !implicit && entry.security !== 'none' && secureContext !== undefined,
      log: slog,
    });
    sockets.set(socket, conn);
    conn.start(settings['pop3.welcomeMessage'] || 'POP3 server ready');
  };

  // tls.createServer() builds its own context from key/cert and ignores a `secureContext` option
  // (that one is for TLSSocket): passing only the context left port 995 without a certificate.
  const server: Server = implicit
    ? createTlsServer({ key: tls?.key, cert: tls?.cert, minVersion: s['tls.minVersion'] }, onSocket)
    : createNetServer(onSocket);
  server.on('tlsClientError', (err: Error) => log.debug({ event: 'pop3.tls.failed', err: err.message }, 'TLS handshake failed'));
  server.on('error', (err: Error) => log.debug({ event: 'pop3.server.error', err: err.message }, 'server error'));

  return {
    listen: () => bind(server, bindPort, entry.address),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Sessions end without UPDATE: nothing marked deleted is removed (RFC 1939 §6).
        for (const [so, conn] of sockets) {
          if (conn) conn.shutdown('-ERR [SYS/TEMP] server shutting down');
          else so.end('-ERR [SYS/TEMP] server shutting down\r\n');
          setTimeout(() => so.destroy(), 2000).unref();
        }
      }),
  };
}
