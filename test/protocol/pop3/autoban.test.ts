// Auto-ban across protocols: three failed logons from one IP, over POP3 or over SMTP, ban it for
// both. A banned IP is refused at connect: POP3 with -ERR and a close, SMTP with 421.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineClient } from '../../helpers/line-client';
import type { BannedIp } from '../../../src-main/shared/model/entities';
import { expectReply, open, plain } from '../smtp/kit';
import { greet, Pop3Client, startLab } from './kit';

async function assertPop3Refused(port: number): Promise<void> {
  const c = await Pop3Client.open(port);
  const first = await c.line();
  assert.match(first, /^-ERR /, 'a banned IP gets -ERR instead of the greeting');
  assert.ok(await c.closedByServer(), 'and the connection is closed');
}

async function assertSmtpRefused(port: number): Promise<void> {
  const c = await LineClient.open(port);
  assert.match((await c.reply()).text, /^421 /);
  assert.ok(await c.closedByServer());
}

test('three wrong POP3 passwords ban 127.0.0.1 for POP3 and SMTP', async () => {
  const srv = await startLab();
  try {
    const c = await greet(srv.pop3Port);
    await c.ok('USER cuenta1@aula.test');
    await c.err('PASS mal1', /^-ERR \[AUTH\] /);
    await c.err(`AUTH PLAIN ${plain('cuenta1@aula.test', 'mal2')}`, /^-ERR \[AUTH\] /);
    await c.ok('USER noexiste@aula.test');
    await c.err('PASS mal3', /^-ERR \[AUTH\] /);
    assert.ok(await c.closedByServer(), 'the banning failure ends the session');

    const bans = await srv.call<BannedIp[]>('autoban', 'list');
    assert.deepEqual(bans.map((b) => b.ip), ['127.0.0.1']);

    await assertPop3Refused(srv.pop3Port);
    await assertSmtpRefused(srv.smtpPort);

    // Lifting the ban lets POP3 in again.
    await srv.call('autoban', 'unban', { id: bans[0]!.id });
    const d = await greet(srv.pop3Port);
    await d.ok('USER cuenta1@aula.test');
    await d.ok('PASS secreto1');
    await d.ok('QUIT');
  } finally {
    await srv.close();
  }
});

test('three wrong SMTP AUTH passwords ban 127.0.0.1 for POP3 too', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    await expectReply(c, 'EHLO cliente.test', /^250[ -]/);
    await expectReply(c, `AUTH PLAIN ${plain('cuenta1@aula.test', 'mal1')}`, /^535 /);
    await expectReply(c, `AUTH PLAIN ${plain('cuenta1@aula.test', 'mal2')}`, /^535 /);
    await expectReply(c, `AUTH PLAIN ${plain('cuenta1@aula.test', 'mal3')}`, /^421 /);
    assert.ok(await c.closedByServer());
    assert.deepEqual((await srv.call<BannedIp[]>('autoban', 'list')).map((b) => b.ip), ['127.0.0.1']);

    await assertPop3Refused(srv.pop3Port);
    await assertSmtpRefused(srv.smtpPort);
  } finally {
    await srv.close();
  }
});
