// What every protocol listener shares: binding a net/tls server and reporting the port it got
// (port 0 → an ephemeral port), or rejecting with the bind error (EACCES, EADDRINUSE …).
import type { Server, Socket } from 'node:net';
import type { IpRange } from '../shared/model/entities';
import type { Settings } from '../shared/model/settings';
import type { AuthService } from '../security/auth/auth-service';
import type { Autoban } from '../security/autoban/autoban';
import type { ConnectionGuard } from '../security/connection-guard';
import type { Logger } from '../logging/logger';
import type { Clock } from './clock';

/** What every protocol daemon gets from the host (each adds its own store access). */
export interface ProtocolDeps {
  readonly settings: () => Settings;
  readonly hostName: () => string;
  readonly ranges: () => readonly IpRange[];
  readonly auth: AuthService;
  readonly autoban: Autoban;
  /** Connections per IP, and protocol abuse toward auto-ban. */
  readonly guard: ConnectionGuard;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface Listener {
  /** Resolves with the port actually bound. */
  listen(): Promise<number>;
  close(): Promise<void>;
  /** The certificates or TLS settings changed: new handshakes use them, open sessions go on. */
  updateTls(): void;
}

export function bind(server: Server, port: number, address: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (err: Error) => {
      server.removeListener('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.removeListener('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, address || '0.0.0.0');
  });
}

/** Resolves when the socket takes more data again ('drain'), or is gone (then there is nothing to wait for). */
export function socketDrained(so: Socket): Promise<void> {
  if (!so.writableNeedDrain || so.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      so.off('drain', done);
      so.off('close', done);
      so.off('error', done);
      resolve();
    };
    so.on('drain', done);
    so.on('close', done);
    so.on('error', done);
  });
}
