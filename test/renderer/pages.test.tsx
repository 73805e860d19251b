// Renderer pages with Testing Library, in happy-dom, against a real server through the same API
// bridge the desktop app has: what a user types reaches the configuration, and what the server
// says (field errors, live state) reaches the page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { withApi, renderPage, type TestServer } from './dom';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { DomainsPage } from '../../src-renderer/src/pages/DomainsPage';
import { StatusPage } from '../../src-renderer/src/StatusPage';
import { LogPage } from '../../src-renderer/src/LogPage';

let srv: TestServer;
before(async () => {
  srv = await withApi();
});
after(async () => {
  cleanup();
  await srv.close();
});

test('Domains: the lab domain is listed; a new one is added; a bad name gets its error next to the field', async () => {
  renderPage(<DomainsPage />);
  await screen.findByText('aula.test');
  const input = screen.getByLabelText('Domain name');
  fireEvent.change(input, { target: { value: 'nueva.test' } });
  fireEvent.click(screen.getByRole('button', { name: 'Add domain' }));
  await screen.findByText('nueva.test');
  assert.ok(srv.host.repo.findDomainByName('nueva.test'), 'stored');
  fireEvent.change(screen.getByLabelText('Domain name'), { target: { value: 'not a domain!' } });
  fireEvent.click(screen.getByRole('button', { name: 'Add domain' }));
  await screen.findByText(/not a valid domain name/);
  cleanup();
});

test('Status: the listeners with their state, and the counters', async () => {
  renderPage(<StatusPage />);
  await waitFor(() => assert.ok(screen.getAllByText('listening').length >= 4));
  const rows = screen.getAllByRole('row');
  assert.ok(rows.length >= 8, 'a header row and seven ports');
  assert.ok(within(rows[1]!).getByText(/IMAP|POP3|SMTP/));
  screen.getByText('Failed logons');
  cleanup();
});

test('Live log: new lines appear as they happen, and the filter narrows them', async () => {
  renderPage(<LogPage />);
  srv.host.logger.child({ svc: 'smtp' }).info({ event: 'test.one' }, 'una línea de prueba');
  srv.host.logger.child({ svc: 'imap' }).info({ event: 'test.two' }, 'otra línea distinta');
  const log = await screen.findByTestId('log');
  await waitFor(() => assert.match(log.textContent ?? '', /una línea de prueba/));
  fireEvent.change(screen.getByLabelText('Filter'), { target: { value: 'distinta' } });
  await waitFor(() => {
    assert.doesNotMatch(log.textContent ?? '', /una línea de prueba/);
    assert.match(log.textContent ?? '', /otra línea distinta/);
  });
  cleanup();
});
