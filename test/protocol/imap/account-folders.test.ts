// The admin API's folders of an account (accounts.folders / addFolder / removeFolder / empty)
// against a real server: mail delivered over SMTP (nodemailer), folders seen and used over IMAP
// (imapflow and raw sockets), and "Empty account" heard by a session idling on INBOX as EXPUNGEs,
// with the account's size back to 0 and the message files gone from the disk. Empty is all or
// nothing (another process holding the database's write lock makes it fail with nothing changed),
// every selected session hears EXPUNGE (no \Deleted flags first), HIGHESTMODSEQ is raised and mail
// delivered meanwhile stays. Folder names follow the IMAP rules with the configured delimiter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ImapFlow, type ExpungeEvent } from 'imapflow';
import nodemailer from 'nodemailer';
import type { TestServer } from '../../helpers/start-server';
import type { FolderInfo } from '../../../src-main/shared/model/entities';
import { ApiError } from '../../../src-main/shared/ipc/errors';
import { accountId, append, deliver, fetches, login, logout, message, startLab, until, untilUntagged, USER1, type ImapClient } from './kit';

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
    assert.equal(e.code, 'VALIDATION', 'an empty level is refused (IMAP name rules)');

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


/** What "Empty account" may change, read from the server's database: rows with flags, sizes, MODSEQs. */
const storeState = (srv: TestServer, id: number) => ({
  messages: srv.host.db.prepare('SELECT m.mailbox_id, m.uid, m.flags, m.modseq, m.file FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = ? ORDER BY m.id').all(id),
  mailboxes: srv.host.db.prepare('SELECT name, uidnext, highestmodseq FROM mailboxes WHERE account_id = ? ORDER BY name').all(id),
  size: srv.host.repo.getAccount(id).sizeBytes,
});

const highestModseq = (srv: TestServer, id: number, name: string): number =>
  srv.host.db.prepare('SELECT highestmodseq FROM mailboxes WHERE account_id = ? AND name = ?').pluck().get(id, name) as number;

test('empty is all or nothing: with another process holding the write lock it fails UNAVAILABLE after the busy timeout and nothing changed (no \\Deleted, counts, sizes, files)', async () => {
  const srv = await startLab();
  const other = new Database(srv.host.db.name);
  let a: ImapClient | undefined;
  try {
    a = await login(srv.imapPort, USER1);
    const id = accountId(srv, ADDRESS);
    await deliver(srv, ADDRESS, message('uno', 'uno\r\n'), message('dos', 'dos\r\n'));
    await a.ok('CREATE Archivo');
    await append(a, 'Archivo', message('archivado', 'viejo\r\n'));
    await a.ok('SELECT INBOX');
    const before = storeState(srv, id);
    const listed = await folders(srv, id);
    const files = filesOf(srv, id);
    assert.equal(files.length, 3);

    // The store waits out its busy timeout (5 s) inside the call, synchronously: the lock is let go
    // as soon as the call returns, before any other work of the server can stumble on it.
    other.exec('BEGIN IMMEDIATE');
    const attempt = srv.call<number>('accounts', 'empty', { id });
    other.exec('ROLLBACK');
    const e = await failure(attempt);
    assert.equal(e.code, 'UNAVAILABLE');
    assert.equal(e.field, undefined);
    assert.match(e.message, /busy.*nothing was removed/);

    assert.deepEqual(storeState(srv, id), before, 'no row, flag, size or MODSEQ changed');
    assert.ok(before.messages.every((m) => !String((m as { flags: string }).flags).includes('\\Deleted')));
    assert.deepEqual(await folders(srv, id), listed, 'the same counts and sizes');
    assert.ok(files.every((f) => existsSync(f)), 'every file kept');
    const noop = await a.ok('NOOP');
    assert.ok(!noop.lines.some((l) => /EXPUNGE|FETCH/.test(l)), `the session heard nothing: ${JSON.stringify(noop.lines)}`);

    assert.equal(await srv.call<number>('accounts', 'empty', { id }), 3, 'once the lock is gone it works');
    await logout(a);
  } finally {
    other.close();
    a?.destroy();
    await srv.close();
  }
});

