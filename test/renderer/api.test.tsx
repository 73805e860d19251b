// The renderer's API client checks an input with the contract's own schema before it leaves: a
// bad field is reported, worded as the server words it, without a call to the server; a good
// input goes through and the server's answer is what counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labForFile, renderPage, type TestServer } from './dom';
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { DomainsPage } from '../../src-renderer/src/pages/DomainsPage';
import { call, ApiCallError } from '../../src-renderer/src/api';
import { invokeApi } from '../../src-main/server/invoke';

let srv!: TestServer;
const calls: string[] = [];
labForFile((s) => {
  srv = s;
  const api = (window as unknown as { api: Record<string, Record<string, (i?: unknown) => Promise<unknown>>> }).api;
  const add = api.domains!.add!;
  api.domains!.add = (input?: unknown) => {
    calls.push(JSON.stringify(input));
    return add(input);
  };
});

test('a bad domain name is refused in the page with the schema\'s message, and never sent', async () => {
  renderPage(<DomainsPage />);
  await screen.findByText('aula.test');
  fireEvent.change(screen.getByLabelText('Domain name'), { target: { value: 'not a domain!' } });
  fireEvent.click(screen.getByRole('button', { name: 'Add domain' }));
  await screen.findByText(/not a valid domain name/);
  assert.deepEqual(calls, [], 'nothing reached the server');
  fireEvent.change(screen.getByLabelText('Domain name'), { target: { value: 'bien.test' } });
  fireEvent.click(screen.getByRole('button', { name: 'Add domain' }));
  await screen.findByText('bien.test');
  assert.equal(calls.length, 1);
  assert.ok(srv.host.repo.findDomainByName('bien.test'));
  cleanup();
});

test('the field and code of a refused input are the ones the server gives; an unknown method is refused too', async () => {
  const local = await call('accounts', 'add', { address: 'x@aula.test', password: '123' }).then(
    () => assert.fail('accepted'),
    (e: unknown) => e as ApiCallError,
  );
  assert.ok(local instanceof ApiCallError);
  assert.deepEqual(local.data, { code: 'VALIDATION', message: 'password: at least 6 characters', field: 'password' });
  const server = await invokeApi(srv.host.api, srv.host.logger, 'accounts', 'add', { address: 'x@aula.test', password: '123' });
  assert.deepEqual(server, { ok: false, error: local.data }, 'the server words it the same');
  await assert.rejects(call('nope', 'list'), (e: unknown) => e instanceof ApiCallError && e.data.code === 'NOT_FOUND');
});
