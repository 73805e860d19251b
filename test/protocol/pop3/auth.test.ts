// Logon: USER/PASS (full address or bare name with the default domain), no account enumeration,
// AUTH PLAIN with an initial response and AUTH LOGIN as a challenge exchange (RFC 5034), CAPA
// before and after STLS, and plaintext logon refused without TLS from an "Internet" IP range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { b64, deliver, fromInternet, greet, type Pop3Client, startLab } from './kit';

const plain = (authz: string, user: string, pass: string): string => b64(`${authz}\0${user}\0${pass}`);

async function capa(c: Pop3Client): Promise<string[]> {
  const r = await c.multi('CAPA', /^\+OK/);
  return r.lines;
}

test('USER/PASS: wrong password and unknown user get the same -ERR [AUTH]; bare local part and non-ASCII credentials work', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', 'Subject: hola\r\n\r\nhola\r\n');
    const c = await greet(srv.pop3Port);
    await c.ok('USER cuenta1@aula.test');
    const wrong = await c.err('PASS malo', /^-ERR \[AUTH\] /);
    // Still in AUTHORIZATION, and PASS needs a USER again.
    await c.err('STAT');
    await c.err('PASS secreto1');
    // USER for an unknown user answers +OK, exactly as for a real one.
    const unknownUser = await c.ok('USER nadie@aula.test');
    const knownUser = await c.ok('USER cuenta1@aula.test');
    assert.equal(unknownUser, knownUser, 'USER does not tell whether the account exists');
    await c.ok('USER nadie@aula.test');
    assert.equal(await c.err('PASS secreto1'), wrong, 'unknown user and wrong password read the same');
    // The bare local part gets the default domain (aula.test); a password with spaces works too.
    await c.ok('USER cuenta1');
    await c.ok('PASS secreto1', /^\+OK maildrop has 1 messages \(\d+ octets\)$/);
    await c.ok('STAT', /^\+OK 1 \d+$/);
    await c.err('USER cuenta2', /not allowed/);
    await c.err('PASS secreto2');
    await c.ok('QUIT');

    await srv.call('accounts', 'add', { address: 'espacios@aula.test', password: 'con espacios  dentro' });
    const d = await greet(srv.pop3Port);
    await d.ok('USER ESPACIOS@AULA.TEST');
    await d.ok('PASS con espacios  dentro', /^\+OK maildrop has 0 messages \(0 octets\)$/);
    await d.ok('QUIT');

    // Non-ASCII user names and passwords: UTF-8 from current clients, Latin-1 from older ones.
    await srv.call('accounts', 'add', { address: 'josé@aula.test', password: 'contraseña€' });
    const e = await greet(srv.pop3Port);
    e.write(Buffer.from('USER josé@aula.test\r\n', 'utf8'));
    assert.match(await e.line(), /^\+OK/);
    e.write(Buffer.from('PASS contraseña€\r\n', 'utf8'));
    assert.match(await e.line(), /^\+OK maildrop has 0 messages/, 'UTF-8 USER/PASS');
    await e.ok('QUIT');
    await srv.call('accounts', 'add', { address: 'anton@aula.test', password: 'señal1' });
    const f = await greet(srv.pop3Port);
    await f.ok('USER anton');
    f.write(Buffer.from('PASS señal1\r\n', 'latin1'));
    assert.match(await f.line(), /^\+OK maildrop has 0 messages/, 'Latin-1 PASS');
    await f.ok('QUIT');
  } finally {
    await srv.close();
  }
});

test('AUTH PLAIN with an initial response, AUTH PLAIN after "+ ", AUTH LOGIN as a challenge exchange', async () => {
  const srv = await startLab();
  try {
    const a = await greet(srv.pop3Port);
    assert.deepEqual((await a.multi('AUTH')).lines, ['PLAIN', 'LOGIN'], 'bare AUTH lists the mechanisms');
    await a.ok(`AUTH PLAIN ${plain('', 'cuenta1@aula.test', 'secreto1')}`, /^\+OK maildrop has 0 messages/);
    await a.ok('STAT', /^\+OK 0 0$/);
    await a.ok('QUIT');

    const b = await greet(srv.pop3Port);
    // No initial response: an empty challenge, then the response on its own line.
    assert.equal(await b.cmd('AUTH PLAIN'), '+ ');
    await b.ok(plain('cuenta2', 'cuenta2', 'secreto2'), /^\+OK maildrop has 0 messages/);
    await b.ok('QUIT');

    const c = await greet(srv.pop3Port);
    assert.equal(await c.cmd('AUTH LOGIN'), `+ ${b64('Username:')}`);
    assert.equal(await c.cmd(b64('cuenta2@aula.test')), `+ ${b64('Password:')}`);
    await c.ok(b64('secreto2'), /^\+OK maildrop has 0 messages/);
    await c.ok('NOOP');
    await c.ok('QUIT');

    const d = await greet(srv.pop3Port);
    // A wrong password, a cancelled exchange, bad base64 and a foreign authorization identity.
    await d.err(`AUTH PLAIN ${plain('', 'cuenta1@aula.test', 'malo')}`, /^-ERR \[AUTH\] /);
    assert.match(await d.cmd('AUTH LOGIN'), /^\+ /);
    await d.err('*', /cancel/);
    await d.err('AUTH PLAIN !!!notbase64', /^-ERR \[AUTH\] /);
    await d.err(`AUTH PLAIN ${plain('cuenta2@aula.test', 'cuenta1@aula.test', 'secreto1')}`, /^-ERR \[AUTH\] /);
    await d.err('AUTH CRAM-MD5', /^-ERR /);
    // After all that, the session still logs in.
    assert.match(await d.cmd('AUTH LOGIN'), /^\+ /);
    assert.match(await d.cmd(b64('cuenta1')), /^\+ /);
    await d.ok(b64('secreto1'), /^\+OK maildrop has 0 messages/);
    await d.ok('QUIT');
  } finally {
    await srv.close();
  }
});

