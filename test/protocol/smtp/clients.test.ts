// Real third-party SMTP clients against the real listeners: nodemailer, Python's smtplib and
// swaks. Each asserts what the client saw and what the server stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { EXTERNAL_RCPT, EXTERNAL_SENDER, inbox, onlyMessage, queue, run, splitTrace, startLab } from './kit';

const SWAKS = '/usr/bin/swaks';

test('nodemailer: STARTTLS and AUTH as cuenta1 on the submission port', async () => {
  const srv = await startLab();
  try {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: srv.submissionPort,
      secure: false,
      requireTLS: true,
      auth: { user: 'cuenta1@aula.test', pass: 'secreto1' },
      tls: { rejectUnauthorized: false },
    });
    try {
      const info = await transport.sendMail({
        from: 'Cuenta Uno <cuenta1@aula.test>',
        to: ['cuenta2@aula.test', EXTERNAL_RCPT],
        subject: 'Prueba con nodemailer ñ',
        text: 'Hola desde nodemailer.\n.linea con punto\nAdiós.\n',
        messageId: '<nodemailer-1@aula.test>',
      });
      assert.match(info.response, /^250 2\.0\.0 Ok: queued as \S+/);
      assert.deepEqual([...info.accepted].sort(), ['cuenta2@aula.test', EXTERNAL_RCPT].sort());
      assert.deepEqual(info.rejected, []);
    } finally {
      transport.close();
    }

    const m = onlyMessage(srv, 'cuenta2@aula.test');
    const { trace, rest } = splitTrace(m.bytes);
    assert.match(trace, /^Return-Path: <cuenta1@aula\.test>\r\nDelivered-To: cuenta2@aula\.test\r\n/);
    assert.match(trace, /with ESMTPSA id /, 'TLS and authentication show in the protocol');
    assert.match(trace, /\(using TLSv1\.[23] with cipher \S+\)/);
    assert.match(trace, /\(authenticated as cuenta1@aula\.test\)/);
    const text = rest.toString('utf8');
    assert.match(text, /^Message-ID: <nodemailer-1@aula\.test>\r\n/m);
    assert.match(text, /^Subject: =\?UTF-8\?/m);
    assert.match(text, /\r\n\r\n/, 'headers and body are separated by an empty line');
    assert.ok(text.includes('\r\n.linea con punto\r\n'), 'dot-stuffing undone: the line starts with one dot');
    const q = await queue(srv);
    assert.equal(q.length, 1, 'the external recipient is queued');
    assert.equal(q[0]!.mailFrom, 'cuenta1@aula.test');
    assert.deepEqual(q[0]!.recipients.map((r) => [r.address, r.status]), [[EXTERNAL_RCPT, 'pending']]);
    assert.equal(q[0]!.reason, 'relay');
  } finally {
    await srv.close();
  }
});

test('nodemailer: no auth and no TLS from 127.0.0.1 ("My computer")', async () => {
  const srv = await startLab();
  try {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
    try {
      const info = await transport.sendMail({ from: 'cuenta1@aula.test', to: 'cuenta2@aula.test, ' + EXTERNAL_RCPT, subject: 'sin auth', text: 'hola' });
      assert.match(info.response, /^250 2\.0\.0 /);
      assert.equal(info.accepted.length, 2);
      // External sender to external recipient needs auth even from "My computer".
      await assert.rejects(
        transport.sendMail({ from: EXTERNAL_SENDER, to: EXTERNAL_RCPT, subject: 'relay', text: 'no' }),
        (e: Error & { responseCode?: number; response?: string }) => e.responseCode === 550 && /5\.7\.1 Relay access denied/.test(e.response ?? ''),
      );
    } finally {
      transport.close();
    }
    const { trace, rest } = splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes);
    assert.match(trace, /with ESMTP id /);
    assert.doesNotMatch(trace, /authenticated as/);
    assert.match(rest.toString('latin1'), /^Subject: sin auth\r\n/m);
    const q = await queue(srv);
    assert.equal(q.length, 1, 'only the accepted message is queued');
    assert.deepEqual(q[0]!.recipients.map((r) => r.address), [EXTERNAL_RCPT]);
  } finally {
    await srv.close();
  }
});

