// Bad input: garbage bytes, an HTTP request, 100 KB lines with and without a line end, commands
// in the wrong state. Each gets -ERR and the session goes on, while another session works
// normally; more than 20 bad commands close the session. Pipelined commands are answered in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { GREETING, deliver, greet, login, stored, Pop3Client, startLab } from './kit';

const MESSAGE = 'From: cuenta2@aula.test\r\nSubject: normal\r\n\r\nUna sesion normal.\r\n.con punto\r\n';

/** Random bytes without CR or LF, so they make exactly one command line. */
function garbageLine(n: number): Buffer {
  const b = randomBytes(n);
  for (let i = 0; i < b.length; i++) if (b[i] === 0x0a || b[i] === 0x0d) b[i] = 0x00;
  return Buffer.concat([b, Buffer.from('\r\n')]);
}

async function expectErrThenCapa(c: Pop3Client): Promise<void> {
  assert.match(await c.line(), /^-ERR /);
  // The session is still usable: a valid command answers normally.
  const capa = await c.multi('CAPA');
  assert.ok(capa.lines.includes('USER'));
}

async function badSession(port: number): Promise<void> {
  const c = await greet(port);
  // A TRANSACTION command before logging in.
  await c.err('STAT', /log in/);
  await c.err('RETR 1');
  // Random bytes (including NUL and 8-bit) as one line.
  c.write(garbageLine(300));
  await expectErrThenCapa(c);
  // An HTTP request: one -ERR per line, the empty line included.
  const http = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n';
  c.write(http);
  for (let i = 0; i < 5; i++) assert.match(await c.line(), /^-ERR /, `HTTP line ${i + 1}`);
  assert.ok((await c.multi('CAPA')).lines.includes('USER'));
  // A 100 KB line with its line end: one -ERR.
  c.write('X'.repeat(100 * 1024) + '\r\n');
  await expectErrThenCapa(c);
  // A 100 KB line without a line end: -ERR before the line ends, the rest of it is ignored, and
  // the session goes on after the line end.
  c.write('NOOP ' + 'Y'.repeat(100 * 1024));
  assert.match(await c.line(), /^-ERR .*too long/);
  c.write('Z'.repeat(50 * 1024));
  c.write('\r\n');
  const capa = await c.multi('CAPA');
  assert.ok(capa.lines.includes('USER'), 'the tail of the long line produced no reply of its own');
  // Log in, then an AUTHORIZATION command in TRANSACTION.
  await c.ok('USER cuenta1@aula.test');
  await c.ok('PASS secreto1');
  await c.err('USER cuenta1@aula.test', /not allowed/);
  await c.err('PASS secreto1');
  await c.err('STLS');
  await c.err('RETR 0', /invalid message number/);
  await c.err('RETR -1');
  await c.err('RETR 99999999999');
  await c.err('TOP 1');
  await c.err('TOP 1 x');
  await c.err('DELE');
  assert.match(await c.ok('STAT'), /^\+OK 1 \d+$/);
  // 8-bit garbage in TRANSACTION too.
  c.write(garbageLine(1000));
  assert.match(await c.line(), /^-ERR /);
  assert.equal(c.pending, 0, 'one reply per bad line');
  await c.ok('NOOP');
  await c.ok('QUIT');
  assert.ok(await c.closedByServer());
}

async function normalSession(port: number, expected: Buffer): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const c = await login(port, 'cuenta2@aula.test', 'secreto2');
    assert.match(await c.ok('STAT'), /^\+OK 1 \d+$/);
    const r = await c.multi('RETR 1');
    assert.ok(r.body.equals(expected), 'RETR in the concurrent session');
    await c.ok('QUIT');
  }
}

test('garbage, an HTTP request, 100 KB lines and out-of-state commands get -ERR; another session works meanwhile', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', MESSAGE);
    await deliver(srv, 'cuenta2@aula.test', MESSAGE);
    const expected = stored(srv, 'cuenta2@aula.test')[0]!.bytes();
    await Promise.all([badSession(srv.pop3Port), normalSession(srv.pop3Port, expected)]);
    assert.equal(stored(srv, 'cuenta1@aula.test').length, 1);
  } finally {
    await srv.close();
  }
});

test('20 bad commands are tolerated, the 21st closes the session without applying DELE', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', MESSAGE);
    const c = await login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    await c.ok('DELE 1');
    const bad = ['FOO', 'HELO x', 'EHLO x', 'USER x', 'PASS y', '', 'AUTH PLAIN', 'STLS', 'GET /', 'MAIL FROM:<a@b>'];
    for (let i = 0; i < 20; i++) await c.err(bad[i % bad.length]!);
    // Still usable after 20.
    await c.ok('NOOP');
    assert.match(await c.ok('STAT'), /^\+OK 0 0$/);
    // The 21st bad command: its -ERR, a closing -ERR, and the server closes.
    c.send('XYZZY');
    assert.match(await c.line(), /^-ERR /);
    assert.match(await c.line(), /^-ERR .*too many bad commands/);
    assert.ok(await c.closedByServer(), 'the session is closed');
    assert.equal(c.pending, 0);
    // Closing is not QUIT: the message marked deleted is still there, and the lock is released.
    assert.equal(stored(srv, 'cuenta1@aula.test').length, 1);
    const d = await login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    await d.ok('STAT', /^\+OK 1 \d+$/);
    await d.ok('QUIT');
  } finally {
    await srv.close();
  }
});

