// Changes to a mailbox, published by the store right after the transaction that made them
// commits, to the IMAP sessions that have the mailbox selected (they turn them into untagged
// EXISTS / FETCH FLAGS / EXPUNGE at the moments RFC 9051 §7 allows). Every writer of message rows
// publishes here: SMTP delivery (MailStore), POP3 (MaildropStore) and IMAP (ImapStore).
//
// `origin` is the session that made the change, which reports it itself in its command's
// responses (STORE's FETCH, EXPUNGE's EXPUNGE) and so skips its own events.

export type MailboxEvent =
  | { readonly kind: 'added'; readonly mailboxId: number; readonly uid: number; readonly origin?: object }
  | { readonly kind: 'flags'; readonly mailboxId: number; readonly uid: number; readonly flags: string; readonly modseq: number; readonly origin?: object }
  | { readonly kind: 'expunged'; readonly mailboxId: number; readonly uids: readonly number[]; readonly origin?: object }
  /** The mailbox was deleted or renamed away: selected sessions must leave it. */
  | { readonly kind: 'gone'; readonly mailboxId: number; readonly origin?: object };

export type MailboxListener = (e: MailboxEvent) => void;

export class MailboxEvents {
  private readonly byMailbox = new Map<number, Set<MailboxListener>>();

  constructor(private readonly onError?: (err: unknown) => void) {}

  subscribe(mailboxId: number, fn: MailboxListener): () => void {
    let set = this.byMailbox.get(mailboxId);
    if (!set) this.byMailbox.set(mailboxId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.byMailbox.get(mailboxId) === set) this.byMailbox.delete(mailboxId);
    };
  }

  emit(e: MailboxEvent): void {
    const set = this.byMailbox.get(e.mailboxId);
    if (!set) return;
    // A listener that throws must not fail the writer: its change is already committed.
    for (const fn of [...set]) {
      try {
        fn(e);
      } catch (err) {
        this.onError?.(err);
      }
    }
  }

  /** Anyone listening (skips building events nobody reads). */
  watched(mailboxId: number): boolean {
    return this.byMailbox.has(mailboxId);
  }
}
