// The exclusive maildrop lock (RFC 1939 §8): while one session of an account is in TRANSACTION,
// another logon to it gets -ERR [IN-USE] (RFC 2449 response code); once the first QUITs or drops,
// a new logon works. Other accounts are not affected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deliver, greet, login, stored, startLab } from './kit';

test('a second logon to a locked maildrop gets -ERR [IN-USE]; after QUIT or a drop, a new logon works', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', 'Subject: uno\r\n\r\nuno\r\n');
    const first = await login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    await first.ok('DELE 1');

    const second = await greet(srv.pop3Port);
    await second.ok('USER cuenta1@aula.test');
    await second.err('PASS secreto1', /^-ERR \[IN-USE\] /);
    // The same account by its bare name (default domain) is the same maildrop.
    await second.ok('USER cuenta1');
    await second.err('PASS secreto1', /^-ERR \[IN-USE\] /);
    // The refused session stays in AUTHORIZATION: no TRANSACTION command works.
    await second.err('STAT');
    // SASL logons meet the same lock.
    await second.err(`AUTH PLAIN ${Buffer.from('\0cuenta1@aula.test\0secreto1').toString('base64')}`, /^-ERR \[IN-USE\] /);
    // Another account is not locked.
    await second.ok('USER cuenta2@aula.test');
    await second.ok('PASS secreto2');
    await second.ok('STAT', /^\+OK 0 0$/);
    await second.ok('QUIT');

    // The first session never noticed, and its DELE is applied at QUIT.
    await first.ok('NOOP');
    await first.ok('QUIT', /\(0 messages left\)/);
    assert.ok(await first.closedByServer());
    assert.equal(stored(srv, 'cuenta1@aula.test').length, 0);

    // After QUIT the lock is gone.
    await deliver(srv, 'cuenta1@aula.test', 'Subject: dos\r\n\r\ndos\r\n');
    const third = await login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    await third.ok('STAT', /^\+OK 1 \d+$/);
    const fourth = await greet(srv.pop3Port);
    await fourth.ok('USER cuenta1@aula.test');
    await fourth.err('PASS secreto1', /^-ERR \[IN-USE\] /);

    // After a dropped connection, too (on the same waiting session).
    third.destroy();
    await fourth.ok('USER cuenta1@aula.test');
    await fourth.ok('PASS secreto1', /^\+OK maildrop has 1 messages/);
    await fourth.ok('QUIT');
    assert.equal(stored(srv, 'cuenta1@aula.test').length, 1, 'the drop removed nothing');
    // None of this counted as a failed logon.
    assert.deepEqual(await srv.call('autoban', 'list'), []);
  } finally {
    await srv.close();
  }
});
