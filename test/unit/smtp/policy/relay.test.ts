// The hMailServer relay matrix, table-driven over both seeded IP ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRelay } from '../../../../src-main/smtp/policy/relay';
import { DEFAULT_IP_RANGES } from '../../../../src-main/server/defaults';
import type { IpRange } from '../../../../src-main/shared/model/entities';

const range = (name: string): IpRange => ({ id: 1, ...DEFAULT_IP_RANGES.find((r) => r.name === name)! });

// [range, sender local, recipient local, authenticated, expected code (250 = accepted)]
const CASES: [string, boolean, boolean, boolean, number][] = [
  // My computer: only External→External needs SMTP auth.
  ['My computer', true, true, false, 250],
  ['My computer', true, false, false, 250],
  ['My computer', false, true, false, 250],
  ['My computer', false, false, false, 550],
  ['My computer', true, true, true, 250],
  ['My computer', true, false, true, 250],
  ['My computer', false, true, true, 250],
  ['My computer', false, false, true, 250],
  // Internet: auth for L→L, L→E and E→E; not for E→L (that is how mail arrives).
  ['Internet', true, true, false, 530],
  ['Internet', true, false, false, 550],
  ['Internet', false, true, false, 250],
  ['Internet', false, false, false, 550],
  ['Internet', true, true, true, 250],
  ['Internet', true, false, true, 250],
  ['Internet', false, true, true, 250],
  ['Internet', false, false, true, 250],
];

for (const [name, sl, rl, auth, code] of CASES) {
  const dir = `${sl ? 'L' : 'E'}→${rl ? 'L' : 'E'}`;
  test(`${name}: ${dir}, ${auth ? 'authenticated' : 'anonymous'} → ${code}`, () => {
    const v = decideRelay(range(name), sl, rl, auth);
    if (code === 250) assert.equal(v.verdict, 'accept');
    else {
      assert.equal(v.verdict, 'deny');
      if (v.verdict !== 'deny') return;
      assert.equal(v.reply.code, code);
      if (code === 550) {
        assert.equal(v.reply.enhanced, '5.7.1');
        assert.match(v.reply.message, /Relay access denied/);
      }
      if (code === 530) assert.equal(v.reply.enhanced, '5.7.0');
      assert.match(v.reply.reason ?? '', new RegExp(name));
    }
  });
}

test('a range that forbids a direction refuses it even after authentication', () => {
  const r = { ...range('Internet'), allowLocalToExternal: false };
  const v = decideRelay(r, true, false, true);
  assert.equal(v.verdict, 'deny');
  const local = decideRelay({ ...r, allowExternalToLocal: false }, false, true, true);
  assert.equal(local.verdict, 'deny');
  if (local.verdict === 'deny') assert.equal(local.reply.code, 550);
});
