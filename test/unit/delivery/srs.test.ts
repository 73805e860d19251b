// Sender Rewriting Scheme: the envelope sender of a forwarded copy becomes an address of the
// forwarding domain (SRS0, or SRS1 for an address another forwarder already rewrote), signed with
// a keyed hash and a day stamp so that only this server's addresses, at most 21 days old, are
// reversed into the original sender.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSrs, isSrsAddress, type Srs } from '../../../src-main/delivery/srs';

const DAY = 86_400_000;
const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 9);
/** Day 20513 since the epoch: 20513 mod 1024 = 33 = 1·32 + 1, stamped "BB". */
const START = new Date('2026-03-01T12:00:00Z');
/** Day 20476 since the epoch: 20476 mod 1024 = 1020 = 31·32 + 28, stamped "74". */
const BEFORE_WRAP = new Date(20476 * DAY + 10 * 3_600_000);

function clock(start: Date): { now: () => Date; advance(days: number): void } {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (days) => void (t += days * DAY) };
}

const srsWith = (key: Buffer, start = START): Srs & { advance(days: number): void } => {
  const c = clock(start);
  return Object.assign(createSrs(() => key, c.now), { advance: c.advance });
};

const SRS0 = /^SRS0=([A-Za-z0-9_-]{4})=([A-Z2-7]{2})=gmail\.com=alumno@aula\.test$/;

test('isSrsAddress: SRS0/SRS1 with =, + or - in any case, nothing else', () => {
  for (const a of ['SRS0=abcd=BB=gmail.com=alumno@aula.test', 'srs0+x@y', 'Srs1-x@y', 'SRS1=h=host==rest@aula.test']) assert.equal(isSrsAddress(a), true, a);
  for (const a of ['alumno@gmail.com', 'SRS2=x@y', 'SRS0x@y', 'SRS@y', 'xSRS0=a@y', '']) assert.equal(isSrsAddress(a), false, a);
});

test('forward rewrites alumno@gmail.com into SRS0=HHHH=TT=gmail.com=alumno@aula.test, reverse gives it back', () => {
  const srs = srsWith(KEY);
  const fwd = srs.forward('alumno@gmail.com', 'aula.test');
  const m = SRS0.exec(fwd);
  assert.ok(m, fwd);
  assert.equal(m[2], 'BB', 'the day stamp');
  assert.equal(isSrsAddress(fwd), true);
  assert.equal(srs.reverse(fwd), 'alumno@gmail.com');
  // The same day and key give the same address; another key another hash.
  assert.equal(srs.forward('alumno@gmail.com', 'aula.test'), fwd);
  const other = srsWith(OTHER_KEY).forward('alumno@gmail.com', 'aula.test');
  assert.match(other, SRS0);
  assert.notEqual(other, fwd);
  // A local part with '=' or '+' and a mixed-case domain survive the round trip.
  for (const s of ['a=b+c@Example.ORG', 'first.last@sub.example.net']) {
    const f = srs.forward(s, 'aula.test');
    assert.ok(f.endsWith('@aula.test') && f.startsWith('SRS0='), f);
    assert.equal(srs.reverse(f), s);
  }
});

test('reverse is case-insensitive on the SRS prefix, the stamp and the hash (an MTA may lowercase the address)', () => {
  const srs = srsWith(KEY);
  const fwd = srs.forward('alumno@gmail.com', 'aula.test');
  assert.equal(srs.reverse(fwd.toLowerCase()), 'alumno@gmail.com');
  assert.equal(srs.reverse(fwd.replace(/^SRS0/, 'srs0')), 'alumno@gmail.com');
  assert.equal(srs.reverse(fwd.replace(/^SRS0=/, 'SRS0+')), 'alumno@gmail.com', 'the + separator');
  assert.equal(srs.reverse(fwd.replace('@aula.test', '@AULA.TEST')), 'alumno@gmail.com');
});

test("the null sender stays '', and an address of the forwarding domain is unchanged", () => {
  let calls = 0;
  const srs = createSrs(() => (calls++, KEY), () => START);
  assert.equal(srs.forward('', 'aula.test'), '');
  assert.equal(srs.forward('cuenta1@aula.test', 'aula.test'), 'cuenta1@aula.test');
  assert.equal(srs.forward('Cuenta1@AULA.Test', 'aula.test'), 'Cuenta1@AULA.Test');
  assert.equal(srs.forward('postmaster', 'aula.test'), 'postmaster', 'no domain: nothing to rewrite');
  assert.equal(calls, 0, 'no hash was needed');
  // A subdomain is another domain.
  assert.match(srs.forward('alumno@mail.aula.test', 'aula.test'), /^SRS0=.{4}=BB=mail\.aula\.test=alumno@aula\.test$/);
});

