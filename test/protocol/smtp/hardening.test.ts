// Limits that keep one client from taking the server: connections per address (all protocols
// together), over-long IMAP lines ending the session, and abuse counted toward auto-ban.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../../helpers/start-server';
import { until } from './kit';
import { LineClient } from '../../helpers/line-client';

test('per-address limit: the connection over it gets 421 (SMTP), BYE (IMAP) or -ERR (POP3); a closed one frees its slot', async () => {
  const srv = await startServer({ settings: { 'security.maxConnectionsPerIp': 2 } });
  try {
    const a = await LineClient.open(srv.smtpPort);
    assert.match((await a.reply()).text, /^220 /);
    const b = await LineClient.open(srv.imapPort);
    assert.match(await b.line(), /^\* OK/);
    const c = await LineClient.open(srv.smtpPort);
    assert.match((await c.reply()).text, /^421 4\.7\.0 Too many connections from your address/);
    const d = await LineClient.open(srv.imapPort);
    assert.match(await d.line(), /^\* BYE \[UNAVAILABLE\] Too many connections from your address/);
    const e = await LineClient.open(srv.pop3Port);
    assert.match(await e.line(), /^-ERR \[SYS\/TEMP\] Too many connections from your address/);
    a.send('QUIT');
    assert.ok(await a.closedByServer());
    let f: LineClient | undefined;
    // The slot comes back once the server has seen the close.
    for (let i = 0; i < 50; i++) {
      f = await LineClient.open(srv.smtpPort);
      const r = (await f.reply()).text;
      if (/^220 /.test(r)) break;
      f.close();
      f = undefined;
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.ok(f, 'a new connection is accepted after one closed');
    for (const x of [b, c, d, e, f]) x.close();
    await assert.rejects(srv.call('settings', 'set', { key: 'autoban.exempt', value: '10.0.0.1, nonsense' }), /"nonsense" is not an IP address/);
  } finally {
    await srv.close();
  }
});

test('an IMAP command line over 64 KB ends the session with BAD and BYE; three such sessions ban the address', async () => {
  const srv = await startServer({ settings: { 'autoban.maxAttempts': 3 } });
  try {
    for (let i = 0; i < 3; i++) {
      const c = await LineClient.open(srv.imapPort);
      assert.match(await c.line(), /^\* OK/);
      c.send(`a1 LOGIN ${'x'.repeat(70 * 1024)} y`);
      assert.match(await c.line(), /^a1 BAD .*too long/i);
      assert.match(await c.line(), /^\* BYE /);
      assert.ok(await c.closedByServer(), 'closed');
    }
    const banned = await LineClient.open(srv.imapPort);
    assert.match(await banned.line(), /^\* BYE \[UNAVAILABLE\] Too many failed logons/);
    banned.close();
  } finally {
    await srv.close();
  }
});

test('with a greeting delay, a client that talks before the greeting gets 421 and is closed; a patient one is served', async () => {
  const srv = await startServer({ settings: { 'smtp.greetingDelaySeconds': 1 } });
  try {
    const early = await LineClient.open(srv.smtpPort);
    early.send('EHLO spambot.example');
    assert.match((await early.reply()).text, /^421 .*talk too soon/i);
    assert.ok(await early.closedByServer());
    const patient = await LineClient.open(srv.smtpPort);
    assert.match((await patient.reply(5000)).text, /^220 /);
    assert.match((await patient.cmd('EHLO cliente.test')).text, /^250/);
    patient.close();
  } finally {
    await srv.close();
  }
});

/** Sets a port entry to STARTTLS (required); resolves with the port its new listener got. */
async function requireStartTls(srv: TestServer, protocol: 'smtp' | 'pop3' | 'imap', port: number): Promise<number> {
  const before = srv.host.boundPort(protocol, port);
  const ports = await srv.call<{ id: number; protocol: string; port: number }[]>('ports', 'list');
  await srv.call('ports', 'update', { id: ports.find((p) => p.protocol === protocol && p.port === port)!.id, security: 'starttls-required' });
  // The listener is bound again (its security changed): wait for the new one.
  await until(() => {
    const now = srv.host.boundPort(protocol, port);
    return now !== undefined && now !== before;
  }, `${protocol} ${port} bound again`);
  return srv.host.boundPort(protocol, port)!;
}

test('a POP3 or IMAP port set to STARTTLS (required) refuses a logon in clear, even from "My computer"', async () => {
  const srv = await startServer();
  try {
    const pop = await LineClient.open(await requireStartTls(srv, 'pop3', 110));
    const imapPort = await requireStartTls(srv, 'imap', 143);
    assert.match(await pop.line(), /^\+OK/);
    pop.send('USER cuenta1@aula.test');
    assert.match(await pop.line(), /^-ERR/);
    pop.close();
    const imap = await LineClient.open(imapPort);
    assert.match(await imap.line(), /^\* OK/);
    imap.send('a LOGIN cuenta1@aula.test secreto1');
    assert.match(await imap.line(), /^a NO \[PRIVACYREQUIRED\]/);
    imap.close();
  } finally {
    await srv.close();
  }
});

test('an SMTP port set to STARTTLS (required) takes no AUTH and no MAIL in clear, even from "My computer"', async () => {
  const srv = await startServer();
  try {
    const c = await LineClient.open(await requireStartTls(srv, 'smtp', 587));
    assert.match((await c.reply()).text, /^220 /);
    await c.cmd('EHLO cliente.test');
    assert.match((await c.cmd(`AUTH PLAIN ${Buffer.from('\0cuenta1@aula.test\0secreto1').toString('base64')}`)).text, /^538 5\.7\.11 /);
    assert.match((await c.cmd('MAIL FROM:<cuenta1@aula.test>')).text, /^530 5\.7\.0 Must issue a STARTTLS command first/);
    c.close();
  } finally {
    await srv.close();
  }
});