test('CAPA before and after STLS; STLS only once; logon over TLS', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', 'Subject: tls\r\n\r\nsobre TLS\r\n');
    const c = await greet(srv.pop3Port);
    const before = await capa(c);
    for (const cap of ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'USER', 'SASL PLAIN LOGIN', 'STLS']) {
      assert.ok(before.includes(cap), `CAPA lists ${cap}: ${JSON.stringify(before)}`);
    }
    assert.ok(before.some((l) => /^IMPLEMENTATION \S/.test(l)), 'CAPA lists IMPLEMENTATION');

    assert.match(await c.ok('STLS'), /^\+OK/);
    const tls = await c.startTls();
    assert.ok(tls.encrypted);
    const after = await capa(c);
    assert.ok(!after.includes('STLS'), `no STLS after TLS: ${JSON.stringify(after)}`);
    for (const cap of ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'USER', 'SASL PLAIN LOGIN']) assert.ok(after.includes(cap), `CAPA after TLS lists ${cap}`);
    await c.err('STLS');
    await c.ok('USER cuenta1@aula.test');
    await c.ok('PASS secreto1', /^\+OK maildrop has 1 messages/);
    const inTransaction = await capa(c);
    assert.ok(!inTransaction.includes('USER') && !inTransaction.includes('STLS'), 'no logon capabilities in TRANSACTION');
    assert.match((await c.multi('RETR 1')).body.toString('latin1'), /\r\nSubject: tls\r\n\r\nsobre TLS\r\n$/);
    await c.err('STLS');
    await c.ok('QUIT');
  } finally {
    await srv.close();
  }
});

test('from an Internet IP range, plaintext logon needs STLS first; CAPA hides USER and SASL until then', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', 'Subject: fuera\r\n\r\ndesde fuera\r\n');
    const internet = await fromInternet(srv);
    assert.equal(internet.requireTlsForAuth, true);
    assert.equal(internet.allowPop3, true);

    const c = await greet(srv.pop3Port);
    const caps = await capa(c);
    assert.ok(caps.includes('STLS'), JSON.stringify(caps));
    assert.ok(!caps.includes('USER'), `no USER without TLS: ${JSON.stringify(caps)}`);
    assert.ok(!caps.some((l) => l.startsWith('SASL')), `no SASL without TLS: ${JSON.stringify(caps)}`);
    await c.err('USER cuenta1@aula.test', /^-ERR \[AUTH\] .*STLS/);
    await c.err('PASS secreto1', /^-ERR \[AUTH\] .*STLS/);
    await c.err(`AUTH PLAIN ${plain('', 'cuenta1@aula.test', 'secreto1')}`, /^-ERR \[AUTH\] .*STLS/);
    await c.err('AUTH LOGIN', /^-ERR \[AUTH\] .*STLS/);
    await c.err('STAT');

    await c.ok('STLS');
    await c.startTls();
    const tlsCaps = await capa(c);
    assert.ok(tlsCaps.includes('USER') && tlsCaps.includes('SASL PLAIN LOGIN') && !tlsCaps.includes('STLS'), JSON.stringify(tlsCaps));
    await c.ok('USER cuenta1@aula.test');
    await c.ok('PASS secreto1', /^\+OK maildrop has 1 messages/);
    assert.match((await c.multi('RETR 1')).body.toString('latin1'), /\r\n\r\ndesde fuera\r\n$/);
    await c.ok('QUIT');

    // AUTH PLAIN after STLS on another session.
    const d = await greet(srv.pop3Port);
    await d.ok('STLS');
    await d.startTls();
    await d.ok(`AUTH PLAIN ${plain('', 'cuenta2@aula.test', 'secreto2')}`, /^\+OK maildrop has 0 messages/);
    await d.ok('QUIT');
    // Refusing plaintext is not a failed logon: nobody is banned.
    assert.deepEqual(await srv.call('autoban', 'list'), []);
  } finally {
    await srv.close();
  }
});
