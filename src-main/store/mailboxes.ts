// An account's folders and the messages in them, as IMAP sees them (RFC 9051 §2.3, §6.3, §6.4).
//
// Names are stored with "/" as the hierarchy separator ("Work/2026"); the IMAP layer translates
// the wire delimiter. INBOX is always "INBOX" (the IMAP layer folds any case to it).
//
// Invariants kept here (see also mail-store.ts):
//   - UIDVALIDITY is given once, when a mailbox is created (nextUidvalidity), and never changes;
//     UIDs come from the mailbox's uidnext and are never reused: a message copied or moved gets a
//     new UID in its new mailbox.
//   - Every change to a message stamps it with a new MODSEQ and raises the mailbox's
//     HIGHESTMODSEQ, in the same transaction (CONDSTORE later).
//   - Rows change in one transaction; files are written (and fsynced) before their row exists, and
//     removed only after the transaction that dropped their row committed. A crash in between
//     leaves a file without a row, which the start-up reconcile indexes again: a message can come
//     back, never vanish.
//   - After a commit, the change is published on MailboxEvents for the sessions watching.
import { link, copyFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Db } from './db';
import type { MessageFiles } from './message-files';
import type { MailboxEvents } from './mailbox-events';
import { nextUidvalidity, SPECIAL_FOLDERS, type MailStore, type MessageWire } from './mail-store';
import { StoreError } from './errors';
import { ACCOUNT_ROOM_SQL, accountRoomOf } from './config-repo';

export interface MailboxRow {
  readonly id: number;
  readonly accountId: number;
  readonly name: string;
  readonly specialUse: string | null;
  readonly uidvalidity: number;
  readonly uidnext: number;
  readonly highestmodseq: number;
  readonly subscribed: boolean;
  /** Keywords ever set on a message of the mailbox (SELECT's FLAGS). */
  readonly keywords: readonly string[];
}

export interface MessageRow {
  readonly id: number;
  readonly uid: number;
  readonly flags: string;
  readonly modseq: number;
  readonly internalDate: string;
  readonly size: number;
  readonly file: string;
  /** ENVELOPE, BODY and BODYSTRUCTURE in wire form, or null until computed (the MIME analysis, with part offsets, is read with analysisOf()). */
  readonly wireEnvelope: Buffer | null;
  readonly wireBody: Buffer | null;
  readonly wireBodystructure: Buffer | null;
}

/** What FETCH of flags, dates and sizes needs (no file, no MIME data). */
export interface MessageMeta {
  readonly id: number;
  readonly uid: number;
  readonly flags: string;
  readonly modseq: number;
  readonly internalDate: string;
  readonly size: number;
}

export interface MailboxStatus {
  readonly messages: number;
  readonly unseen: number;
  readonly deleted: number;
  readonly size: number;
  readonly uidnext: number;
  readonly uidvalidity: number;
  readonly highestmodseq: number;
}

export type FlagOperation = 'set' | 'add' | 'remove';

export interface FlagChange {
  readonly uid: number;
  readonly flags: string;
  readonly modseq: number;
  /** false when the message already had these flags (nothing written). */
  readonly changed: boolean;
}

const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'];
const SYSTEM_BY_LOWER = new Map(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

/** A flag in its stored spelling: system flags in their canonical case, keywords as given. */
export function canonicalFlag(flag: string): string {
  return SYSTEM_BY_LOWER.get(flag.toLowerCase()) ?? flag;
}

export function parseFlags(stored: string): string[] {
  return stored ? stored.split(' ') : [];
}

/** Applies a STORE operation to a stored flag string; flags compare case-insensitively. */
export function applyFlags(stored: string, op: FlagOperation, flags: readonly string[]): string {
  const current = parseFlags(stored);
  const lower = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));
  if (op === 'set') return dedupe(flags).join(' ');
  if (op === 'add') {
    const have = lower(current);
    return [...current, ...dedupe(flags).filter((f) => !have.has(f.toLowerCase()))].join(' ');
  }
  const drop = lower(flags);
  return current.filter((f) => !drop.has(f.toLowerCase())).join(' ');
}

