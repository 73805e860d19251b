import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchRange, normalizeIp, rangeContains } from '../../../src-main/security/ip/ip-ranges';
import { DEFAULT_IP_RANGES } from '../../../src-main/server/defaults';
import type { IpRange } from '../../../src-main/shared/model/entities';

const ranges: IpRange[] = DEFAULT_IP_RANGES.map((r, i) => ({ id: i + 1, ...r }));

test('the highest-priority range containing the address decides', () => {
  assert.equal(matchRange(ranges, '127.0.0.1')?.name, 'My computer');
  assert.equal(matchRange(ranges, '::1')?.name, 'My computer', 'IPv6 loopback is this computer too');
  assert.equal(matchRange(ranges, '::ffff:127.0.0.1')?.name, 'My computer');
  assert.equal(matchRange(ranges, '192.168.1.20')?.name, 'Internet');
  assert.equal(matchRange(ranges, '2001:db8::1'), undefined, 'no seeded IPv6 range (as in hMailServer)');
  const lab: IpRange = { ...ranges[1]!, id: 9, name: 'Lab', priority: 20, lower: '192.168.1.0', upper: '192.168.1.255' };
  assert.equal(matchRange([...ranges, lab], '192.168.1.20')?.name, 'Lab');
  assert.equal(matchRange([...ranges, lab], '192.168.2.20')?.name, 'Internet');
});

test('expired ranges are ignored; bounds are inclusive; families do not mix', () => {
  const now = new Date('2026-11-25T10:00:00Z');
  const old: IpRange = { ...ranges[0]!, id: 7, priority: 99, lower: '10.0.0.1', upper: '10.0.0.1', expiresAt: '2026-11-25T09:00:00Z' };
  assert.equal(matchRange([...ranges, old], '10.0.0.1', now)?.name, 'Internet');
  assert.ok(rangeContains({ lower: '10.0.0.1', upper: '10.0.0.5' }, '10.0.0.5'));
  assert.ok(!rangeContains({ lower: '10.0.0.1', upper: '10.0.0.5' }, '10.0.0.6'));
  assert.ok(!rangeContains({ lower: '::', upper: 'ffff::' }, '10.0.0.1'));
  assert.equal(normalizeIp('::ffff:192.0.2.1'), '192.0.2.1');
});
