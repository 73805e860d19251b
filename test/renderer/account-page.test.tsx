// The account page (hMailAdmin's account dialog) in happy-dom against a real server through the
// app's API bridge: what is typed and saved on each tab reaches the account, the server's field
// errors show next to their input (opening their tab), the quota's hint says what 0 becomes,
// folders are added and removed (or why they could not be read), and "Empty account" after a
// real SMTP delivery takes the counts and the size to 0.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
// dom first: it installs the browser globals that Testing Library's `screen` binds to.
import { labForFile, renderPage, type TestServer } from './dom';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import nodemailer from 'nodemailer';
import { AccountPage } from '../../src-renderer/src/pages/AccountPage';
import type { Account } from '../../src-main/shared/model/entities';

let srv!: TestServer;
let id1: number;
let id2: number;
labForFile((s) => {
  srv = s;
  id1 = srv.host.repo.findAccount('cuenta1@aula.test')!.id;
  id2 = srv.host.repo.findAccount('cuenta2@aula.test')!.id;
});
// Each test ends with cleanup(); this one also runs when a test failed halfway.
afterEach(() => cleanup());

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const save = () => fireEvent.click(screen.getByRole('button', { name: 'Save' }));
const openTab = (name: string) => fireEvent.click(screen.getByRole('tab', { name }));

/** The error Mantine shows under the input labelled `label` (linked to it by aria-describedby), or undefined. */
function errorOf(label: string): string | undefined {
  const ids = (screen.getByLabelText(label).getAttribute('aria-describedby') ?? '').split(' ');
  return ids.map((i) => document.getElementById(i)).find((el) => el?.className.includes('InputWrapper-error'))?.textContent ?? undefined;
}

/** The table row whose first cell is `name`, or undefined. */
function folderRow(name: string): HTMLElement | undefined {
  return screen.queryAllByRole('row').find((r) => r.querySelector('td')?.textContent === name);
}

/** The cells of a folder's row as text: name, special use, messages, unread, size. */
const cells = (name: string): string[] => [...folderRow(name)!.querySelectorAll('td')].map((td) => td.textContent ?? '');

/** Confirms the open confirmation dialog with its button `name`; returns the dialog's text. */
async function confirm(name: string): Promise<string> {
  const dialog = await screen.findByRole('dialog');
  const text = dialog.textContent ?? '';
  fireEvent.click(within(dialog).getByRole('button', { name }));
  return text;
}

test('General: names, quota and admin level saved; the usage bar with a quota; the password changed apart, a short one refused', async () => {
  renderPage(<AccountPage accountId={id1} />);
  await screen.findByRole('heading', { name: 'cuenta1@aula.test' });
  assert.equal((screen.getByLabelText('Address') as HTMLInputElement).readOnly, true);
  await screen.findByRole('link', { name: '← aula.test' });
  assert.equal(screen.getByRole('link', { name: '← aula.test' }).getAttribute('href'), `#/domains/${srv.host.repo.getAccount(id1).domainId}`);
  screen.getByText(/^Size: 0\.0 MB$/);
  screen.getByText('0: no limit.');
  assert.equal(screen.queryByRole('progressbar'), null, 'no bar without a quota');

  type('First name', 'Ana');
  type('Last name', 'Pérez');
  type('Maximum size (MB)', '50');
  fireEvent.click(screen.getByRole('combobox', { name: 'Administration level' }));
  fireEvent.click(await screen.findByRole('option', { name: 'Domain administrator', hidden: true }));
  screen.getByText('Last logon: Never');
  save();
  await screen.findByText('Saved');
  const acc = srv.host.repo.getAccount(id1);
  assert.deepEqual([acc.firstName, acc.lastName, acc.quotaMb, acc.adminLevel], ['Ana', 'Pérez', 50, 'domain']);
  await screen.findByText('0.0 MB of 50 MB used (0%)');
  screen.getByRole('progressbar');

  const hash = srv.host.repo.accountSecret('cuenta1@aula.test')!.passwordHash;
  type('New password', 'corta');
  fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
  await waitFor(() => assert.equal(errorOf('New password'), 'at least 6 characters'));
  assert.equal(srv.host.repo.accountSecret('cuenta1@aula.test')!.passwordHash, hash);
  type('New password', 'otra-clave-larga');
  fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
  await screen.findByText('Password changed');
  assert.notEqual(srv.host.repo.accountSecret('cuenta1@aula.test')!.passwordHash, hash);
  assert.equal((screen.getByLabelText('New password') as HTMLInputElement).value, '', 'emptied after the change');
  cleanup();
});

