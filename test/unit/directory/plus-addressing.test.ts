// Plus addressing in Directory.resolve, the one place addresses are resolved (SMTP RCPT,
// forwarding targets, list members and bounces all go through it), on an in-memory store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../src-main/store/db';
import { ConfigRepo } from '../../../src-main/store/config-repo';
import { Directory } from '../../../src-main/directory/directory';

function lab() {
  const repo = new ConfigRepo(openDatabase(':memory:'));
  const dom = repo.addDomain({ name: 'aula.test', aliases: ['aula.example'] });
  repo.addDomain({ name: 'otro.test' });
  const c1 = repo.addAccount({ address: 'cuenta1@aula.test' }, 'h');
  const c2 = repo.addAccount({ address: 'cuenta2@aula.test' }, 'h');
  const o1 = repo.addAccount({ address: 'cuenta1@otro.test' }, 'h');
  const dir = new Directory(repo, () => 'aula.test');
  const anon = { address: 'someone@ext.test', authUser: null };
  const ids = (r: ReturnType<Directory['resolve']>) => (r.kind === 'local' ? r.accounts.map((a) => a.id).sort() : r.kind);
  const plus = (on: boolean, char = '+') => repo.updateDomain(dom.id, { plusAddressing: on, plusAddressingChar: char });
  return { repo, dir, dom, c1, c2, o1, anon, ids, plus };
}

test('off: name+tag is an unknown user; on: it reaches name, with each of the four characters', () => {
  const { dir, c1, anon, ids, plus } = lab();
  const off = dir.resolve('cuenta1+news@aula.test', anon);
  assert.ok(off.kind === 'unknown' && off.reason === 'no such user', 'off by default');
  for (const char of ['+', '-', '_', '%']) {
    plus(true, char);
    assert.deepEqual(ids(dir.resolve(`cuenta1${char}news@aula.test`, anon)), [c1.id], `with "${char}"`);
    assert.deepEqual(ids(dir.resolve(`CUENTA1${char}Ofertas@Aula.Example`, anon)), [c1.id], `"${char}" through the domain alias, any case`);
    const other = char === '+' ? '-' : '+';
    assert.equal(dir.resolve(`cuenta1${other}news@aula.test`, anon).kind, 'unknown', `only the domain's character ("${char}", not "${other}")`);
  }
  plus(false, '%');
  assert.equal(dir.resolve('cuenta1%news@aula.test', anon).kind, 'unknown', 'off again');
});

test('the name before the first character; nothing before it, or a disabled name, is unknown', () => {
  const { repo, dir, c1, c2, anon, ids, plus } = lab();
  plus(true);
  assert.deepEqual(ids(dir.resolve('cuenta1+a+b@aula.test', anon)), [c1.id], 'cut at the first "+"');
  assert.equal(dir.resolve('+news@aula.test', anon).kind, 'unknown', 'no name before "+"');
  assert.equal(dir.resolve('nadie+news@aula.test', anon).kind, 'unknown', 'no such name');
  repo.updateAccount(c2.id, { enabled: false });
  const disabled = dir.resolve('cuenta2+x@aula.test', anon);
  assert.ok(disabled.kind === 'unknown' && disabled.reason === 'account disabled', 'a disabled account stays refused');
  // Only the domain whose setting is on: otro.test has it off.
  assert.equal(dir.resolve('cuenta1+x@otro.test', anon).kind, 'unknown');
});

test('an address that exists as given wins over its plus reading (account, alias, list)', () => {
  const { repo, dir, c1, c2, anon, ids, plus } = lab();
  plus(true);
  const vip = repo.addAccount({ address: 'cuenta1+vip@aula.test' }, 'h');
  repo.addAlias({ address: 'cuenta1+info@aula.test', target: 'cuenta2@aula.test', enabled: true });
  repo.addList({ address: 'cuenta1+todos@aula.test', enabled: true, mode: 'public', announcer: '', requireAuth: false, members: ['cuenta2@aula.test'] });
  assert.deepEqual(ids(dir.resolve('cuenta1+vip@aula.test', anon)), [vip.id]);
  assert.deepEqual(ids(dir.resolve('cuenta1+info@aula.test', anon)), [c2.id]);
  assert.deepEqual(ids(dir.resolve('cuenta1+todos@aula.test', anon)), [c2.id]);
  assert.deepEqual(ids(dir.resolve('cuenta1+otra@aula.test', anon)), [c1.id]);
});

test('aliases, lists (with their sender rules), forwarding targets and list members get it too', () => {
  const { repo, dir, c1, c2, o1, anon, ids, plus } = lab();
  plus(true);
  repo.addAlias({ address: 'info@aula.test', target: 'cuenta2@aula.test', enabled: true });
  assert.deepEqual(ids(dir.resolve('info+web@aula.test', anon)), [c2.id], 'an alias name with a tag');
  repo.addList({ address: 'socios@aula.test', enabled: true, mode: 'membership', announcer: '', requireAuth: false, members: ['cuenta1+lista@aula.test'] });
  assert.equal(dir.resolve('socios+x@aula.test', anon).kind, 'denied', 'a list name with a tag keeps its sender rules');
  assert.deepEqual(ids(dir.resolve('socios+x@aula.test', { address: 'cuenta1+lista@aula.test', authUser: null })), [c1.id], 'a member with a tag');
  // A forward from another domain to a tagged address of this one.
  repo.updateAccount(o1.id, { forwardEnabled: true, forwardTo: 'cuenta2+reenvio@aula.test', forwardKeepCopy: false });
  assert.deepEqual(ids(dir.resolve('cuenta1@otro.test', anon)), [c2.id]);
});

test('catch-all still takes what plus addressing does not; postmaster+tag reaches the postmaster', () => {
  const { repo, dom, dir, c1, c2, anon, ids, plus } = lab();
  plus(true);
  assert.deepEqual(ids(dir.resolve('postmaster+dmarc@aula.test', anon)), [c1.id], 'the domain has no postmaster account: its first account');
  repo.updateDomain(dom.id, { catchAll: 'cuenta2@aula.test' });
  assert.deepEqual(ids(dir.resolve('nadie+x@aula.test', anon)), [c2.id]);
  assert.deepEqual(ids(dir.resolve('cuenta1+x@aula.test', anon)), [c1.id], 'plus addressing before the catch-all');
  plus(false);
  repo.updateDomain(dom.id, { catchAll: '' });
  assert.equal(dir.resolve('postmaster+dmarc@aula.test', anon).kind, 'unknown', 'without plus addressing, only "postmaster" itself');
});