function dedupe(flags: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of flags) {
    const c = canonicalFlag(f);
    if (seen.has(c.toLowerCase())) continue;
    seen.add(c.toLowerCase());
    out.push(c);
  }
  return out;
}

interface RawMailbox {
  id: number;
  account_id: number;
  name: string;
  special_use: string | null;
  uidvalidity: number;
  uidnext: number;
  highestmodseq: number;
  subscribed: number;
  keywords: string;
}

const toMailbox = (r: RawMailbox): MailboxRow => ({
  id: r.id,
  accountId: r.account_id,
  name: r.name,
  specialUse: r.special_use,
  uidvalidity: r.uidvalidity,
  uidnext: r.uidnext,
  highestmodseq: r.highestmodseq,
  subscribed: r.subscribed === 1,
  keywords: r.keywords ? r.keywords.split(' ') : [],
});

const MESSAGE_COLUMNS =
  'id, uid, flags, modseq, internal_date AS internalDate, size, file, wire_envelope AS wireEnvelope, wire_body AS wireBody, wire_bodystructure AS wireBodystructure';
const META_COLUMNS = 'id, uid, flags, modseq, internal_date AS internalDate, size';
const FILE_COLUMNS = 'id, uid, flags, modseq, internal_date AS internalDate, size, file';
/** Mailboxes whose UID list (and flags) is kept in memory: SELECT and flag syncs of big mailboxes without a query of every row. */
const UID_CACHE_MAX = 64;

export class MailboxStore {
  private readonly stmts;
  /** mailbox id → its UIDs as of HIGHESTMODSEQ modseq (every change raises it, so equal means current). */
  private readonly uidCache = new Map<number, { modseq: number; uids: number[]; flags?: string[] }>();

  constructor(
    private readonly db: Db,
    readonly files: MessageFiles,
    private readonly mail: MailStore,
    private readonly events: MailboxEvents,
  ) {
    this.stmts = {
      list: db.prepare('SELECT * FROM mailboxes WHERE account_id = ? ORDER BY name'),
      byName: db.prepare('SELECT * FROM mailboxes WHERE account_id = ? AND name = ?'),
      byId: db.prepare('SELECT * FROM mailboxes WHERE id = ?'),
      insert: db.prepare('INSERT INTO mailboxes (account_id, name, special_use, uidvalidity, subscribed) VALUES (?, ?, ?, ?, ?) RETURNING *'),
      status: db.prepare(
        `SELECT count(*) AS messages,
                coalesce(sum((' ' || flags || ' ') NOT LIKE '% \\Seen %'), 0) AS unseen,
                coalesce(sum((' ' || flags || ' ') LIKE '% \\Deleted %'), 0) AS deleted,
                coalesce(sum(size), 0) AS size
         FROM messages WHERE mailbox_id = ?`,
      ),
      uids: db.prepare('SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid').pluck(),
      uidFlags: db.prepare('SELECT uid, flags FROM messages WHERE mailbox_id = ? ORDER BY uid').raw(),
      firstUnseen: db.prepare("SELECT uid FROM messages WHERE mailbox_id = ? AND (' ' || flags || ' ') NOT LIKE '% \\Seen %' ORDER BY uid LIMIT 1").pluck(),
      rowsBetween: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid`),
      metaBetween: db.prepare(`SELECT ${META_COLUMNS} FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid`),
      filesBetween: db.prepare(`SELECT ${FILE_COLUMNS} FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid`),
      saveWire: db.prepare('UPDATE messages SET wire_envelope = ?, wire_body = ?, wire_bodystructure = ? WHERE id = ?'),
      analysisOf: db.prepare('SELECT bodystructure FROM messages WHERE id = ?').pluck(),
      flagsOf: db.prepare('SELECT flags FROM messages WHERE mailbox_id = ? AND uid = ?').pluck(),
      copyRow: db.prepare(
        `INSERT INTO messages (mailbox_id, uid, flags, modseq, internal_date, size, file, bodystructure, wire_envelope, wire_body, wire_bodystructure)
         SELECT ?, ?, flags, ?, internal_date, size, ?, bodystructure, wire_envelope, wire_body, wire_bodystructure FROM messages WHERE id = ?`,
      ),
      keywords: db.prepare('UPDATE mailboxes SET keywords = ? WHERE id = ?'),
      rowByUid: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE mailbox_id = ? AND uid = ?`),
      setAnalysis: db.prepare('UPDATE messages SET bodystructure = ? WHERE id = ?'),
      bump: db.prepare('UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1 WHERE id = ? RETURNING uidnext - 1 AS uid, highestmodseq AS modseq'),
      modseq: db.prepare('UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = ? RETURNING highestmodseq AS modseq'),
      setFlags: db.prepare('UPDATE messages SET flags = ?, modseq = ? WHERE id = ?'),
      insertMessage: db.prepare(
        'INSERT INTO messages (mailbox_id, uid, flags, modseq, internal_date, size, file, bodystructure, wire_envelope, wire_body, wire_bodystructure) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      moveMessage: db.prepare('UPDATE messages SET mailbox_id = ?, uid = ?, modseq = ? WHERE id = ?'),
      deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
      grow: db.prepare('UPDATE accounts SET size_bytes = size_bytes + ? WHERE id = ?'),
      shrink: db.prepare('UPDATE accounts SET size_bytes = max(0, size_bytes - ?) WHERE id = ?'),
      quota: db.prepare('SELECT quota_mb AS quotaMb, size_bytes AS sizeBytes FROM accounts WHERE id = ?'),
      room: db.prepare(ACCOUNT_ROOM_SQL),
      subscribe: db.prepare('UPDATE mailboxes SET subscribed = ? WHERE account_id = ? AND name = ?'),
    };
  }

