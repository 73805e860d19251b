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
import type { QueueItem } from '../shared/model/entities';
import { newMessageName, type FanoutTarget } from '../store/message-files';
import { MimeAnalyzer, serializeAnalysis, type MessageAnalysis } from '../imap/mime';
import { shiftAnalysis } from '../imap/mime-shift';
import { wireOf } from '../imap/wire-cache';
import { headerBlockLength, parseHeaderFields } from './headers';
import { MAX_RECEIVED_HEADERS } from './dsn';

export interface LocalRecipient {
  readonly accountId: number;
  readonly address: string;
  /** Max bytes this mailbox may still take (Infinity when no quota). */
  readonly room: number;
  /** Max message size of the recipient's domain in bytes (Infinity when none). */
  readonly maxMessageBytes: number;
}

/** Recipients on other servers that share one envelope sender: one queue entry (and file). */
export interface QueuedGroup {
  /** The envelope sender they get: the original, or its SRS form for forwarded copies. */
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  readonly reason: QueueItem['reason'];
  /** Local addresses that forwarded these copies: each gets a Delivered-To, so a loop back is seen. */
  readonly deliveredTo?: readonly string[];
}

export interface InboundMessage {
  readonly mailFrom: string;
  readonly local: readonly LocalRecipient[];
  readonly queued: readonly QueuedGroup[];
  readonly authUser: string | null;
  /** Local addresses (besides the mailboxes) that a Delivered-To naming them shows to be a loop. */
  readonly loopAddresses?: readonly string[];
  /** Trace headers for every copy (Received, …), CRLF-terminated. */
  readonly traceHeaders: string;
  readonly addDeliveredTo: boolean;
  readonly now: Date;
}

export type InboundResult =
  | { readonly ok: true; readonly id: string; readonly size: number; readonly indexed: IndexedMessage[]; readonly queueIds: number[]; readonly header: Buffer }
  | {
      readonly ok: false;
      readonly error: 'too-big' | 'quota' | 'aborted' | 'hops' | 'loop';
      readonly address?: string;
      readonly limitBytes?: number;
      readonly hops?: number;
    };

/** RFC 5321 §6.3 asks for a hop limit of at least 100 Received fields; Postfix uses 50, as do we. */
export const MAX_HOPS = MAX_RECEIVED_HEADERS;
/** The header block is looked at for loops (and given to auto-replies) up to this size. */
const HEADER_LIMIT = 64 * 1024;

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
    const queued = msg.queued.filter((g) => g.recipients.length > 0);
    const queueRels = queued.map((_g, i) => `queue/${id}${i ? `.${i}` : ''}.eml`);
    queued.forEach((g, i) => {
      const delivered = msg.addDeliveredTo ? (g.deliveredTo ?? []).map((a) => `Delivered-To: ${a}\r\n`).join('') : '';
      targets.push({ rel: queueRels[i]!, prefix: Buffer.from(delivered + msg.traceHeaders, 'utf8') });
    });

    let failure: InboundResult | undefined;
    // The header block, collected as the data arrives, for the loop checks and auto-replies.
    let headerChunks: Buffer[] = [];
    let headerBytes = 0;
    let header: Buffer | undefined;
    const collectHeader = (chunk: Buffer, final: boolean): void => {
      if (header) return;
      if (chunk.length) {
        headerChunks.push(chunk);
        headerBytes += chunk.length;
      }
      const all = headerChunks.length === 1 ? headerChunks[0]! : Buffer.concat(headerChunks, headerBytes);
      headerChunks = [all];
      const end = headerBlockLength(all);
      if (end < all.length || headerBytes >= HEADER_LIMIT || final) {
        header = Buffer.from(all.subarray(0, Math.min(end, HEADER_LIMIT)));
        headerChunks = [];
      }
    };
    let loopChecked = false;
    let loopFailure: InboundResult | undefined;
    const loopCheck = (): InboundResult | undefined => {
      loopChecked = true;
      const fields = parseHeaderFields(header!);
      const hops = fields.filter((f) => f.name === 'received').length + (msg.traceHeaders ? 1 : 0);
      if (hops > MAX_HOPS) return { ok: false, error: 'hops', hops };
      // Delivered-To (added by us and by Postfix): back at a mailbox that already had it.
      const delivered = new Set(fields.filter((f) => f.name === 'delivered-to').map((f) => f.value.toLowerCase()));
      const again = [...msg.local.map((r) => r.address), ...(msg.loopAddresses ?? [])].find((a) => delivered.has(a.toLowerCase()));
      return again ? { ok: false, error: 'loop', address: again } : undefined;
    };
    const check = (bodyBytes: number, final: boolean): boolean => {
      if (stream.sizeExceeded) {
        failure = { ok: false, error: 'too-big' };
        return false;
      }
      if (final) collectHeader(Buffer.alloc(0), true);
      if (!loopChecked && header) loopFailure = loopCheck();
      if (loopFailure) {
        failure = loopFailure;
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
      collectHeader(chunk, false);
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
    const queueIds: number[] = [];
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
      queued.forEach((g, i) => {
        queueIds.push(
          this.queue.enqueue({
            mailFrom: g.mailFrom,
            rel: queueRels[i]!,
            size: written.sizes[msg.local.length + i]!,
            reason: g.reason,
            recipients: g.recipients,
            authUser: msg.authUser,
            now,
          }),
        );
      });
    })();
    return { ok: true, id, size: written.bodyBytes, indexed, queueIds, header: header ?? Buffer.alloc(0) };
  }
}
