// MailboxStore.emptyAccount (the admin's "Empty account") on a real SQLite file and real message
// files: every message of every mailbox of the account in one transaction, HIGHESTMODSEQ raised
// as by an EXPUNGE, one `expunged` event per mailbox after the commit, the files after it; and a
// failure anywhere in the transaction (an error half-way, another process holding the write lock)
// leaves rows, flags, sizes, MODSEQs and files exactly as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../../src-main/store/db';
import { ConfigRepo } from '../../../src-main/store/config-repo';
import { MessageFiles } from '../../../src-main/store/message-files';
import { MailboxEvents, type MailboxEvent } from '../../../src-main/store/mailbox-events';
import { MailStore } from '../../../src-main/store/mail-store';
import { MailboxStore } from '../../../src-main/store/mailboxes';
import { StoreError } from '../../../src-main/store/errors';
import { tempDir } from '../../helpers/temp-dir';

const A = 'cuenta1@aula.test';
const B = 'cuenta2@aula.test';

function lab() {
  const tmp = tempDir();
  const db = openDatabase(join(tmp.path, 'buzon.db'));
  const repo = new ConfigRepo(db);
  repo.addDomain({ name: 'aula.test' });
  const a = repo.addAccount({ address: A }, 'h').id;
  const b = repo.addAccount({ address: B }, 'h').id;
  const files = new MessageFiles(tmp.path);
  const events = new MailboxEvents((err) => {
    throw err;
  });
  const mail = new MailStore(db, files, events);
  const store = new MailboxStore(db, files, mail, events);
  for (const id of [a, b]) mail.ensureDefaultMailboxes(id);
  const box = (id: number, name: string) => store.find(id, name) ?? store.create(id, name);
  /** A message file on disk and its row in `mailbox`, as APPEND makes them. */
  const put = (id: number, address: string, mailbox: string, flags: string[] = []): string => {
    const rel = mail.newMessagePath(address, id);
    mkdirSync(dirname(files.abs(rel)), { recursive: true });
    const body = `Subject: ${mailbox}\r\n\r\n${'x'.repeat(100 + Math.floor(Math.random() * 100))}\r\n`;
    writeFileSync(files.abs(rel), body);
    store.appendIndexed(id, box(id, mailbox).id, rel, Buffer.byteLength(body), flags, new Date(), null, null);
    return rel;
  };
  /** Everything emptyAccount may change, to compare before and after. */
  const snapshot = () => ({
    messages: db.prepare('SELECT mailbox_id, uid, flags, modseq, file FROM messages ORDER BY id').all(),
    mailboxes: db.prepare('SELECT id, name, uidnext, highestmodseq FROM mailboxes ORDER BY id').all(),
    sizes: db.prepare('SELECT id, size_bytes FROM accounts ORDER BY id').all(),
  });
  /** Records the events of the named mailboxes (of account a). */
  const listen = (names: string[]) => {
    const heard: (MailboxEvent & { box: string })[] = [];
    for (const n of names) events.subscribe(box(a, n).id, (e) => heard.push({ ...e, box: n }));
    return heard;
  };
  return { tmp, db, repo, files, events, store, a, b, box, put, snapshot, listen, close: () => (db.close(), tmp.remove()) };
}

