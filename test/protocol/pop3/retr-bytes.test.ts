// RETR returns the stored .eml byte for byte: an 8-bit Latin-1 message, a UTF-8 message and a
// 5 MB one. The stored file is the trace headers plus exactly what SMTP accepted; RETR, once its
// byte-stuffing is undone and the final ".\r\n" stripped, hashes the same as that file. Lines
// that start with "." check dot-stuffing both ways (SMTP in, POP3 out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { deliver, login, sha256, splitTrace, stored, startLab } from './kit';

const DOT_LINES = '.\r\n..\r\n...tres\r\n. espacio\r\n.';

const HIGH = Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i));

function latin1Message(): Buffer {
  return Buffer.concat([
    Buffer.from('From: cuenta2@aula.test\r\nTo: cuenta1@aula.test\r\nSubject: =?ISO-8859-1?Q?Adi=F3s?=\r\nMIME-Version: 1.0\r\n', 'latin1'),
    Buffer.from('Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n', 'latin1'),
    Buffer.from('¿Qué tal, Antón? Ñandú, cigüeña, façade.\r\n', 'latin1'),
    HIGH,
    Buffer.from(`\r\n${DOT_LINES}final\r\n \t espacios \t \r\n\r\n`, 'latin1'),
  ]);
}

const UTF8 = Buffer.from(
  'From: Cuenta Dos <cuenta2@aula.test>\r\nTo: cuenta1@aula.test\r\nSubject: =?UTF-8?Q?A=C3=B1o_nuevo?=\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
    `Hola José: ñ, ü, €, 😀, 日本語.\r\n${DOT_LINES}línea con punto\r\n`,
  'utf8',
);

function bigMessage(): Buffer {
  const lines = randomBytes(3_800_000).toString('base64').match(/.{1,76}/g)!;
  // Every 500th line starts with a dot, as a quoted-printable body or a signature could.
  for (let i = 0; i < lines.length; i += 500) lines[i] = '.' + lines[i]!;
  const body = lines.join('\r\n') + '\r\n';
  return Buffer.from(
    'From: cuenta2@aula.test\r\nTo: cuenta1@aula.test\r\nSubject: grande\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: text/plain; charset=US-ASCII\r\n\r\n' + body + '.\r\n-- \r\nfin\r\n',
    'latin1',
  );
}

/** RETR n; returns the byte-stuffed wire data and the message once unstuffed. */
async function retr(port: number, n: number, expectedSize: number): Promise<{ raw: Buffer; body: Buffer }> {
  const c = await login(port, 'cuenta1@aula.test', 'secreto1');
  try {
    const r = await c.multi(`RETR ${n}`);
    assert.equal(r.status, `+OK ${expectedSize} octets`);
    assert.equal(c.pending, 0, 'nothing after the terminating line');
    await c.ok('QUIT');
    return r;
  } finally {
    c.destroy();
  }
}

/** Asserts the stored file is trace + `sent`, and RETR's unstuffed bytes are that file. */
async function assertRoundTrip(port: number, n: number, file: { bytes(): Buffer; size: number }, sent: Buffer): Promise<Buffer> {
  const bytes = file.bytes();
  const { trace, rest } = splitTrace(bytes);
  assert.match(trace, /^Return-Path: <cuenta2@aula\.test>\r\nDelivered-To: cuenta1@aula\.test\r\nReceived: /);
  assert.equal(rest.length, sent.length, 'the stored file ends with exactly the bytes SMTP accepted');
  assert.equal(sha256(rest), sha256(sent));
  assert.equal(file.size, bytes.length, 'the index has the file size');
  const { raw, body } = await retr(port, n, bytes.length);
  assert.equal(body.length, bytes.length, 'RETR length');
  assert.equal(sha256(body), sha256(bytes), 'sha256 of RETR = sha256 of the stored .eml');
  return raw;
}

test('RETR of an 8-bit Latin-1 and a UTF-8 message is byte-exact, dot-led lines stuffed on the wire', async () => {
  const srv = await startLab();
  try {
    const latin1 = latin1Message();
    assert.ok(latin1.includes(Buffer.from([0xf1])), 'the test data really is Latin-1');
    await deliver(srv, 'cuenta1@aula.test', latin1, UTF8);
    const [a, b] = stored(srv, 'cuenta1@aula.test');
    assert.ok(a && b);

    const rawA = await assertRoundTrip(srv.pop3Port, 1, a, latin1);
    // SMTP delivered ".", "..", "...tres", ". espacio", ".final": the file holds them with one dot
    // less than on the SMTP wire, and POP3 stuffs each again.
    assert.ok(a.bytes().includes(Buffer.from('\r\n.\r\n..\r\n...tres\r\n. espacio\r\n.final\r\n', 'latin1')), 'SMTP stuffing undone in the file');
    assert.ok(rawA.includes(Buffer.from('\r\n..\r\n...\r\n....tres\r\n.. espacio\r\n..final\r\n', 'latin1')), 'POP3 stuffing on the wire');
    assert.ok(rawA.includes(HIGH), '8-bit bytes travel untouched');

    const rawB = await assertRoundTrip(srv.pop3Port, 2, b, UTF8);
    assert.ok(rawB.includes(Buffer.from('😀, 日本語.\r\n..\r\n...\r\n....tres\r\n.. espacio\r\n..línea con punto\r\n', 'utf8')));
  } finally {
    await srv.close();
  }
});

test('RETR of a 5 MB message is byte-exact', async () => {
  const srv = await startLab();
  try {
    const big = bigMessage();
    assert.ok(big.length > 5_000_000, `message is ${big.length} bytes`);
    await deliver(srv, 'cuenta1@aula.test', big);
    const [m] = stored(srv, 'cuenta1@aula.test');
    assert.ok(m);
    const raw = await assertRoundTrip(srv.pop3Port, 1, m, big);
    const dotLines = big.toString('latin1').split('\r\n').filter((l) => l.startsWith('.')).length;
    assert.ok(dotLines > 100);
    assert.equal(raw.length, m.size + dotLines, 'one stuffing dot per dot-led line, nothing else added');
  } finally {
    await srv.close();
  }
});
