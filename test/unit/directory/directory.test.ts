// Address resolution: accounts, aliases, domain aliases, catch-all, plus addressing, lists and
// forwarding, on an in-memory store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../src-main/store/db';
import { ConfigRepo } from '../../../src-main/store/config-repo';
import { Directory } from '../../../src-main/directory/directory';

function lab() {
  const repo = new ConfigRepo(openDatabase(':memory:'));
  repo.addDomain({ name: 'aula.test', aliases: ['aula.example'] });
  repo.addDomain({ name: 'otro.test', enabled: false });
  const c1 = repo.addAccount({ address: 'cuenta1@aula.test' }, 'h');
  const c2 = repo.addAccount({ address: 'cuenta2@aula.test' }, 'h');
  const dir = new Directory(repo, () => 'aula.test');
  const anon = { address: 'someone@ext.test', authUser: null };
  const ids = (r: ReturnType<Directory['resolve']>) => (r.kind === 'local' ? r.accounts.map((a) => a.id).sort() : r.kind);
  return { repo, dir, c1, c2, anon, ids };
}

test('accounts, domain aliases and unknown users', () => {
  const { dir, c1, anon, ids } = lab();
  assert.deepEqual(ids(dir.resolve('cuenta1@aula.test', anon)), [c1.id]);
  assert.deepEqual(ids(dir.resolve('CUENTA1@Aula.Example', anon)), [c1.id], 'domain alias, any case');
  assert.equal(dir.resolve('nadie@aula.test', anon).kind, 'unknown');
  assert.equal(dir.resolve('x@gmail.test', anon).kind, 'external');
  assert.equal(dir.resolve('x@otro.test', anon).kind, 'unknown', 'disabled domain');
  assert.equal(dir.qualify('antonio'), 'antonio@aula.test');
  assert.ok(dir.isLocalAddress('a@aula.example') && !dir.isLocalAddress('a@gmail.test'));
});

test('aliases (also to external targets and in loops), catch-all and plus addressing', () => {
  const { repo, dir, c1, c2, anon, ids } = lab();
  repo.addAlias({ address: 'info@aula.test', target: 'cuenta2@aula.test', enabled: true });
  repo.addAlias({ address: 'fuera@aula.test', target: 'alguien@gmail.test', enabled: true });
  repo.addAlias({ address: 'a@aula.test', target: 'b@aula.test', enabled: true });
  repo.addAlias({ address: 'b@aula.test', target: 'a@aula.test', enabled: true });
  assert.deepEqual(ids(dir.resolve('info@aula.test', anon)), [c2.id]);
  const out = dir.resolve('fuera@aula.test', anon);
  assert.ok(out.kind === 'local' && out.accounts.length === 0 && out.external[0] === 'alguien@gmail.test');
  const loop = dir.resolve('a@aula.test', anon);
  assert.ok(loop.kind === 'local' && loop.accounts.length === 0 && loop.external.length === 0, 'a loop ends with no target');

  assert.equal(dir.resolve('cuenta1+news@aula.test', anon).kind, 'unknown', 'plus addressing is off by default');
  const d = repo.findDomainByName('aula.test')!;
  repo.updateDomain(d.id, { plusAddressing: true, catchAll: 'cuenta2@aula.test' });
  assert.deepEqual(ids(dir.resolve('cuenta1+news@aula.test', anon)), [c1.id]);
  assert.deepEqual(ids(dir.resolve('whatever@aula.test', anon)), [c2.id], 'catch-all');
});

