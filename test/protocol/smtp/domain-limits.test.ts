// The domain settings of the Domain page, on the real listeners: plus addressing (nodemailer and a
// raw session; the message read back over IMAP and POP3), the domain's total size at RCPT, DATA,
// IMAP APPEND and COPY (the codes of a full mailbox), the largest account quota, the number of
// aliases and announcements lists needing an announcer through the admin API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type { TestServer } from '../../helpers/start-server';
import type { LineClient } from '../../helpers/line-client';
import type { Account, DistributionList, Domain } from '../../../src-main/shared/model/entities';
import { ApiError } from '../../../src-main/shared/ipc/errors';
import { accountId, dotStuff, expectReply, inbox, queue, session, splitTrace, startLab } from './kit';
import { append, fetchOne, login as imapLogin, logout, USER1, USER2 } from '../imap/kit';
import { login as pop3Login } from '../pop3/kit';

async function domainId(srv: TestServer, name = 'aula.test'): Promise<number> {
  return (await srv.call<Domain[]>('domains', 'list')).find((d) => d.name === name)!.id;
}

/** A message of exactly `bytes` bytes (before the server's trace headers). */
function sized(bytes: number, subject = 'grande'): Buffer {
  const line = 'x'.repeat(998) + '\r\n';
  return Buffer.from((`Subject: ${subject}\r\n\r\n` + line.repeat(Math.ceil(bytes / line.length))).slice(0, bytes - 2) + '\r\n', 'latin1');
}

async function data(c: LineClient, payload: Buffer): Promise<string> {
  await expectReply(c, 'DATA', /^354 /);
  c.write(dotStuff(payload));
  return (await c.reply(30_000)).text;
}

/** One whole transaction: MAIL (with an optional SIZE), RCPT for each, DATA; the final reply. */
async function send(c: LineClient, to: readonly string[], payload: Buffer, size?: number): Promise<string> {
  await expectReply(c, `MAIL FROM:<cuenta2@aula.test>${size ? ` SIZE=${size}` : ''}`, /^250 /);
  for (const r of to) await expectReply(c, `RCPT TO:<${r}>`, /^250 /);
  return data(c, payload);
}

function sizeOf(srv: TestServer, address: string): number {
  return srv.host.repo.getAccount(accountId(srv, address)).sizeBytes;
}

/** Asserts an admin API call fails with this ApiError code and field. */
async function apiRefuses(p: Promise<unknown>, code: string, field: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.field, field);
    assert.match(e.message, re);
    return true;
  });
}

