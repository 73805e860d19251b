// Edges where clients and the RFCs meet: what real clients send before they know the mailbox
// (FETCH 1:* in an empty one), flags the server does not keep (\Recent in APPEND), and a COPY or
// MOVE of a message another session expunged before this one was told (RFC 2180 §4.4.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { append, fetches, login, logout, message, startLab, USER1 } from './kit';

test('FETCH 1:* and SEARCH in an empty mailbox answer OK with nothing, not BAD', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort, USER1, 'Junk');
    const f = await a.ok('FETCH 1:* (FLAGS)');
    assert.equal(fetches(f).length, 0);
    await a.ok('UID FETCH 1:* (FLAGS)');
    await a.ok('STORE 1:* +FLAGS (\\Seen)');
    // A number (not "*") beyond the mailbox is still the client's error.
    await a.bad('FETCH 1 (FLAGS)');
    await logout(a);
  } finally {
    await srv.close();
  }
});

test('APPEND with \\Recent among its flags is accepted and the flag is ignored', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    await append(a, 'Drafts', message('borrador', 'hola\r\n'), '(\\Recent \\Draft)');
    await a.ok('SELECT Drafts');
    const f = fetches(await a.ok('FETCH 1 (FLAGS)'))[0]!;
    assert.deepEqual(f.items.get('FLAGS'), ['\\Draft']);
    await logout(a);
  } finally {
    await srv.close();
  }
});

test('COPY or MOVE of a message expunged by another session fails with [EXPUNGEISSUED] and copies nothing', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    for (const s of ['uno', 'dos', 'tres']) await append(a, 'INBOX', message(s, `${s}\r\n`));
    await a.ok('SELECT INBOX');
    const b = await login(srv.imapPort, USER1, 'INBOX');
    await b.ok('STORE 2 +FLAGS.SILENT (\\Deleted)');
    await b.ok('EXPUNGE');
    // A still numbers the messages 1..3: message 2 is gone, but A has not been told.
    const copy = await a.cmd('COPY 1:3 Trash');
    assert.match(copy.status, /^NO \[EXPUNGEISSUED\]/, copy.tagged);
    // The NO itself brings the news (COPY may carry EXPUNGE, unlike FETCH/STORE/SEARCH).
    assert.ok(copy.lines.includes('* 2 EXPUNGE'), copy.lines.join('\n'));
    let st = await a.ok('STATUS Trash (MESSAGES)');
    assert.ok(st.lines.some((l) => /MESSAGES 0\)$/.test(l)), st.lines.join('\n'));
    // The same for MOVE: B removes what A calls message 1; A's MOVE 1:2 moves nothing.
    await b.ok('NOOP');
    await b.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.ok('EXPUNGE');
    const move = await a.cmd('MOVE 1:2 Trash');
    assert.match(move.status, /^NO \[EXPUNGEISSUED\]/, move.tagged);
    st = await a.ok('STATUS Trash (MESSAGES)');
    assert.ok(st.lines.some((l) => /MESSAGES 0\)$/.test(l)), st.lines.join('\n'));
    // Told now, A copies what exists.
    const ok = await a.ok('COPY 1 Trash');
    assert.match(ok.status, /COPYUID \d+ 3 1\]/, ok.tagged);
    await logout(a);
    await logout(b);
  } finally {
    await srv.close();
  }
});

test('a client that sends its commands and shuts down its side (nc -q) still gets every answer', async () => {
  const srv = await startLab();
  try {
    const { connect } = await import('node:net');
    const out = await new Promise<string>((resolve, reject) => {
      const s = connect(srv.imapPort, '127.0.0.1', () => s.end('a LOGIN cuenta1@aula.test secreto1\r\nb SELECT INBOX\r\nc LOGOUT\r\n'));
      let d = '';
      s.on('data', (c: Buffer) => (d += c.toString('latin1')));
      s.on('close', () => resolve(d));
      s.on('error', reject);
      setTimeout(() => reject(new Error('no close: ' + d)), 10_000).unref();
    });
    assert.match(out, /\r\na OK /);
    assert.match(out, /\r\nb OK \[READ-WRITE\]/);
    assert.match(out, /\r\nc OK LOGOUT/);
    // Without LOGOUT the server ends the connection itself once it has answered.
    const out2 = await new Promise<string>((resolve, reject) => {
      const s = connect(srv.imapPort, '127.0.0.1', () => s.end('a NOOP\r\n'));
      let d = '';
      s.on('data', (c: Buffer) => (d += c.toString('latin1')));
      s.on('close', () => resolve(d));
      s.on('error', reject);
      setTimeout(() => reject(new Error('no close: ' + d)), 10_000).unref();
    });
    assert.match(out2, /\r\na OK NOOP completed\r\n$/);
  } finally {
    await srv.close();
  }
});

test('a keyword new to the mailbox is announced with FLAGS and PERMANENTFLAGS, to its setter and to other sessions', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    await append(a, 'INBOX', message('uno', 'uno\r\n'));
    await a.ok('SELECT INBOX');
    const b = await login(srv.imapPort, USER1, 'INBOX');
    const set = await a.ok('STORE 1 +FLAGS ($Trabajo)');
    const flagsAt = set.lines.findIndex((l) => /^\* FLAGS \(.*\$Trabajo/.test(l));
    const fetchAt = set.lines.findIndex((l) => /^\* 1 FETCH/.test(l));
    assert.ok(flagsAt >= 0 && flagsAt < fetchAt, set.lines.join('\n'));
    assert.ok(set.lines.some((l) => /PERMANENTFLAGS \(.*\$Trabajo.*\\\*\)/.test(l)), set.lines.join('\n'));
    const n = await b.ok('NOOP');
    const i = n.lines.findIndex((l) => /^\* FLAGS \(.*\$Trabajo/.test(l));
    assert.ok(i >= 0 && i < n.lines.findIndex((l) => /^\* 1 FETCH .*\$Trabajo/.test(l)), n.lines.join('\n'));
    // Known from now on: a later SELECT lists it at once, and setting it again announces nothing.
    assert.ok((await b.ok('SELECT INBOX')).lines.some((l) => /^\* FLAGS \(.*\$Trabajo/.test(l)));
    const again = await a.ok('STORE 1 +FLAGS ($Trabajo)');
    assert.ok(!again.lines.some((l) => l.startsWith('* FLAGS')), again.lines.join('\n'));
    await logout(a);
    await logout(b);
  } finally {
    await srv.close();
  }
});
