// Bad input: garbage, HTTP, over-long lines, commands out of order, unknown commands. The server
// answers each with an error or closes that one connection, while another client's delivery
// completes meanwhile. A client that drops in the middle of DATA leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TestServer } from '../../helpers/start-server';
import { LineClient } from '../../helpers/line-client';
import { expectReply, EXTERNAL_RCPT, filesUnder, messageRowCount, onlyMessage, open, queue, session, splitTrace, startLab, transaction, until, waitForLog } from './kit';

/** Deterministic "random" bytes (a sha256 chain), so a failure can be replayed. */
function garbage(n: number, seed: string): Buffer {
  const out: Buffer[] = [];
  let h = Buffer.from(seed);
  for (let len = 0; len < n; len += 32) {
    h = createHash('sha256').update(h).digest();
    out.push(h);
  }
  return Buffer.concat(out).subarray(0, n);
}

/**
 * Reads replies after bad input and a final QUIT: every reply before the QUIT's 221 must be an
 * error, or the server closes the connection. Returns the codes seen and whether it closed.
 */
async function errorsUntilQuitOrClose(c: LineClient): Promise<{ codes: number[]; closed: boolean }> {
  const codes: number[] = [];
  for (;;) {
    let r;
    try {
      r = await c.reply();
    } catch (e) {
      if (/connection closed/.test(String(e))) return { codes, closed: true };
      throw e;
    }
    codes.push(r.code);
    if (r.code === 221) return { codes, closed: false };
    assert.ok(r.code >= 400 && r.code < 600, `an error reply, got ${r.text}`);
  }
}

/** A normal delivery on its own connection, to show the server still serves other clients. */
async function goodDelivery(srv: TestServer, subject: string): Promise<void> {
  const c = await session(srv.smtpPort);
  assert.match(await transaction(c, 'cuenta1@aula.test', ['cuenta2@aula.test'], `Subject: ${subject}\r\n\r\nok\r\n`), /^250 2\.0\.0 /);
  await expectReply(c, 'QUIT', /^221 /);
}

test('protocol garbage, HTTP, 100 KB lines: errors or a closed connection, while another client delivers', async () => {
  const srv = await startLab();
  try {
    const bad = async (what: string, payload: Buffer | string, expect: 'error-or-close' | 'close421'): Promise<void> => {
      const c = await open(srv.smtpPort);
      try {
        c.write(payload);
        if (expect === 'close421') {
          const r = await c.reply();
          assert.equal(r.code, 421, `${what}: ${r.text.slice(0, 200)}`);
          assert.ok(await c.closedByServer(), `${what}: connection closed`);
          return;
        }
        c.write('\r\nQUIT\r\n');
        const { codes, closed } = await errorsUntilQuitOrClose(c);
        assert.ok(closed || codes.at(-1) === 221, `${what}: ${codes.join(',')}`);
        assert.ok(codes.length > 0 || closed, `${what}: some reaction`);
      } finally {
        c.close();
      }
    };
    // The good client starts first and finishes while the bad ones are being handled.
    const good = (async () => {
      const c = await session(srv.smtpPort);
      await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
      await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
      await expectReply(c, 'DATA', /^354 /);
      c.write('Subject: entre basura\r\n\r\n');
      await Promise.all([
        bad('random bytes', garbage(4096, 'buzon'), 'error-or-close'),
        bad('random bytes without newline', Buffer.from(garbage(3000, 'otra').map((b) => (b === 0x0a || b === 0x0d ? 0x20 : b))), 'error-or-close'),
        bad('HTTP request', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'close421'),
        bad('100 KB line without newline', 'A'.repeat(100 * 1024), 'close421'),
        bad('100 KB line with newline', 'MAIL FROM:<' + 'b'.repeat(100 * 1024) + '@aula.test>\r\n', 'close421'),
      ]);
      c.write('sigo aqui\r\n.\r\n');
      assert.match((await c.reply()).text, /^250 2\.0\.0 /);
      await expectReply(c, 'QUIT', /^221 /);
    })();
    await good;
    assert.equal(splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes).rest.toString('latin1'), 'Subject: entre basura\r\n\r\nsigo aqui\r\n');
    // And the server still takes new connections.
    await goodDelivery(srv, 'despues');
  } finally {
    await srv.close();
  }
});

test('commands out of order get 503, unknown commands 500/502, and the session stays usable', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^503 /); // before HELO/EHLO
    await expectReply(c, 'EHLO cliente.test', /^250[ -]/);
    await expectReply(c, 'DATA', /^503 /); // before MAIL and RCPT
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^503 /); // before MAIL
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^503 /); // nested MAIL
    await expectReply(c, 'DATA', /^503 /); // before RCPT
    await expectReply(c, 'FROBNICATE now', /^50[02] /);
    await expectReply(c, 'MAIL', /^50[01] /);
    await expectReply(c, 'RCPT TO:', /^501 /);
    await expectReply(c, 'RCPT TO:<sin-arroba>', /^5\d\d /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    await expectReply(c, 'DATA', /^354 /);
    c.send('Subject: al final\r\n\r\nbien\r\n.');
    assert.match((await c.reply()).text, /^250 2\.0\.0 /);
    await expectReply(c, 'NOOP', /^250 /);
    await expectReply(c, 'QUIT', /^221 /);
    assert.match(onlyMessage(srv, 'cuenta2@aula.test').text, /Subject: al final\r\n/);
  } finally {
    await srv.close();
  }
});

test('a client that drops in the middle of DATA leaves no file, no temp file, no index row, no queue row', async () => {
  const srv = await startLab();
  try {
    const c = await session(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    await expectReply(c, `RCPT TO:<${EXTERNAL_RCPT}>`, /^250 /);
    await expectReply(c, 'DATA', /^354 /);
    const failed = waitForLog(srv, (e) => e.event === 'smtp.message.failed');
    c.write('Subject: cortado\r\n\r\n' + ('y'.repeat(998) + '\r\n').repeat(2000));
    // The server is writing the message: its temp files exist. Then the client goes away.
    await until(() => filesUnder(srv, 'tmp').length > 0, 'the temp files of the message');
    c.close();
    await failed;
    assert.deepEqual(filesUnder(srv, 'tmp'), [], 'temp files removed');
    assert.deepEqual(filesUnder(srv, 'messages'), [], 'no message file');
    assert.deepEqual(filesUnder(srv, 'queue'), [], 'no queue file');
    assert.equal(messageRowCount(srv), 0, 'no index row');
    assert.deepEqual(await queue(srv), [], 'no queue row');
    await goodDelivery(srv, 'despues del corte');
    assert.equal(messageRowCount(srv), 1);
  } finally {
    await srv.close();
  }
});