test("Python smtplib: ehlo, starttls, login, sendmail", async () => {
  const srv = await startLab();
  try {
    const script = String.raw`
import smtplib, ssl, sys, json
port = int(sys.argv[1])
msg = (b"From: cuenta1@aula.test\r\nTo: cuenta2@aula.test\r\nSubject: desde Python\r\n\r\n"
       b"Hola desde smtplib.\r\n.empieza con punto\r\n\xc3\xb1and\xc3\xba\r\n")
s = smtplib.SMTP("127.0.0.1", port, timeout=20)
code, _ = s.ehlo("python.test")
before = s.has_extn("starttls")
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
tls = s.starttls(context=ctx)
s.ehlo("python.test")
login = s.login("cuenta1@aula.test", "secreto1")
refused = s.sendmail("cuenta1@aula.test", ["cuenta2@aula.test"], msg)
s.quit()
print(json.dumps({"ehlo": code, "starttlsOffered": before, "tls": tls[0], "login": login[0], "refused": refused}))
`;
    const r = await run('python3', ['-c', script, String(srv.submissionPort)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { ehlo: 250, starttlsOffered: true, tls: 220, login: 235, refused: {} });

    const { trace, rest } = splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes);
    assert.match(trace, /Received: from python\.test \(/);
    assert.match(trace, /with ESMTPSA id /);
    assert.ok(
      rest.equals(
        Buffer.from('From: cuenta1@aula.test\r\nTo: cuenta2@aula.test\r\nSubject: desde Python\r\n\r\nHola desde smtplib.\r\n.empieza con punto\r\nñandú\r\n', 'utf8'),
      ),
      rest.toString('latin1'),
    );
  } finally {
    await srv.close();
  }
});

test('swaks: --tls --auth PLAIN and --auth LOGIN, and a refused relay', { skip: !existsSync(SWAKS) && 'swaks not installed' }, async () => {
  const srv = await startLab();
  try {
    const server = `127.0.0.1:${srv.smtpPort}`;
    const plainRun = await run(SWAKS, [
      '--server', server, '--ehlo', 'swaks.test', '--from', 'cuenta1@aula.test', '--to', 'cuenta2@aula.test',
      '--tls', '--auth', 'PLAIN', '--auth-user', 'cuenta1@aula.test', '--auth-password', 'secreto1',
      '--header', 'Subject: swaks PLAIN', '--body', 'hola desde swaks',
    ]);
    assert.equal(plainRun.code, 0, plainRun.stdout + plainRun.stderr);
    assert.match(plainRun.stdout, /<~ +235 2\.7\.0 /);
    assert.match(plainRun.stdout, /<~ +250 2\.0\.0 Ok: queued as /);

    const loginRun = await run(SWAKS, [
      '--server', server, '--from', 'cuenta2@aula.test', '--to', 'cuenta1@aula.test',
      '--tls', '--auth', 'LOGIN', '--auth-user', 'cuenta2', '--auth-password', 'secreto2',
      '--header', 'Subject: swaks LOGIN', '--body', 'hola por LOGIN',
    ]);
    assert.equal(loginRun.code, 0, loginRun.stdout + loginRun.stderr);

    const relay = await run(SWAKS, ['--server', server, '--from', EXTERNAL_SENDER, '--to', EXTERNAL_RCPT, '--body', 'relay?']);
    assert.notEqual(relay.code, 0, 'swaks reports the refused recipient');
    assert.match(relay.stdout, /<\*\* +550 5\.7\.1 Relay access denied/);

    const a = splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes);
    assert.match(a.trace, /Received: from swaks\.test .* with ESMTPSA id /s);
    assert.match(a.rest.toString('latin1'), /^Subject: swaks PLAIN\r\n/m);
    assert.match(a.rest.toString('latin1'), /\r\n\r\nhola desde swaks\r\n/);
    const b = splitTrace(onlyMessage(srv, 'cuenta1@aula.test').bytes);
    assert.match(b.trace, /\(authenticated as cuenta2@aula\.test\)/);
    assert.match(b.rest.toString('latin1'), /^Subject: swaks LOGIN\r\n/m);
    assert.equal((await queue(srv)).length, 0, 'the refused relay queued nothing');
    assert.equal(inbox(srv, 'cuenta2@aula.test').length, 1);
  } finally {
    await srv.close();
  }
});
