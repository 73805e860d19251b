// TLS: STARTTLS checked with `openssl s_client -starttls smtp` (T-TLS-01), the EHLO extension
// list of the default port, and the port security modes (STARTTLS required, implicit TLS on 465).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../helpers/start-server';
import { LineClient } from '../../helpers/line-client';
import type { PortStatus } from '../../../src-main/shared/model/entities';
import { EXTERNAL_RCPT, EXTERNAL_SENDER, expectReply, nextStatus, onlyMessage, open, plain, run, splitTrace, startLab } from './kit';

test('openssl s_client -starttls smtp: handshake succeeds, certificate subject is the host name', async () => {
  const srv = await startServer({ settings: { 'server.hostName': 'mail.aula.test' } });
  try {
    const r = await run('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${srv.smtpPort}`, '-servername', 'mail.aula.test', '-crlf', '-ign_eof'], {
      input: 'QUIT\n',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^subject=CN\s*=\s*mail\.aula\.test\b/m);
    assert.match(r.stdout, /^New, TLSv1\.[23], Cipher is \S+/m);
    assert.match(r.stdout, /Verify return code: 18 \(self-signed certificate\)/);
    assert.match(r.stdout, /^221 2\.0\.0 /m, 'QUIT is answered inside TLS');
  } finally {
    await srv.close();
  }
});

test('EHLO on the default port lists exactly the extensions; after STARTTLS no STARTTLS', async () => {
  const srv = await startServer({ settings: { 'server.hostName': 'mail.aula.test' } });
  try {
    const c = await open(srv.smtpPort);
    const e = await c.cmd('EHLO cliente.test');
    assert.equal(e.code, 250);
    assert.match(e.lines[0]!, /^250-mail\.aula\.test /);
    const ext = e.lines.slice(1).map((l) => l.slice(4));
    assert.deepEqual([...ext].sort(), ['8BITMIME', 'AUTH PLAIN LOGIN', 'ENHANCEDSTATUSCODES', 'PIPELINING', 'SIZE 20971520', 'SMTPUTF8', 'STARTTLS'].sort());
    await expectReply(c, 'STARTTLS', /^220 /);
    await c.startTls('mail.aula.test');
    const cert = (c.socket as import('node:tls').TLSSocket).getPeerCertificate();
    assert.equal(cert.subject.CN, 'mail.aula.test');
    const e2 = await c.cmd('EHLO cliente.test');
    const ext2 = e2.lines.slice(1).map((l) => l.slice(4));
    assert.ok(!ext2.includes('STARTTLS'), 'STARTTLS is not offered again inside TLS');
    assert.ok(ext2.includes('AUTH PLAIN LOGIN'));
    await expectReply(c, 'STARTTLS', /^503 /);
    await expectReply(c, 'QUIT', /^221 /);
  } finally {
    await srv.close();
  }
});

test('STARTTLS discards what the client said before it: the AUTH identity and the transaction (RFC 3207)', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    await expectReply(c, 'EHLO antes.test', /^250[ -]/);
    await expectReply(c, `AUTH PLAIN ${plain('cuenta1@aula.test', 'secreto1')}`, /^235 /);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'STARTTLS', /^220 /);
    await c.startTls();
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^503 /); // EHLO again first
    await expectReply(c, 'EHLO despues.test', /^250[ -]/);
    await expectReply(c, `MAIL FROM:<${EXTERNAL_SENDER}>`, /^250 /); // no nested-MAIL error: the transaction is gone
    await expectReply(c, `RCPT TO:<${EXTERNAL_RCPT}>`, /^550 5\.7\.1 Relay access denied$/); // no longer authenticated
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    await expectReply(c, 'DATA', /^354 /);
    c.send('Subject: tras STARTTLS\r\n\r\nhola\r\n.');
    assert.match((await c.reply()).text, /^250 2\.0\.0 /);
    await expectReply(c, 'QUIT', /^221 /);
    const { trace } = splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes);
    assert.match(trace, /^Received: from despues\.test /m, 'the EHLO name given inside TLS');
    assert.match(trace, /with ESMTPS id /, 'TLS, not authenticated');
  } finally {
    await srv.close();
  }
});

test('port security: STARTTLS required on 587 refuses MAIL before TLS; implicit TLS on 465', async () => {
  const srv = await startLab();
  try {
    const ports = await srv.call<PortStatus[]>('ports', 'list');
    const sub = ports.find((p) => p.protocol === 'smtp' && p.port === 587)!;
    const smtps = ports.find((p) => p.protocol === 'smtp' && p.port === 465)!;
    const rebound = nextStatus(srv);
    await srv.call('ports', 'update', { id: sub.id, security: 'starttls-required' });
    await rebound;
    const enabled = nextStatus(srv);
    await srv.call('ports', 'update', { id: smtps.id, enabled: true });
    await enabled;
    const subPort = srv.host.boundPort('smtp', 587);
    const smtpsPort = srv.host.boundPort('smtp', 465);
    assert.ok(subPort && smtpsPort, JSON.stringify(srv.host.status().listeners));

    const c = await open(subPort);
    await expectReply(c, 'EHLO cliente.test', /^250[ -]/);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^530 5\.7\.0 Must issue a STARTTLS command first/);
    await expectReply(c, 'STARTTLS', /^220 /);
    await c.startTls();
    await expectReply(c, 'EHLO cliente.test', /^250[ -]/);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 2\.1\.0 /);
    await expectReply(c, 'QUIT', /^221 /);

    // Implicit TLS: the handshake comes first, then the greeting.
    const t = await LineClient.open(smtpsPort);
    await t.startTls();
    assert.equal((await t.reply()).code, 220);
    const e = await t.cmd('EHLO cliente.test');
    assert.ok(!e.lines.some((l) => l.includes('STARTTLS')), 'no STARTTLS on an implicit-TLS port');
    await expectReply(t, `AUTH PLAIN ${plain('cuenta1@aula.test', 'secreto1')}`, /^235 /);
    await expectReply(t, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(t, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    await expectReply(t, 'DATA', /^354 /);
    t.send('Subject: por 465\r\n\r\nhola\r\n.');
    assert.match((await t.reply()).text, /^250 2\.0\.0 /);
    await expectReply(t, 'QUIT', /^221 /);
    assert.match(splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes).trace, /with ESMTPSA id /);
  } finally {
    await srv.close();
  }
});

test(
  'enabling a disabled port starts its listener without a restart',
  async () => {
    const srv = await startLab();
    try {
      const smtps = (await srv.call<PortStatus[]>('ports', 'list')).find((p) => p.protocol === 'smtp' && p.port === 465)!;
      assert.equal(smtps.enabled, false, 'port 465 is seeded disabled');
      const rebound = nextStatus(srv);
      await srv.call('ports', 'update', { id: smtps.id, enabled: true });
      await rebound;
      const port = srv.host.boundPort('smtp', 465);
      assert.ok(port, JSON.stringify(srv.host.status().listeners.find((l) => l.port === 465)));
      const t = await LineClient.open(port);
      await t.startTls();
      assert.equal((await t.reply()).code, 220);
      t.close();
    } finally {
      await srv.close();
    }
  },
);