  /** The account's mailboxes, INBOX first, then by name (parents before their children). */
  list(accountId: number): MailboxRow[] {
    // The special folders are made with the account; here only a missing INBOX brings them back
    // (a user who deleted or renamed Junk does not get it again at the next LIST).
    if (!this.find(accountId, 'INBOX')) this.mail.ensureDefaultMailboxes(accountId);
    const rows = (this.stmts.list.all(accountId) as RawMailbox[]).map(toMailbox);
    const inbox = rows.filter((r) => r.name === 'INBOX' || r.name.startsWith('INBOX/'));
    return [...inbox, ...rows.filter((r) => !inbox.includes(r))];
  }

  find(accountId: number, name: string): MailboxRow | undefined {
    const r = this.stmts.byName.get(accountId, name) as RawMailbox | undefined;
    return r && toMailbox(r);
  }

  get(mailboxId: number): MailboxRow | undefined {
    const r = this.stmts.byId.get(mailboxId) as RawMailbox | undefined;
    return r && toMailbox(r);
  }

  /** Creates `name` and any missing parents (RFC 9051 §6.3.4). */
  create(accountId: number, name: string): MailboxRow {
    return this.db.transaction(() => {
      if (this.find(accountId, name)) throw new StoreError('EXISTS', 'Mailbox already exists');
      const parts = name.split('/');
      for (let i = 1; i < parts.length; i++) {
        const parent = parts.slice(0, i).join('/');
        if (!this.find(accountId, parent)) this.stmts.insert.get(accountId, parent, null, nextUidvalidity(this.db, accountId), 1);
      }
      return toMailbox(this.stmts.insert.get(accountId, name, null, nextUidvalidity(this.db, accountId), 1) as RawMailbox);
    })();
  }

