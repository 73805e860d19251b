// Routing of local recipients: aliases, domain aliases, catch-all, plus addressing, distribution
// lists (public, membership, announcements, authenticated), and forwarding with and without a
// local copy. Every case is driven over SMTP and checked in the mailboxes and the queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../../helpers/start-server';
import type { Domain } from '../../../src-main/shared/model/entities';
import { accountId, expectReply, EXTERNAL_RCPT, EXTERNAL_SENDER, inbox, onlyMessage, queue, session, splitTrace, startLab, transaction } from './kit';

async function domainId(srv: TestServer): Promise<number> {
  return (await srv.call<Domain[]>('domains', 'list')).find((d) => d.name === 'aula.test')!.id;
}

async function deliver(srv: TestServer, from: string, to: readonly string[], subject: string): Promise<void> {
  const c = await session(srv.smtpPort);
  assert.match(await transaction(c, from, to, `Subject: ${subject}\r\n\r\n${subject}\r\n`), /^250 2\.0\.0 /);
  await expectReply(c, 'QUIT', /^221 /);
}

/** Subjects in an account's INBOX, oldest first. */
function subjects(srv: TestServer, address: string): string[] {
  return inbox(srv, address).map((m) => /^Subject: (.*)\r$/m.exec(splitTrace(m.bytes).rest.toString('latin1'))?.[1] ?? '?');
}

