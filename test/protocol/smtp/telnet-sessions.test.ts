// The course's telnet sessions (REQUIREMENTS.md §12, T-SMTP-01/04/05/06/08), typed line by line
// on a raw socket as a student would, after the 220 greeting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { b64, expectReply, EXTERNAL_RCPT, EXTERNAL_SENDER, onlyMessage, open, plain, queue, splitTrace, startLab } from './kit';

test('T-SMTP-01: helo localhost, mail from:/rcpt to: without brackets, local delivery', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    const helo = await c.cmd('helo localhost');
    assert.equal(helo.code, 250);
    assert.equal(helo.lines.length, 1, 'HELO answers with one line');
    await expectReply(c, 'mail from:cuenta1@aula.test', /^250 2\.1\.0 /);
    await expectReply(c, 'rcpt to:cuenta2@aula.test', /^250 2\.1\.5 /);
    await expectReply(c, 'data', /^354 /);
    c.send('subject: Novedades');
    c.send('Hola, como hoy estreno nueva peluca, he pensado que si tal, que si cual...');
    const done = await c.cmd('.');
    assert.match(done.text, /^250 2\.0\.0 Ok: queued as \S+$/);
    await expectReply(c, 'quit', /^221 /);
    assert.ok(await c.closedByServer(), 'the server closes after QUIT');

    const m = onlyMessage(srv, 'cuenta2@aula.test');
    const { trace, rest } = splitTrace(m.bytes);
    assert.match(trace, /^Return-Path: <cuenta1@aula\.test>\r\nDelivered-To: cuenta2@aula\.test\r\nReceived: from localhost \(unknown \[127\.0\.0\.1\]\)\r\n\tby \S+ \(Buzon\) with SMTP id /);
    assert.match(trace, /\r\n\tfor <cuenta2@aula\.test>;\r\n\t\w{3}, \d{1,2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}\r\n$/);
    assert.equal(rest.toString('latin1'), 'subject: Novedades\r\nHola, como hoy estreno nueva peluca, he pensado que si tal, que si cual...\r\n');
    assert.equal(m.size, m.bytes.length, 'the index records the file size');
    assert.equal(onlyMessage(srv, 'cuenta2@aula.test').file, m.file);
    assert.equal(srv.host.mail.listMessages(srv.host.repo.findAccount('cuenta1@aula.test')!.id).length, 0, 'nothing for the sender');
  } finally {
    await srv.close();
  }
});

