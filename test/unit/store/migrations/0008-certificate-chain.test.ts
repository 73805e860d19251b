import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../../../../src-main/store/db';
import { ConfigRepo } from '../../../../src-main/store/config-repo';
import { secretBox } from '../../../../src-main/security/secrets';
import { randomBytes } from 'node:crypto';

test('0008: certificates get an empty chain; a clear private key from before is sealed once, and still opens', () => {
  const db = new Database(':memory:');
  migrate(db, 7);
  db.prepare("INSERT INTO certificates (name, cert_pem, key_pem) VALUES ('old', 'CERT', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')").run();
  migrate(db, 8);
  assert.equal(schemaVersion(db), 8);
  const repo = new ConfigRepo(db, secretBox(randomBytes(32)));
  assert.equal(repo.sealClearSecrets(), 1);
  assert.equal(repo.sealClearSecrets(), 0, 'only once');
  assert.match((db.prepare('SELECT key_pem FROM certificates').get() as { key_pem: string }).key_pem, /^enc:v1:/);
  const [row] = repo.listCertificateRows();
  assert.equal(row?.chainPem, '');
  assert.match(row?.keyPem ?? '', /^-----BEGIN PRIVATE KEY-----\nAAAA/);
  // Under another key: left out of TLS, and named.
  const other = new ConfigRepo(db, secretBox(randomBytes(32)));
  assert.equal(other.listCertificateRows()[0]?.keyPem, '');
  assert.deepEqual([...other.unreadableCertificates], [row!.id]);
});
