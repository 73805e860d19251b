// The mailbox index (SQLite) over the message files (DATA/messages/<domain>/<local>/<name>.eml).
//
// Invariants:
//   - Every account has INBOX and the special-use folders Sent, Drafts, Trash and Junk.
//   - UIDVALIDITY is fixed when a mailbox is created; UIDs only grow (uidnext), never reused.
//   - Every change bumps the mailbox's HIGHESTMODSEQ and stamps the message's MODSEQ (CONDSTORE).
//   - A message row is written only after its file is durable (see message-files.ts); the
//     account's size is kept in the same transaction, for quota checks without a scan.
//   - reconcile() at start-up indexes any .eml file that lacks a row (fsynced, then the process or
//     machine died before the commit) and drops rows whose file is gone.
import type { Db } from './db';
import { MessageFiles, newMessageName, safeSegment } from './message-files';
import type { MailboxEvents } from './mailbox-events';

export const SPECIAL_FOLDERS: ReadonlyArray<readonly [string, string | null]> = [
  ['INBOX', null],
  ['Sent', '\\Sent'],
  ['Drafts', '\\Drafts'],
  ['Trash', '\\Trash'],
  ['Junk', '\\Junk'],
];

/**
 * A new UIDVALIDITY for one of the account's mailboxes: the current time in seconds, or one more
 * than the last one given, whichever is larger (so a mailbox deleted and created again in the same
 * second still gets a new one). Call inside a transaction.
 */
export function nextUidvalidity(db: Db, accountId: number): number {
  const now = Math.floor(Date.now() / 1000);
  const r = db.prepare('UPDATE accounts SET last_uidvalidity = max(last_uidvalidity + 1, ?) WHERE id = ? RETURNING last_uidvalidity AS v').get(now, accountId) as { v: number } | undefined;
  return r?.v ?? now;
}

export interface IndexItem {
  readonly accountId: number;
  readonly rel: string;
  readonly size: number;
  readonly internalDate: string;
  readonly flags?: string;
  /** The serialised MIME analysis (imap/mime), when known. */
  readonly analysis?: string | null;
  /** ENVELOPE, BODY and BODYSTRUCTURE in wire form, when known. */
  readonly wire?: MessageWire | null;
}

/** A message's ENVELOPE, BODY and BODYSTRUCTURE as IMAP sends them, compiled once. */
export interface MessageWire {
  readonly envelope: Buffer;
  readonly body: Buffer;
  readonly bodystructure: Buffer;
}

export interface IndexedMessage {
  readonly accountId: number;
  readonly mailboxId: number;
  readonly uid: number;
  readonly rel: string;
}

export interface NewMessageListener {
  (m: IndexedMessage): void;
}

export class MailStore {
  private readonly listeners = new Set<NewMessageListener>();
  private readonly stmts;

