// Schema 4: what IMAP needs.
//   - The IMAP ports of a fresh install: 143 (STARTTLS offered) enabled, 993 implicit TLS created
//     but disabled. Databases that already have IMAP entries (added by hand) are left alone.
//   - accounts.last_uidvalidity: the last UIDVALIDITY given to one of the account's mailboxes, so
//     that a mailbox deleted and created again under the same name (even in the same second) never
//     gets a UIDVALIDITY it had before (RFC 9051 §2.3.1.1).
//   - mailboxes.subscribed defaults to 1 for the special folders only; user folders are subscribed
//     by the client (Thunderbird subscribes what it creates).
import type Database from 'better-sqlite3';

export default {
  name: '0004-imap',
  up(db: Database.Database): void {
    db.exec(`
      ALTER TABLE accounts ADD COLUMN last_uidvalidity INTEGER NOT NULL DEFAULT 0;
      UPDATE accounts SET last_uidvalidity = coalesce((SELECT max(uidvalidity) FROM mailboxes WHERE account_id = accounts.id), 0);
    `);
    const has = db.prepare("SELECT 1 FROM tcpip_ports WHERE protocol = 'imap'").get();
    if (has) return;
    const port = db.prepare("INSERT INTO tcpip_ports (protocol, address, port, security, enabled) VALUES ('imap', '0.0.0.0', ?, ?, ?)");
    port.run(143, 'starttls-optional', 1);
    port.run(993, 'tls', 0);
  },
};
