import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../../../../src-main/store/db';
import { DkimRepo } from '../../../../src-main/store/dkim-repo';
import { generateDkimKey } from '../../../../src-main/delivery/dkim';

test('0006: domains start without DKIM; a key signs only while enabled', () => {
  const db = new Database(':memory:');
  migrate(db, 5);
  db.prepare("INSERT INTO domains (name) VALUES ('Aula.test')").run();
  migrate(db, 6);
  assert.equal(schemaVersion(db), 6);
  const repo = new DkimRepo(db);
  assert.deepEqual(repo.get(1), { domainId: 1, domain: 'Aula.test', enabled: false, key: null });
  assert.equal(repo.signingKey('aula.test'), null);
  const key = generateDkimKey('aula.test', 'lab', 'ed25519-sha256');
  repo.setKey(1, key);
  assert.equal(repo.signingKey('AULA.TEST')?.selector, 'lab', 'domain names in any case');
  repo.disable(1);
  assert.equal(repo.signingKey('aula.test'), null);
  assert.equal(repo.get(1).key?.publicKeyPem, key.publicKeyPem, 'the key is kept while disabled');
  assert.throws(() => db.prepare("UPDATE domains SET dkim_algorithm = 'md5' WHERE id = 1").run(), /CHECK/);
});
