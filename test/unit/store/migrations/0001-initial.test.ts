import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../../../../src-main/store/db';

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

function plan(db: Database.Database, sql: string, ...args: unknown[]): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join(' | ');
}

test('0001 creates the settings tree, the mailbox index and the queue', () => {
  const db = new Database(':memory:');
  migrate(db, 1);
  assert.equal(schemaVersion(db), 1);
  for (const t of [
    'settings',
    'domains',
    'domain_aliases',
    'accounts',
    'aliases',
    'distribution_lists',
    'distribution_list_members',
    'certificates',
    'tcpip_ports',
    'ip_ranges',
    'banned_ips',
    'routes',
    'mailboxes',
    'messages',
    'queue',
    'queue_recipients',
  ]) {
    assert.ok(tables(db).includes(t), `table ${t}`);
  }
  // Nothing seeded yet at version 1.
  assert.equal((db.prepare('SELECT count(*) c FROM ip_ranges').get() as { c: number }).c, 0);
});

test('0001 constraints: case-insensitive unique addresses, cascades, checks', () => {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, 1);
  db.prepare("INSERT INTO domains (name) VALUES ('Aula.Test')").run();
  assert.throws(() => db.prepare("INSERT INTO domains (name) VALUES ('aula.test')").run(), /UNIQUE/);
  db.prepare("INSERT INTO accounts (domain_id, address, password_hash) VALUES (1, 'Cuenta1@aula.test', 'h')").run();
  assert.throws(() => db.prepare("INSERT INTO accounts (domain_id, address, password_hash) VALUES (1, 'cuenta1@AULA.test', 'h')").run(), /UNIQUE/);
  assert.throws(() => db.prepare("INSERT INTO accounts (domain_id, address, password_hash, admin_level) VALUES (1, 'x@aula.test', 'h', 'root')").run(), /CHECK/);
  assert.throws(() => db.prepare("INSERT INTO tcpip_ports (protocol, port) VALUES ('smtp', 70000)").run(), /CHECK/);
  db.prepare("INSERT INTO mailboxes (account_id, name, uidvalidity) VALUES (1, 'INBOX', 1)").run();
  db.prepare("INSERT INTO messages (mailbox_id, uid, modseq, internal_date, size, file) VALUES (1, 1, 1, 'now', 10, 'f.eml')").run();
  assert.throws(() => db.prepare("INSERT INTO messages (mailbox_id, uid, modseq, internal_date, size, file) VALUES (1, 1, 2, 'now', 10, 'g.eml')").run(), /UNIQUE/);
  db.prepare('DELETE FROM domains').run();
  for (const t of ['accounts', 'mailboxes', 'messages']) {
    assert.equal((db.prepare(`SELECT count(*) c FROM ${t}`).get() as { c: number }).c, 0, `${t} cascaded`);
  }
});

test('0001 indexes serve the hot lookups', () => {
  const db = new Database(':memory:');
  migrate(db, 1);
  assert.match(plan(db, 'SELECT * FROM accounts WHERE address = ?', 'a@b'), /USING (COVERING )?INDEX/);
  assert.match(plan(db, 'SELECT * FROM domains WHERE name = ?', 'b'), /USING (COVERING )?INDEX/);
  assert.match(plan(db, 'SELECT * FROM domain_aliases WHERE name = ?', 'b'), /USING (COVERING )?INDEX/);
  assert.match(plan(db, 'SELECT * FROM aliases WHERE address = ?', 'a@b'), /USING (COVERING )?INDEX/);
  assert.match(plan(db, 'SELECT * FROM distribution_lists WHERE address = ?', 'a@b'), /USING (COVERING )?INDEX/);
  assert.match(plan(db, "SELECT id FROM mailboxes WHERE account_id = ? AND name = 'INBOX'", 1), /USING (COVERING )?INDEX/);
  assert.match(plan(db, 'SELECT * FROM messages WHERE mailbox_id = ? AND uid = ?', 1, 1), /USING (COVERING )?INDEX/);
  assert.match(plan(db, 'SELECT * FROM banned_ips WHERE ip = ? AND expires_at > ?', '1.2.3.4', 'x'), /USING (COVERING )?INDEX/);
  assert.match(plan(db, 'SELECT * FROM queue WHERE next_try_at <= ?', 'x'), /USING (COVERING )?INDEX/);
});
