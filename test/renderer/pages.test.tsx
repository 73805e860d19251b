// Renderer pages with Testing Library, in happy-dom, against a real server through the same API
// bridge the desktop app has: what a user types reaches the configuration, and what the server
// says (field errors, live state) reaches the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labForFile, renderPage, type TestServer } from './dom';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import nodemailer from 'nodemailer';
import { DomainsPage } from '../../src-renderer/src/pages/DomainsPage';
import { StatusPage } from '../../src-renderer/src/StatusPage';
import { LogPage } from '../../src-renderer/src/LogPage';

let srv!: TestServer;
labForFile((s) => (srv = s));

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

test('Status: the listeners with their state, the counters, the uptime and the traffic chart', async () => {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
  for (const subject of ['uno', 'dos']) await t.sendMail({ from: 'cuenta1@aula.test', to: 'cuenta2@aula.test', subject, text: 'Hola.\r\n' });
  t.close();
  renderPage(<StatusPage />);
  await waitFor(() => assert.ok(screen.getAllByText('listening').length >= 4));
  const rows = screen.getAllByRole('row');
  assert.ok(rows.length >= 8, 'a header row and seven ports');
  assert.ok(within(rows[1]!).getByText(/IMAP|POP3|SMTP/));
  screen.getByText('Failed logons');
  screen.getByText('Uptime');
  assert.match(screen.getByTestId('uptime').textContent ?? '', /^(less than a minute|\d+ min)$/);
  // The chart's accessible name sums the hour: the two messages just sent, and their sessions.
  const chart = await screen.findByRole('img', { name: /Traffic in the last 60 minutes/ });
  const label = chart.getAttribute('aria-label') ?? '';
  assert.match(label, /: 2 messages accepted, 0 rejected; sessions: [1-9]\d* SMTP, 0 POP3, 0 IMAP/);
  screen.getByText('Messages accepted: 2');
  assert.equal(chart.querySelectorAll('polyline').length, 5, 'accepted, rejected and three protocols');
  assert.ok(within(chart as unknown as HTMLElement).getByText('per minute'), 'y axis label');
  cleanup();
});

test('Live log: new lines appear as they happen, and the filter narrows them', async () => {
  renderPage(<LogPage />);
  srv.host.logger.child({ svc: 'smtp' }).info({ event: 'test.one' }, 'una línea de prueba');
  srv.host.logger.child({ svc: 'imap' }).info({ event: 'test.two' }, 'otra línea distinta');
  const log = await screen.findByTestId('log');
  await waitFor(() => assert.match(log.textContent ?? '', /una línea de prueba/));
  // Each filter has a visible label (a placeholder would be gone once something is typed).
  for (const label of ['Filter', 'IP address', 'Session']) assert.equal((screen.getByLabelText(label) as HTMLInputElement).labels?.[0]?.textContent, label);
  fireEvent.change(screen.getByLabelText('Filter'), { target: { value: 'distinta' } });
  await waitFor(() => {
    assert.doesNotMatch(log.textContent ?? '', /una línea de prueba/);
    assert.match(log.textContent ?? '', /otra línea distinta/);
  });
  cleanup();
});

test('Live log: by protocol, by IP (clicked in a line) and by session; pause counts new lines; clear empties the view', async () => {
  renderPage(<LogPage />);
  const smtp = srv.host.logger.child({ svc: 'smtp' });
  smtp.info({ event: 'test.a', ip: '127.0.0.9', sid: 'abc' }, 'desde nueve');
  smtp.warn({ event: 'test.b', ip: '127.0.0.8', sid: 'def' }, 'desde ocho');
  srv.host.logger.child({ svc: 'pop3' }).error({ event: 'test.c', ip: '127.0.0.9', sid: 'ghi' }, 'pop desde nueve');
  const log = await screen.findByTestId('log');
  const text = () => log.textContent ?? '';
  await waitFor(() => assert.match(text(), /pop desde nueve/));
  // Levels are marked: the warning and the error lines carry their level.
  assert.equal(within(log).getByText(/desde ocho/).closest('[data-level]')?.getAttribute('data-level'), 'warn');
  assert.equal(within(log).getByText(/pop desde nueve/).closest('[data-level]')?.getAttribute('data-level'), 'error');

  fireEvent.click(screen.getByRole('radio', { name: 'POP3' }));
  await waitFor(() => assert.doesNotMatch(text(), /desde ocho|#abc/));
  assert.match(text(), /pop desde nueve/);
  fireEvent.click(screen.getByRole('radio', { name: 'SMTP' }));
  await waitFor(() => assert.match(text(), /desde ocho/));
  assert.doesNotMatch(text(), /pop desde/);

  // Clicking an address in a line shows only that address (still within SMTP).
  fireEvent.click(within(log).getAllByRole('button', { name: 'Show only 127.0.0.9' })[0]!);
  assert.equal((screen.getByLabelText('IP address') as HTMLInputElement).value, '127.0.0.9');
  await waitFor(() => assert.doesNotMatch(text(), /desde ocho/));
  assert.match(text(), /desde nueve/);
  fireEvent.click(screen.getByRole('button', { name: 'Show all' }));
  await waitFor(() => assert.match(text(), /desde ocho/));
  fireEvent.click(within(log).getByRole('button', { name: 'Show only session def' }));
  await waitFor(() => assert.doesNotMatch(text(), /desde nueve/));
  assert.match(text(), /desde ocho/);
  fireEvent.click(screen.getByRole('button', { name: 'Show all' }));

  // Paused: new lines are counted, not shown, until Resume.
  fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
  smtp.info({ event: 'test.d' }, 'llegó en pausa');
  smtp.info({ event: 'test.e' }, 'también en pausa');
  await screen.findByText('2 new lines');
  assert.doesNotMatch(text(), /en pausa/);
  fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
  await waitFor(() => assert.match(text(), /llegó en pausa[\s\S]*también en pausa/));
  assert.equal(screen.queryByText(/new lines?$/), null);

  fireEvent.click(screen.getByRole('button', { name: 'Clear view' }));
  await waitFor(() => assert.equal(text(), ''));
  smtp.info({ event: 'test.f' }, 'después de limpiar');
  await waitFor(() => assert.match(text(), /después de limpiar/));
  assert.equal(log.querySelectorAll('[data-level]').length, 1, 'only the line that came after');
  cleanup();
});

// Last: it restarts the shared server, whose listeners then get new ephemeral ports.
test('Status: follows server.statusChanged: the uptime, and the chart read again', async () => {
  renderPage(<StatusPage />);
  await screen.findByRole('img', { name: /: 2 messages accepted/ });
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
  await t.sendMail({ from: 'cuenta1@aula.test', to: 'cuenta2@aula.test', subject: 'tres', text: 'Hola.\r\n' });
  t.close();
  await srv.host.stop();
  try {
    // Well before the 10-second refresh: the stop itself made the page read again.
    await waitFor(() => assert.equal(screen.getByTestId('uptime').textContent, 'Not running'));
    await screen.findByRole('img', { name: /: 3 messages accepted/ });
  } finally {
    await srv.host.start();
  }
  await waitFor(() => assert.match(screen.getByTestId('uptime').textContent ?? '', /less than a minute|\d+ min/));
  cleanup();
});
