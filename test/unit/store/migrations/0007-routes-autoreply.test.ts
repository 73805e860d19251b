import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../../../../src-main/store/db';
import { ConfigRepo } from '../../../../src-main/store/config-repo';

test('0007: existing routes verify certificates; the auto-reply log goes with its account', () => {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, 6);
  db.prepare("INSERT INTO routes (domain, target_host, target_port, security) VALUES ('aula2.test', '10.0.0.2', 25, 'tls')").run();
  db.prepare("INSERT INTO domains (name) VALUES ('aula.test')").run();
  db.prepare("INSERT INTO accounts (domain_id, address, password_hash) VALUES (1, 'cuenta1@aula.test', 'x')").run();
  migrate(db, 7);
  assert.equal(schemaVersion(db), 7);
  const [route] = new ConfigRepo(db).listRoutes();
  assert.equal(route?.verifyCertificate, true);
  assert.equal(route?.host, '10.0.0.2');
  db.prepare("INSERT INTO autoreply_log (account_id, sender, sent_at) VALUES (1, 'Alguien@Remoto.example', '2026-11-26T10:00:00Z')").run();
  assert.throws(() => db.prepare("INSERT INTO autoreply_log (account_id, sender, sent_at) VALUES (1, 'alguien@remoto.example', 'x')").run(), /UNIQUE|PRIMARY/, 'one row per sender, in any case');
  db.prepare('DELETE FROM accounts WHERE id = 1').run();
  assert.equal((db.prepare('SELECT count(*) c FROM autoreply_log').get() as { c: number }).c, 0);
});
