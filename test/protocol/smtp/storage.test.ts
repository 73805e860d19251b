// Byte-for-byte storage: what the client sent (after SMTP dot-unstuffing) is what the file holds,
// behind the trace headers the server adds: 8-bit Latin-1, UTF-8 with SMTPUTF8, and ~10 MB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { dotStuff, expectReply, onlyMessage, session, sha256, splitTrace, startLab } from './kit';

/** Asserts the file is trace headers + exactly `sent`, and that the index has the file's size. */
function assertStoredExactly(file: { bytes: Buffer; size: number }, sent: Buffer): string {
  const { trace, rest } = splitTrace(file.bytes);
  assert.match(trace, /^Return-Path: <[^>]*>\r\nDelivered-To: \S+\r\nReceived: from /);
  assert.ok(trace.endsWith('\r\n'));
  assert.equal(rest.length, sent.length, 'stored body length');
  assert.equal(sha256(rest), sha256(sent), 'stored body sha256');
  assert.equal(file.bytes.length, Buffer.byteLength(trace, 'latin1') + sent.length);
  assert.equal(file.size, file.bytes.length, 'indexed size');
  return trace;
}

async function send(port: number, from: string, to: string, data: Buffer, mailArgs = ''): Promise<void> {
  const c = await session(port);
  await expectReply(c, `MAIL FROM:<${from}>${mailArgs}`, /^250 2\.1\.0 /);
  c.write(Buffer.from(`RCPT TO:<${to}>\r\n`, 'utf8'));
  assert.match((await c.reply()).text, /^250 2\.1\.5 /);
  await expectReply(c, 'DATA', /^354 /);
  c.write(dotStuff(data));
  assert.match((await c.reply(60_000)).text, /^250 2\.0\.0 Ok: queued as /);
  await expectReply(c, 'QUIT', /^221 /);
}

test('8-bit Latin-1 body (every byte 0x80-0xFF) and dot-led lines are stored byte for byte', async () => {
  const srv = await startLab();
  try {
    const high = Buffer.alloc(128);
    for (let i = 0; i < 128; i++) high[i] = 0x80 + i;
    const data = Buffer.concat([
      Buffer.from('From: cuenta1@aula.test\r\nSubject: =?ISO-8859-1?Q?Adi=F3s?=\r\nMIME-Version: 1.0\r\n', 'latin1'),
      Buffer.from('Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n', 'latin1'),
      Buffer.from('¿Qué tal, Antón? Ñandú, cigüeña, façade.\r\n', 'latin1'),
      high,
      Buffer.from('\r\n.\r\n..dos puntos\r\n.una\r\n \t espacios al final \t \r\n\r\n\r\n', 'latin1'),
    ]);
    assert.ok(data.includes(Buffer.from([0xf1])), 'the test data really is Latin-1');
    await send(srv.smtpPort, 'cuenta1@aula.test', 'cuenta2@aula.test', data, ' BODY=8BITMIME');
    assertStoredExactly(onlyMessage(srv, 'cuenta2@aula.test'), data);
    // A message whose very first line starts with a dot (sent as "..", stored as ".").
    const dotFirst = Buffer.from('.primera linea\r\n.\r\n', 'latin1');
    await send(srv.smtpPort, 'cuenta2@aula.test', 'cuenta1@aula.test', dotFirst);
    assertStoredExactly(onlyMessage(srv, 'cuenta1@aula.test'), dotFirst);
  } finally {
    await srv.close();
  }
});

test('UTF-8 headers and body with SMTPUTF8, to a UTF-8 local part', async () => {
  const srv = await startLab();
  try {
    await srv.call('accounts', 'add', { address: 'josé@aula.test', password: 'secreto5' });
    const data = Buffer.from(
      'From: Cuenta Uno <cuenta1@aula.test>\r\nTo: José <josé@aula.test>\r\nSubject: Año nuevo, ¿qué tal? 🎉 日本語\r\n' +
        'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
        'Hola José: ñ, ü, €, 😀.\r\n.línea con punto\r\n',
      'utf8',
    );
    await send(srv.smtpPort, 'cuenta1@aula.test', 'josé@aula.test', data, ' SMTPUTF8 BODY=8BITMIME');
    const m = onlyMessage(srv, 'josé@aula.test');
    const trace = assertStoredExactly(m, data);
    assert.ok(Buffer.from(trace, 'latin1').toString('utf8').includes('Delivered-To: josé@aula.test\r\n'), 'Delivered-To in UTF-8');
    assert.match(m.file, /^messages\/aula\.test\/[^/]+\/[^/]+\.eml$/);
  } finally {
    await srv.close();
  }
});

test('a ~10 MB message with a base64 attachment is stored byte for byte', async () => {
  const srv = await startLab();
  try {
    const payload = randomBytes(7_500_000).toString('base64').replace(/.{76}/g, '$&\r\n');
    const head =
      'From: cuenta1@aula.test\r\nTo: cuenta2@aula.test\r\nSubject: adjunto grande\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: multipart/mixed; boundary="xyz"\r\n\r\n--xyz\r\nContent-Type: text/plain\r\n\r\nVa adjunto.\r\n.\r\n' +
      '--xyz\r\nContent-Type: application/octet-stream; name="datos.bin"\r\nContent-Transfer-Encoding: base64\r\n' +
      'Content-Disposition: attachment; filename="datos.bin"\r\n\r\n';
    const data = Buffer.from(head + payload + (payload.endsWith('\r\n') ? '' : '\r\n') + '--xyz--\r\n', 'latin1');
    assert.ok(data.length > 10_000_000, `message is ${data.length} bytes`);
    await send(srv.smtpPort, 'cuenta1@aula.test', 'cuenta2@aula.test', data);
    assertStoredExactly(onlyMessage(srv, 'cuenta2@aula.test'), data);
  } finally {
    await srv.close();
  }
});
