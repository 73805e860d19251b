// Line endings: a netcat user on Linux ends every line with a bare LF, including the "." that ends
// DATA, and must be served; a CRLF client (every MTA) must never have a bare-LF "." end its
// message, or a relayed message could smuggle a second one (SMTP smuggling, CVE-2023-51766 et al.).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineClient } from '../../helpers/line-client';
import { expectReply, inbox, onlyMessage, open, splitTrace, startLab } from './kit';

/** Sends one line ending in a bare LF and returns the reply. */
async function lf(c: LineClient, line: string) {
  c.write(line + '\n');
  return c.reply();
}

test('netcat-style session with bare LF line ends (interactive): accepted, stored with CRLF', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    assert.equal((await lf(c, 'ehlo portatil')).code, 250);
    assert.match((await lf(c, 'mail from: cuenta1@aula.test')).text, /^250 2\.1\.0 /);
    assert.match((await lf(c, 'rcpt to: cuenta2@aula.test')).text, /^250 2\.1\.5 /);
    assert.match((await lf(c, 'data')).text, /^354 /);
    c.write('Subject: desde netcat\n');
    c.write('\n');
    c.write('primera linea\n');
    c.write('..linea que empieza por punto\n');
    c.write('ultima\n');
    const r = await lf(c, '.');
    assert.match(r.text, /^250 2\.0\.0 Ok: queued as /);
    assert.equal((await lf(c, 'quit')).code, 221);

    const { trace, rest } = splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes);
    assert.match(trace, /^Return-Path: <cuenta1@aula\.test>\r\n/);
    assert.equal(rest.toString('latin1'), 'Subject: desde netcat\r\n\r\nprimera linea\r\n.linea que empieza por punto\r\nultima\r\n');
    assert.ok(!/[^\r]\n/.test(rest.toString('latin1')), 'no bare LF is stored');
  } finally {
    await srv.close();
  }
});

for (const [name, eol] of [
  ['bare LF', '\n'],
  ['CRLF', '\r\n'],
] as const) {
  test(`a session piped from a file (every line in one write, ${name}): three messages, then QUIT`, async () => {
    const srv = await startLab();
    try {
      const c = await open(srv.smtpPort);
      const tx = (from: string, to: string, subject: string, text = subject) => [`MAIL FROM:<${from}>`, `RCPT TO:<${to}>`, 'DATA', `Subject: ${subject}`, '', text, '.'];
      // The third message is big: it arrives in many TCP chunks after the first two.
      const big = Array.from({ length: 4000 }, (_, i) => `linea ${i} ${'z'.repeat(200)}`);
      c.write(
        [
          'EHLO portatil',
          ...tx('cuenta1@aula.test', 'cuenta2@aula.test', 'uno'),
          ...tx('cuenta2@aula.test', 'cuenta1@aula.test', 'dos'),
          ...tx('cuenta1@aula.test', 'cuenta2@aula.test', 'tres', big.join(eol)),
          'QUIT',
          '',
        ].join(eol),
      );
      const codes: number[] = [];
      const texts: string[] = [];
      for (;;) {
        const r = await c.reply();
        codes.push(r.code);
        texts.push(r.lines[r.lines.length - 1]!);
        if (r.code === 221) break;
      }
      assert.deepEqual(codes, [250, 250, 250, 354, 250, 250, 250, 354, 250, 250, 250, 354, 250, 221], texts.join(' | '));
      assert.deepEqual(
        inbox(srv, 'cuenta2@aula.test').map((m) => splitTrace(m.bytes).rest.toString('latin1')),
        ['Subject: uno\r\n\r\nuno\r\n', `Subject: tres\r\n\r\n${big.join('\r\n')}\r\n`],
      );
      assert.equal(splitTrace(onlyMessage(srv, 'cuenta1@aula.test').bytes).rest.toString('latin1'), 'Subject: dos\r\n\r\ndos\r\n');
    } finally {
      await srv.close();
    }
  });
}

