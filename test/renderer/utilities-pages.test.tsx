// Utilities › MX query and Diagnostics in happy-dom against a real server. The server gets a fake
// DNS resolver (tests reach no DNS server), so it is started here rather than by withApi(), with
// the same bridge: what the page shows is what the real services answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labForFile, renderPage, type TestServer } from './dom';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import type { DiagnosticsResolver } from '../../src-main/server/services/diagnostics';
import { MxQueryPage } from '../../src-renderer/src/pages/MxQueryPage';
import { DiagnosticsPage } from '../../src-renderer/src/pages/DiagnosticsPage';

const nx = (name: string) => Promise.reject(Object.assign(new Error(`query ENOTFOUND ${name}`), { code: 'ENOTFOUND' }));
const nodata = (name: string) => Promise.reject(Object.assign(new Error(`query ENODATA ${name}`), { code: 'ENODATA' }));

// TXT answers wait for `openTxt()`: the page is seen while the checks run.
let openTxt: () => void = () => undefined;
let txtGate = Promise.resolve();
const A: Record<string, string[]> = { 'mx1.con-mx.test': ['192.0.2.10'], 'mx2.con-mx.test': ['192.0.2.20'], 'sin-mx.test': ['192.0.2.30'] };
const resolver: DiagnosticsResolver = {
  resolveMx: (n) =>
    n === 'con-mx.test'
      ? Promise.resolve([
          { exchange: 'mx2.con-mx.test', priority: 20 },
          { exchange: 'mx1.con-mx.test', priority: 10 },
        ])
      : n === 'sin-mx.test' || n === 'aula.test'
        ? nodata(n)
        : nx(n),
  resolve4: (n) => (A[n] ? Promise.resolve(A[n]) : nodata(n)),
  resolve6: (n) => (n === 'mx1.con-mx.test' ? Promise.resolve(['2001:db8::10']) : nodata(n)),
  resolveTxt: async (n) => {
    await txtGate;
    return n === 'aula.test' ? [['v=spf1 mx ~all']] : nodata(n);
  },
};

let srv!: TestServer;
labForFile((s) => (srv = s), { resolver });

function query(domain: string): void {
  fireEvent.change(screen.getByLabelText('Domain name'), { target: { value: domain } });
  fireEvent.click(screen.getByRole('button', { name: 'Query' }));
}

test('MX query: the records by priority with their addresses, the implicit fallback, an unknown domain, a bad name', async () => {
  renderPage(<MxQueryPage />);
  query('con-mx.test');
  await screen.findByText('Mail servers of con-mx.test');
  const rows = screen.getAllByRole('row');
  assert.deepEqual(
    rows.map((r) => within(r).getAllByRole(r === rows[0] ? 'columnheader' : 'cell').map((c) => c.textContent)),
    [
      ['Priority', 'Mail server', 'Addresses'],
      ['10', 'mx1.con-mx.test', '192.0.2.10, 2001:db8::10'],
      ['20', 'mx2.con-mx.test', '192.0.2.20'],
    ],
  );
  screen.getByText(/^Answered in \d+ ms$/);

  query('sin-mx.test');
  await screen.findByText('No MX record');
  screen.getByText('Mail for sin-mx.test goes to the domain\'s own address (RFC 5321 §5.1): 192.0.2.30');
  assert.equal(screen.queryAllByRole('row').length, 0);

  query('no-existe.test');
  await screen.findByText('Nowhere to deliver');
  screen.getByText(/^no-existe\.test does not exist: there is no such domain in DNS/);

  query('not a domain!');
  await screen.findByText(/not a valid domain name/);
  cleanup();
});

test('Diagnostics: Run shows that it runs, then the checks by group with their status and a summary', async () => {
  txtGate = new Promise<void>((r) => (openTxt = r));
  renderPage(<DiagnosticsPage />);
  fireEvent.click(screen.getByRole('button', { name: 'Run diagnostics' }));
  await screen.findByText('Running the checks…');
  openTxt();
  await screen.findByText('TCP/IP ports');
  assert.equal(screen.queryByText('Running the checks…'), null);
  for (const g of ['SSL certificates', 'DNS records', 'Open relay']) screen.getByText(g);

  const row = (subject: string | RegExp) => screen.getByText(subject).closest('tr')!;
  within(row('SMTP 0.0.0.0:25')).getByText('ok');
  within(row('SMTP 0.0.0.0:25')).getByText(new RegExp(`127\\.0\\.0\\.1:${srv.smtpPort} .*: 220 `));
  within(row('IMAP 0.0.0.0:143')).getByText(/\* OK/);
  within(row('aula.test SPF')).getByText('v=spf1 mx ~all');
  within(row('aula.test MX')).getByText('warning');
  within(row('aula.test MX')).getByText(/^no MX record: other servers cannot find where to deliver mail for aula\.test/);
  within(row(/^Live test from 127\.0\.0\.1/)).getByText(/Relay access denied/);

  // The summary adds up to the rows shown.
  const summary = screen.getByText(/^\d+ ok, \d+ warnings, \d+ errors$/);
  const [ok, warnings, errors] = (summary.textContent ?? '').match(/\d+/g)!.map(Number) as [number, number, number];
  const shown = screen.getAllByRole('row').filter((r) => within(r).queryAllByRole('cell').length > 0);
  assert.equal(ok + warnings + errors, shown.length);
  assert.equal(errors, 0);
  assert.equal(ok, shown.filter((r) => within(r).queryByText('ok')).length);
  cleanup();
});