test('Forwarding: a bad address gets its error next to the field, even when saved from another tab; a good one is stored', async () => {
  renderPage(<AccountPage accountId={id2} />);
  await screen.findByRole('heading', { name: 'cuenta2@aula.test' });
  openTab('Forwarding');
  fireEvent.click(await screen.findByLabelText('Forward mail'));
  type('Forward to', 'no es una dirección');
  save();
  // The schema's message for this field is zod's "Invalid input" (an address or empty): shown under it.
  await waitFor(() => assert.ok(errorOf('Forward to'), 'an error under "Forward to"'));
  assert.equal(screen.queryByRole('alert'), null, 'next to the field, not in the alert');
  assert.equal(srv.host.repo.getAccount(id2).forwardEnabled, false, 'nothing stored');

  // Saved from General, the error opens the Forwarding tab again.
  openTab('General');
  await screen.findByLabelText('First name');
  save();
  await waitFor(() => assert.equal(screen.getByRole('tab', { name: 'Forwarding' }).getAttribute('aria-selected'), 'true'));
  await waitFor(() => assert.ok(errorOf('Forward to')));

  type('Forward to', 'fuera@example.com');
  fireEvent.click(screen.getByLabelText('Keep a copy in this account'));
  save();
  await screen.findByText('Saved');
  const acc = srv.host.repo.getAccount(id2);
  assert.deepEqual([acc.forwardEnabled, acc.forwardTo, acc.forwardKeepCopy], [true, 'fuera@example.com', false]);
  cleanup();
});

test('Auto-reply: on, subject, text and last day saved; an emptied date is stored as none', async () => {
  renderPage(<AccountPage accountId={id2} />);
  await screen.findByRole('heading', { name: 'cuenta2@aula.test' });
  openTab('Auto-reply');
  fireEvent.click(await screen.findByLabelText('Send an automatic reply'));
  type('Subject', 'De vacaciones');
  type('Text', 'Vuelvo el lunes.\nUn saludo.');
  type('Last day', '2030-06-30');
  save();
  await screen.findByText('Saved');
  let acc = srv.host.repo.getAccount(id2);
  assert.deepEqual(
    [acc.autoReplyEnabled, acc.autoReplySubject, acc.autoReplyText, acc.autoReplyExpires],
    [true, 'De vacaciones', 'Vuelvo el lunes.\nUn saludo.', '2030-06-30'],
  );
  type('Last day', '');
  save();
  await waitFor(() => assert.equal(srv.host.repo.getAccount(id2).autoReplyExpires, null));
  acc = srv.host.repo.getAccount(id2);
  assert.equal(acc.autoReplySubject, 'De vacaciones', 'the rest kept');
  cleanup();
});

test('Advanced: a folder added (a duplicate refused next to the field) and removed after a confirmation', async () => {
  renderPage(<AccountPage accountId={id2} />);
  await screen.findByRole('heading', { name: 'cuenta2@aula.test' });
  openTab('Advanced');
  await waitFor(() => assert.ok(folderRow('INBOX')));
  assert.deepEqual(
    screen.getAllByRole('row').slice(1).map((r) => r.querySelector('td')?.textContent),
    ['INBOX', 'Drafts', 'Junk', 'Sent', 'Trash'],
  );
  assert.equal(cells('Sent')[1], '\\Sent');

  type('Folder name', 'Proyectos');
  fireEvent.click(screen.getByRole('button', { name: 'Add folder' }));
  await screen.findByText('Folder added');
  await waitFor(() => assert.ok(folderRow('Proyectos')));
  assert.equal((screen.getByLabelText('Folder name') as HTMLInputElement).value, '');
  assert.ok(srv.host.db.prepare("SELECT 1 FROM mailboxes WHERE account_id = ? AND name = 'Proyectos'").get(id2), 'stored');

  type('Folder name', 'Proyectos');
  fireEvent.click(screen.getByRole('button', { name: 'Add folder' }));
  await waitFor(() => assert.match(errorOf('Folder name') ?? '', /already exists/));

  assert.equal(within(folderRow('INBOX')!).queryByRole('button', { name: /^Remove/ }), null, 'INBOX cannot be removed');
  // The button's name says which folder (its text alone, "Remove", would not).
  fireEvent.click(within(folderRow('Proyectos')!).getByRole('button', { name: 'Remove Proyectos' }));
  assert.match(await confirm('Remove'), /Remove the folder Proyectos\? Its 0 messages are removed with it\./);
  await screen.findByText('Folder removed');
  await waitFor(() => assert.equal(folderRow('Proyectos'), undefined));
  assert.equal(srv.host.db.prepare("SELECT 1 FROM mailboxes WHERE account_id = ? AND name = 'Proyectos'").get(id2), undefined);
  cleanup();
});

