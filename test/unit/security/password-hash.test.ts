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
