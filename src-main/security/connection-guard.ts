// What keeps one address from taking the server for itself, shared by SMTP, POP3 and IMAP:
//   - at most `security.maxConnectionsPerIp` connections open at once from one IP (all protocols
//     together; 0 = no limit). A classroom's 30 Thunderbirds, each with a few IMAP connections,
//     stay far below the default of 50; a script opening hundreds does not.
//   - a session closed for abusing the protocol (too many invalid commands, lines over the
//     limit) counts toward auto-ban like a failed logon: a client that keeps doing it is banned.
import type { Autoban } from './autoban/autoban';
import type { Settings } from '../shared/model/settings';

export class ConnectionGuard {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly settings: () => Settings,
    private readonly autoban: Autoban,
  ) {}

  /** Takes a slot for `ip` (normalised); returns its release, or undefined when the IP has too many. */
  acquire(ip: string): (() => void) | undefined {
    const max = this.settings()['security.maxConnectionsPerIp'];
    const n = this.open.get(ip) ?? 0;
    if (max > 0 && n >= max) return undefined;
    this.open.set(ip, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(ip) ?? 1) - 1;
      if (left <= 0) this.open.delete(ip);
      else this.open.set(ip, left);
    };
  }

  /** Connections open now from `ip`. */
  count(ip: string): number {
    return this.open.get(ip) ?? 0;
  }

  /** A session was closed for abusing the protocol: it counts toward auto-ban. */
  abuse(ip: string, what: string): void {
    this.autoban.recordFailure(ip, `protocol abuse: ${what}`);
  }
}