test('emptyAccount: every message of every mailbox goes, the mailboxes stay; size 0; HIGHESTMODSEQ +1 per emptied mailbox; EXPUNGE events after the commit; files after them; another account untouched', async () => {
  const l = lab();
  try {
    const mine = [l.put(l.a, A, 'INBOX'), l.put(l.a, A, 'INBOX', ['\\Seen']), l.put(l.a, A, 'Sent', ['\\Seen']), l.put(l.a, A, 'Archivo/2026')];
    const theirs = l.put(l.b, B, 'INBOX');
    const inbox = l.box(l.a, 'INBOX');
    const before = new Map(l.store.list(l.a).map((m) => [m.name, m]));
    const otherSize = l.repo.getAccount(l.b).sizeBytes;
    assert.ok(l.repo.getAccount(l.a).sizeBytes > 0);
    assert.deepEqual(l.store.uidList(inbox.id), [1, 2], 'cached');

    const heard = l.listen(['INBOX', 'Sent', 'Archivo', 'Archivo/2026', 'Trash']);
    // At each event the rows are already gone (published after the commit) and the files still there.
    const atEvent: [string, number, boolean][] = [];
    for (const n of ['INBOX', 'Sent', 'Archivo/2026']) {
      const id = l.box(l.a, n).id;
      l.events.subscribe(id, () => atEvent.push([n, l.db.prepare('SELECT count(*) FROM messages WHERE mailbox_id = ?').pluck().get(id) as number, mine.every((f) => existsSync(l.files.abs(f)))]));
    }

    assert.equal(await l.store.emptyAccount(l.a), 4);
    assert.deepEqual(
      heard.map((e) => [e.box, e.kind, e.kind === 'expunged' ? [...e.uids] : []]),
      [
        ['INBOX', 'expunged', [1, 2]],
        ['Sent', 'expunged', [1]],
        ['Archivo/2026', 'expunged', [1]],
      ],
      'one EXPUNGE event per emptied mailbox, no FLAGS events',
    );
    assert.deepEqual(atEvent, [
      ['INBOX', 0, true],
      ['Sent', 0, true],
      ['Archivo/2026', 0, true],
    ]);
    assert.ok(mine.every((f) => !existsSync(l.files.abs(f))), 'the files are removed');
    assert.ok(existsSync(l.files.abs(theirs)), 'not those of another account');

    const after = new Map(l.store.list(l.a).map((m) => [m.name, m]));
    assert.deepEqual([...after.keys()], [...before.keys()], 'the mailboxes stay');
    for (const [name, b] of before) {
      const emptied = ['INBOX', 'Sent', 'Archivo/2026'].includes(name);
      assert.equal(after.get(name)!.highestmodseq, b.highestmodseq + (emptied ? 1 : 0), `HIGHESTMODSEQ of ${name}`);
      assert.equal(after.get(name)!.uidnext, b.uidnext, `UIDNEXT of ${name} kept`);
      assert.equal(l.store.status(after.get(name)!).messages, 0);
    }
    assert.deepEqual(l.store.uidList(inbox.id), [], 'the cached UID list follows');
    assert.equal(l.repo.getAccount(l.a).sizeBytes, 0);
    assert.equal(l.repo.getAccount(l.b).sizeBytes, otherSize);
    assert.equal(l.store.status(l.box(l.b, 'INBOX')).messages, 1);

    // Nothing left: nothing written, nothing heard. New mail gets new UIDs.
    const modseq = l.box(l.a, 'INBOX').highestmodseq;
    assert.equal(await l.store.emptyAccount(l.a), 0);
    assert.equal(l.box(l.a, 'INBOX').highestmodseq, modseq);
    assert.equal(heard.length, 3);
    l.put(l.a, A, 'INBOX');
    assert.deepEqual(l.store.uidList(inbox.id), [3]);
  } finally {
    l.close();
  }
});

test('emptyAccount: an error half-way through the transaction changes nothing: no row, flag, size, MODSEQ, file or event', async () => {
  const l = lab();
  try {
    const mine = [l.put(l.a, A, 'INBOX'), l.put(l.a, A, 'INBOX'), l.put(l.a, A, 'Sent')];
    const heard = l.listen(['INBOX', 'Sent']);
    const before = l.snapshot();
    // Fails when Sent's HIGHESTMODSEQ is raised: after the rows were deleted, the size set and
    // INBOX's HIGHESTMODSEQ raised in the same transaction.
    l.db.exec("CREATE TEMP TRIGGER fail_empty BEFORE UPDATE OF highestmodseq ON mailboxes WHEN NEW.name = 'Sent' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    await assert.rejects(l.store.emptyAccount(l.a), /disk on fire/);
    assert.deepEqual(l.snapshot(), before, 'rolled back whole');
    assert.ok(mine.every((f) => existsSync(l.files.abs(f))), 'every file kept');
    assert.deepEqual(heard, [], 'no session told of anything');
    assert.deepEqual(l.store.uidList(l.box(l.a, 'INBOX').id), [1, 2]);

    l.db.exec('DROP TRIGGER fail_empty');
    assert.equal(await l.store.emptyAccount(l.a), 3);
  } finally {
    l.close();
  }
});

test('emptyAccount: another process holding the write lock → TEMP after the busy timeout, nothing changed; works once the lock is gone', async () => {
  const l = lab();
  const other = new Database(l.db.name);
  try {
    const mine = [l.put(l.a, A, 'INBOX'), l.put(l.a, A, 'Drafts')];
    const heard = l.listen(['INBOX', 'Drafts']);
    const before = l.snapshot();
    l.db.pragma('busy_timeout = 200'); // the server's 5 s, shortened for this test
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    await assert.rejects(l.store.emptyAccount(l.a), (e: unknown) => {
      assert.ok(e instanceof StoreError, String(e));
      assert.equal(e.code, 'TEMP');
      assert.match(e.message, /busy.*nothing was removed/);
      return true;
    });
    assert.ok(Date.now() - started >= 150, 'it waited for the lock first');
    other.exec('ROLLBACK');
    assert.deepEqual(l.snapshot(), before);
    assert.ok(mine.every((f) => existsSync(l.files.abs(f))));
    assert.deepEqual(heard, []);
    assert.equal(await l.store.emptyAccount(l.a), 2);
  } finally {
    other.close();
    l.close();
  }
});