test('empty: sessions selected on INBOX (idling) and on another folder both get EXPUNGE and no FLAGS; HIGHESTMODSEQ raised; a message delivered right after arrives and keeps its file', async () => {
  const srv = await startLab();
  const sessions: ImapClient[] = [];
  try {
    const [a, b] = [await login(srv.imapPort, USER1), await login(srv.imapPort, USER1)];
    sessions.push(a, b);
    const id = accountId(srv, ADDRESS);
    await deliver(srv, ADDRESS, message('uno', 'uno\r\n'), message('dos', 'dos\r\n'));
    await b.ok('CREATE Archivo');
    await append(b, 'Archivo', message('archivado', 'viejo\r\n'));
    await append(b, 'Sent', message('enviado', 'hola\r\n'), '(\\Seen)');
    await a.ok('SELECT INBOX');
    await b.ok('SELECT Archivo');
    const modseq = Object.fromEntries(['INBOX', 'Archivo', 'Sent', 'Trash'].map((n) => [n, highestModseq(srv, id, n)]));
    const old = filesOf(srv, id);
    a.send('I1 IDLE');
    assert.equal(await a.line(), '+ idling');

    // The empty commits inside the call; the delivery runs while its files are being removed.
    const emptying = srv.call<number>('accounts', 'empty', { id });
    const delivering = deliver(srv, ADDRESS, message('después', 'llega\r\n'));
    assert.equal(await emptying, 4);
    await delivering;

    const idle = await untilUntagged(a, /^\* 1 EXISTS$/);
    assert.deepEqual(idle.filter((l) => / EXPUNGE$/.test(l)).length, 2, JSON.stringify(idle));
    assert.deepEqual(idle.slice(-1), ['* 1 EXISTS'], 'then the new message');
    assert.ok(!idle.some((l) => / FETCH /.test(l)), `no flag changes first: ${JSON.stringify(idle)}`);
    a.send('DONE');
    assert.match((await a.collect('I1')).status, /^OK\b/);
    assert.deepEqual(fetches(await a.ok('FETCH 1:* UID')).map((f) => f.items.get('UID')), [3], 'the new message, with a new UID');

    const noop = await b.ok('NOOP');
    assert.ok(noop.lines.includes('* 1 EXPUNGE'), JSON.stringify(noop.lines));
    assert.ok(!noop.lines.some((l) => / FETCH /.test(l)), JSON.stringify(noop.lines));
    assert.match((await b.ok('STATUS INBOX (MESSAGES)')).lines[0]!, /MESSAGES 1\)/);

    // As an EXPUNGE: +1 per emptied folder (INBOX +1 more for the delivery), none for an empty one.
    assert.deepEqual(
      Object.fromEntries(Object.keys(modseq).map((n) => [n, highestModseq(srv, id, n) - modseq[n]!])),
      { INBOX: 2, Archivo: 1, Sent: 1, Trash: 0 },
    );
    await until(() => old.every((f) => !existsSync(f)), 'the emptied messages’ files deleted');
    const kept = srv.host.mail.listMessages(id);
    assert.equal(kept.length, 1);
    assert.ok(existsSync(join(srv.dir, kept[0]!.file)), 'the new message’s file is there');
    assert.equal(srv.host.repo.getAccount(id).sizeBytes, kept[0]!.size);
    await logout(a);
    await logout(b);
  } finally {
    for (const c of sessions) c.destroy();
    await srv.close();
  }
});

test('folder names follow the IMAP rules with the configured delimiter: "." refused in a name when it is the delimiter, too many levels refused; Proyectos/2026 is Proyectos.2026 over IMAP', async () => {
  const srv = await startLab();
  try {
    const id = accountId(srv, ADDRESS);
    // Made while the delimiter is "/": "." is an ordinary character then.
    await srv.call('accounts', 'addFolder', { id, name: 'v1.2' });
    await srv.call('settings', 'set', { key: 'imap.hierarchyDelimiter', value: '.' });

    for (const name of ['v1.3', 'Proyectos/v1.3']) {
      const e = await failure(srv.call('accounts', 'addFolder', { id, name }));
      assert.deepEqual([e.code, e.field], ['VALIDATION', 'name'], name);
      assert.match(e.message, /"\." is the IMAP hierarchy delimiter/);
    }
    const deep = Array.from({ length: 21 }, (_, i) => `n${i}`).join('/');
    const e = await failure(srv.call('accounts', 'addFolder', { id, name: deep }));
    assert.deepEqual([e.code, e.field], ['VALIDATION', 'name'], 'more levels than IMAP takes');
    const names = (await folders(srv, id)).map((f) => f.name);
    assert.ok(!names.some((n) => n.includes('v1.3') || n.startsWith('Proyectos') || n.startsWith('n0')), `nothing made: ${names.join(', ')}`);

    await srv.call('accounts', 'addFolder', { id, name: 'Proyectos/2026' });
    const c = await login(srv.imapPort, USER1);
    const listed = (await c.ok('LIST "" "*"')).lines;
    assert.ok(listed.some((l) => /^\* LIST \([^)]*\) "\." "?Proyectos\.2026"?$/.test(l)), JSON.stringify(listed));
    await c.ok('SELECT Proyectos.2026');
    await c.ok('CLOSE');
    await srv.call('accounts', 'removeFolder', { id, name: 'Proyectos/2026' });
    assert.ok(!(await c.ok('LIST "" "*"')).lines.some((l) => l.includes('Proyectos.2026')), 'gone for IMAP');
    await c.no('SELECT Proyectos.2026');

    // The folder made before the change is one no client can name now (it looks like v1 › 2):
    // the admin can still remove it.
    assert.ok((await folders(srv, id)).some((f) => f.name === 'v1.2'));
    await srv.call('accounts', 'removeFolder', { id, name: 'v1.2' });
    assert.ok(!(await folders(srv, id)).some((f) => f.name === 'v1.2'));
    await logout(c);
  } finally {
    await srv.close();
  }
});
