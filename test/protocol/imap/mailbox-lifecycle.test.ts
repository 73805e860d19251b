// What clients do to folders while they have them open, and what a cached UIDVALIDITY must
// survive: renames keep a selected mailbox selected, a refused DELETE changes nothing, a deleted
// special folder is not recreated behind the user's back, every mailbox has its own UIDVALIDITY,
// RENAME INBOX into its own child, APPEND to a missing mailbox refused before the upload, and a
// client that hangs up its side during IDLE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { append, fetches, listed, login, logout, message, startLab, statusOf, USER1 } from './kit';

test('RENAME of the selected mailbox keeps it selected; a refused DELETE leaves the session as it was', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    await a.ok('CREATE Proyectos/2026');
    await append(a, 'Proyectos', message('uno', 'uno\r\n'));
    await a.ok('SELECT Proyectos');
    const other = await login(srv.imapPort, USER1, 'Proyectos');
    await a.ok('RENAME Proyectos Trabajo');
    assert.equal(fetches(await a.ok('FETCH 1 (UID)')).length, 1, 'still selected after its own RENAME');
    assert.equal(fetches(await other.ok('FETCH 1 (UID)')).length, 1, 'and so is another session that had it open');
    const list = listed(await a.ok('LIST "" "*"'));
    assert.ok(list.has('Trabajo') && list.has('Trabajo/2026') && !list.has('Proyectos'), [...list.keys()].join(','));
    // DELETE refused (it has a child): NO, and the session is still in the mailbox.
    await a.no('DELETE Trabajo');
    assert.equal(fetches(await a.ok('FETCH 1 (UID)')).length, 1);
    await logout(other);
    await logout(a);
  } finally {
    await srv.close();
  }
});

test('each mailbox has its own UIDVALIDITY; a deleted special folder is not recreated; a renamed one never looks like the old', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    const names = ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk'];
    const v = new Map<string, number>();
    for (const n of names) v.set(n, statusOf(await a.ok(`STATUS ${n} (UIDVALIDITY)`), n).UIDVALIDITY!);
    assert.equal(new Set(v.values()).size, names.length, JSON.stringify([...v]));
    await a.ok('DELETE Trash');
    assert.ok(!listed(await a.ok('LIST "" "*"')).has('Trash'), 'not recreated by the next LIST');
    await a.ok('RENAME Junk Trash');
    const now = statusOf(await a.ok('STATUS Trash (UIDVALIDITY)'), 'Trash').UIDVALIDITY!;
    assert.notEqual(now, v.get('Trash'), 'a client that cached Trash must see it is another mailbox');
    await logout(a);
  } finally {
    await srv.close();
  }
});

test('RENAME INBOX INBOX/Old moves the messages into the child and leaves INBOX empty', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    await append(a, 'INBOX', message('viejo', 'a\r\n'));
    await append(a, 'INBOX', message('viejo2', 'b\r\n'));
    await a.ok('RENAME INBOX INBOX/Old');
    assert.equal(statusOf(await a.ok('STATUS INBOX (MESSAGES)'), 'INBOX').MESSAGES, 0);
    assert.equal(statusOf(await a.ok('STATUS INBOX/Old (MESSAGES)'), 'INBOX/Old').MESSAGES, 2);
    await logout(a);
  } finally {
    await srv.close();
  }
});

test('APPEND of a large message to a mailbox that does not exist: NO [TRYCREATE] before any "+"', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    a.send(`T1 APPEND NoExiste {${200_000}}`);
    const reply = await a.line();
    assert.match(reply, /^T1 NO \[TRYCREATE\]/, reply);
    await a.ok('NOOP'); // the session goes on
    await logout(a);
  } finally {
    await srv.close();
  }
});

test('a client that shuts down its side during IDLE is disconnected, not left waiting', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort, USER1, 'INBOX');
    a.send('I1 IDLE');
    assert.match(await a.line(), /^\+ /);
    a.socket.end();
    assert.equal(await a.closedByServer(10_000), true);
  } finally {
    await srv.close();
  }
});