test('plus addressing: off → 550 5.1.1; on → name+tag reaches name (nodemailer), readable over IMAP and POP3', async () => {
  const srv = await startLab();
  try {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
    const mail = { from: 'cuenta2@aula.test', to: 'cuenta1+clase@aula.test', subject: 'Etiquetado', text: 'Hola.\n', messageId: '<plus-1@aula.test>' };
    try {
      await assert.rejects(transport.sendMail(mail), (e: Error & { responseCode?: number; response?: string }) => {
        assert.equal(e.responseCode, 550);
        assert.match(e.response ?? '', /^550 5\.1\.1 /);
        return true;
      });
      await srv.call('domains', 'update', { id: await domainId(srv), plusAddressing: true });
      const info = await transport.sendMail(mail);
      assert.deepEqual(info.accepted, ['cuenta1+clase@aula.test']);
      assert.match(info.response, /^250 2\.0\.0 /);
    } finally {
      transport.close();
    }
    assert.deepEqual(inbox(srv, 'cuenta2@aula.test'), [], 'nothing for anyone else');

    // IMAP: the message is in cuenta1's INBOX; the trace names the account and the address as given.
    const imap = await imapLogin(srv.imapPort, USER1, 'INBOX');
    const full = fetchOne(await imap.ok('FETCH 1 (BODY.PEEK[])')).items.get('BODY[]');
    assert.ok(Buffer.isBuffer(full));
    const { trace, rest } = splitTrace(full);
    assert.match(trace, /^Return-Path: <cuenta2@aula\.test>\r\nDelivered-To: cuenta1@aula\.test\r\n/);
    assert.match(trace, /for <cuenta1\+clase@aula\.test>;/, 'Received keeps the original recipient');
    assert.match(rest.toString('latin1'), /^Message-ID: <plus-1@aula\.test>\r$/m);
    await logout(imap);
    // POP3: the same bytes.
    const pop = await pop3Login(srv.pop3Port, USER1.user, USER1.pass);
    const retr = await pop.multi('RETR 1');
    assert.ok(retr.body.equals(full), 'POP3 RETR and IMAP BODY[] are the same message');
    await pop.ok('QUIT');

    // Another character: "-" now, and "+" is an unknown user again.
    await srv.call('domains', 'update', { id: await domainId(srv), plusAddressingChar: '-' });
    const c = await session(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta1+clase@aula.test>', /^550 5\.1\.1 /);
    await expectReply(c, 'RCPT TO:<cuenta2-avisos@aula.test>', /^250 /);
    assert.match(await data(c, Buffer.from('Subject: guion\r\n\r\nx\r\n')), /^250 2\.0\.0 /);
    // "%" (the old source-route character) is only a tag separator here: no relaying through it.
    await srv.call('domains', 'update', { id: await domainId(srv), plusAddressingChar: '%' });
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2%destino.example@aula.test>', /^250 /);
    assert.match(await data(c, Buffer.from('Subject: porcentaje\r\n\r\nx\r\n')), /^250 2\.0\.0 /);
    await expectReply(c, 'QUIT', /^221 /);
    assert.equal(inbox(srv, 'cuenta2@aula.test').length, 2);
    assert.equal((await queue(srv)).length, 0, 'nothing queued for outside');
  } finally {
    await srv.close();
  }
});

test('domain size: RCPT 452 4.2.2 (declared SIZE) and DATA 552 5.2.2 once its accounts together are full; freeing space lets mail in', async () => {
  const srv = await startLab();
  try {
    await srv.call('domains', 'add', { name: 'otro.test' });
    await srv.call('accounts', 'add', { address: 'ana@otro.test', password: 'secreto-ana' });
    await srv.call('domains', 'update', { id: await domainId(srv), maxSizeMb: 1 });
    const c = await session(srv.smtpPort);
    assert.match(await send(c, ['cuenta1@aula.test'], sized(700_000)), /^250 2\.0\.0 /);

    // cuenta2 has no quota of its own, but the domain has ~340 KB left.
    await expectReply(c, 'MAIL FROM:<cuenta2@aula.test> SIZE=400000', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^452 4\.2\.2 Mailbox full: cuenta2@aula\.test \(the domain aula\.test is full\)/);
    await expectReply(c, 'RSET', /^250 /);
    assert.match(await send(c, ['cuenta2@aula.test'], sized(400_000)), /^552 5\.2\.2 Mailbox full: the message would exceed the size limit of the domain aula\.test/);
    assert.equal(sizeOf(srv, 'cuenta2@aula.test'), 0, 'nothing stored');
    // Another domain is not limited by this one.
    assert.match(await send(c, ['ana@otro.test'], sized(400_000)), /^250 2\.0\.0 /);

    // Within the room it is delivered. Each copy of one message is checked against the room before
    // it, so two copies of 300 KB both fit and leave the domain over its size.
    assert.match(await send(c, ['cuenta1@aula.test', 'cuenta2@aula.test'], sized(300_000)), /^250 2\.0\.0 /);
    const used = sizeOf(srv, 'cuenta1@aula.test') + sizeOf(srv, 'cuenta2@aula.test');
    assert.ok(used > 1024 * 1024, `the domain is over: ${used}`);
    // Full: even without SIZE, RCPT refuses, temporarily.
    await expectReply(c, 'MAIL FROM:<cuenta2@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^452 4\.2\.2 .*domain aula\.test is full/);
    await expectReply(c, 'RSET', /^250 /);

    // The owner of the big message deletes it over POP3: there is room again.
    const pop = await pop3Login(srv.pop3Port, USER1.user, USER1.pass);
    await pop.ok('DELE 1');
    await pop.ok('QUIT');
    assert.match(await send(c, ['cuenta2@aula.test'], sized(200_000)), /^250 2\.0\.0 /);
    // Without the limit, anything goes again.
    await srv.call('domains', 'update', { id: await domainId(srv), maxSizeMb: 0 });
    assert.match(await send(c, ['cuenta2@aula.test'], sized(900_000), 900_000), /^250 2\.0\.0 /);
    await expectReply(c, 'QUIT', /^221 /);
  } finally {
    await srv.close();
  }
});

test('domain size: IMAP APPEND and COPY are refused with NO [OVERQUOTA] when the domain is full', async () => {
  const srv = await startLab();
  try {
    await srv.call('domains', 'update', { id: await domainId(srv), maxSizeMb: 1 });
    const c1 = await imapLogin(srv.imapPort, USER1);
    await append(c1, 'INBOX', sized(600_000));
    const c2 = await imapLogin(srv.imapPort, USER2);
    // A synchronizing literal is refused before the "+", a non-synchronizing one after its bytes.
    c2.send('Q1 APPEND INBOX {600000}');
    assert.match(await c2.line(), /^Q1 NO \[OVERQUOTA\]/);
    c2.write(Buffer.concat([Buffer.from('Q2 APPEND INBOX {600000+}\r\n'), sized(600_000), Buffer.from('\r\n')]));
    assert.match((await c2.collect('Q2')).status, /^NO \[OVERQUOTA\]/);
    await append(c2, 'INBOX', sized(100_000), '');
    // cuenta1 copying its 600 KB message: more than the ~350 KB the domain has left.
    await c1.ok('SELECT INBOX');
    await c1.no('COPY 1 Drafts', /^NO \[OVERQUOTA\]/);
    assert.equal(sizeOf(srv, 'cuenta1@aula.test'), 600_000, 'nothing copied');
    await srv.call('domains', 'update', { id: await domainId(srv), maxSizeMb: 2 });
    await c1.ok('COPY 1 Drafts');
    await logout(c1);
    await logout(c2);
  } finally {
    await srv.close();
  }
});

test('largest account quota: above it is a VALIDATION error on quotaMb, 0 gets the limit, which delivery then applies', async () => {
  const srv = await startLab();
  try {
    const dom = await domainId(srv);
    await srv.call('domains', 'update', { id: dom, maxAccountSizeMb: 1 });
    await apiRefuses(srv.call('accounts', 'add', { address: 'grande@aula.test', password: 'secreto-g', quotaMb: 5 }), 'VALIDATION', 'quotaMb', /aula\.test allows accounts of at most 1 MB/);
    const nueva = await srv.call<Account>('accounts', 'add', { address: 'nueva@aula.test', password: 'secreto-n' });
    assert.equal(nueva.quotaMb, 1, 'an unlimited quota becomes the domain limit');
    // The lab accounts were made before the limit: lowering it did not change them.
    const c1 = accountId(srv, 'cuenta1@aula.test');
    assert.equal((await srv.call<Account>('accounts', 'get', { id: c1 })).quotaMb, 0);
    await apiRefuses(srv.call('accounts', 'update', { id: c1, quotaMb: 2 }), 'VALIDATION', 'quotaMb', /at most 1 MB/);
    assert.equal((await srv.call<Account>('accounts', 'update', { id: c1, firstName: 'Uno' })).quotaMb, 0, 'other changes save');

    const c = await session(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<cuenta2@aula.test> SIZE=1200000', /^250 /);
    await expectReply(c, 'RCPT TO:<nueva@aula.test>', /^452 4\.2\.2 Mailbox full: nueva@aula\.test$/);
    await expectReply(c, 'RSET', /^250 /);
    assert.match(await send(c, ['nueva@aula.test'], sized(1_200_000)), /^552 5\.2\.2 Mailbox full: the message would exceed the quota of nueva@aula\.test/);
    assert.match(await send(c, ['cuenta1@aula.test'], sized(1_200_000)), /^250 2\.0\.0 /, 'the older unlimited account still takes it');
    await expectReply(c, 'QUIT', /^221 /);
  } finally {
    await srv.close();
  }
});

test('admin API: aliases beyond the domain limit are a LIMIT error; an announcements list needs its announcer on update too', async () => {
  const srv = await startLab();
  try {
    await srv.call('domains', 'update', { id: await domainId(srv), maxAliases: 1, maxAccounts: 2 });
    await srv.call('aliases', 'add', { address: 'info@aula.test', target: 'cuenta1@aula.test' });
    await apiRefuses(srv.call('aliases', 'add', { address: 'ventas@aula.test', target: 'cuenta1@aula.test' }), 'LIMIT', 'address', /aula\.test allows at most 1 aliases/);
    await apiRefuses(srv.call('accounts', 'add', { address: 'cuenta3@aula.test', password: 'secreto3' }), 'LIMIT', 'address', /aula\.test allows at most 2 accounts/);
    // The alias that was made works; the refused one does not exist.
    const c = await session(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<cuenta2@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<info@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<ventas@aula.test>', /^550 5\.1\.1 /);
    await expectReply(c, 'QUIT', /^221 /);

    const list = await srv.call<DistributionList>('lists', 'add', { address: 'avisos@aula.test', members: ['cuenta2@aula.test'] });
    await apiRefuses(srv.call('lists', 'update', { id: list.id, mode: 'announcements' }), 'VALIDATION', 'announcer', /needs the address allowed to send/);
    assert.equal((await srv.call<DistributionList>('lists', 'get', { id: list.id })).mode, 'public', 'unchanged');
    const ok = await srv.call<DistributionList>('lists', 'update', { id: list.id, mode: 'announcements', announcer: 'cuenta1@aula.test' });
    assert.equal(ok.announcer, 'cuenta1@aula.test');
  } finally {
    await srv.close();
  }
});
