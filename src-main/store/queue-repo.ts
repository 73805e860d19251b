// The outbound queue table: one row per message (its .eml under DATA/queue) and one per recipient.
// Filled by SMTP (authorised relay) and by routing (forwarding to external addresses); drained by
// the delivery engine. Like mailbox files, a queue file is durable before its row is written.
import type { Db } from './db';
import { StoreError } from './errors';
import type { QueueItem, QueueRecipient } from '../shared/model/entities';

export interface EnqueueInput {
  readonly mailFrom: string;
  readonly rel: string;
  readonly size: number;
  readonly reason: QueueItem['reason'];
  readonly recipients: readonly string[];
  readonly authUser: string | null;
  readonly now: string;
}

export interface QueueRow {
  readonly id: number;
  readonly createdAt: string;
  readonly mailFrom: string;
  readonly file: string;
  readonly size: number;
  readonly attempts: number;
  readonly reason: QueueItem['reason'];
}

export interface QueueRecipientRow {
  readonly id: number;
  readonly address: string;
  readonly status: QueueRecipient['status'];
  readonly lastError: string | null;
}

export class QueueRepo {
  constructor(private readonly db: Db) {}

  enqueue(q: EnqueueInput): number {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare('INSERT INTO queue (created_at, mail_from, file, size, reason, next_try_at, auth_user) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(q.now, q.mailFrom, q.rel, q.size, q.reason, q.now, q.authUser).lastInsertRowid,
      );
      const ins = this.db.prepare('INSERT INTO queue_recipients (queue_id, address) VALUES (?, ?)');
      for (const r of q.recipients) ins.run(id, r);
      return id;
    })();
  }

  list(): QueueItem[] {
    const rows = this.db.prepare('SELECT * FROM queue ORDER BY id').all() as Record<string, unknown>[];
    const recips = this.db.prepare('SELECT queue_id, address, status, last_error FROM queue_recipients ORDER BY id').all() as {
      queue_id: number;
      address: string;
      status: QueueRecipient['status'];
      last_error: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id as number,
      createdAt: r.created_at as string,
      mailFrom: r.mail_from as string,
      recipients: recips.filter((x) => x.queue_id === r.id).map((x) => ({ address: x.address, status: x.status, lastError: x.last_error })),
      size: r.size as number,
      nextTryAt: r.next_try_at as string,
      attempts: r.attempts as number,
      lastError: (r.last_error as string | null) ?? null,
      reason: r.reason as QueueItem['reason'],
    }));
  }

  /** Messages whose next try is due (next_try_at ≤ now), oldest first. */
  due(now: string, limit: number): QueueRow[] {
    return (
      this.db
        .prepare('SELECT id, created_at AS createdAt, mail_from AS mailFrom, file, size, attempts, reason FROM queue WHERE next_try_at <= ? ORDER BY next_try_at, id LIMIT ?')
        .all(now, limit) as QueueRow[]
    );
  }

  /** The earliest next try, or null when the queue is empty. */
  nextDue(): string | null {
    return (this.db.prepare('SELECT min(next_try_at) t FROM queue').get() as { t: string | null }).t;
  }

  get(id: number): QueueRow | undefined {
    return this.db.prepare('SELECT id, created_at AS createdAt, mail_from AS mailFrom, file, size, attempts, reason FROM queue WHERE id = ?').get(id) as QueueRow | undefined;
  }

  recipients(queueId: number): QueueRecipientRow[] {
    return this.db.prepare('SELECT id, address, status, last_error AS lastError FROM queue_recipients WHERE queue_id = ? ORDER BY id').all(queueId) as QueueRecipientRow[];
  }

  /** Records one delivery attempt's outcome for each recipient, and the message's next try, in one transaction. */
  recordAttempt(queueId: number, outcomes: readonly { id: number; status: QueueRecipient['status']; lastError: string | null }[], next: { attempts: number; nextTryAt: string; lastError: string | null }): void {
    const rec = this.db.prepare('UPDATE queue_recipients SET status = ?, last_error = ? WHERE id = ?');
    const msg = this.db.prepare('UPDATE queue SET attempts = ?, next_try_at = ?, last_error = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const o of outcomes) rec.run(o.status, o.lastError, o.id);
      msg.run(next.attempts, next.nextTryAt, next.lastError, queueId);
    })();
  }

  /** "Send now": the next try is due at once. */
  sendNow(id: number, now: string): void {
    const r = this.db.prepare('UPDATE queue SET next_try_at = ? WHERE id = ?').run(now, id);
    if (r.changes === 0) throw new StoreError('NOTFOUND', `queue entry ${id} not found`, 'id');
  }

  /** "Send now" for everything queued; returns how many messages. */
  sendAllNow(now: string): number {
    return this.db.prepare('UPDATE queue SET next_try_at = ?').run(now).changes;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) c FROM queue').get() as { c: number }).c;
  }

  /** Removes a queue row; returns its file (relative) for the caller to delete. */
  remove(id: number): string {
    const r = this.db.prepare('DELETE FROM queue WHERE id = ? RETURNING file').get(id) as { file: string } | undefined;
    if (!r) throw new StoreError('NOTFOUND', `queue entry ${id} not found`, 'id');
    return r.file;
  }

  clear(): string[] {
    return (this.db.prepare('DELETE FROM queue RETURNING file').all() as { file: string }[]).map((r) => r.file);
  }

  files(): Set<string> {
    return new Set((this.db.prepare('SELECT file FROM queue').all() as { file: string }[]).map((r) => r.file));
  }
}
