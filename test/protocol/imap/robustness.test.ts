// Hostile and careless clients on raw sockets: wrong passwords ban the IP across IMAP, POP3 and
// SMTP; garbage, unbalanced syntax and NUL bytes get BAD; a literal above the max message size is
// refused ([TOOBIG] without "+" when synchronizing; skipped, never run as commands, with LITERAL+);
// a 100 KB line; too many bad commands end in BYE; clients vanishing mid-literal and mid-FETCH.
// Meanwhile another session keeps working, and the server is still up at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BannedIp } from '../../../src-main/shared/model/entities';
import { LineClient } from '../../helpers/line-client';
import { append, b64, connectImap, fetchOne, ImapClient, login, logout, message, plain, pop3Greet, Pop3Client, sha256, smtpOpen, expectReply, startLab, USER1 } from './kit';

async function assertImapRefused(port: number): Promise<void> {
  const c = await ImapClient.open(port);
  assert.match(await c.line(), /^\* BYE /, 'a banned IP gets BYE instead of the greeting');
  assert.ok(await c.closedByServer());
}

test('three wrong IMAP passwords ban 127.0.0.1 for IMAP, POP3 and SMTP; a logged-in session is not cut', async () => {
  const srv = await startLab();
  try {
    const keep = await login(srv.imapPort, USER1, 'INBOX');
    const c = await connectImap(srv.imapPort);
    await c.no(`LOGIN ${USER1.user} mal1`, /^NO \[AUTHENTICATIONFAILED\]/);
    await c.no(`AUTHENTICATE PLAIN ${b64('\0cuenta1@aula.test\0mal2')}`, /^NO \[AUTHENTICATIONFAILED\]/);
    const third = await c.cmd('LOGIN nadie@aula.test mal3');
    assert.match(third.status, /^NO\b/);
    assert.ok(await c.closedByServer(), 'the banning failure ends the session');
    assert.deepEqual((await srv.call<BannedIp[]>('autoban', 'list')).map((b) => b.ip), ['127.0.0.1']);

    await assertImapRefused(srv.imapPort);
    const p = await Pop3Client.open(srv.pop3Port);
    assert.match(await p.line(), /^-ERR /);
    assert.ok(await p.closedByServer());
    const s = await LineClient.open(srv.smtpPort);
    assert.match((await s.reply()).text, /^421 /);
    assert.ok(await s.closedByServer());

    await keep.ok('NOOP');
    await logout(keep);
  } finally {
    await srv.close();
  }
});

test('failures add up across protocols: SMTP AUTH + POP3 + IMAP from one IP', async () => {
  const srv = await startLab();
  try {
    const s = await smtpOpen(srv.smtpPort);
    await expectReply(s, 'EHLO cliente.test', /^250[ -]/);
    await expectReply(s, `AUTH PLAIN ${plain('cuenta1@aula.test', 'mal1')}`, /^535 /);
    s.close();
    const p = await pop3Greet(srv.pop3Port);
    await p.ok('USER cuenta1@aula.test');
    await p.err('PASS mal2');
    p.destroy();
    const c = await connectImap(srv.imapPort);
    assert.match((await c.cmd(`LOGIN ${USER1.user} mal3`)).status, /^NO\b/);
    assert.ok(await c.closedByServer());
    await assertImapRefused(srv.imapPort);
    // Lifting the ban lets IMAP in again.
    const [ban] = await srv.call<BannedIp[]>('autoban', 'list');
    await srv.call('autoban', 'unban', { id: ban!.id });
    const d = await login(srv.imapPort);
    await logout(d);
  } finally {
    await srv.close();
  }
});

test('garbage, unbalanced syntax, NUL bytes and unknown commands get BAD; the session and another one keep working', async () => {
  const srv = await startLab();
  try {
    const other = await login(srv.imapPort, USER1, 'INBOX');
    await append(other, 'INBOX', message('sigue', 'aqui\r\n'));
    const c = await login(srv.imapPort, USER1, 'INBOX');
    await c.bad('FOOBAR');
    await c.bad('FETCH 1 (FLAGS');
    await c.bad('FETCH 1 FLAGS)');
    await c.bad('FETCH 1 BODY[HEADER.FIELDS (SUBJECT]');
    await c.bad('SELECT "sin cerrar');
    await c.bad('FETCH 1:2:3 FLAGS');
    await c.bad('FETCH 4294967296 FLAGS');
    await c.bad('SEARCH ' + 'NOT '.repeat(500) + 'ALL');
    await c.bad('FETCH 1 ' + '('.repeat(200) + 'FLAGS' + ')'.repeat(200));
    c.write(Buffer.from([0x41, 0x31, 0x20, 0x00, 0xff, 0xfe, 0x0d, 0x0a]));
    assert.match(await c.line(), /^(A1|\*) BAD\b/);
    // An empty line may be ignored or answered BAD; either way the next command is answered.
    c.write('\r\nE1 NOOP\r\n');
    const e = await c.line();
    if (!e.startsWith('E1 ')) {
      assert.match(e, /^\S* ?BAD\b/, e);
      assert.match(await c.line(), /^E1 OK\b/);
    }
    c.write('NOTAG\r\n');
    assert.match(await c.line(), /BAD\b/);
    c.write('+ NOOP\r\n');
    assert.match(await c.line(), /BAD\b/, '"+" is not a tag');
    await c.ok('NOOP');
    assert.equal(String(fetchOne(await c.ok('FETCH 1 (BODY.PEEK[TEXT])')).items.get('BODY[TEXT]')), 'aqui\r\n');
    await other.ok('NOOP');
    await logout(c);
    await logout(other);
  } finally {
    await srv.close();
  }
});