test('SMTP smuggling guard: a CRLF client cannot end DATA with a bare-LF dot', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    await expectReply(c, 'EHLO mta.exterior.example', /^250[ -]/);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    await expectReply(c, 'DATA', /^354 /);
    // Three smuggling variants of the end of data: \n.\n, \n.\r\n and \r\n.\n, each followed by
    // a second transaction that must stay message text.
    const smuggled = (n: number, end: string) =>
      `${end.slice(end.indexOf('.') + 1)}MAIL FROM:<falso${n}@aula.test>\r\nRCPT TO:<cuenta1@aula.test>\r\nDATA\r\nSubject: colado ${n}\r\n\r\nno deberia llegar\r\n`;
    const payload =
      'Subject: legitimo\r\n\r\ntexto\n.' +
      smuggled(1, '\n.\n') +
      'mas texto\n.' +
      smuggled(2, '\n.\r\n') +
      'y mas\r\n.' +
      smuggled(3, '\r\n.\n') +
      'fin\r\n';
    c.write(Buffer.from(payload + '.\r\n', 'latin1'));
    const r = await c.reply();
    assert.match(r.text, /^250 2\.0\.0 Ok: queued as /);
    // The very next reply is the one to QUIT: nothing smuggled was run as a command.
    const q = await c.cmd('QUIT');
    assert.equal(q.code, 221, q.text);

    const m = onlyMessage(srv, 'cuenta2@aula.test');
    assert.equal(splitTrace(m.bytes).rest.toString('latin1'), payload, 'the whole text up to CRLF.CRLF is one message, as sent');
    assert.equal(inbox(srv, 'cuenta1@aula.test').length, 0, 'no smuggled message was delivered');
  } finally {
    await srv.close();
  }
});

test('SMTP smuggling guard: DATA and its text in one write, the text ending in bare-LF lines', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    await expectReply(c, 'EHLO mta.exterior.example', /^250[ -]/);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    // Not waiting for the 354: the command and the text share one TCP chunk, whose last line
    // ends in a bare LF. The commands were CRLF, so the bare-LF dot is text.
    const text = 'Subject: legitimo\r\n\r\ntexto\n.\nMAIL FROM:<falso@aula.test>\nRCPT TO:<cuenta1@aula.test>\nDATA\nSubject: colado\n\nmal\n.\n';
    c.write('DATA\r\n' + text);
    assert.equal((await c.reply()).code, 354);
    c.write('fin\r\n.\r\n');
    assert.match((await c.reply()).text, /^250 2\.0\.0 Ok: queued as /);
    assert.equal((await c.cmd('QUIT')).code, 221);
    assert.equal(splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes).rest.toString('latin1'), text + 'fin\r\n');
    assert.equal(inbox(srv, 'cuenta1@aula.test').length, 0, 'no smuggled message was delivered');
  } finally {
    await srv.close();
  }
});

test('bare LF handling is off for everyone when "allow incorrectly formatted line endings" is off', async () => {
  const srv = await startLab({ settings: { 'smtp.allowBareLineFeeds': false } });
  try {
    const c = await open(srv.smtpPort);
    assert.equal((await lf(c, 'helo portatil')).code, 250);
    assert.equal((await lf(c, 'mail from:<cuenta1@aula.test>')).code, 250);
    assert.equal((await lf(c, 'rcpt to:<cuenta2@aula.test>')).code, 250);
    assert.equal((await lf(c, 'data')).code, 354);
    c.write('Subject: x\n\ntexto\n.\n');
    // The bare-LF dot is text: the message ends only at CRLF.CRLF.
    c.write('\r\n.\r\n');
    assert.match((await c.reply()).text, /^250 2\.0\.0 /);
    assert.equal(splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes).rest.toString('latin1'), 'Subject: x\n\ntexto\n.\n\r\n');
    await expectReply(c, 'QUIT', /^221 /);
  } finally {
    await srv.close();
  }
});