  /** Deletes a mailbox and its messages. INBOX cannot go; a mailbox with children cannot either. */
  async delete(accountId: number, name: string): Promise<void> {
    const files: string[] = [];
    let gone: MailboxRow | undefined;
    this.db.transaction(() => {
      const box = this.find(accountId, name);
      if (!box) throw new StoreError('NOTFOUND', 'No such mailbox');
      if (box.name === 'INBOX') throw new StoreError('PERM', 'INBOX cannot be deleted');
      const child = this.db.prepare("SELECT 1 FROM mailboxes WHERE account_id = ? AND substr(name, 1, ?) = ? LIMIT 1").get(accountId, name.length + 1, name + '/');
      if (child) throw new StoreError('INUSE', 'Mailbox has children, delete them first');
      const rows = this.db.prepare('SELECT file, size FROM messages WHERE mailbox_id = ?').all(box.id) as { file: string; size: number }[];
      let freed = 0;
      for (const r of rows) {
        files.push(r.file);
        freed += r.size;
      }
      this.db.prepare('DELETE FROM messages WHERE mailbox_id = ?').run(box.id);
      this.db.prepare('DELETE FROM mailboxes WHERE id = ?').run(box.id);
      if (freed) this.stmts.shrink.run(freed, accountId);
      gone = box;
    })();
    if (gone) {
      this.uidCache.delete(gone.id);
      this.events.emit({ kind: 'gone', mailboxId: gone.id });
    }
    await Promise.all(files.map((f) => this.files.remove(f)));
  }

  /**
   * Renames a mailbox and its children. Renaming INBOX moves its messages to a new mailbox and
   * leaves INBOX empty (RFC 9051 §6.3.6): sessions with INBOX selected see them expunged.
   */
  rename(accountId: number, from: string, to: string): void {
    const expunged: { mailboxId: number; uids: number[] } = { mailboxId: 0, uids: [] };
    this.db.transaction(() => {
      const box = this.find(accountId, from);
      if (!box) throw new StoreError('NOTFOUND', 'No such mailbox');
      if (this.find(accountId, to)) throw new StoreError('EXISTS', 'Target mailbox already exists');
      // INBOX may move into its own child ("RENAME INBOX INBOX/Old"): its messages move, INBOX stays.
      if (to === from || (from !== 'INBOX' && to.startsWith(from + '/'))) throw new StoreError('PARAMS', 'Cannot rename a mailbox into itself');
      const parts = to.split('/');
      for (let i = 1; i < parts.length; i++) {
        const parent = parts.slice(0, i).join('/');
        if (!this.find(accountId, parent)) this.stmts.insert.get(accountId, parent, null, nextUidvalidity(this.db, accountId), 1);
      }
      if (box.name === 'INBOX') {
        const target = toMailbox(this.stmts.insert.get(accountId, to, null, nextUidvalidity(this.db, accountId), 1) as RawMailbox);
        const rows = this.db.prepare('SELECT id, uid FROM messages WHERE mailbox_id = ? ORDER BY uid').all(box.id) as { id: number; uid: number }[];
        for (const r of rows) {
          const { uid, modseq } = this.stmts.bump.get(target.id) as { uid: number; modseq: number };
          this.stmts.moveMessage.run(target.id, uid, modseq, r.id);
        }
        if (rows.length) {
          this.stmts.modseq.get(box.id);
          expunged.mailboxId = box.id;
          expunged.uids = rows.map((r) => r.uid);
        }
        return;
      }
      const children = this.db.prepare('SELECT id, name FROM mailboxes WHERE account_id = ? AND substr(name, 1, ?) = ?').all(accountId, from.length + 1, from + '/') as { id: number; name: string }[];
      // The same mailboxes (ids, UIDVALIDITY, messages) under new names: sessions that have one
      // selected keep it selected, as with Dovecot.
      const rename = this.db.prepare('UPDATE mailboxes SET name = ? WHERE id = ?');
      rename.run(to, box.id);
      for (const c of children) rename.run(to + c.name.slice(from.length), c.id);
    })();
    if (expunged.uids.length) this.events.emit({ kind: 'expunged', mailboxId: expunged.mailboxId, uids: expunged.uids });
  }

