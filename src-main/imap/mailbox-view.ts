// A session's view of its selected mailbox (RFC 9051 §2.3.1, §7): the sequence-number ↔ UID map
// the client believes in, and the changes made by others (SMTP delivery, other IMAP or POP3
// sessions) that it has not been told about yet.
//
// Store events are queued as they come and turned into untagged responses only when the
// connection flushes: after a command, before its tagged response, or at once during IDLE. An
// EXPUNGE may not be sent while a FETCH, STORE or SEARCH (sequence-number forms) runs or with its
// completion (§7.5.1), since the client would misnumber the messages: those flushes keep
// expunges queued (the message stays in the view, with its old number, until then). The count of
// EXISTS always matches the view as told.
import type { MailboxEvent, MailboxEvents } from '../store/mailbox-events';
import type { MailboxRow } from '../store/mailboxes';
import type { ImapResponse } from './protocol/compiler';
import { atom } from './protocol/compiler';

export type Untagged = Omit<ImapResponse, 'tag'>;

export class MailboxView {
  /** UIDs in sequence order (ascending): uids[seq - 1]. */
  private uids: number[];
  private pending: MailboxEvent[] = [];
  private readonly off: () => void;
  /** The mailbox was deleted (the session must be told and leave it). */
  gone = false;
  /** Keywords the client was told about in FLAGS (lower-case → spelling). */
  private readonly keywords = new Map<string, string>();

  constructor(
    readonly box: MailboxRow,
    readonly readOnly: boolean,
    /** The mailbox's UIDs in order (copied: the view changes its own list). */
    snapshot: readonly number[],
    events: MailboxEvents,
    private readonly origin: object,
    /** Called when an event is queued (IDLE flushes at once). */
    private readonly onPending: () => void,
    /**
     * The message's flags as they are now (undefined when it is gone). A flag change is reported
     * with the current flags, not those of the event: several queued changes to one message go out
     * as one FETCH, and never as an older state after a newer one.
     */
    private readonly currentFlags?: (uid: number) => string | undefined,
  ) {
    this.uids = snapshot.slice();
    for (const k of box.keywords) this.keywords.set(k.toLowerCase(), k);
    this.off = events.subscribe(box.id, (e) => {
      if (e.origin === this.origin) return;
      this.pending.push(e);
      this.onPending();
    });
  }

  close(): void {
    this.off();
    this.pending = [];
  }

  get exists(): number {
    return this.uids.length;
  }

  uidAt(seq: number): number | undefined {
    return this.uids[seq - 1];
  }

  /** Sequence number of a UID in the view, or 0. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  allUids(): readonly number[] {
    return this.uids;
  }

  get maxUid(): number {
    return this.uids.length ? this.uids[this.uids.length - 1]! : 0;
  }

  /** The session itself added messages (APPEND/COPY/MOVE into the selected mailbox is reported by events, not here). */
  hasPending(): boolean {
    return this.pending.length > 0;
  }

  /**
   * Removes UIDs the session itself expunged and returns the EXPUNGE responses for them, in the
   * order they must go out (each number is valid at the moment it is sent).
   */
  expungeOwn(uids: Iterable<number>): Untagged[] {
    const out: Untagged[] = [];
    const gone = new Set(uids);
    // Highest first: each EXPUNGE renumbers only the messages after it.
    for (let i = this.uids.length - 1; i >= 0; i--) {
      if (gone.has(this.uids[i]!)) {
        out.push({ number: i + 1, command: 'EXPUNGE' });
      }
    }
    if (out.length) this.uids = this.uids.filter((u) => !gone.has(u));
    // A message added and removed before this session heard of it must not appear later.
    this.pending = this.pending.filter((e) => !(e.kind === 'added' && gone.has(e.uid)));
    return out;
  }

  /** The FLAGS and PERMANENTFLAGS of SELECT, with the keywords known so far. */
  flagResponses(): Untagged[] {
    const flags = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', ...this.keywords.values()].map(atom);
    return [
      // * FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label1)
      { command: 'FLAGS', attributes: [flags] },
      this.readOnly
        ? { command: 'OK', code: { name: 'PERMANENTFLAGS', attributes: [[]] }, text: 'No permanent flags permitted' }
        : { command: 'OK', code: { name: 'PERMANENTFLAGS', attributes: [[...flags, atom('\\*')]] }, text: 'Flags permitted' },
    ];
  }

  /**
   * A keyword the client has not been told about appears in these flags: the new FLAGS (and
   * PERMANENTFLAGS) must go out before a FETCH that shows it (RFC 3501 §7.2.6).
   */
  announceKeywords(flags: string): Untagged[] {
    let fresh = false;
    for (const f of flags ? flags.split(' ') : []) {
      if (f.startsWith('\\') || this.keywords.has(f.toLowerCase())) continue;
      this.keywords.set(f.toLowerCase(), f);
      fresh = true;
    }
    return fresh ? this.flagResponses() : [];
  }

  /**
   * The session has just told the client the current flags of these messages (STORE, a FETCH
   * that set \Seen): flag changes queued before are older than what it was told, and sending them
   * after would undo the newer state on the client.
   */
  dropFlagUpdates(uids: Iterable<number>): void {
    if (!this.pending.length) return;
    const told = new Set(uids);
    this.pending = this.pending.filter((e) => !(e.kind === 'flags' && told.has(e.uid)));
  }

  /**
   * The untagged responses for the queued changes. With allowExpunge false, expunges stay queued
   * (and flag changes of those messages still go out). Also returns whether the mailbox is gone.
   */
  flush(allowExpunge: boolean): Untagged[] {
    if (!this.pending.length) return [];
    const out: Untagged[] = [];
    const keep: MailboxEvent[] = [];
    let added = false;
    const flagsSent = new Set<number>();
    for (const e of this.pending) {
      switch (e.kind) {
        case 'added':
          if (e.uid > this.maxUid) {
            this.uids.push(e.uid);
            added = true;
          } else if (!this.uids.includes(e.uid)) {
            // Out of order (cannot happen with one writer per mailbox, but keep the view sorted).
            this.uids.push(e.uid);
            this.uids.sort((a, b) => a - b);
            added = true;
          }
          break;
        case 'flags': {
          if (flagsSent.has(e.uid)) break;
          flagsSent.add(e.uid);
          const seq = this.seqOf(e.uid);
          const flags = this.currentFlags ? this.currentFlags(e.uid) : e.flags;
          if (seq && flags !== undefined) {
            out.push(...this.announceKeywords(flags));
            out.push({ number: seq, command: 'FETCH', attributes: [[atom('UID'), e.uid, atom('FLAGS'), flags ? flags.split(' ').map(atom) : []]] });
          }
          break;
        }
        case 'expunged':
          if (!allowExpunge) {
            keep.push(e);
            break;
          }
          // Messages added since the last EXISTS must be announced before one of them can be
          // expunged: an EXPUNGE may only name a message the client knows.
          if (added) {
            out.push({ number: this.uids.length, command: 'EXISTS' });
            added = false;
          }
          out.push(...this.expungeOwn(e.uids));
          break;
        case 'gone':
          this.gone = true;
          break;
      }
    }
    this.pending = keep;
    if (added) out.push({ number: this.uids.length, command: 'EXISTS' });
    return out;
  }
}
