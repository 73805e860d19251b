// The domain's limits in ConfigRepo: aliases per domain, the largest account quota, the domain's
// total size (the room delivery and IMAP check), and announcements lists needing an announcer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../src-main/store/db';
import { ConfigRepo } from '../../../src-main/store/config-repo';
import { StoreError } from '../../../src-main/store/errors';

const MB = 1024 * 1024;

function lab() {
  const db = openDatabase(':memory:');
  const repo = new ConfigRepo(db);
  const dom = repo.addDomain({ name: 'aula.test' });
  const setSize = (id: number, bytes: number) => db.prepare('UPDATE accounts SET size_bytes = ? WHERE id = ?').run(bytes, id);
  return { repo, dom, setSize };
}

/** Asserts that fn throws a StoreError with this code and field, and a message matching `re`. */
function refuses(fn: () => unknown, code: StoreError['code'], field: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StoreError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.field, field);
    assert.match(e.message, re);
    return true;
  });
}

test('maxAliases: one alias beyond it is a LIMIT error, as for accounts; a freed place can be used again', () => {
  const { repo, dom } = lab();
  repo.addAccount({ address: 'cuenta1@aula.test' }, 'h');
  repo.updateDomain(dom.id, { maxAliases: 2 });
  repo.addAlias({ address: 'a1@aula.test', target: 'cuenta1@aula.test', enabled: true });
  const a2 = repo.addAlias({ address: 'a2@aula.test', target: 'cuenta1@aula.test', enabled: true });
  refuses(() => repo.addAlias({ address: 'a3@aula.test', target: 'cuenta1@aula.test', enabled: true }), 'LIMIT', 'address', /aula\.test allows at most 2 aliases/);
  assert.equal(repo.listAliases('aula.test').length, 2, 'nothing added');
  repo.updateAlias(a2.id, { target: 'otro@aula.test' });
  repo.removeAlias(a2.id);
  repo.addAlias({ address: 'a3@aula.test', target: 'cuenta1@aula.test', enabled: true });
  // The same wording as the account limit.
  repo.updateDomain(dom.id, { maxAccounts: 1 });
  refuses(() => repo.addAccount({ address: 'cuenta2@aula.test' }, 'h'), 'LIMIT', 'address', /aula\.test allows at most 1 accounts/);
});

test('maxAccountSizeMb: a larger quota is refused on quotaMb, 0 gets the limit, within it is kept', () => {
  const { repo, dom } = lab();
  repo.updateDomain(dom.id, { maxAccountSizeMb: 50 });
  refuses(() => repo.addAccount({ address: 'grande@aula.test', quotaMb: 51 }, 'h'), 'PARAMS', 'quotaMb', /at most 50 MB/);
  assert.equal(repo.findAccount('grande@aula.test'), undefined, 'not created');
  assert.equal(repo.addAccount({ address: 'sin@aula.test', quotaMb: 0 }, 'h').quotaMb, 50, 'unlimited becomes the domain limit');
  assert.equal(repo.addAccount({ address: 'defecto@aula.test' }, 'h').quotaMb, 50, 'no quota given: the same');
  const c = repo.addAccount({ address: 'justa@aula.test', quotaMb: 50 }, 'h');
  assert.equal(c.quotaMb, 50);
  assert.equal(repo.addAccount({ address: 'menor@aula.test', quotaMb: 10 }, 'h').quotaMb, 10);

  // Update: above refused (and nothing of the update written), 0 → the limit, within kept.
  refuses(() => repo.updateAccount(c.id, { firstName: 'Ana', quotaMb: 80 }), 'PARAMS', 'quotaMb', /at most 50 MB/);
  assert.equal(repo.getAccount(c.id).firstName, '', 'the refused update changed nothing');
  assert.equal(repo.updateAccount(c.id, { quotaMb: 20 }).quotaMb, 20);
  assert.equal(repo.updateAccount(c.id, { quotaMb: 0 }).quotaMb, 50);

  // Without a limit, 0 stays unlimited.
  repo.updateDomain(dom.id, { maxAccountSizeMb: 0 });
  assert.equal(repo.updateAccount(c.id, { quotaMb: 0 }).quotaMb, 0);
  assert.equal(repo.addAccount({ address: 'libre@aula.test', quotaMb: 500 }, 'h').quotaMb, 500);
});

