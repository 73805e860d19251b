// Mail that the server itself sends on: forwarding to outside addresses (with the sender
// rewritten by SRS, so SPF holds, and bounces to that rewritten sender finding their way back),
// loops refused (Delivered-To, hop count), auto-replies (RFC 3834: once per sender per period,
// from the null sender, never to automatic mail or lists), and the administrator's template for
// non-delivery reports. Every peer is a real SMTP server on 127.0.0.1, found by a fake resolver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import { startServer, type TestServer } from '../../helpers/start-server';
import { session, transaction, expectReply, until } from '../smtp/kit';
import { fakeClock, inboxTexts, peer, resolver } from './kit';

function accountId(srv: TestServer, address: string): number {
  return (srv.host.db.prepare('SELECT id FROM accounts WHERE address = ?').get(address) as { id: number }).id;
}

/** One SMTP transaction on port 25, as an outside server would make it; returns the final reply. */
async function deliverRaw(srv: TestServer, from: string, to: string, data: string): Promise<string> {
  const c = await session(srv.smtpPort);
  try {
    return await transaction(c, from, [to], data);
  } finally {
    await expectReply(c, 'QUIT', /^221 /);
  }
}

const message = (from: string, subject: string, extra = ''): string =>
  `From: <${from}>\r\nTo: <cuenta2@aula.test>\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}.1@remoto.example>\r\n${extra}\r\nHola.\r\n`;

test('forwarded to an outside address: the copy leaves with an SRS sender and a Delivered-To; a bounce to that sender reaches the original sender', async () => {
  const p = await peer();
  const srv = await startServer({ outbound: true, resolver, mxPort: p.port, clock: fakeClock() });
  try {
    await srv.call('accounts', 'update', { id: accountId(srv, 'cuenta2@aula.test'), forwardEnabled: true, forwardTo: 'fuera@remoto.example', forwardKeepCopy: false });
    assert.match(await deliverRaw(srv, 'alguien@remoto.example', 'cuenta2@aula.test', message('alguien@remoto.example', 'reenviado')), /^250 /);
    await until(() => p.received.length === 1 && srv.host.queue.count() === 0, 'the forwarded copy');
    const fwd = p.received[0]!;
    assert.deepEqual(fwd.to, ['fuera@remoto.example']);
    assert.match(fwd.from, /^SRS0=[^=]{4}=[A-Z2-7]{2}=remoto\.example=alguien@aula\.test$/);
    assert.match(fwd.data.toString('latin1'), /^Delivered-To: cuenta2@aula\.test\r\n/m);

    // The next server bounces it, to the rewritten sender: we take it in and pass it on.
    assert.match(await deliverRaw(srv, '', fwd.from, 'Subject: Undelivered\r\nAuto-Submitted: auto-replied\r\n\r\nno such user\r\n'), /^250 /);
    await until(() => p.received.length === 2 && srv.host.queue.count() === 0, 'the bounce passed on');
    assert.deepEqual(p.received[1]!.to, ['alguien@remoto.example']);
    assert.equal(p.received[1]!.from, '', 'still from the null sender');

    // An SRS address we did not make (or altered) is an unknown user.
    const c = await session(srv.smtpPort);
    await expectReply(c, 'MAIL FROM:<>', /^250 /);
    await expectReply(c, `RCPT TO:<${fwd.from.replace(/^SRS0=.{4}/, 'SRS0=abcd')}>`, /^550 5\.1\.1 /);
    await expectReply(c, 'QUIT', /^221 /);
  } finally {
    await srv.close();
    await p.close();
  }
});

test('loops are refused for good: a Delivered-To of the mailbox, or more than 50 Received fields (554 5.4.6)', async () => {
  const srv = await startServer();
  try {
    const looped = message('alguien@remoto.example', 'bucle', 'Delivered-To: cuenta2@aula.test\r\n');
    assert.match(await deliverRaw(srv, 'alguien@remoto.example', 'cuenta2@aula.test', looped), /^554 5\.4\.6 Mail forwarding loop for cuenta2@aula\.test/);
    const hops = 'Received: from a by b; Thu, 26 Nov 2026 10:00:00 +0000\r\n'.repeat(50);
    assert.match(await deliverRaw(srv, 'alguien@remoto.example', 'cuenta2@aula.test', hops + message('alguien@remoto.example', 'saltos')), /^554 5\.4\.6 Too many hops/);
    // 49 earlier hops (50 with ours) still pass.
    const fewer = 'Received: from a by b; Thu, 26 Nov 2026 10:00:00 +0000\r\n'.repeat(49);
    assert.match(await deliverRaw(srv, 'alguien@remoto.example', 'cuenta2@aula.test', fewer + message('alguien@remoto.example', 'bien')), /^250 /);
    assert.equal(inboxTexts(srv, 'cuenta2@aula.test').length, 1, 'only the message without a loop');
  } finally {
    await srv.close();
  }
});

