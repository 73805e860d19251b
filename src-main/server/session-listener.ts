// What the POP3 and IMAP listeners share: one net or TLS server per TCP/IP ports entry (plain,
// with STLS/STARTTLS offered when a certificate is bound, or implicit TLS), the connection limit,
// the admission check (auto-ban, then the IP range's "Allow connections"), a session per accepted
// socket, and a goodbye to every session when the listener closes. Each protocol supplies its
// wire texts and how to build its session.
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { TcpIpPort } from '../shared/model/entities';
import { normalizeIp } from '../security/ip/ip-ranges';
import { admit } from '../security/admission';
import type { Logger } from '../logging/logger';
import { bind, type Listener, type ProtocolDeps } from './listen';
import type { PortTls } from '../security/tls/tls-manager';

export interface SessionOptions {
  readonly id: string;
  readonly ip: string;
  /** Implicit TLS (995, 993). */
  readonly secure: boolean;
  /** The IP range lets plaintext logons through without TLS. */
  readonly plaintextAllowedInsecure: boolean;
  /** The port's certificates, read at STLS/STARTTLS time (so a replaced one applies at once). */
  readonly tls: PortTls | undefined;
  /** STLS / STARTTLS may be offered (a plain port with a certificate and security not 'none'). */
  readonly starttls: boolean;
  readonly log: Logger;
}

export interface Session {
  start(greeting: string): void;
  /** The listener is closing: say goodbye on the session's own socket and end. */
  shutdown(text: string): void;
}

export interface SessionListenerSpec {
  readonly protocol: 'pop3' | 'imap';
  /** Read for each connection: a settings change applies to the next one. */
  readonly maxConnections: () => number;
  readonly greeting: () => string;
  /** Complete wire lines (CRLF included) for sockets refused before a session exists. */
  readonly refuse: { readonly busy: string; readonly busyIp: string; readonly banned: string; readonly range: string; readonly shutdown: string };
  /** The text given to Session.shutdown(). */
  readonly shutdownText: string;
  /** Half-open sockets: commands sent before the client shut its side down are still answered. */
  readonly allowHalfOpen?: boolean;
  readonly onSession: () => void;
  createSession(socket: Socket, options: SessionOptions): Session;
}

/** A TLS handshake must be over within this time (tls's default is 120 s: slow-loris room). */
const HANDSHAKE_MS = 20_000;

export function createSessionListener(entry: TcpIpPort, bindPort: number, deps: ProtocolDeps, tls: PortTls | undefined, spec: SessionListenerSpec): Listener {
  const p = spec.protocol;
  const log = deps.logger.child({ svc: p });
  const implicit = entry.security === 'tls';
  // Open sockets, with their session once they have one (to say goodbye on the session's own
  // socket: after STLS/STARTTLS that is the TLS socket over this one).
  const sockets = new Map<Socket, Session | undefined>();
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
    const max = spec.maxConnections();
    if (max > 0 && connections > max) {
      socket.end(spec.refuse.busy);
      return;
    }
    const admission = admit(deps, ip, p);
    if (!admission.ok) {
      if (admission.reason === 'banned') {
        slog.info({ event: `${p}.connection.banned` }, 'refused: banned IP');
        socket.end(spec.refuse.banned);
      } else {
        slog.info({ event: `${p}.connection.refused`, range: admission.range?.name ?? null }, 'refused by IP range');
        socket.end(spec.refuse.range);
      }
      return;
    }
    const release = deps.guard.acquire(ip);
    if (!release) {
      slog.info({ event: `${p}.connection.limited`, open: deps.guard.count(ip) }, 'refused: too many connections from this address');
      socket.end(spec.refuse.busyIp);
      return;
    }
    socket.once('close', release);
    const range = admission.range;
    spec.onSession();
    slog.info({ event: `${p}.connection.opened`, port: entry.port, range: range.name, tls: implicit }, 'connection');
    const session = spec.createSession(socket, {
      id,
      ip,
      secure: implicit,
      // "STARTTLS (required)" on the port: no logon in clear from anywhere, whatever the range says.
      plaintextAllowedInsecure: !range.requireTlsForAuth && entry.security !== 'starttls-required',
      tls,
      starttls: !implicit && entry.security !== 'none' && tls !== undefined,
      log: slog,
    });
    sockets.set(socket, session);
    session.start(spec.greeting());
  };

  // tls.createServer() builds its own context from key/cert and ignores a `secureContext` option
  // (that one is for TLSSocket): passing only the context left the implicit-TLS port without a certificate.
  const allowHalfOpen = spec.allowHalfOpen ?? false;
  const server: Server =
    implicit && tls
      ? createTlsServer({ ...tls.options(), SNICallback: tls.SNICallback, allowHalfOpen, handshakeTimeout: HANDSHAKE_MS }, onSocket)
      : createNetServer({ allowHalfOpen }, onSocket);
  // Implicit TLS: a connection reaches onSocket only once its handshake is done. Until then it is
  // only here, so that closing the listener also ends connections stuck before or in a handshake
  // (a client that never sends its hello, or left half-open), instead of waiting for them.
  const raw = new Set<Socket>();
  if (implicit) {
    server.on('connection', (so: Socket) => {
      raw.add(so);
      so.once('close', () => raw.delete(so));
    });
  }
  server.on('tlsClientError', (err: Error) => log.debug({ event: `${p}.tls.failed`, err: err.message }, 'TLS handshake failed'));
  server.on('error', (err: Error) => log.debug({ event: `${p}.server.error`, err: err.message }, 'server error'));

  return {
    listen: () => bind(server, bindPort, entry.address),
    // Clients without SNI get the server's own context: swap it; SNI and STARTTLS read the manager.
    updateTls: () => {
      if (implicit && tls) (server as TlsServer).setSecureContext(tls.options());
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const [so, session] of sockets) {
          if (session) session.shutdown(spec.shutdownText);
          else so.end(spec.refuse.shutdown);
          setTimeout(() => so.destroy(), 2000).unref();
        }
        for (const so of raw) setTimeout(() => so.destroy(), 2000).unref();
      }),
  };
}
