// Policy replies: unknown users, message size (server and domain), recipients per message and
// account quota. A refused message leaves nothing behind: no file, no temp file, no index row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestServer } from '../../helpers/start-server';
import type { Account, Domain } from '../../../src-main/shared/model/entities';
import { LineClient } from '../../helpers/line-client';
import { accountId, dotStuff, expectReply, filesUnder, inbox, messageRowCount, open, session, setListenerSetting, splitTrace, startLab } from './kit';

function nothingLeftBehind(srv: TestServer, expectedMessages: number): void {
  assert.equal(messageRowCount(srv), expectedMessages, 'index rows');
  assert.equal(filesUnder(srv, 'messages').length, expectedMessages, 'message files');
  assert.deepEqual(filesUnder(srv, 'tmp'), [], 'temp files');
}

function tmpBytes(srv: TestServer): number {
  let n = 0;
  for (const f of filesUnder(srv, 'tmp')) {
    try {
      n += statSync(join(srv.dir, 'tmp', f)).size;
    } catch {
      /* removed meanwhile */
    }
  }
  return n;
}

function body(bytes: number): Buffer {
  const line = 'x'.repeat(998) + '\r\n';
  return Buffer.from(('Subject: grande\r\n\r\n' + line.repeat(Math.ceil(bytes / line.length))).slice(0, bytes - 2) + '\r\n', 'latin1');
}

async function data(c: LineClient, payload: Buffer): Promise<string> {
  await expectReply(c, 'DATA', /^354 /);
  c.write(dotStuff(payload));
  return (await c.reply(30_000)).text;
}

test('unknown local user: 550 5.1.1, and nothing is stored', async () => {
  const srv = await startLab();
  try {
    const c = await open(srv.smtpPort);
    await expectReply(c, 'HELO root', /^250/);
    await expectReply(c, 'MAIL FROM: root', /^250 2\.1\.0 /);
    await expectReply(c, 'RCPT TO: nadie', /^550 5\.1\.1 /);
    await expectReply(c, 'RCPT TO:<NoExiste@Aula.Test>', /^550 5\.1\.1 Recipient address rejected: user unknown$/);
    await expectReply(c, 'DATA', /^503 /);
    // A disabled account, and an account of a disabled domain, are unknown as well.
    await srv.call('accounts', 'update', { id: accountId(srv, 'cuenta2@aula.test'), enabled: false });
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^550 5\.1\.1 /);
    const dom = (await srv.call<Domain[]>('domains', 'list')).find((d) => d.name === 'aula.test')!;
    await srv.call('domains', 'update', { id: dom.id, enabled: false });
    await expectReply(c, 'RCPT TO:<cuenta1@aula.test>', /^550 5\.1\.1 /);
    await expectReply(c, 'QUIT', /^221 /);
    nothingLeftBehind(srv, 0);
  } finally {
    await srv.close();
  }
});

