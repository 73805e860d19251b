import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../../../../src-main/store/db';
import { ConfigRepo } from '../../../../src-main/store/config-repo';
import { DEFAULT_PORTS } from '../../../../src-main/server/defaults';

test('0004 adds IMAP 143 (STARTTLS offered, enabled) and 993 (implicit TLS, disabled)', () => {
  const db = new Database(':memory:');
  migrate(db, 4);
  assert.equal(schemaVersion(db), 4);
  const imap = new ConfigRepo(db)
    .listPorts()
    .filter((p) => p.protocol === 'imap')
    .map((p) => [p.port, p.security, p.enabled]);
  assert.deepEqual(imap, [
    [143, 'starttls-optional', true],
    [993, 'tls', false],
  ]);
  // The "Default" button restores exactly the seeded table.
  const all = new ConfigRepo(db).listPorts().map(({ id: _i, certificateId: _c, ...p }) => JSON.stringify(p)).sort();
  assert.deepEqual(all, DEFAULT_PORTS.map((p) => JSON.stringify(p)).sort());
});

test('0004 starts each account UIDVALIDITY counter at its highest mailbox UIDVALIDITY', () => {
  const db = new Database(':memory:');
  migrate(db, 3);
  db.prepare("INSERT INTO domains (name) VALUES ('lab.test')").run();
  const domainId = (db.prepare('SELECT id FROM domains').get() as { id: number }).id;
  db.prepare("INSERT INTO accounts (domain_id, address, password_hash) VALUES (?, 'a@lab.test', 'x')").run(domainId);
  const accountId = (db.prepare('SELECT id FROM accounts').get() as { id: number }).id;
  db.prepare("INSERT INTO mailboxes (account_id, name, uidvalidity) VALUES (?, 'INBOX', 1700000000), (?, 'Old', 1700000500)").run(accountId, accountId);
  migrate(db, 4);
  assert.equal((db.prepare('SELECT last_uidvalidity v FROM accounts').get() as { v: number }).v, 1700000500);
});

test('0004 leaves IMAP entries added by hand alone', () => {
  const db = new Database(':memory:');
  migrate(db, 3);
  db.prepare("INSERT INTO tcpip_ports (protocol, port) VALUES ('imap', 1143)").run();
  migrate(db, 4);
  assert.deepEqual(
    new ConfigRepo(db)
      .listPorts()
      .filter((p) => p.protocol === 'imap')
      .map((p) => p.port),
    [1143],
  );
});
