// Auto-ban, shared by SMTP, POP3 and IMAP (hMailServer semantics): `maxAttempts` failed logons
// from one IP within `resetMinutes` ban that IP for `banMinutes`. A ban is a row in banned_ips
// (listed and lifted through the admin API); failure counters live in memory, per IP.
import type { ConfigRepo } from '../../store/config-repo';
import type { Clock } from '../../server/clock';
import type { Settings } from '../../shared/model/settings';
import { normalizeIp, parseIpList, rangeContains } from '../ip/ip-ranges';

export interface AutobanEvents {
  banned(ip: string, until: Date, username: string): void;
}

export class Autoban {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly repo: ConfigRepo,
    private readonly settings: () => Settings,
    private readonly clock: Clock,
    private readonly events: AutobanEvents,
  ) {}

  private exemptText = '';
  private exemptList: ReturnType<typeof parseIpList> = [];

  /** In `autoban.exempt`: never banned, by auto-ban or by hand. */
  isExempt(ip: string): boolean {
    const text = this.settings()['autoban.exempt'];
    if (text !== this.exemptText) {
      this.exemptText = text;
      try {
        this.exemptList = parseIpList(text);
      } catch {
        this.exemptList = []; // validated when set; a bad stored value exempts no one
      }
    }
    return this.exemptList.some((r) => rangeContains(r, ip));
  }

  /** Refused at connect: the IP has an unexpired ban. */
  isAuthBanned(ip: string): boolean {
    if (this.isExempt(ip)) return false;
    return this.repo.isBanned(normalizeIp(ip), this.clock.now().toISOString());
  }

  /** Counts a failed logon; returns true when this failure banned the IP. */
  recordFailure(ip: string, username: string): boolean {
    const s = this.settings();
    if (!s['autoban.enabled'] || this.isExempt(ip)) return false;
    const key = normalizeIp(ip);
    const now = this.clock.now().getTime();
    const windowStart = now - s['autoban.resetMinutes'] * 60_000;
    const list = (this.failures.get(key) ?? []).filter((t) => t > windowStart);
    list.push(now);
    if (list.length < s['autoban.maxAttempts']) {
      this.failures.set(key, list);
      return false;
    }
    this.failures.delete(key);
    const until = new Date(now + s['autoban.banMinutes'] * 60_000);
    this.repo.ban(key, `Auto-ban: ${username.replace(/[\r\n]/g, '').slice(0, 100)}`, new Date(now).toISOString(), until.toISOString());
    this.events.banned(key, until, username);
    return true;
  }

  recordSuccess(ip: string): void {
    this.failures.delete(normalizeIp(ip));
  }
}
