// The per-address connection limit and protocol abuse toward auto-ban.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../src-main/store/db';
import { ConfigRepo } from '../../../src-main/store/config-repo';
import { Autoban } from '../../../src-main/security/autoban/autoban';
import { ConnectionGuard } from '../../../src-main/security/connection-guard';
import { parseIpList, rangeContains } from '../../../src-main/security/ip/ip-ranges';
import { DEFAULT_SETTINGS, type Settings } from '../../../src-main/shared/model/settings';

function setup(settings: Partial<Settings> = {}) {
  const repo = new ConfigRepo(openDatabase(':memory:'));
  const s = { ...DEFAULT_SETTINGS, ...settings };
  const clock = { now: () => new Date('2026-11-26T10:00:00Z') };
  const banned: string[] = [];
  const autoban = new Autoban(repo, () => s, clock, { banned: (ip) => banned.push(ip) });
  return { guard: new ConnectionGuard(() => s, autoban), autoban, banned, s };
}

test('at most maxConnectionsPerIp per address; a release frees one slot, once', () => {
  const { guard } = setup({ 'security.maxConnectionsPerIp': 3 });
  const r = [guard.acquire('10.0.0.1'), guard.acquire('10.0.0.1'), guard.acquire('10.0.0.1')];
  assert.ok(r.every(Boolean));
  assert.equal(guard.acquire('10.0.0.1'), undefined, 'the fourth is refused');
  assert.ok(guard.acquire('10.0.0.2'), 'another address is not affected');
  r[0]!();
  r[0]!(); // twice: still one slot
  assert.equal(guard.count('10.0.0.1'), 2);
  assert.ok(guard.acquire('10.0.0.1'));
  assert.equal(guard.acquire('10.0.0.1'), undefined);
});

test('0 means no limit', () => {
  const { guard } = setup({ 'security.maxConnectionsPerIp': 0 });
  for (let i = 0; i < 500; i++) assert.ok(guard.acquire('10.0.0.1'));
});

test('protocol abuse counts toward auto-ban like failed logons', () => {
  const { guard, banned } = setup();
  guard.abuse('10.0.0.5', 'too many invalid commands');
  guard.abuse('10.0.0.5', 'too many invalid commands');
  assert.deepEqual(banned, []);
  guard.abuse('10.0.0.5', 'IMAP command line too long');
  assert.deepEqual(banned, ['10.0.0.5']);
});

test('parseIpList: addresses, CIDR blocks, IPv6, IPv4-mapped; a bad entry names itself', () => {
  const list = parseIpList('127.0.0.1, 192.168.0.0/16 2001:db8::/32');
  const ipInList = (l: typeof list, ip: string) => l.some((r) => rangeContains(r, ip));
  assert.ok(ipInList(list, '127.0.0.1'));
  assert.ok(ipInList(list, '192.168.44.3'));
  assert.ok(ipInList(list, '::ffff:192.168.1.1'));
  assert.ok(ipInList(list, '2001:db8::1'));
  assert.ok(!ipInList(list, '127.0.0.2'));
  assert.ok(!ipInList(list, '10.1.1.1'));
  assert.ok(!ipInList(list, 'not an ip'));
  assert.deepEqual(parseIpList(''), []);
  assert.throws(() => parseIpList('10.0.0.1, 300.1.1.1'), /"300\.1\.1\.1" is not an IP address or a CIDR block/);
});
