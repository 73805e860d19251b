// Auto-ban with hMailServer's semantics, on a fake clock: 3 failures within 30 minutes ban for 60.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../src-main/store/db';
import { ConfigRepo } from '../../../src-main/store/config-repo';
import { Autoban } from '../../../src-main/security/autoban/autoban';
import { DEFAULT_SETTINGS, type Settings } from '../../../src-main/shared/model/settings';

function setup(settings: Partial<Settings> = {}) {
  const repo = new ConfigRepo(openDatabase(':memory:'));
  let now = Date.parse('2026-11-25T10:00:00Z');
  const clock = { now: () => new Date(now) };
  const banned: string[] = [];
  const ab = new Autoban(repo, () => ({ ...DEFAULT_SETTINGS, ...settings }), clock, { banned: (ip) => banned.push(ip) });
  return { repo, ab, banned, advance: (min: number) => (now += min * 60_000), iso: () => new Date(now).toISOString() };
}

test('three failures within 30 minutes ban the IP for 60 minutes', () => {
  const t = setup();
  assert.equal(t.ab.recordFailure('10.0.0.7', 'x@aula.test'), false);
  t.advance(10);
  assert.equal(t.ab.recordFailure('10.0.0.7', 'x@aula.test'), false);
  assert.equal(t.ab.isAuthBanned('10.0.0.7'), false);
  t.advance(10);
  assert.equal(t.ab.recordFailure('10.0.0.7', 'x@aula.test'), true);
  assert.equal(t.ab.isAuthBanned('10.0.0.7'), true);
  assert.equal(t.ab.isAuthBanned('::ffff:10.0.0.7'), true, 'IPv4-mapped form is the same client');
  assert.equal(t.ab.isAuthBanned('10.0.0.8'), false);
  assert.deepEqual(t.banned, ['10.0.0.7']);
  const [ban] = t.repo.listBans(t.iso());
  assert.match(ban!.reason, /^Auto-ban: x@aula\.test/);
  t.advance(59);
  assert.equal(t.ab.isAuthBanned('10.0.0.7'), true);
  t.advance(2);
  assert.equal(t.ab.isAuthBanned('10.0.0.7'), false, 'the ban expires');
});

test('failures older than the reset window do not count', () => {
  const t = setup();
  t.ab.recordFailure('10.0.0.9', 'u');
  t.ab.recordFailure('10.0.0.9', 'u');
  t.advance(31);
  assert.equal(t.ab.recordFailure('10.0.0.9', 'u'), false);
  assert.equal(t.ab.isAuthBanned('10.0.0.9'), false);
});

test('a successful logon clears the count; auto-ban off never bans', () => {
  const t = setup();
  t.ab.recordFailure('10.0.0.1', 'u');
  t.ab.recordFailure('10.0.0.1', 'u');
  t.ab.recordSuccess('10.0.0.1');
  assert.equal(t.ab.recordFailure('10.0.0.1', 'u'), false);
  const off = setup({ 'autoban.enabled': false });
  for (let i = 0; i < 10; i++) assert.equal(off.ab.recordFailure('10.0.0.2', 'u'), false);
  assert.equal(off.ab.isAuthBanned('10.0.0.2'), false);
});

test('autoban.exempt: listed addresses and blocks are never banned (nor refused for an older ban); others are', () => {
  const t = setup({ 'autoban.exempt': '192.168.1.0/24, 10.0.0.9 ::1' });
  for (let i = 0; i < 5; i++) assert.equal(t.ab.recordFailure('192.168.1.50', 'x@aula.test'), false);
  assert.equal(t.ab.recordFailure('::ffff:10.0.0.9', 'x'), false);
  assert.deepEqual(t.banned, []);
  // A ban made before the exemption (or by hand) does not lock out an exempt address.
  t.repo.ban('10.0.0.9', 'by hand', t.iso(), new Date(Date.parse(t.iso()) + 3_600_000).toISOString());
  assert.equal(t.ab.isAuthBanned('10.0.0.9'), false);
  for (let i = 0; i < 3; i++) t.ab.recordFailure('192.168.2.1', 'x');
  assert.deepEqual(t.banned, ['192.168.2.1'], 'outside the block: banned');
});

test('autoban.exempt "::1" covers a connection from ::1 (seen as 127.0.0.1); a block covers only its addresses', () => {
  const t = setup({ 'autoban.exempt': '::1, 192.168.1.0/24 ::ffff:10.0.0.0/120' });
  for (const ip of ['::1', '127.0.0.1', '192.168.1.77', '::ffff:192.168.1.77', '10.0.0.200', '::ffff:10.0.0.5']) assert.equal(t.ab.isExempt(ip), true, ip);
  for (const ip of ['192.168.2.1', '::ffff:192.168.2.1', '10.0.1.1', '127.0.0.2', '::2']) assert.equal(t.ab.isExempt(ip), false, ip);
  for (let i = 0; i < 5; i++) t.ab.recordFailure('::1', 'x');
  assert.deepEqual(t.banned, [], 'the loopback is never banned');
  for (let i = 0; i < 3; i++) t.ab.recordFailure('192.168.2.1', 'x');
  assert.deepEqual(t.banned, ['192.168.2.1']);
});