test('pipelining: USER, PASS, STAT, LIST, QUIT in one write are answered in order', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', MESSAGE, MESSAGE);
    const [m1, m2] = stored(srv, 'cuenta1@aula.test');
    const total = m1!.size + m2!.size;

    const c = await greet(srv.pop3Port);
    c.write('USER cuenta1@aula.test\r\nPASS secreto1\r\nSTAT\r\nLIST\r\nQUIT\r\n');
    assert.equal(await c.line(), '+OK send PASS');
    assert.equal(await c.line(), `+OK maildrop has 2 messages (${total} octets)`);
    assert.equal(await c.line(), `+OK 2 ${total}`);
    assert.equal(await c.line(), `+OK 2 messages (${total} octets)`);
    assert.equal(await c.line(), `1 ${m1!.size}`);
    assert.equal(await c.line(), `2 ${m2!.size}`);
    assert.equal(await c.line(), '.');
    assert.match(await c.line(), /^\+OK .*signing off/);
    assert.ok(await c.closedByServer());

    // A longer batch with multi-line replies, errors, DELE and RSET in the middle.
    const d = await greet(srv.pop3Port);
    d.write('CAPA\r\nUSER cuenta1\r\nPASS secreto1\r\nRETR 1\r\nRETR 9\r\nTOP 2 0\r\nDELE 1\r\nUIDL\r\nSTAT\r\nNOOP\r\nRSET\r\nSTAT\r\nQUIT\r\nNOOP\r\nSTAT\r\n');
    assert.equal(await d.line(), '+OK Capability list follows');
    assert.ok((await d.multiline()).body.toString('latin1').includes('\r\nPIPELINING\r\n'));
    assert.equal(await d.line(), '+OK send PASS');
    assert.equal(await d.line(), `+OK maildrop has 2 messages (${total} octets)`);
    assert.equal(await d.line(), `+OK ${m1!.size} octets`);
    assert.ok((await d.multiline()).body.equals(m1!.bytes()), 'RETR 1 in the batch');
    assert.equal(await d.line(), '-ERR no such message, only 2 messages in maildrop');
    assert.match(await d.line(), /^\+OK /);
    assert.ok((await d.multiline()).body.toString('latin1').endsWith('Subject: normal\r\n\r\n'), 'TOP 2 0 in the batch');
    assert.equal(await d.line(), '+OK message 1 deleted');
    assert.match(await d.line(), /^\+OK /);
    assert.match((await d.multiline()).body.toString('latin1'), /^2 \S+\r\n$/);
    assert.equal(await d.line(), `+OK 1 ${m2!.size}`);
    assert.equal(await d.line(), '+OK');
    assert.equal(await d.line(), `+OK maildrop has 2 messages (${total} octets)`);
    assert.equal(await d.line(), `+OK 2 ${total}`);
    assert.match(await d.line(), /^\+OK .*signing off \(2 messages left\)$/);
    assert.ok(await d.closedByServer());
    assert.equal(d.pending, 0, 'nothing answered after QUIT');
    assert.equal(stored(srv, 'cuenta1@aula.test').length, 2, 'RSET undid the DELE');
  } finally {
    await srv.close();
  }
});

test('RETR of a message whose file has gone answers -ERR and the session goes on', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', MESSAGE, MESSAGE);
    const [m1, m2] = stored(srv, 'cuenta1@aula.test');
    const c = await login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    unlinkSync(m1!.path);
    await c.err('RETR 1', /^-ERR \[SYS\/(TEMP|PERM)\] /);
    await c.err('TOP 1 0', /^-ERR \[SYS\/(TEMP|PERM)\] /);
    await c.ok('NOOP');
    assert.ok((await c.multi('RETR 2')).body.equals(m2!.bytes()));
    await c.ok('QUIT');
  } finally {
    await srv.close();
  }
});

/**
 * Connects until the greeting comes instead of "too many connections": the server counts a
 * connection as gone only when its socket closes on the server side, which may come a moment
 * after the client has seen the close. Polls (each refusal waited out, then a short pause so the
 * retries do not keep the one slot busy themselves) until a deadline.
 */
async function greetWhenSlotFree(port: number, timeoutMs = 5_000): Promise<Pop3Client> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await Pop3Client.open(port);
    const first = await c.line();
    if (first === GREETING) return c;
    assert.match(first, /^-ERR \[SYS\/TEMP\] too many connections/);
    assert.ok(await c.closedByServer(), 'a refused connection is closed');
    if (Date.now() > deadline) assert.fail('the connection slot was never given back');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('STLS sessions give their connection slot back when they end (pop3.maxConnections = 1)', async () => {
  const srv = await startLab({ settings: { 'pop3.maxConnections': 1 } });
  try {
    for (let i = 0; i < 3; i++) {
      const c = await greetWhenSlotFree(srv.pop3Port);
      await c.ok('STLS');
      await c.startTls();
      await c.ok('USER cuenta1@aula.test');
      await c.ok('PASS secreto1');
      await c.ok('QUIT');
      assert.ok(await c.closedByServer());
    }
    // While one session is open, a second one is refused.
    const held = await greetWhenSlotFree(srv.pop3Port);
    const refused = await Pop3Client.open(srv.pop3Port);
    assert.match(await refused.line(), /^-ERR \[SYS\/TEMP\] too many connections/);
    assert.ok(await refused.closedByServer());
    await held.ok('QUIT');
  } finally {
    await srv.close();
  }
});
