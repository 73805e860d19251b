// The POP3 telnet session of the course notes, typed line by line on a raw socket after the
// "+OK POP3 server ready" greeting: USER/PASS, STAT, LIST, LIST n, TOP, RETR, DELE, RSET, NOOP,
// UIDL and QUIT, each reply checked against what the server stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deliver, greet, headerAndBody, stored, startLab } from './kit';

const FIRST =
  'From: cuenta2@aula.test\r\nTo: cuenta1@aula.test\r\nSubject: Novedades\r\n\r\n' +
  'Hola, como hoy estreno nueva peluca...\r\n.empieza con punto\r\ntercera linea\r\ncuarta linea\r\n';
const SECOND = 'From: cuenta2@aula.test\r\nTo: cuenta1@aula.test\r\nSubject: Otra\r\n\r\nSegundo mensaje.\r\n';

test('course telnet session: USER/PASS, STAT, LIST, TOP, RETR, DELE, RSET, NOOP, UIDL, QUIT', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', FIRST, SECOND);
    const [m1, m2] = stored(srv, 'cuenta1@aula.test');
    assert.ok(m1 && m2, 'two messages stored');
    const f1 = m1.bytes();
    const f2 = m2.bytes();
    assert.equal(m1.size, f1.length);
    assert.equal(m2.size, f2.length);
    const total = f1.length + f2.length;

    const c = await greet(srv.pop3Port);
    assert.equal(await c.ok('USER cuenta1@aula.test'), '+OK send PASS');
    assert.equal(await c.ok('PASS secreto1'), `+OK maildrop has 2 messages (${total} octets)`);
    assert.equal(await c.ok('STAT'), `+OK 2 ${total}`);

    const list = await c.multi('LIST');
    assert.equal(list.status, `+OK 2 messages (${total} octets)`);
    assert.deepEqual(list.lines, [`1 ${f1.length}`, `2 ${f2.length}`]);
    assert.equal(await c.ok('LIST 2'), `+OK 2 ${f2.length}`);
    assert.equal(await c.err('LIST 3'), '-ERR no such message, only 2 messages in maildrop');

    // TOP n 0: the header and the empty line that ends it, nothing of the body.
    const { header, body } = headerAndBody(f1);
    const top0 = await c.multi('TOP 1 0');
    assert.ok(top0.body.equals(header), `TOP 1 0 is the header: ${top0.body.toString('latin1')}`);
    // TOP n 2: two body lines; the second starts with a dot, so it is stuffed on the wire.
    const top2 = await c.multi('TOP 1 2');
    assert.equal(top2.body.toString('latin1'), header.toString('latin1') + 'Hola, como hoy estreno nueva peluca...\r\n.empieza con punto\r\n');
    assert.ok(top2.raw.toString('latin1').endsWith('\r\n..empieza con punto\r\n'), 'the dot-led line is byte-stuffed');
    assert.equal(body.toString('latin1'), 'Hola, como hoy estreno nueva peluca...\r\n.empieza con punto\r\ntercera linea\r\ncuarta linea\r\n');
    // More lines than the body has: the whole message.
    assert.ok((await c.multi('TOP 1 99')).body.equals(f1), 'TOP 1 99 is the whole message');

    const retr = await c.multi('RETR 1');
    assert.equal(retr.status, `+OK ${f1.length} octets`);
    assert.ok(retr.body.equals(f1), 'RETR 1 returns the stored message');
    const retr2 = await c.multi('RETR 2');
    assert.ok(retr2.body.equals(f2), 'RETR 2 returns the stored message');

    const uidl = await c.multi('UIDL');
    assert.equal(uidl.lines.length, 2);
    const [u1, u2] = uidl.lines.map((l) => l.split(' '));
    assert.equal(u1![0], '1');
    assert.equal(u2![0], '2');
    assert.match(u1![1]!, /^[\x21-\x7e]{1,70}$/, 'RFC 1939 unique-id: 1 to 70 printable characters');
    assert.notEqual(u1![1], u2![1]);
    assert.equal(await c.ok('UIDL 2'), `+OK 2 ${u2![1]}`);

    assert.equal(await c.ok('DELE 1'), '+OK message 1 deleted');
    assert.equal(await c.ok('STAT'), `+OK 1 ${f2.length}`);
    const after = await c.multi('LIST');
    assert.equal(after.status, `+OK 1 messages (${f2.length} octets)`);
    assert.deepEqual(after.lines, [`2 ${f2.length}`], 'a deleted message is not listed; the others keep their numbers');
    await c.err('LIST 1', /deleted/);
    await c.err('RETR 1', /deleted/);
    await c.err('DELE 1', /deleted/);
    assert.deepEqual((await c.multi('UIDL')).lines, [`2 ${u2![1]}`]);

    assert.match(await c.ok('RSET'), new RegExp(`^\\+OK maildrop has 2 messages \\(${total} octets\\)$`));
    assert.equal(await c.ok('STAT'), `+OK 2 ${total}`);
    assert.equal(await c.ok('NOOP'), '+OK');

    // Delete the second one for good.
    await c.ok('DELE 2');
    assert.match(await c.ok('QUIT'), /^\+OK .*signing off \(1 messages left\)$/);
    assert.ok(await c.closedByServer(), 'the server closes after QUIT');

    const left = stored(srv, 'cuenta1@aula.test');
    assert.deepEqual(left.map((m) => m.file), [m1.file], 'only the first message is left');
    assert.equal(m2.exists(), false, 'the deleted message file is gone');
    assert.ok(left[0]!.bytes().equals(f1));

    // A new session numbers what is left from 1 and keeps its unique id.
    const d = await greet(srv.pop3Port);
    await d.ok('USER cuenta1');
    assert.equal(await d.ok('PASS secreto1'), `+OK maildrop has 1 messages (${f1.length} octets)`);
    assert.equal(await d.ok('UIDL 1'), `+OK 1 ${u1![1]}`);
    assert.equal(await d.err('RETR 2'), '-ERR no such message, only 1 messages in maildrop');
    await d.ok('QUIT');
  } finally {
    await srv.close();
  }
});