test('alias → account, domain alias → account, catch-all, plus addressing', async () => {
  const srv = await startLab();
  try {
    const dom = await domainId(srv);
    await srv.call('aliases', 'add', { address: 'info@aula.test', target: 'cuenta1@aula.test' });
    await srv.call('domains', 'update', { id: dom, aliases: ['aula.example'] });

    // Before plus addressing and catch-all are on, these are unknown.
    const c = await session(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<cuenta2@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<cuenta1+ofertas@aula.test>', /^550 5\.1\.1 /);
    await expectReply(c, 'RCPT TO:<loquesea@aula.test>', /^550 5\.1\.1 /);
    await expectReply(c, 'QUIT', /^221 /);

    await deliver(srv, 'cuenta2@aula.test', ['info@aula.test'], 'alias');
    await deliver(srv, EXTERNAL_SENDER, ['cuenta2@aula.example'], 'alias de dominio');
    await srv.call('domains', 'update', { id: dom, plusAddressing: true, catchAll: 'cuenta2@aula.test' });
    await deliver(srv, 'cuenta2@aula.test', ['cuenta1+ofertas@aula.test'], 'plus');
    await deliver(srv, 'cuenta1@aula.test', ['loquesea@aula.test'], 'catch-all');
    // An address of the domain alias reaches the catch-all as well; plus on an alias name too.
    await deliver(srv, EXTERNAL_SENDER, ['nadie@aula.example', 'info+x@aula.test'], 'mezcla');

    assert.deepEqual(subjects(srv, 'cuenta1@aula.test'), ['alias', 'plus', 'mezcla']);
    assert.deepEqual(subjects(srv, 'cuenta2@aula.test'), ['alias de dominio', 'catch-all', 'mezcla']);
    const first = inbox(srv, 'cuenta1@aula.test')[0]!;
    assert.match(splitTrace(first.bytes).trace, /^Return-Path: <cuenta2@aula\.test>\r\nDelivered-To: cuenta1@aula\.test\r\n/);
    assert.match(splitTrace(first.bytes).trace, /for <info@aula\.test>;/, 'the Received header names the address as given');
    // The domain alias is local for the relay decision too: MAIL FROM it counts as local.
    assert.equal((await queue(srv)).length, 0);
  } finally {
    await srv.close();
  }
});

test('alias loops end: an alias that resolves to nothing is refused, without hanging', async () => {
  const srv = await startLab();
  try {
    await srv.call('aliases', 'add', { address: 'a@aula.test', target: 'b@aula.test' });
    await srv.call('aliases', 'add', { address: 'b@aula.test', target: 'a@aula.test' });
    const c = await session(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<a@aula.test>', /^550 5\.1\.1 /);
    await expectReply(c, 'QUIT', /^221 /);
  } finally {
    await srv.close();
  }
});

test('distribution lists: public, membership, announcements, require authentication', async () => {
  const srv = await startLab();
  try {
    await srv.call('accounts', 'add', { address: 'cuenta3@aula.test', password: 'secreto3' });
    await srv.call('lists', 'add', { address: 'todos@aula.test', mode: 'public', members: ['cuenta1@aula.test', 'cuenta2@aula.test', EXTERNAL_RCPT] });
    await srv.call('lists', 'add', { address: 'socios@aula.test', mode: 'membership', members: ['cuenta1@aula.test', 'cuenta3@aula.test'] });
    await srv.call('lists', 'add', { address: 'avisos@aula.test', mode: 'announcements', announcer: 'cuenta1@aula.test', members: ['cuenta2@aula.test', 'cuenta3@aula.test'] });
    await srv.call('lists', 'add', { address: 'claustro@aula.test', mode: 'announcements', announcer: 'cuenta1@aula.test', requireAuth: true, members: ['cuenta3@aula.test'] });

    // Public: anyone, members fan out (the external member goes to the queue); a member also
    // named directly gets one copy.
    await deliver(srv, EXTERNAL_SENDER, ['todos@aula.test', 'cuenta1@aula.test'], 'publica');

    const c = await session(srv.smtpPort);
    // Membership: a non-member is refused, a member posts.
    await expectReply(c, 'MAIL FROM:<cuenta2@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<socios@aula.test>', /^550 5\.7\.1 Recipient address rejected: only members may send/);
    await expectReply(c, 'RSET', /^250 /);
    assert.match(await transaction(c, 'cuenta3@aula.test', ['socios@aula.test'], 'Subject: socios\r\n\r\nx\r\n'), /^250 2\.0\.0 /);
    // Announcements: only the announcer.
    await expectReply(c, 'MAIL FROM:<cuenta2@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<avisos@aula.test>', /^550 5\.7\.1 /);
    await expectReply(c, 'RSET', /^250 /);
    assert.match(await transaction(c, 'cuenta1@aula.test', ['avisos@aula.test'], 'Subject: avisos\r\n\r\nx\r\n'), /^250 2\.0\.0 /);
    // Require SMTP authentication: the envelope sender alone is not enough.
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RCPT TO:<claustro@aula.test>', /^530 5\.7\.0 Authentication required$/);
    await expectReply(c, 'QUIT', /^221 /);
    // Authenticated as someone else than the announcer: refused; as the announcer: accepted.
    const other = await session(srv.smtpPort, { auth: { user: 'cuenta2@aula.test', password: 'secreto2' } });
    await expectReply(other, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(other, 'RCPT TO:<claustro@aula.test>', /^550 5\.7\.1 /);
    await expectReply(other, 'QUIT', /^221 /);
    const announcer = await session(srv.smtpPort, { auth: { user: 'cuenta1@aula.test', password: 'secreto1' } });
    assert.match(await transaction(announcer, 'cuenta1@aula.test', ['claustro@aula.test'], 'Subject: claustro\r\n\r\nx\r\n'), /^250 2\.0\.0 /);
    await expectReply(announcer, 'QUIT', /^221 /);

    assert.deepEqual(subjects(srv, 'cuenta1@aula.test'), ['publica', 'socios']);
    assert.deepEqual(subjects(srv, 'cuenta2@aula.test'), ['publica', 'avisos']);
    assert.deepEqual(subjects(srv, 'cuenta3@aula.test'), ['socios', 'avisos', 'claustro']);
    const q = await queue(srv);
    assert.equal(q.length, 1, 'the external member of the public list is queued');
    assert.deepEqual(q[0]!.recipients.map((r) => r.address), [EXTERNAL_RCPT]);
    // Forwarded by the list to an outside address: the envelope sender is rewritten (SRS), so the
    // outside server's SPF check sees aula.test, and bounces find their way back to the sender.
    const [local, domain] = EXTERNAL_SENDER.split('@') as [string, string];
    assert.match(q[0]!.mailFrom, new RegExp(`^SRS0=[^=]{4}=[A-Z2-7]{2}=${domain.replace(/\./g, '\\.')}=${local}@aula\\.test$`));
  } finally {
    await srv.close();
  }
});

test('forwarding to an external address: with keep-copy a local copy and a queue row; without, only the queue row', async () => {
  const srv = await startLab();
  try {
    const id2 = accountId(srv, 'cuenta2@aula.test');
    await srv.call('accounts', 'update', { id: id2, forwardEnabled: true, forwardTo: EXTERNAL_RCPT, forwardKeepCopy: true });
    await deliver(srv, 'cuenta1@aula.test', ['cuenta2@aula.test'], 'con copia');
    assert.deepEqual(subjects(srv, 'cuenta2@aula.test'), ['con copia']);
    let q = await queue(srv);
    assert.equal(q.length, 1);
    assert.deepEqual(q[0]!.recipients.map((r) => r.address), [EXTERNAL_RCPT]);
    assert.equal(q[0]!.reason, 'forward');
    assert.equal(q[0]!.mailFrom, 'cuenta1@aula.test');

    await srv.call('accounts', 'update', { id: id2, forwardKeepCopy: false });
    await deliver(srv, 'cuenta1@aula.test', ['cuenta2@aula.test'], 'sin copia');
    assert.deepEqual(subjects(srv, 'cuenta2@aula.test'), ['con copia'], 'no local copy without keep-copy');
    q = await queue(srv);
    assert.equal(q.length, 2);
    assert.equal(q[1]!.reason, 'forward');
    assert.deepEqual(q[1]!.recipients.map((r) => r.address), [EXTERNAL_RCPT]);

    // Forwarding to a local account delivers there, not to the queue.
    await srv.call('accounts', 'update', { id: id2, forwardTo: 'cuenta1@aula.test' });
    await deliver(srv, EXTERNAL_SENDER, ['cuenta2@aula.test'], 'a local');
    assert.equal(onlyMessage(srv, 'cuenta1@aula.test').text.includes('Subject: a local'), true);
    assert.equal((await queue(srv)).length, 2);
  } finally {
    await srv.close();
  }
});
