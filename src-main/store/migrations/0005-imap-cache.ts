// Schema 5: what makes IMAP's hot paths cheap.
//   - messages.wire_envelope / wire_body / wire_bodystructure: ENVELOPE, BODY and BODYSTRUCTURE in
//     their wire form, compiled once (at delivery, APPEND, or the first FETCH that needs them)
//     instead of on every FETCH. NULL until known; the MIME analysis (bodystructure column) stays
//     the source they are made from.
//   - mailboxes.keywords: the keywords ever set in the mailbox, for SELECT's FLAGS response
//     without reading every message's flags.
import type Database from 'better-sqlite3';

export default {
  name: '0005-imap-cache',
  up(db: Database.Database): void {
    db.exec(`
      ALTER TABLE messages ADD COLUMN wire_envelope BLOB;
      ALTER TABLE messages ADD COLUMN wire_body BLOB;
      ALTER TABLE messages ADD COLUMN wire_bodystructure BLOB;
      ALTER TABLE mailboxes ADD COLUMN keywords TEXT NOT NULL DEFAULT '';
    `);
    // Keywords already in use (the flags words without a backslash).
    const boxes = db.prepare("SELECT mailbox_id AS id, group_concat(flags, ' ') AS flags FROM messages WHERE flags != '' GROUP BY mailbox_id").all() as { id: number; flags: string }[];
    const set = db.prepare('UPDATE mailboxes SET keywords = ? WHERE id = ?');
    for (const b of boxes) {
      const kw = [...new Set(b.flags.split(' ').filter((f) => f && !f.startsWith('\\')))];
      if (kw.length) set.run(kw.join(' '), b.id);
    }
  },
};