test('T-SMTP-04: HELO root, MAIL FROM: root, RCPT TO: antonio (bare names get the default domain)', async () => {
  const srv = await startLab();
  try {
    await srv.call('accounts', 'add', { address: 'antonio@aula.test', password: 'secreto3' });
    const c = await open(srv.smtpPort);
    assert.equal((await c.cmd('HELO root')).code, 250);
    await expectReply(c, 'MAIL FROM: root', /^250 2\.1\.0 /);
    await expectReply(c, 'RCPT TO: antonio', /^250 2\.1\.5 /);
    await expectReply(c, 'DATA', /^354 End data with <CR><LF>\.<CR><LF>$/);
    const body = 'SUBJECT: Saber que tal vas...\r\n\r\nHola Antonio, qué tal va todo por ahí?\r\nSaludos.\r\n';
    c.write(Buffer.from(body, 'utf8'));
    await expectReply(c, '.', /^250 2\.0\.0 Ok: queued as \S+$/);
    await expectReply(c, 'quit', /^221 2\.0\.0 /);

    const m = onlyMessage(srv, 'antonio@aula.test');
    const { trace, rest } = splitTrace(m.bytes);
    assert.match(trace, /^Return-Path: <root@aula\.test>\r\nDelivered-To: antonio@aula\.test\r\nReceived: from root \(/);
    assert.match(trace, /for <antonio@aula\.test>;/);
    assert.ok(rest.equals(Buffer.from(body, 'utf8')), 'the body is stored as typed (UTF-8 bytes untouched)');
  } finally {
    await srv.close();
  }
});

test('T-SMTP-05: RCPT TO: anton, no blank line after SUBJECT:', async () => {
  const srv = await startLab();
  try {
    await srv.call('accounts', 'add', { address: 'anton@aula.test', password: 'secreto4' });
    const c = await open(srv.smtpPort);
    assert.equal((await c.cmd('HELO root')).code, 250);
    await expectReply(c, 'MAIL FROM: root', /^250 2\.1\.0 /);
    await expectReply(c, 'RCPT TO: anton', /^250 2\.1\.5 /);
    await expectReply(c, 'DATA', /^354 /);
    c.send('SUBJECT: Saber que tal vas...');
    c.send('Hola Antón, qué tal vai todo por ahí?');
    c.send('Unha aperta.');
    await expectReply(c, '.', /^250 2\.0\.0 Ok: queued as /);
    await expectReply(c, 'quit', /^221 /);

    const { trace, rest } = splitTrace(onlyMessage(srv, 'anton@aula.test').bytes);
    assert.match(trace, /^Return-Path: <root@aula\.test>\r\nDelivered-To: anton@aula\.test\r\n/);
    assert.equal(rest.toString('utf8'), 'SUBJECT: Saber que tal vas...\r\nHola Antón, qué tal vai todo por ahí?\r\nUnha aperta.\r\n');
  } finally {
    await srv.close();
  }
});

test('T-SMTP-06: ehlo qualsevolcosa with lower-case verbs, headers, blank line, body', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    const ehlo = await c.cmd('ehlo qualsevolcosa');
    assert.equal(ehlo.code, 250);
    assert.ok(ehlo.lines.length > 1, 'EHLO answers with the extension list');
    assert.ok(ehlo.lines.slice(0, -1).every((l) => l.startsWith('250-')));
    await expectReply(c, 'mail from: cuenta1@aula.test', /^250 2\.1\.0 /);
    await expectReply(c, 'rcpt to: cuenta2@aula.test', /^250 2\.1\.5 /);
    await expectReply(c, 'data', /^354 /);
    c.send('From: cuenta1@aula.test');
    c.send('To: cuenta2@aula.test');
    c.send('Subject: Prova de ncat');
    c.send('');
    c.send('El texte a enviar');
    await expectReply(c, '.', /^250 2\.0\.0 Ok: queued as /);
    await expectReply(c, 'quit', /^221 /);

    const { trace, rest } = splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes);
    assert.match(trace, /Received: from qualsevolcosa \(unknown \[127\.0\.0\.1\]\)\r\n\tby \S+ \(Buzon\) with ESMTP id /);
    assert.equal(rest.toString('latin1'), 'From: cuenta1@aula.test\r\nTo: cuenta2@aula.test\r\nSubject: Prova de ncat\r\n\r\nEl texte a enviar\r\n');
  } finally {
    await srv.close();
  }
});

