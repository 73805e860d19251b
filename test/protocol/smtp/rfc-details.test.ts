// Details a demanding client or admin relies on: postmaster always accepted (RFC 5321 §4.5.1),
// hMailServer's invalid-command limit, and "Allow plain text authentication".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXTERNAL_SENDER, expectReply, inbox, open, setListenerSetting, startLab } from './kit';

test('RCPT TO:<postmaster> and postmaster@domain are accepted without such an account', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    await expectReply(c, 'EHLO cliente.test', /^250[ -]/);
    await expectReply(c, `MAIL FROM:<${EXTERNAL_SENDER}>`, /^250 /);
    await expectReply(c, 'RCPT TO:<postmaster>', /^250 2\.1\.5/);
    await expectReply(c, 'RCPT TO:<Postmaster@aula.test>', /^250 2\.1\.5/);
    await expectReply(c, 'RCPT TO:<nadie@aula.test>', /^550 5\.1\.1/);
    await expectReply(c, 'DATA', /^354/);
    c.send('Subject: para postmaster\r\n\r\nhola\r\n.');
    assert.match((await c.reply()).text, /^250 2\.0\.0/);
    await expectReply(c, 'QUIT', /^221/);
    // Neither account is an administrator: the domain's first account receives it, once.
    assert.equal(inbox(srv, 'cuenta1@aula.test').length, 1);
    assert.match(inbox(srv, 'cuenta1@aula.test')[0]!.text, /Subject: para postmaster/);
  } finally {
    await srv.close();
  }
});

test('a session is closed after smtp.maxInvalidCommands unrecognised commands (hMailServer setting)', async () => {
  const srv = await startLab();
  try {
    const port = await setListenerSetting(srv, 'smtp.maxInvalidCommands', 3);
    const c = await open(port);
    await expectReply(c, 'EHLO cliente.test', /^250[ -]/);
    await expectReply(c, 'FOO', /^500 /);
    await expectReply(c, 'BAR', /^500 /);
    assert.match((await c.cmd('BAZ')).text, /^421 4\.7\.0 Too many invalid commands/);
    assert.ok(await c.closedByServer());

    await srv.call('settings', 'set', { key: 'smtp.disconnectAfterInvalidCommands', value: false });
    const d = await open(srv.host.boundPort('smtp', 25)!);
    await expectReply(d, 'EHLO cliente.test', /^250[ -]/);
    for (let i = 0; i < 15; i++) await expectReply(d, `NOPE${i}`, /^500 /);
    await expectReply(d, 'NOOP', /^250 /); // more than the library's own limit of 10, still served
    d.close();
  } finally {
    await srv.close();
  }
});

test('with "Allow plain text authentication" off, EHLO offers AUTH LOGIN only', async () => {
  const srv = await startLab();
  try {
    const port = await setListenerSetting(srv, 'smtp.allowPlainAuth', false);
    const c = await open(port);
    const ehlo = await c.cmd('EHLO cliente.test');
    assert.ok(ehlo.lines.some((l) => /^250[ -]AUTH LOGIN$/.test(l)), ehlo.text);
    c.close();
  } finally {
    await srv.close();
  }
});