test('literal above the max message size: synchronizing → NO [TOOBIG] without "+"; LITERAL+ → the bytes are skipped, NO; never run as commands', async () => {
  const srv = await startLab({ settings: { 'smtp.maxMessageSizeKb': 64 } });
  try {
    const other = await login(srv.imapPort, USER1, 'INBOX');
    const c = await login(srv.imapPort);
    const size = 100 * 1024;

    c.send(`T1 APPEND INBOX {${size}}`);
    const first = await c.line();
    assert.match(first, /^T1 NO \[TOOBIG\]/, `no "+" for a literal that is too big: ${first}`);
    await c.ok('NOOP');

    // The LITERAL+ bytes carry lines that look like commands: they must be skipped, not run.
    const evil = Buffer.alloc(size, 0x61);
    const inject = Buffer.from('\r\nX1 LOGOUT\r\nX2 DELETE Trash\r\n');
    inject.copy(evil, 1000);
    inject.copy(evil, size - inject.length - 10);
    c.write(Buffer.concat([Buffer.from(`T2 APPEND INBOX {${size}+}\r\n`), evil, Buffer.from('\r\n')]));
    const r = await c.collect('T2');
    assert.match(r.status, /^NO\b/, r.tagged);
    assert.deepEqual(r.lines.filter((l) => !/^\* (OK|NO)\b/.test(l)), [], JSON.stringify(r.lines));
    const n = await c.ok('NOOP');
    assert.deepEqual(n.lines, [], 'nothing from the injected lines');
    assert.equal(c.pending, 0);
    await c.ok('STATUS Trash (MESSAGES)');
    // Exactly at the limit is fine.
    const okMsg = Buffer.from(message('limite', 'y'.repeat(64 * 1024 - 400) + '\r\n'));
    assert.ok(okMsg.length <= 64 * 1024);
    const uid = await append(c, 'INBOX', okMsg);
    assert.ok(uid > 0);
    await c.ok('SELECT INBOX');
    assert.equal(sha256(fetchOne(await c.ok('FETCH 1 BODY.PEEK[]')).items.get('BODY[]') as Buffer), sha256(okMsg));
    await other.ok('NOOP');
    await logout(c);
    await logout(other);
  } finally {
    await srv.close();
  }
});

test('a 100 KB line ends that session (BAD, then BYE, as Dovecot does); too many bad commands end with BYE; others are unaffected', async () => {
  const srv = await startLab();
  try {
    const other = await login(srv.imapPort, USER1, 'INBOX');
    const long = await login(srv.imapPort);
    long.write(`L1 NOOP ${'x'.repeat(100 * 1024)}\r\n`);
    const l = await long.line();
    assert.match(l, /^L1 BAD .*too long/i, l.slice(0, 100));
    assert.match(await long.line(), /^\* BYE /);
    assert.ok(await long.closedByServer());
    const c = await login(srv.imapPort);
    await c.ok('NOOP');

    const d = await login(srv.imapPort);
    let bye = '';
    for (let i = 0; i < 60 && !bye; i++) {
      d.send(`B${i} NOPE`);
      for (;;) {
        const line = await d.line().catch(() => '');
        if (line.startsWith('* BYE')) bye = line;
        if (line === '' || line.startsWith(`B${i} `) || bye) break;
      }
    }
    assert.match(bye, /^\* BYE /, 'BYE after too many bad commands');
    assert.ok(await d.closedByServer());
    await other.ok('NOOP');
    await c.ok('NOOP');
    await logout(c);
    await logout(other);
  } finally {
    await srv.close();
  }
});

test('clients that vanish mid-literal, mid-FETCH of a large message and mid-IDLE do not hurt the server', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    const big = Buffer.from(message('grande', 'z'.repeat(3 * 1024 * 1024) + '\r\n'));
    await append(a, 'INBOX', big);
    // Half a literal, then gone.
    a.write(`H1 APPEND INBOX {${big.length}+}\r\n`);
    a.write(big.subarray(0, 1024 * 1024));
    a.destroy();

    for (let i = 0; i < 3; i++) {
      const b = await login(srv.imapPort, USER1, 'INBOX');
      b.send('F1 FETCH 1 BODY.PEEK[]');
      await b.rawLine();
      b.destroy();
    }
    const i1 = await login(srv.imapPort, USER1, 'INBOX');
    i1.send('I1 IDLE');
    await i1.line();
    i1.destroy();

    const c = await login(srv.imapPort, USER1, 'INBOX');
    const st = await c.ok('STATUS INBOX (MESSAGES)');
    assert.match(st.lines[0]!, /\(MESSAGES 1\)/, 'the half-sent APPEND stored nothing');
    assert.equal(sha256(fetchOne(await c.ok('FETCH 1 BODY.PEEK[]')).items.get('BODY[]') as Buffer), sha256(big));
    // A pipeline of 300 commands is answered in order.
    c.write(Array.from({ length: 300 }, (_, k) => `P${k} NOOP\r\n`).join(''));
    for (let k = 0; k < 300; k++) assert.match(await c.line(), new RegExp(`^P${k} OK\\b`));
    await logout(c);
  } finally {
    await srv.close();
  }
});