test('a wrong hash, another key, a tampered stamp, domain or local part: reverse is undefined', () => {
  const srs = srsWith(KEY);
  const fwd = srs.forward('alumno@gmail.com', 'aula.test');
  const [, hash] = SRS0.exec(fwd)!;
  const wrongHash = hash === 'AAAA' ? 'BBBB' : 'AAAA';
  const tampered = [
    fwd.replace(`=${hash!}=`, `=${wrongHash}=`),
    fwd.replace(`=${hash!}=`, `=${hash!.slice(0, 3)}=`),
    fwd.replace(`=${hash!}=`, `=${hash!}x=`),
    fwd.replace('=BB=', '=BA='), // a fresh stamp (yesterday), but not the signed one
    fwd.replace('gmail.com', 'gmail.org'),
    fwd.replace('gmail.com', 'evil.example'),
    fwd.replace('=alumno@', '=alumna@'),
    fwd.replace('=alumno@', '=admin@'),
  ];
  for (const t of tampered) {
    assert.notEqual(t, fwd);
    assert.equal(srs.reverse(t), undefined, t);
  }
  assert.equal(srsWith(OTHER_KEY).reverse(fwd), undefined, 'signed with another key');
  assert.equal(srs.reverse(fwd), 'alumno@gmail.com');
});

test('an address that is not SRS at all reverses to undefined', () => {
  const srs = srsWith(KEY);
  for (const a of ['alumno@aula.test', 'alumno@gmail.com', '', 'SRS0=abcd=BB=gmail.com=alumno', 'SRS0=abcd=BB=gmail.com@aula.test', 'SRS0=abcd=B=gmail.com=x@aula.test', 'SRS0=abcd=B!=gmail.com=x@aula.test', 'SRS2=abcd=BB=gmail.com=x@aula.test', 'SRS1=abcd=host=rest@aula.test']) {
    assert.equal(srs.reverse(a), undefined, a);
  }
});

test('an SRS0 address is reversed for 21 days, not 22', () => {
  const srs = srsWith(KEY);
  const fwd = srs.forward('alumno@gmail.com', 'aula.test');
  srs.advance(1);
  assert.equal(srs.reverse(fwd), 'alumno@gmail.com');
  srs.advance(20);
  assert.equal(srs.reverse(fwd), 'alumno@gmail.com', '21 days later');
  srs.advance(1);
  assert.equal(srs.reverse(fwd), undefined, '22 days later');
  srs.advance(365);
  assert.equal(srs.reverse(fwd), undefined, 'a year later');
});

test('the age holds across the wrap of the 1024-day stamp', () => {
  assert.equal(Math.floor(BEFORE_WRAP.getTime() / DAY) % 1024, 1020);
  const srs = srsWith(KEY, BEFORE_WRAP);
  const fwd = srs.forward('alumno@gmail.com', 'aula.test');
  assert.equal(SRS0.exec(fwd)?.[2], '74', 'day 1020');
  srs.advance(10); // day 6 of the next period
  assert.equal(srs.reverse(fwd), 'alumno@gmail.com');
  const after = srs.forward('alumno@gmail.com', 'aula.test');
  assert.equal(SRS0.exec(after)?.[2], 'AG', 'day 6');
  assert.equal(srs.reverse(after), 'alumno@gmail.com');
  srs.advance(11); // 21 days after the first
  assert.equal(srs.reverse(fwd), 'alumno@gmail.com');
  srs.advance(1); // 22 days
  assert.equal(srs.reverse(fwd), undefined);
  assert.equal(srs.reverse(after), 'alumno@gmail.com', 'the later one is 12 days old');
});

test('an SRS0 address of another forwarder becomes SRS1 keeping that forwarder, and reverses to the SRS0', () => {
  const srs = srsWith(KEY);
  const srs0 = 'SRS0=abcd=XY=orig.example=bob@other.example';
  const fwd = srs.forward(srs0, 'aula.test');
  const m = /^SRS1=([A-Za-z0-9_-]{4})=other\.example==abcd=XY=orig\.example=bob@aula\.test$/.exec(fwd);
  assert.ok(m, fwd);
  assert.equal(isSrsAddress(fwd), true);
  assert.equal(srs.reverse(fwd), srs0);
  assert.equal(srs.reverse(fwd.toLowerCase())?.toLowerCase(), srs0.toLowerCase());
  // No day stamp of ours in SRS1: still reversed long after (the inner SRS0's age is the first forwarder's business).
  srs.advance(100);
  assert.equal(srs.reverse(fwd), srs0);
  // Another key does not accept it.
  assert.equal(srsWith(OTHER_KEY).reverse(fwd), undefined);
});