test('Advanced: "Empty account" after an SMTP delivery names the address and the count, then everything is at 0', async () => {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
  try {
    for (const subject of ['uno', 'dos']) await transport.sendMail({ from: 'cuenta2@aula.test', to: 'cuenta1@aula.test', subject, text: 'hola '.repeat(400) });
  } finally {
    transport.close();
  }
  await waitFor(() => assert.equal(srv.host.mail.inboxCount(id1), 2));
  const size = srv.host.repo.getAccount(id1).sizeBytes;
  assert.ok(size > 2000);

  renderPage(<AccountPage accountId={id1} />);
  await screen.findByRole('heading', { name: 'cuenta1@aula.test' });
  openTab('Advanced');
  await waitFor(() => assert.ok(folderRow('INBOX')));
  assert.deepEqual(cells('INBOX').slice(2, 5), ['2', '2', `${Math.ceil(size / 1024)} KB`]);

  fireEvent.click(screen.getByRole('button', { name: 'Empty account' }));
  assert.match(await confirm('Empty account'), /Remove all 2 messages of cuenta1@aula\.test, in every folder\?/);
  await screen.findByText('2 messages removed');
  await waitFor(() => assert.deepEqual(cells('INBOX').slice(2, 5), ['0', '0', '0 KB']));
  assert.equal(srv.host.mail.inboxCount(id1), 0);
  assert.equal(srv.host.repo.getAccount(id1).sizeBytes, 0);
  cleanup();
});

test('General: with a max account size on the domain, the hint says 0 takes it, and a quota of 0 is stored as it', async () => {
  const domainId = srv.host.repo.getAccount(id2).domainId;
  await srv.call('domains', 'update', { id: domainId, maxAccountSizeMb: 100 });
  try {
    renderPage(<AccountPage accountId={id2} />);
    await screen.findByText("0: the domain's limit (100 MB).");
    type('Maximum size (MB)', '20');
    save();
    await screen.findByText('Saved');
    assert.equal(srv.host.repo.getAccount(id2).quotaMb, 20);
    type('Maximum size (MB)', '0');
    save();
    await waitFor(() => assert.equal(srv.host.repo.getAccount(id2).quotaMb, 100));
    // The form shows what the server stored.
    await waitFor(() => assert.equal((screen.getByLabelText('Maximum size (MB)') as HTMLInputElement).value, '100'));
  } finally {
    await srv.call('domains', 'update', { id: domainId, maxAccountSizeMb: 0 });
    await srv.call<Account>('accounts', 'update', { id: id2, quotaMb: 0 });
  }
  cleanup();
});

test('Advanced: folders that cannot be read say why (instead of loading for ever)', async () => {
  const api = (window as unknown as { api: Record<string, Record<string, (input?: unknown) => unknown>> }).api;
  const folders = api.accounts!.folders!;
  // The server's own answer for an account that is gone.
  api.accounts!.folders = () => folders({ id: 999_999 });
  try {
    renderPage(<AccountPage accountId={id2} />);
    await screen.findByRole('heading', { name: 'cuenta2@aula.test' });
    openTab('Advanced');
    const alert = await screen.findByRole('alert');
    assert.equal(alert.textContent, 'account 999999 not found');
    assert.equal(screen.queryByLabelText('Loading…'), null, 'no loader left spinning');
  } finally {
    api.accounts!.folders = folders;
  }
  cleanup();
});
