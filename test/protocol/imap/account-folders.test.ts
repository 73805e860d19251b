// The admin API's folders of an account (accounts.folders / addFolder / removeFolder / empty)
// against a real server: mail delivered over SMTP (nodemailer), folders seen and used over IMAP
// (imapflow), and "Empty account" heard by a session idling on INBOX as EXPUNGEs, with the
// account's size back to 0 and the message files gone from the disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow, type ExpungeEvent } from 'imapflow';
import nodemailer from 'nodemailer';
import type { TestServer } from '../../helpers/start-server';
import type { FolderInfo } from '../../../src-main/shared/model/entities';
import { ApiError } from '../../../src-main/shared/ipc/errors';
import { accountId, message, startLab, until, USER1 } from './kit';

const ADDRESS = 'cuenta1@aula.test';

/** imapflow upgrades with STARTTLS: the lab's certificate is self-signed. */
function flow(port: number): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: USER1.user, pass: USER1.pass }, logger: false, disableAutoIdle: true, tls: { rejectUnauthorized: false } });
}

/** Sends `n` messages to `to` through the SMTP listener; resolves once they are in its INBOX. */
async function sendMail(srv: TestServer, to: string, n: number): Promise<void> {
  const id = accountId(srv, to);
  const before = srv.host.mail.inboxCount(id);
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
  try {
    for (let i = 1; i <= n; i++) {
      const info = await transport.sendMail({ from: 'cuenta2@aula.test', to, subject: `mensaje ${i}`, text: `cuerpo ${i} `.repeat(50 * i) });
      assert.match(info.response, /^250 /);
    }
  } finally {
    transport.close();
  }
  await until(() => srv.host.mail.inboxCount(id) === before + n, `${n} messages in the INBOX of ${to}`);
}

const folders = (srv: TestServer, id: number) => srv.call<FolderInfo[]>('accounts', 'folders', { id });
const byName = (list: readonly FolderInfo[], name: string): FolderInfo => {
  const f = list.find((x) => x.name === name);
  assert.ok(f, `folder ${name} listed`);
  return f;
};

/** The ApiError a call fails with (asserting that it fails). */
async function failure(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(e instanceof ApiError, `fails with an ApiError, not ${String(e)}`);
  return e;
}

/** Stored files of an account's messages, every folder. */
const filesOf = (srv: TestServer, id: number): string[] =>
  (srv.host.db.prepare('SELECT m.file FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = ?').pluck().all(id) as string[]).map((f) => join(srv.dir, f));

test('folders: counts, unseen and sizes per folder; add and remove (with the IMAP store rules) and their errors', async () => {
  const srv = await startLab();
  const c = flow(srv.imapPort);
  try {
    const id = accountId(srv, ADDRESS);
    await sendMail(srv, ADDRESS, 3);
    await c.connect();
    await c.mailboxOpen('INBOX');
    await c.messageFlagsAdd('1', ['\\Seen']);

    let list = await folders(srv, id);
    assert.deepEqual(
      list.map((f) => f.name),
      ['INBOX', 'Drafts', 'Junk', 'Sent', 'Trash'],
      'INBOX first, then by name',
    );
    const inbox = byName(list, 'INBOX');
    const stored = srv.host.mail.listMessages(id);
    assert.equal(inbox.messages, 3);
    assert.equal(inbox.unseen, 2, 'the one read over IMAP is not counted');
    assert.equal(inbox.sizeBytes, stored.reduce((n, m) => n + m.size, 0));
    assert.equal(inbox.specialUse, null);
    assert.equal(byName(list, 'Sent').specialUse, '\\Sent');
    assert.equal(byName(list, 'Trash').messages, 0);

    // Parents are made as IMAP CREATE makes them; an IMAP client sees the new folders at once.
    list = await srv.call<FolderInfo[]>('accounts', 'addFolder', { id, name: 'Proyectos/2026' });
    assert.ok(list.some((f) => f.name === 'Proyectos') && list.some((f) => f.name === 'Proyectos/2026'));
    assert.equal(byName(list, 'Proyectos/2026').subscribed, true);
    assert.ok((await c.list()).some((l) => l.path === 'Proyectos/2026'), 'IMAP LIST shows it');

    let e = await failure(srv.call('accounts', 'addFolder', { id, name: 'Proyectos/2026' }));
    assert.deepEqual([e.code, e.field], ['CONFLICT', 'name'], 'an existing name');
    e = await failure(srv.call('accounts', 'addFolder', { id, name: 'inbox' }));
    assert.deepEqual([e.code, e.field], ['CONFLICT', 'name'], 'INBOX in any case exists');

    // A message moved into the folder goes with it, file included, and the account shrinks.
    const moved = stored[0]!;
    await c.messageMove('1', 'Proyectos/2026');
    assert.equal(byName(await folders(srv, id), 'Proyectos/2026').messages, 1);
    const sizeBefore = srv.host.repo.getAccount(id).sizeBytes;
    e = await failure(srv.call('accounts', 'removeFolder', { id, name: 'Proyectos' }));
    assert.deepEqual([e.code, e.field], ['CONFLICT', 'name'], 'a folder with children stays, as IMAP DELETE says');
    list = await srv.call<FolderInfo[]>('accounts', 'removeFolder', { id, name: 'Proyectos/2026' });
    assert.ok(!list.some((f) => f.name === 'Proyectos/2026'));
    assert.ok(list.some((f) => f.name === 'Proyectos'));
    await until(() => !existsSync(join(srv.dir, moved.file)), 'the removed folder’s message file deleted');
    assert.equal(srv.host.repo.getAccount(id).sizeBytes, sizeBefore - moved.size);
    assert.ok(!(await c.list()).some((l) => l.path === 'Proyectos/2026'), 'gone for IMAP too');

    e = await failure(srv.call('accounts', 'removeFolder', { id, name: 'INBOX' }));
    assert.deepEqual([e.code, e.field], ['VALIDATION', 'name'], 'INBOX cannot be removed');
    assert.match(e.message, /INBOX/);
    e = await failure(srv.call('accounts', 'removeFolder', { id, name: 'No existe' }));
    assert.deepEqual([e.code, e.field], ['NOT_FOUND', 'name']);
    e = await failure(srv.call('accounts', 'addFolder', { id, name: 'a//b' }));
    assert.equal(e.code, 'VALIDATION', 'an empty level is refused by the schema');

    // An unknown account: NOT_FOUND everywhere, and no INBOX made for it on the way.
    for (const [method, input] of [
      ['folders', { id: 9999 }],
      ['addFolder', { id: 9999, name: 'X' }],
      ['removeFolder', { id: 9999, name: 'X' }],
      ['empty', { id: 9999 }],
    ] as const) {
      e = await failure(srv.call('accounts', method, input));
      assert.equal(e.code, 'NOT_FOUND', method);
    }
    assert.equal(srv.host.db.prepare('SELECT count(*) FROM mailboxes WHERE account_id = 9999').pluck().get(), 0);
    await c.logout();
  } finally {
    c.close();
    await srv.close();
  }
});