test('an SRS1 address forwarded again keeps the first forwarder host and is re-signed', () => {
  const a = srsWith(KEY);
  const b = srsWith(OTHER_KEY);
  const fromA = a.forward('SRS0=abcd=XY=orig.example=bob@other.example', 'aula.test');
  const hashA = /^SRS1=([^=]{4})=/.exec(fromA)![1];
  const fromB = b.forward(fromA, 'relay.test');
  const m = /^SRS1=([A-Za-z0-9_-]{4})=other\.example==abcd=XY=orig\.example=bob@relay\.test$/.exec(fromB);
  assert.ok(m, fromB);
  assert.notEqual(m[1], hashA, 're-signed with the second key');
  assert.equal(b.reverse(fromB), 'SRS0=abcd=XY=orig.example=bob@other.example');
  assert.equal(a.reverse(fromB), undefined);
  // A malformed SRS1 (no "==") is not rewritten.
  assert.equal(b.forward('SRS1=abcd=host=rest@aula.test', 'relay.test'), 'SRS1=abcd=host=rest@aula.test');
});

test('a tampered SRS1 address reverses to undefined', () => {
  const srs = srsWith(KEY);
  const fwd = srs.forward('SRS0=abcd=XY=orig.example=bob@other.example', 'aula.test');
  const hash = /^SRS1=([^=]{4})=/.exec(fwd)![1]!;
  const wrongHash = hash === 'AAAA' ? 'BBBB' : 'AAAA';
  for (const t of [
    fwd.replace(`=${hash}=`, `=${wrongHash}=`),
    fwd.replace('=other.example==', '=evil.example=='),
    fwd.replace('==abcd=', '==abce='),
    fwd.replace('=XY=', '=XZ='),
    fwd.replace('=orig.example=', '=evil.example='),
    fwd.replace('=bob@', '=eve@'),
  ]) {
    assert.notEqual(t, fwd);
    assert.equal(srs.reverse(t), undefined, t);
  }
});

test('a local part that would exceed 64 octets after rewriting: the original sender is kept', () => {
  const srs = srsWith(KEY);
  // "SRS0=HHHH=TT=" (13) + "gmail.com" (9) + "=" (1) + local: 41 characters make exactly 64.
  const fits = `${'a'.repeat(41)}@gmail.com`;
  const fwd = srs.forward(fits, 'aula.test');
  assert.equal(fwd.split('@')[0]!.length, 64);
  assert.equal(srs.reverse(fwd), fits);
  const tooLong = `${'a'.repeat(42)}@gmail.com`;
  assert.equal(srs.forward(tooLong, 'aula.test'), tooLong);
  // The same for SRS1: "SRS1=HHHH=" (10) + "other.example" (13) + "==" (2) + rest.
  const srs0Fits = `SRS0=${'r'.repeat(39)}@other.example`;
  assert.equal(srs.forward(srs0Fits, 'aula.test').split('@')[0]!.length, 64);
  const srs0TooLong = `SRS0=${'r'.repeat(40)}@other.example`;
  assert.equal(srs.forward(srs0TooLong, 'aula.test'), srs0TooLong);
});

test(
  'the 64-octet limit counts octets of a UTF-8 local part, not characters',
  () => {
    const srs = srsWith(KEY);
    const sender = `${'ñ'.repeat(41)}@gmail.com`; // 64 characters, 105 octets once rewritten
    assert.equal(srs.forward(sender, 'aula.test'), sender);
  },
);

test(
  'a hash with non-ASCII characters reverses to undefined instead of throwing',
  () => {
    const srs = srsWith(KEY);
    assert.equal(srs.reverse('SRS0=ñabc=BB=gmail.com=alumno@aula.test'), undefined);
    assert.equal(srs.reverse('SRS1=ñabc=other.example==abcd=XY=orig.example=bob@aula.test'), undefined);
  },
);

test('the key is asked for lazily, on the first hash, and only once', () => {
  let calls = 0;
  const c = clock(START);
  const srs = createSrs(() => {
    calls++;
    return KEY;
  }, c.now);
  assert.equal(calls, 0, 'not at createSrs time');
  const fwd = srs.forward('alumno@gmail.com', 'aula.test');
  assert.equal(calls, 1);
  assert.equal(srs.reverse(fwd), 'alumno@gmail.com');
  srs.forward('SRS0=abcd=XY=orig.example=bob@other.example', 'aula.test');
  srs.reverse('SRS0=AAAA=BB=gmail.com=x@aula.test');
  c.advance(30);
  srs.forward('otro@example.org', 'aula.test');
  assert.equal(calls, 1);
});