test('the null sender is refused with 550 5.7.1 when "allow empty sender" is off', async () => {
  const srv = await startLab({ settings: { 'smtp.allowEmptySender': false } });
  try {
    const c = await session(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<>', /^550 5\.7\.1 Empty sender address not allowed$/);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'QUIT', /^221 /);
  } finally {
    await srv.close();
  }
});

test('maximum message size: SIZE is advertised, a bigger message gets 552, the session goes on', async () => {
  const srv = await startLab();
  try {
    const port = await setListenerSetting(srv, 'smtp.maxMessageSizeKb', 10);
    const c = await open(port);
    const ehlo = await c.cmd('EHLO cliente.test');
    assert.ok(ehlo.lines.some((l) => /^250[ -]SIZE 10240$/.test(l)), ehlo.text);
    // Declared too big: refused at MAIL FROM (RFC 1870).
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test> SIZE=20000', /^552 /);
    // Undeclared: refused after DATA.
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    assert.match(await data(c, body(20_000)), /^552 5\.3\.4 Message size exceeds fixed maximum message size \(10 KB\)$/);
    nothingLeftBehind(srv, 0);
    // The same session still delivers a message under the limit.
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    assert.match(await data(c, body(5_000)), /^250 2\.0\.0 /);
    await expectReply(c, 'QUIT', /^221 /);
    assert.equal(splitTrace(inbox(srv, 'cuenta2@aula.test')[0]!.bytes).rest.length, 5_000);
    nothingLeftBehind(srv, 1);
  } finally {
    await srv.close();
  }
});

test('a message far over the size limit is not written to disk while it arrives', async () => {
  const srv = await startLab();
  try {
    const port = await setListenerSetting(srv, 'smtp.maxMessageSizeKb', 64);
    const c = await session(port);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    await expectReply(c, 'DATA', /^354 /);
    // Watch the temp folder while 8 MB arrive: at most the limit and a write buffer may be there.
    let largest = 0;
    let sawTmpFile = false;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        largest = Math.max(largest, tmpBytes(srv));
        sawTmpFile ||= filesUnder(srv, 'tmp').length > 0;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const chunk = Buffer.from(('w'.repeat(1022) + '\r\n').repeat(64), 'latin1');
    c.write('Subject: enorme\r\n\r\n');
    for (let i = 0; i < 128; i++) await new Promise<void>((resolve, reject) => c.socket.write(chunk, (e) => (e ? reject(e) : resolve())));
    c.write('.\r\n');
    const r = await c.reply(60_000);
    watching = false;
    await watcher;
    assert.match(r.text, /^552 5\.3\.4 /);
    assert.ok(sawTmpFile, 'the message was being received into a temp file');
    assert.ok(largest < 1024 * 1024, `temp files reached ${largest} bytes for a 64 KB limit`);
    await expectReply(c, 'QUIT', /^221 /);
    nothingLeftBehind(srv, 0);
  } finally {
    await srv.close();
  }
});

test("a domain's maximum message size applies to its recipients", async () => {
  const srv = await startLab();
  try {
    const dom = (await srv.call<Domain[]>('domains', 'list')).find((d) => d.name === 'aula.test')!;
    await srv.call('domains', 'update', { id: dom.id, maxMessageSizeKb: 4 });
    const c = await session(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test> SIZE=8000', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^552 5\.3\.4 /);
    await expectReply(c, 'RSET', /^250 /);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    assert.match(await data(c, body(8_000)), /^552 5\.3\.4 .*\(4 KB\)$/);
    await expectReply(c, 'QUIT', /^221 /);
    nothingLeftBehind(srv, 0);
  } finally {
    await srv.close();
  }
});

test('maximum recipients per message: the one over gets 452 4.5.3', async () => {
  const srv = await startLab();
  try {
    await srv.call('settings', 'set', { key: 'smtp.maxRecipients', value: 3 });
    await srv.call('accounts', 'add', { address: 'cuenta3@aula.test', password: 'secreto3' });
    await srv.call('accounts', 'add', { address: 'cuenta4@aula.test', password: 'secreto4' });
    const c = await session(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    for (const n of [1, 2, 3]) await expectReply(c, `RCPT TO:<cuenta${n}@aula.test>`, /^250 2\.1\.5 /);
    await expectReply(c, 'RCPT TO:<cuenta4@aula.test>', /^452 4\.5\.3 Too many recipients/);
    assert.match(await data(c, Buffer.from('Subject: a tres\r\n\r\nhola\r\n')), /^250 2\.0\.0 /);
    await expectReply(c, 'QUIT', /^221 /);
    for (const n of [1, 2, 3]) assert.equal(inbox(srv, `cuenta${n}@aula.test`).length, 1, `cuenta${n}`);
    assert.equal(inbox(srv, 'cuenta4@aula.test').length, 0);
  } finally {
    await srv.close();
  }
});

test('a repeated recipient is one recipient: counted once against the limit, delivered once', async () => {
  const srv = await startLab();
  try {
    await srv.call('settings', 'set', { key: 'smtp.maxRecipients', value: 2 });
    const c = await session(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 2\.1\.5 /);
    await expectReply(c, 'RCPT TO:<CUENTA2@Aula.Test>', /^250 2\.1\.5 /);
    await expectReply(c, 'RCPT TO: cuenta2', /^250 2\.1\.5 /);
    await expectReply(c, 'RCPT TO:<cuenta1@aula.test>', /^250 2\.1\.5 /);
    await expectReply(c, 'RCPT TO:<cuenta3@aula.test>', /^452 4\.5\.3 /);
    assert.match(await data(c, Buffer.from('Subject: repetido\r\n\r\nhola\r\n')), /^250 2\.0\.0 /);
    await expectReply(c, 'QUIT', /^221 /);
    assert.equal(inbox(srv, 'cuenta2@aula.test').length, 1);
    assert.equal(inbox(srv, 'cuenta1@aula.test').length, 1);
    // Alone in a transaction, a repeated recipient still gets the "for" clause of one recipient.
    const d = await session(srv.smtpPort);
    await expectReply(d, 'MAIL FROM:<cuenta2@aula.test>', /^250 /);
    await expectReply(d, 'RCPT TO:<cuenta1@aula.test>', /^250 /);
    await expectReply(d, 'RCPT TO:<Cuenta1@aula.test>', /^250 /);
    assert.match(await data(d, Buffer.from('Subject: dos veces\r\n\r\nhola\r\n')), /^250 2\.0\.0 /);
    await expectReply(d, 'QUIT', /^221 /);
    assert.match(splitTrace(inbox(srv, 'cuenta1@aula.test')[1]!.bytes).trace, /\r\n\tfor <cuenta1@aula\.test>;\r\n/);
  } finally {
    await srv.close();
  }
});

test('account quota: a message over the quota gets 552 5.2.2 (declared: 452 4.2.2) and is not stored', async () => {
  const srv = await startLab();
  try {
    const id = accountId(srv, 'cuenta2@aula.test');
    await srv.call('accounts', 'update', { id, quotaMb: 1 });
    const c = await session(srv.smtpPort);
    // Declared with SIZE: refused at RCPT, temporarily (the owner may make room).
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test> SIZE=1200000', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^452 4\.2\.2 Mailbox full/);
    await expectReply(c, 'RSET', /^250 /);
    // Undeclared: refused once the data shows it.
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    assert.match(await data(c, body(1_200_000)), /^552 5\.2\.2 /);
    nothingLeftBehind(srv, 0);
    assert.equal((await srv.call<Account>('accounts', 'get', { id })).sizeBytes, 0, 'quota use unchanged');
    // Under the quota it is delivered.
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 /);
    assert.match(await data(c, body(600_000)), /^250 2\.0\.0 /);
    await expectReply(c, 'QUIT', /^221 /);
    nothingLeftBehind(srv, 1);
    const used = (await srv.call<Account>('accounts', 'get', { id })).sizeBytes;
    assert.equal(used, inbox(srv, 'cuenta2@aula.test')[0]!.bytes.length);
  } finally {
    await srv.close();
  }
});