test('distribution list modes check the sender', () => {
  const { repo, dir, c1, c2, ids } = lab();
  repo.addList({ address: 'todos@aula.test', enabled: true, mode: 'public', announcer: '', requireAuth: false, members: ['cuenta1@aula.test', 'cuenta2@aula.test', 'x@gmail.test'] });
  repo.addList({ address: 'miembros@aula.test', enabled: true, mode: 'membership', announcer: '', requireAuth: false, members: ['cuenta1@aula.test'] });
  repo.addList({ address: 'avisos@aula.test', enabled: true, mode: 'announcements', announcer: 'cuenta2@aula.test', requireAuth: false, members: ['cuenta1@aula.test'] });
  repo.addList({ address: 'dominio@aula.test', enabled: true, mode: 'domain', announcer: '', requireAuth: false, members: ['cuenta2@aula.test'] });
  repo.addList({ address: 'auth@aula.test', enabled: true, mode: 'public', announcer: '', requireAuth: true, members: ['cuenta2@aula.test'] });
  const ext = { address: 'x@ext.test', authUser: null };
  const pub = dir.resolve('todos@aula.test', ext);
  assert.ok(pub.kind === 'local');
  assert.deepEqual(ids(pub), [c1.id, c2.id]);
  assert.deepEqual(pub.kind === 'local' && pub.external, ['x@gmail.test']);
  assert.equal(dir.resolve('miembros@aula.test', ext).kind, 'denied');
  assert.deepEqual(ids(dir.resolve('miembros@aula.test', { address: 'cuenta1@aula.test', authUser: null })), [c1.id]);
  assert.equal(dir.resolve('avisos@aula.test', { address: 'cuenta1@aula.test', authUser: null }).kind, 'denied');
  assert.deepEqual(ids(dir.resolve('avisos@aula.test', { address: 'cuenta2@aula.test', authUser: null })), [c1.id]);
  assert.equal(dir.resolve('dominio@aula.test', ext).kind, 'denied');
  assert.deepEqual(ids(dir.resolve('dominio@aula.test', { address: 'cuenta1@aula.example', authUser: null })), [c2.id]);
  const needAuth = dir.resolve('auth@aula.test', { address: 'cuenta1@aula.test', authUser: null });
  assert.ok(needAuth.kind === 'denied' && needAuth.authRequired);
  assert.deepEqual(ids(dir.resolve('auth@aula.test', { address: 'cuenta1@aula.test', authUser: 'cuenta1@aula.test' })), [c2.id]);
});

test('forwarding, with and without keeping a copy; disabled accounts', () => {
  const { repo, dir, c1, c2, anon, ids } = lab();
  repo.updateAccount(c1.id, { forwardEnabled: true, forwardTo: 'fuera@gmail.test', forwardKeepCopy: true });
  const keep = dir.resolve('cuenta1@aula.test', anon);
  assert.ok(keep.kind === 'local' && keep.external[0] === 'fuera@gmail.test');
  assert.deepEqual(ids(keep), [c1.id]);
  repo.updateAccount(c1.id, { forwardKeepCopy: false, forwardTo: 'cuenta2@aula.test' });
  assert.deepEqual(ids(dir.resolve('cuenta1@aula.test', anon)), [c2.id]);
  repo.updateAccount(c2.id, { enabled: false });
  assert.equal(dir.resolve('cuenta2@aula.test', anon).kind, 'unknown');
});

test('postmaster is always accepted: server admins, else domain admins, else the first account', () => {
  const { repo, dir, c1, c2, anon, ids } = lab();
  assert.deepEqual(ids(dir.resolve('postmaster@aula.test', anon)), [c1.id], 'first account of the domain');
  repo.updateAccount(c2.id, { adminLevel: 'domain' });
  assert.deepEqual(ids(dir.resolve('postmaster@aula.example', anon)), [c2.id], 'domain admin, via a domain alias');
  repo.updateAccount(c1.id, { adminLevel: 'server' });
  assert.deepEqual(ids(dir.resolve('postmaster@aula.test', anon)), [c1.id], 'server admin first');
  repo.addAlias({ address: 'postmaster@aula.test', target: 'cuenta2@aula.test', enabled: true });
  assert.deepEqual(ids(dir.resolve('postmaster@aula.test', anon)), [c2.id], 'an explicit alias wins');
  assert.equal(dir.resolve('nadie@aula.test', anon).kind, 'unknown', 'other unknown names are still refused');
});
