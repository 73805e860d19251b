import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../../../../src-main/store/db';

test('0005 adds the IMAP wire caches (empty) and collects the keywords in use per mailbox', () => {
  const db = new Database(':memory:');
  migrate(db, 4);
  db.prepare("INSERT INTO domains (name) VALUES ('lab.test')").run();
  db.prepare("INSERT INTO accounts (domain_id, address, password_hash) VALUES (1, 'a@lab.test', 'x')").run();
  db.prepare("INSERT INTO mailboxes (account_id, name, uidvalidity) VALUES (1, 'INBOX', 1), (1, 'Sent', 1)").run();
  const ins = db.prepare('INSERT INTO messages (mailbox_id, uid, flags, modseq, internal_date, size, file) VALUES (?, ?, ?, 1, ?, 1, ?)');
  ins.run(1, 1, '\\Seen $Label1', 'x', 'a');
  ins.run(1, 2, '$Label1 Trabajo \\Flagged', 'x', 'b');
  ins.run(2, 1, '\\Seen', 'x', 'c');
  migrate(db, 5);
  assert.equal(schemaVersion(db), 5);
  const kw = db.prepare('SELECT name, keywords FROM mailboxes ORDER BY name').all();
  assert.deepEqual(kw, [
    { name: 'INBOX', keywords: '$Label1 Trabajo' },
    { name: 'Sent', keywords: '' },
  ]);
  const row = db.prepare('SELECT wire_envelope, wire_body, wire_bodystructure FROM messages WHERE file = ?').get('a');
  assert.deepEqual(row, { wire_envelope: null, wire_body: null, wire_bodystructure: null });
});