test('T-SMTP-08: AUTH PLAIN and AUTH LOGIN typed by hand in base64 from "My computer"', async () => {
  const srv = await startLab();
  try {
    // AUTH PLAIN with the initial response, as built with: echo -ne "\0user\0password" | base64
    const c = await open(srv.smtpPort);
    const ehlo = await c.cmd('ehlo localhost');
    assert.ok(ehlo.lines.some((l) => /^250[ -]AUTH PLAIN LOGIN$/.test(l)), 'AUTH is offered without TLS to "My computer"');
    await expectReply(c, `AUTH PLAIN ${plain('cuenta1@aula.test', 'secreto1')}`, /^235 2\.7\.0 /);
    await expectReply(c, 'AUTH PLAIN ' + plain('cuenta1@aula.test', 'secreto1'), /^503 /); // already authenticated
    // Authenticated, an external sender may relay to an external recipient (E→E needs auth).
    await expectReply(c, `MAIL FROM:<${EXTERNAL_SENDER}>`, /^250 2\.1\.0 /);
    await expectReply(c, `RCPT TO:<${EXTERNAL_RCPT}>`, /^250 2\.1\.5 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 2\.1\.5 /);
    await expectReply(c, 'DATA', /^354 /);
    c.send('Subject: por PLAIN');
    c.send('');
    c.send('hola');
    await expectReply(c, '.', /^250 2\.0\.0 Ok: queued as /);
    await expectReply(c, 'QUIT', /^221 /);

    const { trace } = splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes);
    assert.match(trace, /with ESMTPA id /);
    assert.match(trace, /\(authenticated as cuenta1@aula\.test\)/);
    const q = await queue(srv);
    assert.equal(q.length, 1);
    assert.equal(q[0]!.mailFrom, EXTERNAL_SENDER);
    assert.deepEqual(q[0]!.recipients.map((r) => r.address), [EXTERNAL_RCPT]);

    // AUTH PLAIN without an initial response: the server prompts with "334 ".
    const p = await open(srv.smtpPort);
    await expectReply(p, 'EHLO localhost', /^250[ -]/);
    const prompt = await p.cmd('AUTH PLAIN');
    assert.equal(prompt.code, 334);
    await expectReply(p, plain('cuenta2@aula.test', 'secreto2'), /^235 2\.7\.0 /);
    await expectReply(p, 'QUIT', /^221 /);

    // AUTH LOGIN: base64 prompts "Username:" and "Password:", a bare name gets the default domain.
    const l = await open(srv.smtpPort);
    await expectReply(l, 'EHLO localhost', /^250[ -]/);
    const u = await l.cmd('AUTH LOGIN');
    assert.equal(u.text, '334 VXNlcm5hbWU6');
    assert.equal(Buffer.from('VXNlcm5hbWU6', 'base64').toString(), 'Username:');
    const pw = await l.cmd(b64('cuenta2'));
    assert.equal(pw.text, '334 UGFzc3dvcmQ6');
    await expectReply(l, b64('secreto2'), /^235 2\.7\.0 /);
    await expectReply(l, `MAIL FROM:<${EXTERNAL_SENDER}>`, /^250 /);
    await expectReply(l, `RCPT TO:<${EXTERNAL_RCPT}>`, /^250 2\.1\.5 /);
    await expectReply(l, 'QUIT', /^221 /);

    // Wrong password: 535 5.7.8, and the session is still usable.
    const w = await open(srv.smtpPort);
    await expectReply(w, 'EHLO localhost', /^250[ -]/);
    await expectReply(w, 'AUTH LOGIN', /^334 /);
    await expectReply(w, b64('cuenta1@aula.test'), /^334 /);
    await expectReply(w, b64('malamente'), /^535 5\.7\.8 /);
    await expectReply(w, `MAIL FROM:<${EXTERNAL_SENDER}>`, /^250 /);
    await expectReply(w, `RCPT TO:<${EXTERNAL_RCPT}>`, /^550 5\.7\.1 Relay access denied/);
    await expectReply(w, 'QUIT', /^221 /);
  } finally {
    await srv.close();
  }
});

test('an early talker (a command before the 220 greeting) is refused with 421', async () => {
  const srv = await startLab();
  try {
    // The command is queued before the connection is even up, so it reaches the server before
    // the greeting (which smtp-server sends only after a short wait for early talkers).
    const raw = connect(srv.smtpPort, '127.0.0.1');
    raw.write('EHLO impaciente\r\n');
    raw.setEncoding('latin1');
    let got = '';
    raw.on('data', (d: string) => (got += d));
    await new Promise<void>((resolve) => raw.once('close', () => resolve()));
    assert.match(got, /^421 /m, got);
    assert.doesNotMatch(got, /^250/m, 'the EHLO was not served');
    // A patient client on the next connection is served.
    const ok = await open(srv.smtpPort);
    await expectReply(ok, 'QUIT', /^221 /);
  } finally {
    await srv.close();
  }
});
