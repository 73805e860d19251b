import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../../../../src-main/store/db';
import { ConfigRepo } from '../../../../src-main/store/config-repo';
import { DEFAULT_PORTS } from '../../../../src-main/server/defaults';

test('0003 adds POP3 110 (STLS offered, enabled) and 995 (implicit TLS, disabled)', () => {
  const db = new Database(':memory:');
  migrate(db, 3);
  assert.equal(schemaVersion(db), 3);
  const pop3 = new ConfigRepo(db)
    .listPorts()
    .filter((p) => p.protocol === 'pop3')
    .map((p) => [p.port, p.security, p.enabled]);
  assert.deepEqual(pop3, [
    [110, 'starttls-optional', true],
    [995, 'tls', false],
  ]);
  // The "Default" button restores exactly the seeded table.
  const all = new ConfigRepo(db).listPorts().map(({ id: _i, certificateId: _c, ...p }) => JSON.stringify(p)).sort();
  assert.deepEqual(
    all,
    DEFAULT_PORTS.filter((p) => p.protocol !== 'imap')
      .map((p) => JSON.stringify(p))
      .sort(),
  );
});

test('0003 leaves POP3 entries added by hand alone', () => {
  const db = new Database(':memory:');
  migrate(db, 2);
  db.prepare("INSERT INTO tcpip_ports (protocol, port) VALUES ('pop3', 1110)").run();
  migrate(db, 3);
  assert.deepEqual(
    new ConfigRepo(db)
      .listPorts()
      .filter((p) => p.protocol === 'pop3')
      .map((p) => p.port),
    [1110],
  );
});
