import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../../../../src-main/store/db';
import { ConfigRepo } from '../../../../src-main/store/config-repo';
import { DEFAULT_IP_RANGES, DEFAULT_PORTS } from '../../../../src-main/server/defaults';

test('0002 seeds hMailServer’s two IP ranges with their priorities and matrices', () => {
  const db = new Database(':memory:');
  migrate(db, 2);
  assert.equal(schemaVersion(db), 2);
  const ranges = new ConfigRepo(db).listIpRanges();
  assert.equal(ranges.length, 2);
  const [mine, internet] = ranges;
  assert.deepEqual(
    { name: mine!.name, priority: mine!.priority, lower: mine!.lower, upper: mine!.upper },
    { name: 'My computer', priority: 30, lower: '127.0.0.1', upper: '127.0.0.1' },
  );
  assert.deepEqual(
    { name: internet!.name, priority: internet!.priority, lower: internet!.lower, upper: internet!.upper },
    { name: 'Internet', priority: 10, lower: '0.0.0.0', upper: '255.255.255.255' },
  );
  for (const r of ranges) {
    assert.ok(r.allowSmtp && r.allowPop3 && r.allowImap, 'all protocols allowed');
    assert.ok(r.allowLocalToLocal && r.allowLocalToExternal && r.allowExternalToLocal && r.allowExternalToExternal, 'all deliveries allowed');
    assert.ok(r.antiSpam && r.antiVirus);
  }
  // Require SMTP auth: My computer only External→External; Internet all but External→Local.
  assert.deepEqual([mine!.authLocalToLocal, mine!.authLocalToExternal, mine!.authExternalToLocal, mine!.authExternalToExternal], [false, false, false, true]);
  assert.deepEqual([internet!.authLocalToLocal, internet!.authLocalToExternal, internet!.authExternalToLocal, internet!.authExternalToExternal], [true, true, false, true]);
  assert.equal(mine!.requireTlsForAuth, false);
  assert.equal(internet!.requireTlsForAuth, true);
  // The "Default" button restores exactly what the migration seeded.
  const { id: _a, ...m } = mine!;
  const { id: _b, ...i } = internet!;
  assert.deepEqual([m, i], DEFAULT_IP_RANGES.map((r) => ({ ...r })));
});

test('0002 seeds the SMTP ports: 25 and 587 with STARTTLS, 465 implicit TLS disabled', () => {
  const db = new Database(':memory:');
  migrate(db, 2);
  const ports = new ConfigRepo(db).listPorts().map(({ id: _id, certificateId: _c, ...p }) => p);
  assert.deepEqual(ports, DEFAULT_PORTS.filter((p) => p.protocol === 'smtp').sort((a, b) => a.port - b.port).map((p) => ({ ...p })));
  assert.deepEqual(
    ports.map((p) => [p.port, p.security, p.enabled]),
    [
      [25, 'starttls-optional', true],
      [465, 'tls', false],
      [587, 'starttls-optional', true],
    ],
  );
});

test('migrating twice is a no-op; a database newer than the code is refused', () => {
  const db = new Database(':memory:');
  migrate(db);
  migrate(db);
  assert.equal((db.prepare('SELECT count(*) c FROM ip_ranges').get() as { c: number }).c, 2);
  db.pragma('user_version = 99');
  assert.throws(() => migrate(db), /newer than this Buzón/);
});
