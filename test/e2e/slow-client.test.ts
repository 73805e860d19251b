// Slow-loris on SMTP, against a real `buzon serve` whose command deadline is shortened to 1.5 s
// (BUZON_SMTP_COMMAND_DEADLINE_MS; 5 minutes in real use): a client that trickles a command one
// byte at a time is closed with 421 4.4.2, while a message body sent slowly after DATA is not cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../helpers/temp-dir';
import { buzonOk, startServe } from '../helpers/buzon-process';
import { LineClient } from '../helpers/line-client';

process.env.BUZON_SMTP_COMMAND_DEADLINE_MS = '1500';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a command trickled byte by byte is cut at the deadline; a slow message body is not', async () => {
  const tmp = tempDir('buzon-e2e-slow-');
  try {
    await buzonOk(tmp.path, ['domain', 'add', 'aula.test']);
    await buzonOk(tmp.path, ['account', 'add', 'cuenta1@aula.test', '--password', 'secreto1']);
    const { serve, listeners } = await startServe(tmp.path);
    try {
      const port = listeners.find((l) => l.configuredPort === 25)!.boundPort!;
      const loris = await LineClient.open(port);
      assert.match((await loris.reply()).text, /^220 /);
      const started = Date.now();
      const reply = loris.reply(10_000);
      for (const ch of 'EHLO slow.example') {
        if (loris.socket.destroyed) break;
        loris.write(ch);
        await sleep(250);
      }
      assert.match((await reply).text, /^421 4\.4\.2 Timeout/);
      assert.ok(await loris.closedByServer());
      assert.ok(Date.now() - started < 4000, 'cut near the deadline');

      const slow = await LineClient.open(port);
      assert.match((await slow.reply()).text, /^220 /);
      await slow.cmd('EHLO cliente.test');
      assert.match((await slow.cmd('MAIL FROM:<alguien@exterior.test>')).text, /^250 /);
      assert.match((await slow.cmd('RCPT TO:<cuenta1@aula.test>')).text, /^250 /);
      assert.match((await slow.cmd('DATA')).text, /^354 /);
      slow.write('Subject: despacio\r\n\r\n');
      for (let i = 0; i < 12; i++) {
        slow.write(`linea ${i}\r\n`);
        await sleep(250);
      }
      slow.write('.\r\n');
      assert.match((await slow.reply()).text, /^250 /, 'a 3 s body is not cut by the 1.5 s command deadline');
      assert.match((await slow.cmd('QUIT')).text, /^221 /);
      assert.deepEqual(await serve.stop(), { code: 0, signal: null });
    } finally {
      await serve.kill();
    }
  } finally {
    tmp.remove();
  }
});
