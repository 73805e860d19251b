// Schema 6: DKIM signing per domain (outbound delivery). The key pair is generated in the app;
// the private key stays in the database, readable only by the server (as hMailServer keeps its
// key files), and the public half gives the DNS record to publish.
import type Database from 'better-sqlite3';

export default {
  name: '0006-dkim',
  up(db: Database.Database): void {
    db.exec(`
      ALTER TABLE domains ADD COLUMN dkim_enabled INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE domains ADD COLUMN dkim_selector TEXT NOT NULL DEFAULT '';
      ALTER TABLE domains ADD COLUMN dkim_algorithm TEXT NOT NULL DEFAULT 'rsa-sha256' CHECK (dkim_algorithm IN ('rsa-sha256','ed25519-sha256'));
      ALTER TABLE domains ADD COLUMN dkim_private_key TEXT NOT NULL DEFAULT '';
      ALTER TABLE domains ADD COLUMN dkim_public_key TEXT NOT NULL DEFAULT '';
    `);
  },
};
