import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../helpers/start-server';
import { LineClient } from '../../helpers/line-client';

test('a telnet-style session delivers to a local account', async () => {
  const srv = await startServer();
  try {
    const c = await LineClient.open(srv.smtpPort);
    assert.equal((await c.reply()).code, 220);
    assert.equal((await c.cmd('HELO root')).code, 250);
    assert.match((await c.cmd('MAIL FROM: root')).text, /^250 2\.1\.0/);
    assert.match((await c.cmd('RCPT TO: cuenta1')).text, /^250 2\.1\.5/);
    assert.equal((await c.cmd('DATA')).code, 354);
    c.send('SUBJECT: Saber que tal vas...\r\n\r\nHola, qué tal?\r\n.');
    assert.match((await c.reply()).text, /^250 2\.0\.0 Ok: queued as /);
    assert.equal((await c.cmd('quit')).code, 221);
    const acc = srv.host.repo.findAccount('cuenta1@aula.test')!;
    const rows = srv.host.mail.listMessages(acc.id);
    assert.equal(rows.length, 1);
    const body = readFileSync(join(srv.dir, rows[0]!.file), 'utf8');
    assert.match(body, /^Return-Path: <root@aula\.test>\r\nDelivered-To: cuenta1@aula\.test\r\nReceived: from root /);
    assert.ok(body.endsWith('SUBJECT: Saber que tal vas...\r\n\r\nHola, qué tal?\r\n'));
  } finally {
    await srv.close();
  }
});
