// Who may connect, decided once for every protocol (SMTP, POP3, and IMAP next): an IP with an
// unexpired auto-ban is refused, then the highest-priority IP range containing the address must
// allow the protocol (hMailServer "Allow connections"). No matching range refuses too.
import type { IpRange, Protocol } from '../shared/model/entities';
import type { Autoban } from './autoban/autoban';
import type { Clock } from '../server/clock';
import { matchRange } from './ip/ip-ranges';

export interface AdmissionDeps {
  readonly autoban: Autoban;
  readonly ranges: () => readonly IpRange[];
  readonly clock: Clock;
}

export type Admission =
  | { readonly ok: true; readonly range: IpRange }
  | { readonly ok: false; readonly reason: 'banned' }
  | { readonly ok: false; readonly reason: 'range'; readonly range: IpRange | undefined };

const ALLOW: Record<Protocol, 'allowSmtp' | 'allowPop3' | 'allowImap'> = { smtp: 'allowSmtp', pop3: 'allowPop3', imap: 'allowImap' };

/** `ip` must already be normalised (normalizeIp). */
export function admit(deps: AdmissionDeps, ip: string, protocol: Protocol): Admission {
  if (deps.autoban.isAuthBanned(ip)) return { ok: false, reason: 'banned' };
  const range = matchRange(deps.ranges(), ip, deps.clock.now());
  if (!range || !range[ALLOW[protocol]]) return { ok: false, reason: 'range', range };
  return { ok: true, range };
}
