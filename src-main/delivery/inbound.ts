// Accepting one message: the SMTP data stream is written once, in one pass, to a file per local
// mailbox (each with its own trace headers) and, when there are external recipients, to one queue
// file. After every file is fsynced and renamed, the mailbox rows and the queue row are written in
// one SQLite transaction. Only then does the caller say 250. Nothing durable happens before the
// whole message has arrived and passed the size checks; a client that drops mid-DATA leaves only
// temp files, which are removed at once (and at start-up, after a crash).
import type { Readable } from 'node:stream';
import type { Db } from '../store/db';
import type { MailStore, IndexedMessage } from '../store/mail-store';
import type { QueueRepo } from '../store/queue-repo';
import { newMessageName, type FanoutTarget } from '../store/message-files';
import { MimeAnalyzer, serializeAnalysis, type MessageAnalysis } from '../imap/mime';
import { shiftAnalysis } from '../imap/mime-shift';
import { wireOf } from '../imap/wire-cache';

export interface LocalRecipient {
  readonly accountId: number;
  readonly address: string;
  /** Max bytes this mailbox may still take (Infinity when no quota). */
  readonly room: number;
  /** Max message size of the recipient's domain in bytes (Infinity when none). */
  readonly maxMessageBytes: number;
}

export interface InboundMessage {
  readonly mailFrom: string;
  readonly local: readonly LocalRecipient[];
  readonly external: readonly string[];
  readonly reason: 'relay' | 'forward' | 'bounce';
  readonly authUser: string | null;
  /** Trace headers for every copy (Received, …), CRLF-terminated. */
  readonly traceHeaders: string;
  readonly addDeliveredTo: boolean;
  readonly now: Date;
}

export type InboundResult =
  | { readonly ok: true; readonly id: string; readonly size: number; readonly indexed: IndexedMessage[]; readonly queueId: number | null }
  | { readonly ok: false; readonly error: 'too-big' | 'quota' | 'aborted'; readonly address?: string; readonly limitBytes?: number };

export class InboundDelivery {
  constructor(
    private readonly db: Db,
    private readonly mail: MailStore,
    private readonly queue: QueueRepo,
  ) {}

  async accept(stream: Readable & { sizeExceeded?: boolean }, msg: InboundMessage): Promise<InboundResult> {
    const id = newMessageName(msg.now.getTime());
    const returnPath = `Return-Path: <${msg.mailFrom}>\r\n`;
    const targets: FanoutTarget[] = msg.local.map((r) => ({
      rel: this.mail.newMessagePath(r.address, r.accountId),
      prefix: Buffer.from(returnPath + (msg.addDeliveredTo ? `Delivered-To: ${r.address}\r\n` : '') + msg.traceHeaders, 'utf8'),
    }));
    const queueRel = msg.external.length ? `queue/${id}.eml` : null;
    if (queueRel) targets.push({ rel: queueRel, prefix: Buffer.from(msg.traceHeaders, 'utf8') });

    let failure: InboundResult | undefined;
    const check = (bodyBytes: number): boolean => {
      if (stream.sizeExceeded) {
        failure = { ok: false, error: 'too-big' };
        return false;
      }
      for (const r of msg.local) {
        if (bodyBytes > r.maxMessageBytes) {
          failure = { ok: false, error: 'too-big', address: r.address, limitBytes: r.maxMessageBytes };
          return false;
        }
        if (bodyBytes > r.room) {
          failure = { ok: false, error: 'quota', address: r.address };
          return false;
        }
      }
      return true;
    };

    // ENVELOPE and BODYSTRUCTURE for IMAP, from the same single pass over the data. The analysis
    // never fails the delivery: without it, IMAP computes it from the file when first asked.
    const analyzer = msg.local.length ? new MimeAnalyzer() : undefined;
    let analyzerOk = analyzer !== undefined;
    const observe = (chunk: Buffer): void => {
      if (!analyzerOk) return;
      try {
        analyzer!.write(chunk);
      } catch {
        analyzerOk = false;
      }
    };
    const written = await this.mail.files.writeFanout(stream, targets, check, observe);
    if (!written) return failure ?? { ok: false, error: 'aborted' };
    let analysis: MessageAnalysis | null = null;
    if (analyzerOk) analysis = await analyzer!.end().catch(() => null);
    // The same for every copy: trace headers are not part of ENVELOPE or BODYSTRUCTURE.
    const wire = analysis ? wireOf(analysis) : null;
    const now = msg.now.toISOString();
    let indexed: IndexedMessage[] = [];
    let queueId: number | null = null;
    this.db.transaction(() => {
      indexed = this.mail.indexIntoInbox(
        msg.local.map((r, i) => ({
          accountId: r.accountId,
          rel: targets[i]!.rel,
          size: written.sizes[i]!,
          internalDate: now,
          // Each copy starts with its own trace headers: the same structure, shifted by them.
          analysis: analysis ? serializeAnalysis(shiftAnalysis(analysis, targets[i]!.prefix.length)) : null,
          wire,
        })),
      );
      if (queueRel) {
        queueId = this.queue.enqueue({
          mailFrom: msg.mailFrom,
          rel: queueRel,
          size: written.sizes[written.sizes.length - 1]!,
          reason: msg.reason,
          recipients: msg.external,
          authUser: msg.authUser,
          now,
        });
      }
    })();
    return { ok: true, id, size: written.bodyBytes, indexed, queueId };
  }
}
