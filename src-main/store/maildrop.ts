// The POP3 view of an account: its INBOX as a numbered list fixed at logon (RFC 1939 §5), with
// UIDs that do not change (UIDL = UIDVALIDITY.UID), and the two writes POP3 makes: marking
// messages \Seen (RETR) and expunging the ones marked deleted, at QUIT in the UPDATE state.
// Expunge removes the rows (and shrinks the account's size) in one transaction, then the files:
// a crash in between leaves files without rows, which the start-up reconcile re-indexes — nothing
// is lost, at worst a deleted message comes back.
import type { Db } from './db';
import type { MessageFiles } from './message-files';
import { StoreError } from './errors';
import type { MailboxEvents } from './mailbox-events';

export interface MaildropMessage {
  readonly id: number;
  readonly uid: number;
  readonly size: number;
  readonly file: string;
  /** Has \Seen; RETR marks it once (a second RETR in the session writes nothing). */
  seen: boolean;
}

export interface Maildrop {
  readonly mailboxId: number;
  readonly uidvalidity: number;
  readonly messages: readonly MaildropMessage[];
}

export class MaildropStore {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    readonly files: MessageFiles,
    private readonly events?: MailboxEvents,
  ) {
    this.stmts = {
      inbox: db.prepare("SELECT id, uidvalidity FROM mailboxes WHERE account_id = ? AND name = 'INBOX'"),
      list: db.prepare("SELECT id, uid, size, file, (' ' || flags || ' ') LIKE '% \\Seen %' AS seen FROM messages WHERE mailbox_id = ? ORDER BY uid"),
      seen: db.prepare(
        "UPDATE messages SET flags = trim(flags || ' \\Seen'), modseq = (SELECT highestmodseq + 1 FROM mailboxes WHERE id = messages.mailbox_id) WHERE id = ? AND (' ' || flags || ' ') NOT LIKE '% \\Seen %' RETURNING uid, flags, modseq",
      ),
      bump: db.prepare('UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = ?'),
      del: db.prepare('DELETE FROM messages WHERE id = ? AND mailbox_id = ? RETURNING size, file, uid'),
      shrink: db.prepare('UPDATE accounts SET size_bytes = max(0, size_bytes - ?) WHERE id = ?'),
    };
  }

  open(accountId: number): Maildrop {
    const box = this.stmts.inbox.get(accountId) as { id: number; uidvalidity: number } | undefined;
    if (!box) throw new StoreError('NOTFOUND', 'the account has no INBOX');
    const rows = this.stmts.list.all(box.id) as (Omit<MaildropMessage, 'seen'> & { seen: number })[];
    return { mailboxId: box.id, uidvalidity: box.uidvalidity, messages: rows.map((r) => ({ ...r, seen: r.seen === 1 })) };
  }

  /** Adds \Seen (RETR). A message already gone (expunged by IMAP) is ignored. */
  markSeen(mailboxId: number, messageId: number): void {
    const changed = this.db.transaction(() => {
      const r = this.stmts.seen.get(messageId) as { uid: number; flags: string; modseq: number } | undefined;
      if (r) this.stmts.bump.run(mailboxId);
      return r;
    })();
    if (changed) this.events?.emit({ kind: 'flags', mailboxId, ...changed });
  }

  /** Removes the messages (UPDATE state). Returns how many were removed. */
  async expunge(accountId: number, mailboxId: number, ids: readonly number[]): Promise<number> {
    const files: string[] = [];
    const uids: number[] = [];
    this.db.transaction(() => {
      let freed = 0;
      for (const id of ids) {
        const r = this.stmts.del.get(id, mailboxId) as { size: number; file: string; uid: number } | undefined;
        if (!r) continue;
        freed += r.size;
        files.push(r.file);
        uids.push(r.uid);
      }
      if (files.length) {
        this.stmts.shrink.run(freed, accountId);
        this.stmts.bump.run(mailboxId);
      }
    })();
    if (uids.length) this.events?.emit({ kind: 'expunged', mailboxId, uids });
    await Promise.all(files.map((f) => this.files.remove(f)));
    return files.length;
  }
}
