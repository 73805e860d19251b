// Auto-ban: three failed logons from one IP ban it; the banned IP is refused at connect with 421
// until the ban is lifted through the admin API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineClient } from '../../helpers/line-client';
import type { BannedIp } from '../../../src-main/shared/model/entities';
import { b64, expectReply, open, plain, startLab } from './kit';

test('three wrong AUTH passwords ban 127.0.0.1; the next connection gets 421; unban lets it in', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    await expectReply(c, 'EHLO cliente.test', /^250[ -]/);
    await expectReply(c, `AUTH PLAIN ${plain('cuenta1@aula.test', 'mal1')}`, /^535 5\.7\.8 /);
    await expectReply(c, 'AUTH LOGIN', /^334 /);
    await expectReply(c, b64('cuenta1@aula.test'), /^334 /);
    await expectReply(c, b64('mal2'), /^535 5\.7\.8 /);
    // The third failure bans the address and ends this session.
    await expectReply(c, `AUTH PLAIN ${plain('noexiste@aula.test', 'mal3')}`, /^421 4\.7\.0 /);
    assert.ok(await c.closedByServer(), 'the banning reply closes the connection');

    const bans = await srv.call<BannedIp[]>('autoban', 'list');
    assert.equal(bans.length, 1);
    assert.equal(bans[0]!.ip, '127.0.0.1');
    assert.ok(Date.parse(bans[0]!.expiresAt) > Date.now() + 50 * 60_000, 'banned for about an hour (the default)');

    const refused = await LineClient.open(srv.smtpPort);
    assert.match((await refused.reply()).text, /^421 4\.7\.0 /);
    assert.ok(await refused.closedByServer());

    await srv.call('autoban', 'unban', { id: bans[0]!.id });
    assert.deepEqual(await srv.call<BannedIp[]>('autoban', 'list'), []);
    const again = await open(srv.smtpPort);
    await expectReply(again, 'EHLO cliente.test', /^250[ -]/);
    await expectReply(again, `AUTH PLAIN ${plain('cuenta1@aula.test', 'secreto1')}`, /^235 /);
    await expectReply(again, 'QUIT', /^221 /);
  } finally {
    await srv.close();
  }
});

test('a successful logon resets the failure count', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    await expectReply(c, 'EHLO cliente.test', /^250[ -]/);
    await expectReply(c, `AUTH PLAIN ${plain('cuenta1@aula.test', 'mal1')}`, /^535 /);
    await expectReply(c, `AUTH PLAIN ${plain('cuenta1@aula.test', 'mal2')}`, /^535 /);
    await expectReply(c, `AUTH PLAIN ${plain('cuenta1@aula.test', 'secreto1')}`, /^235 /);
    await expectReply(c, 'QUIT', /^221 /);
    const d = await open(srv.smtpPort);
    await expectReply(d, 'EHLO cliente.test', /^250[ -]/);
    await expectReply(d, `AUTH PLAIN ${plain('cuenta2@aula.test', 'mal3')}`, /^535 /);
    await expectReply(d, `AUTH PLAIN ${plain('cuenta2@aula.test', 'mal4')}`, /^535 /);
    await expectReply(d, 'QUIT', /^221 /);
    assert.deepEqual(await srv.call<BannedIp[]>('autoban', 'list'), []);
    const e = await open(srv.smtpPort);
    await expectReply(e, 'QUIT', /^221 /);
  } finally {
    await srv.close();
  }
});