  constructor(
    private readonly db: Db,
    readonly files: MessageFiles,
    readonly events?: MailboxEvents,
  ) {
    this.stmts = {
      inbox: db.prepare("SELECT id FROM mailboxes WHERE account_id = ? AND name = 'INBOX'"),
      bump: db.prepare('UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1 WHERE id = ? RETURNING uidnext - 1 AS uid, highestmodseq AS modseq'),
      insert: db.prepare(
        'INSERT INTO messages (mailbox_id, uid, flags, modseq, internal_date, size, file, bodystructure, wire_envelope, wire_body, wire_bodystructure) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      grow: db.prepare('UPDATE accounts SET size_bytes = size_bytes + ? WHERE id = ?'),
      mailboxCount: db.prepare("SELECT count(*) c FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = ? AND b.name = 'INBOX'"),
    };
  }

  ensureDefaultMailboxes(accountId: number): void {
    const ins = this.db.prepare('INSERT OR IGNORE INTO mailboxes (account_id, name, special_use, uidvalidity) VALUES (?, ?, ?, ?)');
    const have = this.db.prepare('SELECT count(*) c FROM mailboxes WHERE account_id = ? AND name IN (' + SPECIAL_FOLDERS.map(() => '?').join(',') + ')');
    this.db.transaction(() => {
      if ((have.get(accountId, ...SPECIAL_FOLDERS.map(([n]) => n)) as { c: number }).c === SPECIAL_FOLDERS.length) return;
      // Each mailbox its own UIDVALIDITY: a client that caches by name + UIDVALIDITY can never
      // take one mailbox for another after renames and deletes.
      for (const [name, use] of SPECIAL_FOLDERS) ins.run(accountId, name, use, nextUidvalidity(this.db, accountId));
    })();
  }

  /** Final relative path for a new message of `address`. */
  newMessagePath(address: string, accountId: number): string {
    const at = address.lastIndexOf('@');
    const local = address.slice(0, at);
    const domain = address.slice(at + 1);
    const seg = safeSegment(local);
    const dir = seg === local ? seg : `${seg}~${accountId}`;
    return `messages/${safeSegment(domain)}/${dir}/${newMessageName()}.eml`;
  }

  /** Indexes delivered files into their accounts' INBOX, all in one transaction. */
  indexIntoInbox(items: readonly IndexItem[]): IndexedMessage[] {
    const out: IndexedMessage[] = [];
    this.db.transaction(() => {
      for (const it of items) {
        let box = this.stmts.inbox.get(it.accountId) as { id: number } | undefined;
        if (!box) {
          this.ensureDefaultMailboxes(it.accountId);
          box = this.stmts.inbox.get(it.accountId) as { id: number };
        }
        const { uid, modseq } = this.stmts.bump.get(box.id) as { uid: number; modseq: number };
        this.stmts.insert.run(box.id, uid, it.flags ?? '', modseq, it.internalDate, it.size, it.rel, it.analysis ?? null, it.wire?.envelope ?? null, it.wire?.body ?? null, it.wire?.bodystructure ?? null);
        this.stmts.grow.run(it.size, it.accountId);
        out.push({ accountId: it.accountId, mailboxId: box.id, uid, rel: it.rel });
      }
    })();
    for (const m of out) {
      for (const l of this.listeners) l(m);
      this.events?.emit({ kind: 'added', mailboxId: m.mailboxId, uid: m.uid });
    }
    return out;
  }

  onNewMessage(fn: NewMessageListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  accountSize(accountId: number): number {
    return (this.db.prepare('SELECT size_bytes FROM accounts WHERE id = ?').get(accountId) as { size_bytes: number } | undefined)?.size_bytes ?? 0;
  }

  inboxCount(accountId: number): number {
    return (this.stmts.mailboxCount.get(accountId) as { c: number }).c;
  }

  /** Rows of an account's mailbox, for tests and the admin API. */
  listMessages(accountId: number, mailbox = 'INBOX'): { uid: number; file: string; size: number; internalDate: string; flags: string; modseq: number }[] {
    return this.db
      .prepare(
        `SELECT m.uid, m.file, m.size, m.internal_date AS internalDate, m.flags, m.modseq FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
         WHERE b.account_id = ? AND b.name = ? ORDER BY m.uid`,
      )
      .all(accountId, mailbox) as { uid: number; file: string; size: number; internalDate: string; flags: string; modseq: number }[];
  }

  /**
   * Start-up reconcile between DATA/messages and the index. Files without a row are indexed into
   * the INBOX of the account their folder belongs to; rows without a file are dropped.
   */
  async reconcile(): Promise<{ indexed: number; dropped: number; orphaned: string[] }> {
    const files = await this.files.listEml('messages');
    const known = new Set((this.db.prepare('SELECT file FROM messages').all() as { file: string }[]).map((r) => r.file));
    const accounts = this.db.prepare('SELECT id, address FROM accounts').all() as { id: number; address: string }[];
    const dirToAccount = new Map<string, number>();
    for (const a of accounts) {
      const rel = this.newMessagePath(a.address, a.id);
      dirToAccount.set(rel.slice(0, rel.lastIndexOf('/')), a.id);
    }
    const items: IndexItem[] = [];
    const orphaned: string[] = [];
    const { statSync } = await import('node:fs');
    for (const f of files) {
      if (known.has(f)) {
        known.delete(f);
        continue;
      }
      const accountId = dirToAccount.get(f.slice(0, f.lastIndexOf('/')));
      if (accountId === undefined) {
        orphaned.push(f);
        continue;
      }
      const st = statSync(this.files.abs(f));
      items.push({ accountId, rel: f, size: st.size, internalDate: st.mtime.toISOString() });
    }
    if (items.length) this.indexIntoInbox(items);
    let dropped = 0;
    if (known.size) {
      const del = this.db.prepare('DELETE FROM messages WHERE file = ? RETURNING size, mailbox_id');
      const shrink = this.db.prepare('UPDATE accounts SET size_bytes = max(0, size_bytes - ?) WHERE id = (SELECT account_id FROM mailboxes WHERE id = ?)');
      this.db.transaction(() => {
        for (const f of known) {
          const r = del.get(f) as { size: number; mailbox_id: number } | undefined;
          if (r) {
            shrink.run(r.size, r.mailbox_id);
            dropped++;
          }
        }
      })();
    }
    return { indexed: items.length, dropped, orphaned };
  }
}
