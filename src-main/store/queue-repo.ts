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