test('empty: every message of every folder goes, the folders stay; a session idling on INBOX hears the EXPUNGEs; size 0, files gone', async () => {
  const srv = await startLab();
  const c = flow(srv.imapPort);
  try {
    const id = accountId(srv, ADDRESS);
    const other = accountId(srv, 'cuenta2@aula.test');
    await sendMail(srv, ADDRESS, 3);
    await sendMail(srv, 'cuenta2@aula.test', 1);
    await c.connect();
    await c.append('Sent', message('enviado', 'hola\r\n'), ['\\Seen']);
    await c.mailboxCreate('Archivo');
    await c.append('Archivo', message('archivado', 'viejo\r\n'));
    const files = filesOf(srv, id);
    assert.equal(files.length, 5);
    assert.ok(files.every((f) => existsSync(f)));
    assert.ok(srv.host.repo.getAccount(id).sizeBytes > 0);
    const otherSize = srv.host.repo.getAccount(other).sizeBytes;

    await c.mailboxOpen('INBOX');
    const expunged: ExpungeEvent[] = [];
    c.on('expunge', (ev: ExpungeEvent) => expunged.push(ev));
    const idling = c.idle();
    const removed = await srv.call<number>('accounts', 'empty', { id });
    assert.equal(removed, 5);
    await until(() => expunged.length === 3, 'three EXPUNGEs heard during IDLE');
    await c.noop(); // ends the IDLE
    await idling;
    assert.equal(c.mailbox && c.mailbox.exists, 0, 'the session’s INBOX is empty');

    const list = await folders(srv, id);
    assert.deepEqual(
      list.map((f) => f.name),
      ['INBOX', 'Archivo', 'Drafts', 'Junk', 'Sent', 'Trash'],
      'the folders stay',
    );
    assert.ok(list.every((f) => f.messages === 0 && f.unseen === 0 && f.sizeBytes === 0));
    assert.equal(srv.host.repo.getAccount(id).sizeBytes, 0);
    assert.equal(srv.host.mail.accountSize(id), 0);
    await until(() => files.every((f) => !existsSync(f)), 'every message file deleted');
    assert.equal(srv.host.repo.getAccount(other).sizeBytes, otherSize, 'another account is untouched');
    assert.equal(srv.host.mail.inboxCount(other), 1);

    assert.equal(await srv.call<number>('accounts', 'empty', { id }), 0, 'nothing left to remove');
    // New mail after it gets new UIDs: the emptied ones are never reused.
    const uidNext = c.mailbox ? c.mailbox.uidNext : 0;
    await sendMail(srv, ADDRESS, 1);
    await c.noop();
    const last = await c.fetchOne('*', { uid: true });
    assert.ok(last && last.uid >= uidNext && uidNext > 3, `UID ${last && last.uid} after UIDNEXT ${uidNext}`);
    await c.logout();
  } finally {
    c.close();
    await srv.close();
  }
});
