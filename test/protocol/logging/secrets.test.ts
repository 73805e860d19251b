// Passwords and AUTH payloads never reach the log (ring buffer or daily files), whatever the
// protocol and whether the logon succeeds — including with debug logging on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../helpers/start-server';
import { LineClient } from '../../helpers/line-client';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('no password or AUTH payload is logged by SMTP or POP3', async () => {
  const srv = await startServer({ settings: { 'logging.debug': true } });
  const secrets = ['secreto1', 'wrong-Pa55word', b64('\0cuenta1@aula.test\0secreto1'), b64('secreto1'), b64('wrong-Pa55word')];
  try {
    const s = await LineClient.open(srv.smtpPort);
    await s.reply();
    await s.cmd('EHLO cliente.test');
    assert.equal((await s.cmd(`AUTH PLAIN ${b64('\0cuenta1@aula.test\0wrong-Pa55word')}`)).code, 535);
    assert.equal((await s.cmd('AUTH LOGIN')).code, 334);
    assert.equal((await s.cmd(b64('cuenta1@aula.test'))).code, 334);
    assert.equal((await s.cmd(b64('secreto1'))).code, 235);
    s.close();

    const p = await LineClient.open(srv.pop3Port);
    await p.line();
    p.send('USER cuenta1@aula.test');
    await p.line();
    p.send('PASS wrong-Pa55word');
    assert.match(await p.line(), /^-ERR \[AUTH\]/);
    p.send(`AUTH PLAIN ${b64('\0cuenta1@aula.test\0secreto1')}`);
    assert.match(await p.line(), /^\+OK/);
    p.send('QUIT');
    await p.line();
    p.close();

    const ring = JSON.stringify(await srv.call('logs', 'recent', { limit: 10000 }));
    assert.match(ring, /smtp\.auth\.succeeded/, 'the logons themselves are logged');
    assert.match(ring, /pop3\.auth\.failed/);
    const files = readdirSync(join(srv.dir, 'logs')).map((f) => readFileSync(join(srv.dir, 'logs', f), 'utf8')).join('\n');
    assert.ok(files.length > 0, 'daily log file written');
    for (const secret of secrets) {
      assert.ok(!ring.includes(secret), `ring buffer contains ${secret}`);
      assert.ok(!files.includes(secret), `log file contains ${secret}`);
    }
  } finally {
    await srv.close();
  }
});
