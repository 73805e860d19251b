import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../../../../src-main/store/db';

test('0009: lab_presets holds one snapshot per applied preset, as valid JSON, and leaves the rest alone', () => {
  const db = new Database(':memory:');
  migrate(db, 8);
  db.prepare("INSERT INTO settings (key, value) VALUES ('smtp.reverseLookup', 'true')").run();
  assert.throws(() => db.prepare('SELECT * FROM lab_presets').all(), /no such table/);
  migrate(db, 9);
  assert.equal(schemaVersion(db), 9);
  assert.deepEqual(db.prepare('SELECT key, value FROM settings').all(), [{ key: 'smtp.reverseLookup', value: 'true' }]);
  const insert = db.prepare('INSERT INTO lab_presets (id, applied_at, snapshot) VALUES (?, ?, ?)');
  insert.run('telnet-lab', '2026-11-26T10:00:00.000Z', '{"settings":[],"ports":[],"ranges":[]}');
  assert.throws(() => insert.run('telnet-lab', '2026-11-26T11:00:00.000Z', '{}'), /UNIQUE|PRIMARY/, 'one snapshot per preset');
  assert.throws(() => insert.run('implicit-tls', '2026-11-26T11:00:00.000Z', 'not json'), /CHECK/, 'a snapshot is JSON');
  assert.throws(() => db.prepare("INSERT INTO lab_presets (id, snapshot) VALUES ('implicit-tls', '{}')").run(), /NOT NULL/);
  assert.deepEqual(db.prepare('SELECT id, applied_at FROM lab_presets').all(), [{ id: 'telnet-lab', applied_at: '2026-11-26T10:00:00.000Z' }]);
});