  setSubscribed(accountId: number, name: string, subscribed: boolean): void {
    const r = this.stmts.subscribe.run(subscribed ? 1 : 0, accountId, name);
    if (r.changes === 0 && subscribed) throw new StoreError('NOTFOUND', 'No such mailbox');
  }

  status(box: MailboxRow): MailboxStatus {
    const s = this.stmts.status.get(box.id) as { messages: number; unseen: number; deleted: number; size: number };
    const fresh = this.get(box.id) ?? box;
    return { ...s, uidnext: fresh.uidnext, uidvalidity: fresh.uidvalidity, highestmodseq: fresh.highestmodseq };
  }

  /**
   * The UIDs of the mailbox in order, as of its current HIGHESTMODSEQ: what a session's view starts
   * from. Kept in memory per mailbox and reloaded only when something changed. The array is shared:
   * copy it before changing it.
   */
  uidList(mailboxId: number): readonly number[] {
    const box = this.get(mailboxId);
    if (!box) return [];
    const hit = this.uidCache.get(mailboxId);
    if (hit && hit.modseq === box.highestmodseq) return hit.uids;
    const uids = this.stmts.uids.all(mailboxId) as number[];
    if (this.uidCache.size >= UID_CACHE_MAX) this.uidCache.clear();
    this.uidCache.set(mailboxId, { modseq: box.highestmodseq, uids });
    return uids;
  }

  /**
   * UIDs and flags of every message (flags[i] belongs to uids[i]), cached like uidList(): a client's
   * flag sync (UID FETCH 1:* (FLAGS)) of an unchanged mailbox reads nothing. Shared arrays: do not
   * change them.
   */
  uidFlags(mailboxId: number): { uids: readonly number[]; flags: readonly string[] } {
    const box = this.get(mailboxId);
    if (!box) return { uids: [], flags: [] };
    const hit = this.uidCache.get(mailboxId);
    if (hit && hit.modseq === box.highestmodseq && hit.flags) return { uids: hit.uids, flags: hit.flags };
    const rows = this.stmts.uidFlags.all(mailboxId) as [number, string][];
    const uids = rows.map((r) => r[0]);
    const flags = rows.map((r) => r[1]);
    if (this.uidCache.size >= UID_CACHE_MAX) this.uidCache.clear();
    this.uidCache.set(mailboxId, { modseq: box.highestmodseq, uids, flags });
    return { uids, flags };
  }

  /** UID of the first message without \Seen, or undefined. */
  firstUnseen(mailboxId: number): number | undefined {
    return this.stmts.firstUnseen.get(mailboxId) as number | undefined;
  }

  /** Flags, dates and sizes of the messages with UIDs in [lo, hi], in UID order. */
  metaBetween(mailboxId: number, lo: number, hi: number): MessageMeta[] {
    return this.stmts.metaBetween.all(mailboxId, lo, hi) as MessageMeta[];
  }

  /** Flags, dates, sizes and files of the messages with UIDs in [lo, hi], in UID order (SEARCH). */
  filesBetween(mailboxId: number, lo: number, hi: number): (MessageMeta & { readonly file: string })[] {
    return this.stmts.filesBetween.all(mailboxId, lo, hi) as (MessageMeta & { readonly file: string })[];
  }

  /** A message's flags now, or undefined when it is gone. */
  flagsOf(mailboxId: number, uid: number): string | undefined {
    return this.stmts.flagsOf.get(mailboxId, uid) as string | undefined;
  }

  analysisOf(messageId: number): string | null {
    return (this.stmts.analysisOf.get(messageId) as string | null | undefined) ?? null;
  }

  saveWire(messageId: number, wire: MessageWire): void {
    this.stmts.saveWire.run(wire.envelope, wire.body, wire.bodystructure, messageId);
  }