test('auto-reply: from the null sender with Auto-Submitted, once per sender per period, never to lists or automatic mail, not after it expires', async () => {
  const p = await peer();
  const clock = fakeClock('2026-11-26T10:00:00Z');
  const srv = await startServer({ outbound: true, resolver, mxPort: p.port, clock });
  try {
    const id = accountId(srv, 'cuenta2@aula.test');
    await srv.call('accounts', 'update', { id, firstName: 'Cuenta', lastName: 'Dos', autoReplyEnabled: true, autoReplySubject: 'Fuera: %SUBJECT%', autoReplyText: 'Vuelvo el lunes.\nSaludos.', autoReplyExpires: '2026-12-31' });
    const repliesTo = (addr: string) => p.received.filter((m) => m.to.includes(addr));

    assert.match(await deliverRaw(srv, 'alguien@remoto.example', 'cuenta2@aula.test', message('alguien@remoto.example', 'Hola')), /^250 /);
    await until(() => repliesTo('alguien@remoto.example').length === 1, 'the auto-reply');
    const r = repliesTo('alguien@remoto.example')[0]!;
    assert.equal(r.from, '', 'RFC 3834 §3.3: the null envelope sender');
    const parsed = await PostalMime.parse(r.data);
    assert.equal(parsed.subject, 'Fuera: Hola');
    assert.equal(parsed.from?.address, 'cuenta2@aula.test');
    assert.equal(parsed.from?.name, 'Cuenta Dos');
    assert.equal(parsed.headers.find((h) => h.key === 'auto-submitted')?.value, 'auto-replied');
    assert.equal(parsed.inReplyTo, '<Hola.1@remoto.example>');
    assert.equal(parsed.text?.trim(), 'Vuelvo el lunes.\nSaludos.');

    // The same sender again: no second reply. (Another sender's reply, sent after, shows the
    // server has handled the second message by then.)
    await deliverRaw(srv, 'alguien@remoto.example', 'cuenta2@aula.test', message('alguien@remoto.example', 'Otra vez'));
    await deliverRaw(srv, 'lista@remoto.example', 'cuenta2@aula.test', message('lista@remoto.example', 'Boletin', 'List-Id: <boletin.remoto.example>\r\n'));
    await deliverRaw(srv, 'robot@remoto.example', 'cuenta2@aula.test', message('robot@remoto.example', 'Aviso', 'Auto-Submitted: auto-generated\r\n'));
    await deliverRaw(srv, 'otra@remoto.example', 'cuenta2@aula.test', message('otra@remoto.example', 'Pregunta'));
    await until(() => repliesTo('otra@remoto.example').length === 1, 'the reply to another sender');
    assert.equal(repliesTo('alguien@remoto.example').length, 1, 'one reply per sender per period');
    assert.equal(repliesTo('lista@remoto.example').length, 0, 'no reply to a list');
    assert.equal(repliesTo('robot@remoto.example').length, 0, 'no reply to automatic mail');

    // A local sender gets the reply in the INBOX.
    const c = await session(srv.submissionPort, { auth: { user: 'cuenta1@aula.test', password: 'secreto1' } });
    assert.match(await transaction(c, 'cuenta1@aula.test', ['cuenta2@aula.test'], message('cuenta1@aula.test', 'Interna')), /^250 /);
    await expectReply(c, 'QUIT', /^221 /);
    await until(() => inboxTexts(srv, 'cuenta1@aula.test').some((t) => /Subject: Fuera: Interna/.test(t)), 'the reply in the local INBOX');

    // Eight days later (the period is 7), the first sender gets a reply again.
    clock.advance(8 * 24 * 60);
    await deliverRaw(srv, 'alguien@remoto.example', 'cuenta2@aula.test', message('alguien@remoto.example', 'Semana'));
    await until(() => repliesTo('alguien@remoto.example').length === 2, 'a reply after the period');

    // After the expiry date, none.
    clock.advance(40 * 24 * 60);
    await deliverRaw(srv, 'tarde@remoto.example', 'cuenta2@aula.test', message('tarde@remoto.example', 'Enero'));
    await deliverRaw(srv, 'alguien@remoto.example', 'cuenta1@aula.test', message('alguien@remoto.example', 'Marca'));
    await srv.host.outbound!.runDue();
    assert.equal(repliesTo('tarde@remoto.example').length, 0, 'expired');
  } finally {
    await srv.close();
    await p.close();
  }
});

test('the administrator\'s non-delivery template (Server messages) is used for bounces', async () => {
  const p = await peer(() => ({ code: 550, text: '5.1.1 No such user here' }));
  const srv = await startServer({
    outbound: true,
    resolver,
    mxPort: p.port,
    clock: fakeClock(),
    settings: { 'messages.undeliverable.subject': 'No entregado: %MACRO_SUBJECT%', 'messages.undeliverable.body': 'Su mensaje no llegó a:\n%MACRO_RECIPIENTS%\n' },
  });
  try {
    const c = await session(srv.submissionPort, { auth: { user: 'cuenta1@aula.test', password: 'secreto1' } });
    assert.match(await transaction(c, 'cuenta1@aula.test', ['nadie@remoto.example'], 'Subject: Prueba\r\n\r\nx\r\n'), /^250 /);
    await expectReply(c, 'QUIT', /^221 /);
    await until(() => inboxTexts(srv, 'cuenta1@aula.test').length === 1, 'the bounce');
    const dsn = await PostalMime.parse(Buffer.from(inboxTexts(srv, 'cuenta1@aula.test')[0]!, 'latin1'));
    assert.equal(dsn.subject, 'No entregado: Prueba');
    assert.match(dsn.text ?? '', /Su mensaje no llegó a:\s+nadie@remoto\.example/);
  } finally {
    await srv.close();
    await p.close();
  }
});
