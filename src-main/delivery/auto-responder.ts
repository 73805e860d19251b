// The auto-reply of an account ("Out of office"), after a message reached its mailbox: the
// verdict and the text come from autoreply.ts; this part remembers whom it answered (schema 7,
// autoreply_log) so a sender gets one reply per `smtp.autoReplyDays` days, however often they
// write (RFC 3834 §2), and submits the reply like any message: to a local INBOX, or through the
// outbound queue (reason "autoreply") for a remote sender. The reply's envelope sender is null
// (RFC 3834 §3.3), so a failure to deliver it never comes back as a bounce.
//
// A reply is a courtesy, never a condition of the delivery: it runs after the 250, and a failure
// to write it is logged, not reported to the sender of the original.
import type { Db } from '../store/db';
import type { ConfigRepo } from '../store/config-repo';
import type { Logger } from '../logging/logger';
import type { Clock } from '../server/clock';
import { autoReplyVerdict, buildAutoReply } from './autoreply';

export interface AutoResponderDeps {
  readonly db: Db;
  readonly repo: ConfigRepo;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hostName: () => string;
  readonly days: () => number;
  /** Stores a message from the null sender to `to` (local INBOX or queue); resolves once stored. */
  readonly submit: (to: string, message: Buffer, reason: 'autoreply') => Promise<void>;
}

export class AutoResponder {
  private readonly log: Logger;

  constructor(private readonly d: AutoResponderDeps) {
    this.log = d.logger.child({ svc: 'delivery' });
  }

  /** Answers `sender` for each account that has an auto-reply on; resolves when every reply is stored. */
  async respond(sender: string, accounts: ReadonlyArray<{ accountId: number; address: string }>, header: Buffer): Promise<void> {
    if (sender === '') return;
    for (const { accountId } of accounts) {
      const acc = this.d.repo.getAccount(accountId);
      if (!acc.autoReplyEnabled) continue;
      const now = this.d.clock.now();
      const verdict = autoReplyVerdict({ sender, recipient: acc.address, header, enabled: acc.autoReplyEnabled, expires: acc.autoReplyExpires, now });
      if (!verdict.reply) {
        this.log.debug({ event: 'autoreply.skipped', account: acc.address, to: sender, reason: verdict.reason }, `no auto-reply from ${acc.address} to <${sender}>: ${verdict.reason}`);
        continue;
      }
      if (!this.claim(accountId, sender, now)) {
        this.log.debug({ event: 'autoreply.skipped', account: acc.address, to: sender, reason: 'answered recently' }, `no auto-reply from ${acc.address} to <${sender}>: answered in the last ${this.d.days()} days`);
        continue;
      }
      const name = `${acc.firstName} ${acc.lastName}`.trim();
      const reply = buildAutoReply({
        from: acc.address,
        ...(name ? { fromName: name } : {}),
        to: sender,
        subjectTemplate: acc.autoReplySubject,
        text: acc.autoReplyText,
        originalHeader: header,
        hostName: this.d.hostName(),
        now,
      });
      try {
        await this.d.submit(sender, reply, 'autoreply');
        this.log.info({ event: 'autoreply.sent', account: acc.address, to: sender }, `auto-reply from ${acc.address} to <${sender}>`);
      } catch (e) {
        this.release(accountId, sender);
        this.log.error({ event: 'autoreply.failed', account: acc.address, to: sender, err: String(e) }, `auto-reply from ${acc.address} to <${sender}> not sent: ${String(e)}`);
      }
    }
  }

  /** Records the reply unless one went to this sender within the period; true if this one may go. */
  private claim(accountId: number, sender: string, now: Date): boolean {
    const since = new Date(now.getTime() - this.d.days() * 86_400_000).toISOString();
    return this.d.db.transaction(() => {
      const last = this.d.db.prepare('SELECT sent_at FROM autoreply_log WHERE account_id = ? AND sender = ?').get(accountId, sender) as { sent_at: string } | undefined;
      if (last && last.sent_at > since) return false;
      this.d.db
        .prepare('INSERT INTO autoreply_log (account_id, sender, sent_at) VALUES (?, ?, ?) ON CONFLICT (account_id, sender) DO UPDATE SET sent_at = excluded.sent_at')
        .run(accountId, sender, now.toISOString());
      return true;
    })();
  }

  private release(accountId: number, sender: string): void {
    this.d.db.prepare('DELETE FROM autoreply_log WHERE account_id = ? AND sender = ?').run(accountId, sender);
  }
}