test('lowering maxAccountSizeMb keeps the quotas given; they are checked when they change', () => {
  const { repo, dom } = lab();
  const big = repo.addAccount({ address: 'grande@aula.test', quotaMb: 100 }, 'h');
  const free = repo.addAccount({ address: 'libre@aula.test', quotaMb: 0 }, 'h');
  assert.equal(repo.updateDomain(dom.id, { maxAccountSizeMb: 30 }).maxAccountSizeMb, 30, 'lowering is allowed');
  assert.equal(repo.getAccount(big.id).quotaMb, 100, 'not changed behind the admin');
  assert.equal(repo.getAccount(free.id).quotaMb, 0);
  // Other fields, and the same quota sent again (a whole form), still save.
  assert.equal(repo.updateAccount(big.id, { firstName: 'Ana', quotaMb: 100 }).firstName, 'Ana');
  assert.equal(repo.updateAccount(free.id, { quotaMb: 0, lastName: 'Pérez' }).quotaMb, 0);
  refuses(() => repo.updateAccount(big.id, { quotaMb: 90 }), 'PARAMS', 'quotaMb', /aula\.test allows accounts of at most 30 MB/);
  assert.equal(repo.updateAccount(big.id, { quotaMb: 30 }).quotaMb, 30);
});

test('accountRoom: the quota, or the domain size (all its accounts together) when that is tighter', () => {
  const { repo, dom, setSize } = lab();
  const a = repo.addAccount({ address: 'a@aula.test' }, 'h');
  const b = repo.addAccount({ address: 'b@aula.test', quotaMb: 10 }, 'h');
  assert.deepEqual(repo.accountRoom(a.id), { bytes: Infinity, by: null }, 'no limits');
  setSize(b.id, 4 * MB);
  assert.deepEqual(repo.accountRoom(b.id), { bytes: 6 * MB, by: 'account' });
  repo.updateDomain(dom.id, { maxSizeMb: 20 });
  setSize(a.id, 12 * MB);
  assert.deepEqual(repo.accountRoom(a.id), { bytes: 4 * MB, by: 'domain' }, '20 MB − (12 + 4)');
  assert.deepEqual(repo.accountRoom(b.id), { bytes: 4 * MB, by: 'domain' }, 'the domain is tighter than b’s 6 MB');
  setSize(a.id, 10 * MB);
  assert.deepEqual(repo.accountRoom(b.id), { bytes: 6 * MB, by: 'account' }, 'equal rooms: the account quota is named');
  setSize(a.id, 17 * MB);
  assert.ok(repo.accountRoom(a.id).bytes < 0, 'over the limit (lowered meanwhile): no room at all');
  // Another domain's accounts do not count.
  repo.addDomain({ name: 'otro.test', maxSizeMb: 1 });
  const o = repo.addAccount({ address: 'o@otro.test' }, 'h');
  assert.deepEqual(repo.accountRoom(o.id), { bytes: MB, by: 'domain' });
});

test('updateList refuses an announcements list without an announcer, as addList does', () => {
  const { repo } = lab();
  const base = { enabled: true, requireAuth: false, members: [] as string[] };
  refuses(() => repo.addList({ ...base, address: 'avisos@aula.test', mode: 'announcements', announcer: '' }), 'PARAMS', 'announcer', /announcements list needs/);
  const l = repo.addList({ ...base, address: 'avisos@aula.test', mode: 'public', announcer: '' });
  refuses(() => repo.updateList(l.id, { mode: 'announcements' }), 'PARAMS', 'announcer', /announcements list needs the address allowed to send/);
  assert.equal(repo.getList(l.id).mode, 'public', 'nothing changed');
  assert.equal(repo.updateList(l.id, { mode: 'announcements', announcer: 'jefe@aula.test' }).mode, 'announcements');
  refuses(() => repo.updateList(l.id, { announcer: '' }), 'PARAMS', 'announcer', /announcements list needs/);
  assert.equal(repo.updateList(l.id, { enabled: false }).enabled, false, 'other changes still save');
  assert.equal(repo.updateList(l.id, { mode: 'public', announcer: '' }).announcer, '', 'leaving the mode may clear it');
});
