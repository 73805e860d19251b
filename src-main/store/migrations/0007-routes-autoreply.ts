// Schema 7: outbound delivery, continued.
//   routes.verify_certificate: whether a route's TLS must present a valid certificate (on by
//     default; a classroom's second server with a self-signed certificate needs it off).
//   autoreply_log: when each account last auto-replied to each sender, so a sender gets one
//     auto-reply per period (RFC 3834 §2), however many messages they send.
import type Database from 'better-sqlite3';

export default {
  name: '0007-routes-autoreply',
  up(db: Database.Database): void {
    db.exec(`
      ALTER TABLE routes ADD COLUMN verify_certificate INTEGER NOT NULL DEFAULT 1;
      CREATE TABLE autoreply_log (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        sender     TEXT NOT NULL COLLATE NOCASE,
        sent_at    TEXT NOT NULL,
        PRIMARY KEY (account_id, sender)
      ) STRICT;
    `);
  },
};