  /** Adds keywords among flags to the mailbox's list (inside the caller's transaction). */
  private noteKeywords(mailboxId: number, flags: string | readonly string[]): void {
    const list = typeof flags === 'string' ? (flags ? flags.split(' ') : []) : flags;
    const kws = list.filter((f) => !f.startsWith('\\'));
    if (!kws.length) return;
    const box = this.get(mailboxId);
    if (!box) return;
    const have = new Set(box.keywords.map((k) => k.toLowerCase()));
    const add = kws.filter((k) => !have.has(k.toLowerCase()));
    if (add.length) this.stmts.keywords.run([...box.keywords, ...new Set(add)].join(' '), mailboxId);
  }

  /** Rows with UIDs in [lo, hi], in UID order. */
  rowsBetween(mailboxId: number, lo: number, hi: number): MessageRow[] {
    return this.stmts.rowsBetween.all(mailboxId, lo, hi) as MessageRow[];
  }

  row(mailboxId: number, uid: number): MessageRow | undefined {
    return this.stmts.rowByUid.get(mailboxId, uid) as MessageRow | undefined;
  }

  saveAnalysis(messageId: number, analysis: string): void {
    this.stmts.setAnalysis.run(analysis, messageId);
  }

  /**
   * Changes the flags of the messages with these UIDs. Returns every message still there with its
   * flags now (a new MODSEQ for those that changed). Messages gone meanwhile are skipped.
   */
  storeFlags(mailboxId: number, uids: readonly number[], op: FlagOperation, flags: readonly string[], origin?: object): FlagChange[] {
    const changes: FlagChange[] = [];
    this.db.transaction(() => {
      for (const uid of uids) {
        const row = this.stmts.rowByUid.get(mailboxId, uid) as MessageRow | undefined;
        if (!row) continue;
        const next = applyFlags(row.flags, op, flags);
        if (next === row.flags) {
          changes.push({ uid, flags: row.flags, modseq: row.modseq, changed: false });
          continue;
        }
        const { modseq } = this.stmts.modseq.get(mailboxId) as { modseq: number };
        this.stmts.setFlags.run(next, modseq, row.id);
        changes.push({ uid, flags: next, modseq, changed: true });
      }
      if (op !== 'remove') this.noteKeywords(mailboxId, flags);
    })();
    for (const c of changes) if (c.changed) this.events.emit({ kind: 'flags', mailboxId, uid: c.uid, flags: c.flags, modseq: c.modseq, origin });
    return changes;
  }

  /** Removes the \Deleted messages (all, or those among `uids`). Returns the UIDs removed. */
  async expunge(accountId: number, mailboxId: number, uids: readonly number[] | null, origin?: object): Promise<number[]> {
    const only = uids === null ? null : new Set(uids);
    const rows = (this.db.prepare("SELECT id, uid, size, file FROM messages WHERE mailbox_id = ? AND (' ' || flags || ' ') LIKE '% \\Deleted %' ORDER BY uid").all(mailboxId) as {
      id: number;
      uid: number;
      size: number;
      file: string;
    }[]).filter((r) => only === null || only.has(r.uid));
    return this.remove(accountId, mailboxId, rows, origin);
  }

  private async remove(accountId: number, mailboxId: number, rows: readonly { id: number; uid: number; size: number; file: string }[], origin?: object): Promise<number[]> {
    if (!rows.length) return [];
    const removed: number[] = [];
    const files: string[] = [];
    this.db.transaction(() => {
      let freed = 0;
      for (const r of rows) {
        if (this.stmts.deleteMessage.run(r.id).changes === 0) continue;
        removed.push(r.uid);
        files.push(r.file);
        freed += r.size;
      }
      if (removed.length) {
        this.stmts.shrink.run(freed, accountId);
        this.stmts.modseq.get(mailboxId);
      }
    })();
    if (removed.length) this.events.emit({ kind: 'expunged', mailboxId, uids: removed, origin });
    await Promise.all(files.map((f) => this.files.remove(f)));
    return removed;
  }

