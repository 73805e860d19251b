import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, isPasswordHash, verifyPassword } from '../../../src-main/security/auth/password-hash';
import { startSasl } from '../../../src-main/security/auth/sasl';

test('passwords are stored as salted scrypt hashes and verified', async () => {
  const h1 = await hashPassword('secreto1');
  const h2 = await hashPassword('secreto1');
  assert.ok(isPasswordHash(h1));
  assert.notEqual(h1, h2, 'salted');
  assert.ok(!h1.includes('secreto1'));
  assert.equal(await verifyPassword('secreto1', h1), true);
  assert.equal(await verifyPassword('secreto2', h1), false);
  assert.equal(await verifyPassword('secreto1', 'plain-text'), false);
});

test('SASL PLAIN and LOGIN exchanges', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const plain = startSasl('plain')!;
  assert.deepEqual(plain.start(b64('\0cuenta1@aula.test\0secreto1')), { kind: 'done', authzid: '', username: 'cuenta1@aula.test', password: 'secreto1' });
  const p2 = startSasl('PLAIN')!;
  assert.deepEqual(p2.start(), { kind: 'challenge', challenge: '' });
  assert.equal(p2.next('%%%').kind, 'error');
  const login = startSasl('LOGIN')!;
  assert.deepEqual(login.start(), { kind: 'challenge', challenge: b64('Username:') });
  assert.deepEqual(login.next(b64('cuenta1@aula.test')), { kind: 'challenge', challenge: b64('Password:') });
  assert.deepEqual(login.next(b64('secreto1')), { kind: 'done', authzid: '', username: 'cuenta1@aula.test', password: 'secreto1' });
  assert.equal(startSasl('LOGIN')!.start('*').kind, 'cancelled');
  assert.equal(startSasl('CRAM-MD5'), undefined);
});

test('a verified logon is cached: same password fast, a wrong or changed password goes through scrypt', async () => {
  const { openDatabase } = await import('../../../src-main/store/db');
  const { ConfigRepo } = await import('../../../src-main/store/config-repo');
  const { Autoban } = await import('../../../src-main/security/autoban/autoban');
  const { AuthService } = await import('../../../src-main/security/auth/auth-service');
  const { DEFAULT_SETTINGS } = await import('../../../src-main/shared/model/settings');
  const repo = new ConfigRepo(openDatabase(':memory:'));
  repo.addDomain({ name: 'aula.test' });
  const acc = repo.addAccount({ address: 'cuenta1@aula.test' }, await hashPassword('secreto1'));
  let now = Date.parse('2026-11-25T10:00:00Z');
  const clock = { now: () => new Date(now) };
  const auth = new AuthService(repo, new Autoban(repo, () => DEFAULT_SETTINGS, clock, { banned: () => undefined }), clock, () => 'aula.test');
  const timed = async (pw: string) => {
    const t = process.hrtime.bigint();
    const r = await auth.authenticate('cuenta1', pw, '10.0.0.1');
    return { ok: r.ok, ms: Number(process.hrtime.bigint() - t) / 1e6 };
  };
  const first = await timed('secreto1');
  assert.equal(first.ok, true);
  const second = await timed('secreto1');
  assert.equal(second.ok, true);
  assert.ok(second.ms < first.ms / 5, `cached logon ${second.ms} ms vs first ${first.ms} ms`);
  assert.equal((await timed('secreto2')).ok, false, 'a wrong password is refused despite the cache');
  repo.setPasswordHash(acc.id, await hashPassword('nuevo123'));
  assert.equal((await timed('secreto1')).ok, false, 'the old password stops working when the hash changes');
  assert.equal((await timed('nuevo123')).ok, true);
  now += 11 * 60_000;
  const expired = await timed('nuevo123');
  assert.ok(expired.ok && expired.ms > second.ms, 'after 10 minutes scrypt runs again');
});
