// What every protocol listener shares: binding a net/tls server and reporting the port it got
// (port 0 → an ephemeral port), or rejecting with the bind error (EACCES, EADDRINUSE …).
import type { Server } from 'node:net';

export interface Listener {
  /** Resolves with the port actually bound. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
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