  /**
   * The admin's "Empty account": every message of every mailbox goes, the mailboxes stay. One
   * transaction (taking the write lock up front, so a write of another process makes it wait, then
   * fail whole) drops the rows, sets the account's size to 0 and raises each emptied mailbox's
   * HIGHESTMODSEQ as an EXPUNGE does: a failure changes nothing. After the commit the sessions
   * hear EXPUNGE and the files go; mail delivered after the commit has rows and files of its own
   * and is not touched. Returns how many messages were removed.
   */
  async emptyAccount(accountId: number): Promise<number> {
    const rows = this.db.prepare('SELECT m.mailbox_id AS mailboxId, m.uid, m.file FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = ? ORDER BY m.mailbox_id, m.uid');
    const drop = this.db.prepare('DELETE FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?)');
    const byMailbox = new Map<number, number[]>();
    const files: string[] = [];
    try {
      this.db
        .transaction(() => {
          for (const r of rows.all(accountId) as { mailboxId: number; uid: number; file: string }[]) {
            let uids = byMailbox.get(r.mailboxId);
            if (!uids) byMailbox.set(r.mailboxId, (uids = []));
            uids.push(r.uid);
            files.push(r.file);
          }
          if (!files.length) return;
          drop.run(accountId);
          // Nothing of the account is left: 0 is its true size (and mends any drift of the counter).
          this.db.prepare('UPDATE accounts SET size_bytes = 0 WHERE id = ?').run(accountId);
          for (const id of byMailbox.keys()) this.stmts.modseq.get(id);
        })
        .immediate();
    } catch (e) {
      if (String((e as { code?: unknown }).code).startsWith('SQLITE_BUSY')) throw new StoreError('TEMP', 'The mail store is busy (another process is writing to it): nothing was removed, try again');
      throw e;
    }
    for (const [mailboxId, uids] of byMailbox) this.events.emit({ kind: 'expunged', mailboxId, uids });
    // Only once the rows are gone: a crash before this leaves files without rows (the start-up
    // reconcile indexes them into INBOX again: they come back, never a row without its file). A
    // file that cannot be removed now is left to that same reconcile, not reported as a failure
    // of an empty that every client already sees.
    await Promise.allSettled(files.map((f) => this.files.remove(f)));
    return files.length;
  }

  /** Bytes the account may still take under its quota and its domain's size limit (Infinity without either). */
  room(accountId: number): number {
    return accountRoomOf(this.stmts.room.get(accountId) as Parameters<typeof accountRoomOf>[0]).bytes;
  }

  quota(accountId: number): { usedBytes: number; limitBytes: number | null } {
    const q = this.stmts.quota.get(accountId) as { quotaMb: number; sizeBytes: number } | undefined;
    return { usedBytes: q?.sizeBytes ?? 0, limitBytes: q && q.quotaMb > 0 ? q.quotaMb * 1024 * 1024 : null };
  }

