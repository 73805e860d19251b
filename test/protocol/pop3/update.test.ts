// The UPDATE state (RFC 1939 §6): only QUIT removes what DELE marked, from disk and from the
// index; RSET unmarks; a dropped connection removes nothing. UIDL survives a restart. RETR marks
// \Seen in the index, TOP does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer, type TestServer } from '../../helpers/start-server';
import type { PortStatus } from '../../../src-main/shared/model/entities';
import { deliver, greet, login, stored, until, startLab } from './kit';

const msg = (n: number): string => `From: cuenta2@aula.test\r\nTo: cuenta1@aula.test\r\nSubject: mensaje ${n}\r\n\r\nCuerpo ${n}.\r\nSegunda linea.\r\n`;

async function accountSize(srv: TestServer): Promise<number> {
  const accounts = await srv.call<{ address: string; sizeBytes: number }[]>('accounts', 'list');
  return accounts.find((a) => a.address === 'cuenta1@aula.test')!.sizeBytes;
}

test('DELE + QUIT removes the message from disk and index; DELE + RSET + QUIT and DELE + drop keep it', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', msg(1), msg(2), msg(3));
    const before = stored(srv, 'cuenta1@aula.test');
    assert.equal(before.length, 3);
    const sizeBefore = await accountSize(srv);

    // DELE + RSET + QUIT: nothing removed.
    const a = await login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    await a.ok('DELE 1');
    await a.ok('DELE 3');
    await a.ok('RSET');
    await a.ok('QUIT', /\(3 messages left\)/);
    assert.ok(await a.closedByServer());
    assert.deepEqual(stored(srv, 'cuenta1@aula.test').map((m) => m.file), before.map((m) => m.file));
    assert.ok(before.every((m) => m.exists()));

    // DELE + dropped connection: nothing removed (and the lock is released: the next login works).
    const b = await login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    await b.ok('DELE 1');
    await b.ok('DELE 2');
    b.destroy();
    const c = await login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    assert.equal(await c.ok('STAT'), `+OK 3 ${before.reduce((s, m) => s + m.size, 0)}`);
    assert.deepEqual(stored(srv, 'cuenta1@aula.test').map((m) => m.file), before.map((m) => m.file));
    assert.ok(before.every((m) => m.exists()));

    // DELE + QUIT: message 2 is gone, from the index and from disk, and from the account's size.
    await c.ok('DELE 2');
    assert.deepEqual(stored(srv, 'cuenta1@aula.test').length, 3, 'DELE alone changes nothing on disk');
    await c.ok('QUIT', /\(2 messages left\)/);
    assert.ok(await c.closedByServer());
    const after = stored(srv, 'cuenta1@aula.test');
    assert.deepEqual(after.map((m) => m.file), [before[0]!.file, before[2]!.file]);
    assert.equal(before[1]!.exists(), false, 'the file of the deleted message is removed');
    assert.ok(before[0]!.exists() && before[2]!.exists());
    assert.equal(await accountSize(srv), sizeBefore - before[1]!.size, 'the account size shrinks by the message size');

    const d = await login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    const list = await d.multi('LIST');
    assert.deepEqual(list.lines, [`1 ${before[0]!.size}`, `2 ${before[2]!.size}`]);
    assert.equal((await d.multi('RETR 2')).body.toString('latin1').endsWith('Subject: mensaje 3\r\n\r\nCuerpo 3.\r\nSegunda linea.\r\n'), true);
    await d.ok('QUIT');
  } finally {
    await srv.close();
  }
});

test('UIDL is identical before and after a server restart on the same data folder', async () => {
  const first = await startLab();
  const dir = first.dir;
  let second: TestServer | undefined;
  let firstOpen = true;
  try {
    await deliver(first, 'cuenta1@aula.test', msg(1), msg(2), msg(3));
    const a = await login(first.pop3Port, 'cuenta1@aula.test', 'secreto1');
    const uidlBefore = (await a.multi('UIDL')).lines;
    assert.equal(uidlBefore.length, 3);
    assert.equal(new Set(uidlBefore.map((l) => l.split(' ')[1])).size, 3, 'unique ids differ');
    await a.ok('QUIT');

    await first.host.close();
    firstOpen = false;
    second = await startServer({ dir });
    const b = await login(second.pop3Port, 'cuenta1@aula.test', 'secreto1');
    assert.deepEqual((await b.multi('UIDL')).lines, uidlBefore, 'same numbers and unique ids after the restart');
    // Removing message 1 renumbers the rest, but each keeps its unique id.
    await b.ok('DELE 1');
    await b.ok('QUIT');
    const c = await login(second.pop3Port, 'cuenta1@aula.test', 'secreto1');
    const ids = uidlBefore.map((l) => l.split(' ')[1]);
    assert.deepEqual((await c.multi('UIDL')).lines, [`1 ${ids[1]}`, `2 ${ids[2]}`]);
    await c.ok('QUIT');
  } finally {
    if (second) await second.close();
    if (firstOpen) await first.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('RETR marks \\Seen in the index, TOP does not', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', msg(1), msg(2));
    const flags = (): string[] => stored(srv, 'cuenta1@aula.test').map((m) => m.flags);
    assert.ok(flags().every((f) => !f.includes('\\Seen')), 'new mail is unseen');

    const c = await login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    await c.multi('TOP 1 0');
    await c.multi('TOP 1 10');
    await c.multi('TOP 2 1');
    assert.ok(flags().every((f) => !f.includes('\\Seen')), `TOP leaves messages unseen: ${JSON.stringify(flags())}`);
    await c.multi('RETR 2');
    const [f1, f2] = flags();
    assert.ok(!f1!.includes('\\Seen'), 'message 1 still unseen');
    assert.ok(f2!.split(' ').includes('\\Seen'), `RETR 2 marked it \\Seen: ${f2}`);
    // A second RETR does not add the flag twice.
    await c.multi('RETR 2');
    assert.equal(flags()[1]!.split(' ').filter((f) => f === '\\Seen').length, 1);
    await c.ok('QUIT');
    assert.ok(flags()[1]!.includes('\\Seen'), 'the flag stays after QUIT');
    assert.ok(!flags()[0]!.includes('\\Seen'));
  } finally {
    await srv.close();
  }
});

test('stopping the POP3 listener tells plain and STLS sessions -ERR [SYS/TEMP] and applies no DELE', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', msg(1));
    await deliver(srv, 'cuenta2@aula.test', msg(2));
    const plainSession = await login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    await plainSession.ok('DELE 1');
    const tlsSession = await greet(srv.pop3Port);
    await tlsSession.ok('STLS');
    await tlsSession.startTls();
    await tlsSession.ok('USER cuenta2@aula.test');
    await tlsSession.ok('PASS secreto2');
    await tlsSession.ok('DELE 1');

    const ports = await srv.call<PortStatus[]>('ports', 'list');
    const entry = ports.find((p) => p.protocol === 'pop3' && p.port === 110)!;
    await srv.call('ports', 'update', { id: entry.id, enabled: false });

    for (const c of [plainSession, tlsSession]) {
      assert.match(await c.line(), /^-ERR \[SYS\/TEMP\] /);
      assert.ok(await c.closedByServer());
    }
    await until(() => srv.host.boundPort('pop3', 110) === undefined, 'the listener to stop');
    assert.equal(stored(srv, 'cuenta1@aula.test').length, 1, 'no UPDATE without QUIT');
    assert.equal(stored(srv, 'cuenta2@aula.test').length, 1, 'no UPDATE without QUIT (TLS)');
  } finally {
    await srv.close();
  }
});