  /**
   * Copies messages into another mailbox of the same account. The copies are hard links to the
   * same immutable files where the file system allows (else real copies), each fsynced into place
   * before its row is written. Returns [source UID, new UID] pairs (COPYUID).
   */
  async copy(accountId: number, address: string, from: number, uids: readonly number[], to: number): Promise<[number, number][]> {
    const found = uids.map((u) => this.stmts.rowByUid.get(from, u) as MessageRow | undefined);
    // RFC 2180 §4.4.1: a message expunged meanwhile makes the whole COPY fail, nothing copied.
    if (found.some((r) => r === undefined)) throw new StoreError('EXPUNGED', 'Some of the messages no longer exist');
    const rows = found as MessageRow[];
    if (!rows.length) return [];
    const total = rows.reduce((n, r) => n + r.size, 0);
    if (total > this.room(accountId)) throw new StoreError('NOQUOTA', 'Quota exceeded');
    const made: { row: MessageRow; rel: string }[] = [];
    try {
      const dirs = new Set<string>();
      for (const row of rows) {
        const rel = this.mail.newMessagePath(address, accountId);
        const dest = this.files.abs(rel);
        await this.files.ensureDirOf(dest);
        try {
          await link(this.files.abs(row.file), dest);
        } catch {
          const tmp = this.files.tmpPath();
          await copyFile(this.files.abs(row.file), tmp);
          await this.files.fsyncFile(tmp);
          await rename(tmp, dest);
        }
        dirs.add(dirname(dest));
        made.push({ row, rel });
      }
      await Promise.all([...dirs].map((d) => this.files.fsyncDirectory(d)));
    } catch (e) {
      await Promise.all(made.map((m) => rm(this.files.abs(m.rel), { force: true })));
      throw e;
    }
    const pairs: [number, number][] = [];
    try {
      this.db.transaction(() => {
        if (!this.get(to)) throw new StoreError('NOTFOUND', 'The target mailbox no longer exists');
        for (const { row, rel } of made) {
          const { uid, modseq } = this.stmts.bump.get(to) as { uid: number; modseq: number };
          // The source row went while the files were linked (expunged by another session): the
          // whole COPY fails, as when it was gone before (all or nothing).
          if (this.stmts.copyRow.run(to, uid, modseq, rel, row.id).changes === 0) throw new StoreError('EXPUNGED', 'Some of the messages no longer exist');
          this.noteKeywords(to, row.flags);
          pairs.push([row.uid, uid]);
        }
        this.stmts.grow.run(total, accountId);
      })();
    } catch (e) {
      // Rolled back: the linked files have no row and must not be re-indexed into INBOX later.
      await Promise.all(made.map((m) => rm(this.files.abs(m.rel), { force: true })));
      throw e;
    }
    for (const [, uid] of pairs) this.events.emit({ kind: 'added', mailboxId: to, uid });
    return pairs;
  }

  /**
   * Moves messages to another mailbox of the same account: the rows change, the files stay. All
   * or nothing: if one of them was expunged meanwhile, nothing moves (RFC 2180 §4.4.1).
   */
  move(from: number, uids: readonly number[], to: number, origin?: object): [number, number][] {
    const pairs: [number, number][] = [];
    this.db.transaction(() => {
      for (const u of uids) {
        const row = this.stmts.rowByUid.get(from, u) as MessageRow | undefined;
        if (!row) throw new StoreError('EXPUNGED', 'Some of the messages no longer exist');
        const { uid, modseq } = this.stmts.bump.get(to) as { uid: number; modseq: number };
        this.stmts.moveMessage.run(to, uid, modseq, row.id);
        this.noteKeywords(to, row.flags);
        pairs.push([u, uid]);
      }
      if (pairs.length) this.stmts.modseq.get(from);
    })();
    if (pairs.length) {
      this.events.emit({ kind: 'expunged', mailboxId: from, uids: pairs.map((p) => p[0]), origin });
      for (const [, uid] of pairs) this.events.emit({ kind: 'added', mailboxId: to, uid });
    }
    return pairs;
  }

  /**
   * Indexes a message file already durable at its final place (APPEND). Returns its UID.
   */
  appendIndexed(
    accountId: number,
    mailboxId: number,
    rel: string,
    size: number,
    flags: readonly string[],
    internalDate: Date,
    analysis: string | null,
    wire: MessageWire | null,
  ): number {
    const uid = this.db.transaction(() => {
      const { uid, modseq } = this.stmts.bump.get(mailboxId) as { uid: number; modseq: number };
      const stored = dedupe(flags);
      this.stmts.insertMessage.run(mailboxId, uid, stored.join(' '), modseq, internalDate.toISOString(), size, rel, analysis, wire?.envelope ?? null, wire?.body ?? null, wire?.bodystructure ?? null);
      this.noteKeywords(mailboxId, stored);
      this.stmts.grow.run(size, accountId);
      return uid;
    })();
    this.events.emit({ kind: 'added', mailboxId, uid });
    return uid;
  }
}

export { SPECIAL_FOLDERS };
