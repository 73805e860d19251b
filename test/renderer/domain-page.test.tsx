// The domain page (hMailAdmin's domain node) against a real server through the app's API bridge:
// each tab's form reaches the stored domain and shows the server's field errors next to the
// field, and what is typed survives reloads until it is saved; distribution lists get members and
// a mode; a CSV import creates the accounts it can, says why the others failed, goes on while
// another tab is open, and the new accounts log on over POP3 and IMAP.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { withApi, renderPage, type TestServer } from './dom';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { DomainPage } from '../../src-renderer/src/pages/DomainPage';
import { LineClient } from '../helpers/line-client';
import type { Domain } from '../../src-main/shared/model/entities';

let srv: TestServer;
let domainId: number;
before(async () => {
  srv = await withApi();
  const lab = (await srv.call<Domain[]>('domains', 'list')).find((d) => d.name === 'aula.test');
  assert.ok(lab, 'the lab domain');
  domainId = lab.id;
});
afterEach(() => cleanup());
after(() => srv.close());

const stored = () => srv.host.repo.getDomain(domainId);

/** Renders the page and opens `tab` once the domain has loaded. */
async function openTab(tab: string): Promise<void> {
  renderPage(<DomainPage domainId={domainId} />);
  await screen.findByRole('heading', { name: 'aula.test' });
  fireEvent.click(screen.getByRole('tab', { name: tab }));
}

const type = (el: HTMLElement, value: string) => fireEvent.change(el, { target: { value } });

/** The input shows `message` as its own error (aria-invalid, and the text its aria-describedby points to). */
async function fieldError(input: HTMLElement, message: RegExp): Promise<void> {
  await waitFor(() => {
    assert.equal(input.getAttribute('aria-invalid'), 'true');
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '');
    assert.ok(described.some((t) => message.test(t)), `"${described.join(' | ')}" has ${message}`);
  });
  assert.equal(screen.queryAllByRole('alert').length, 0, 'not in the red alert at the top');
}

/** Picks `option` in a Mantine Select (in its own list: the page has two with the same options). */
async function choose(select: HTMLElement, option: string): Promise<void> {
  fireEvent.click(select);
  const list = await waitFor(() => document.getElementById(select.getAttribute('aria-controls') ?? '') ?? assert.fail('the list is open'));
  // The dropdown has no layout in happy-dom, so Testing Library counts it as hidden.
  fireEvent.click(within(list).getByRole('option', { name: option, hidden: true }));
}

test('General: a bad catch-all gets its error next to the field; a name alone is stored as name@domain', async () => {
  await openTab('General');
  const catchAll = await screen.findByLabelText('Catch-all address');
  type(catchAll, 'no good@@');
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  // (The schema's `emailAddress.or('')` reports a union failure as zod's "Invalid input".)
  await fieldError(catchAll, /not a valid e-mail address|Invalid input/);
  assert.equal(stored().catchAll, '', 'nothing stored');

  type(catchAll, 'postmaster');
  fireEvent.click(screen.getByRole('switch', { name: /^Plus addressing/ }));
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  await screen.findByText('Saved');
  assert.equal(stored().catchAll, 'postmaster@aula.test');
  assert.equal(stored().plusAddressing, true);
  assert.equal(stored().enabled, true);
  // The form shows what was stored.
  await waitFor(() => assert.equal((catchAll as HTMLInputElement).value, 'postmaster@aula.test'));
});

test('Names: a domain alias is added and removed; a bad one gets its error next to the field', async () => {
  await openTab('Names');
  await screen.findByText(/No other names/);
  const input = screen.getByLabelText('Domain name');
  type(input, 'no valid');
  fireEvent.click(screen.getByRole('button', { name: 'Add name' }));
  await fieldError(input, /not a valid domain name/);

  type(input, 'antiguo.test');
  fireEvent.click(screen.getByRole('button', { name: 'Add name' }));
  await screen.findByRole('cell', { name: 'antiguo.test' });
  assert.deepEqual(stored().aliases, ['antiguo.test']);
  assert.equal(srv.host.repo.resolveDomain('antiguo.test')?.name, 'aula.test', 'mail to it reaches aula.test');

  fireEvent.click(within(screen.getByRole('row', { name: /antiguo\.test/ })).getByRole('button', { name: 'Remove' }));
  fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Remove' }));
  await screen.findByText(/No other names/);
  assert.deepEqual(stored().aliases, []);
});

test('Limits: 0 shows as unlimited; the values typed are stored; a bad one is refused next to its field', async () => {
  await openTab('Limits');
  const accounts = (await screen.findByLabelText('Max number of accounts')) as HTMLInputElement;
  const size = screen.getByLabelText('Max message size (KB)') as HTMLInputElement;
  assert.equal(accounts.value, '');
  assert.equal(accounts.placeholder, 'Unlimited');
  type(accounts, '40');
  type(size, '10240');
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  await screen.findByText('Saved');
  const d = stored();
  assert.deepEqual([d.maxAccounts, d.maxMessageSizeKb, d.maxSizeMb, d.maxLists], [40, 10240, 0, 0]);

  type(size, '99999999');
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  await fieldError(size, /.+/);
  assert.equal(stored().maxMessageSizeKb, 10240, 'unchanged');

  type(size, '');
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  await screen.findByText('Saved');
  assert.equal(stored().maxMessageSizeKb, 0, 'empty is unlimited again');
});

test('Distribution lists: a list is created, gets two members and a new mode; an announcements list needs its announcer', async () => {
  await openTab('Distribution lists');
  await screen.findByText(/No distribution lists yet/);
  const add = screen.getByRole('form', { name: 'Add a distribution list' });
  type(within(add).getByLabelText('List address'), 'profes');
  fireEvent.click(within(add).getByRole('button', { name: 'Add list' }));
  await screen.findByRole('heading', { name: 'List profes@aula.test' });
  const list = () => srv.host.repo.findList('profes@aula.test');
  assert.equal(list()?.mode, 'public');

  const members = screen.getByRole('form', { name: 'Add member' });
  for (const m of ['cuenta1', 'alguien@fuera.test']) {
    type(within(members).getByLabelText('Member address'), m);
    fireEvent.click(within(members).getByRole('button', { name: 'Add member' }));
    await screen.findByRole('cell', { name: m.includes('@') ? m : `${m}@aula.test` });
  }
  assert.deepEqual([...list()!.members].sort(), ['alguien@fuera.test', 'cuenta1@aula.test']);
  // The members count.
  await waitFor(() => within(screen.getByRole('row', { name: /profes@aula\.test/ })).getByRole('cell', { name: '2' }));

  // A member added twice: the server's reason, next to the field.
  type(within(members).getByLabelText('Member address'), 'cuenta1');
  fireEvent.click(within(members).getByRole('button', { name: 'Add member' }));
  await fieldError(within(members).getByLabelText('Member address'), /already a member/);

  const settings = screen.getByRole('form', { name: 'Settings' });
  await choose(within(settings).getByRole('combobox', { name: 'Who may send' }), 'Members only');
  fireEvent.click(within(settings).getByRole('switch', { name: /^Require SMTP authentication/ }));
  fireEvent.click(within(settings).getByRole('button', { name: 'Save' }));
  await screen.findByText('Saved');
  assert.equal(list()?.mode, 'membership');
  assert.equal(list()?.requireAuth, true);
  await within(screen.getByRole('row', { name: /profes@aula\.test/ })).findByRole('cell', { name: 'Members only' });

  await choose(within(settings).getByRole('combobox', { name: 'Who may send' }), 'The announcer only');
  fireEvent.click(within(settings).getByRole('button', { name: 'Save' }));
  await fieldError(within(settings).getByLabelText('Announcer'), /needs the address allowed to send/);
  assert.equal(list()?.mode, 'membership', 'not stored');
  type(within(settings).getByLabelText('Announcer'), 'cuenta2');
  fireEvent.click(within(settings).getByRole('button', { name: 'Save' }));
  await screen.findByText('Saved');
  assert.deepEqual([list()?.mode, list()?.announcer], ['announcements', 'cuenta2@aula.test']);

  // A member removed (its button named after it), then the list itself (after the confirmation).
  fireEvent.click(within(screen.getByRole('row', { name: /alguien@fuera\.test/ })).getByRole('button', { name: 'Remove alguien@fuera.test' }));
  await waitFor(() => assert.deepEqual(list()?.members, ['cuenta1@aula.test']));
  fireEvent.click(within(screen.getByRole('row', { name: /profes@aula\.test/ })).getByRole('button', { name: 'Remove' }));
  fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Remove' }));
  await screen.findByText(/No distribution lists yet/);
  assert.equal(list(), undefined);
});

test('Distribution lists: a settings edit not yet saved stays while members are added (each add reloads the list)', async () => {
  await openTab('Distribution lists');
  const add = await screen.findByRole('form', { name: 'Add a distribution list' });
  type(within(add).getByLabelText('List address'), 'tutores');
  fireEvent.click(within(add).getByRole('button', { name: 'Add list' }));
  await screen.findByRole('heading', { name: 'List tutores@aula.test' });
  const list = () => srv.host.repo.findList('tutores@aula.test');

  const settings = screen.getByRole('form', { name: 'Settings' });
  const mode = within(settings).getByRole('combobox', { name: 'Who may send' }) as HTMLInputElement;
  await choose(mode, 'Members only');
  fireEvent.click(within(settings).getByRole('switch', { name: 'Enabled' }));
  const members = screen.getByRole('form', { name: 'Add member' });
  for (const m of ['cuenta1', 'cuenta2']) {
    type(within(members).getByLabelText('Member address'), m);
    fireEvent.click(within(members).getByRole('button', { name: 'Add member' }));
    await screen.findByRole('cell', { name: `${m}@aula.test` });
  }
  // The list was reloaded (its members count), the edits are still there, and still unsaved.
  await within(screen.getByRole('row', { name: /tutores@aula\.test/ })).findByRole('cell', { name: '2' });
  assert.equal(mode.value, 'Members only');
  assert.equal((within(settings).getByRole('switch', { name: 'Enabled' }) as HTMLInputElement).checked, false);
  assert.deepEqual([list()?.mode, list()?.enabled], ['public', true]);

  fireEvent.click(within(settings).getByRole('button', { name: 'Save' }));
  await screen.findByText('Saved');
  assert.deepEqual([list()?.mode, list()?.enabled, list()?.members.length], ['membership', false, 2]);
  assert.equal(mode.value, 'Members only', 'the form shows what was stored');
});

/** Logs on over POP3 (USER/PASS) and IMAP (LOGIN); resolves to each server's answer. */
async function logOn(address: string, password: string): Promise<{ pop3: string; imap: string }> {
  const pop = await LineClient.open(srv.pop3Port);
  await pop.line();
  pop.send(`USER ${address}`);
  await pop.line();
  pop.send(`PASS ${password}`);
  const pop3 = await pop.line();
  pop.close();
  const imap = await LineClient.open(srv.imapPort);
  await imap.line();
  imap.send(`a1 LOGIN ${address} ${password}`);
  let line = await imap.line();
  while (line.startsWith('* ')) line = await imap.line();
  imap.close();
  return { pop3, imap: line };
}

test('Import from CSV (";" as Spanish Excel writes it): 4 rows, 4 of 4 done, the duplicate and the short password refused by the server', async () => {
  renderPage(<DomainPage domainId={domainId} />);
  const text = await screen.findByLabelText('Or paste the rows');
  type(text, '\uFEFFCorreo;Contraseña;Nombre;Apellidos;Cuota\r\nalumno1;clave-alumno1;Ana;"García; López";50\r\n\r\nalumno2@aula.test;clave-alumno2;Luis;Pérez;\r\ncuenta1;otraclave1;;;\r\nalumno3;123;;;\r\n');
  await screen.findByText(/Rows read: 4\./);
  fireEvent.click(screen.getByRole('button', { name: 'Import accounts' }));
  await waitFor(() => assert.equal(screen.getByTestId('import-count').textContent, '4 of 4'), { timeout: 10_000 });
  await screen.findByText('Created: 2. Not created: 2.');
  const progress = screen.getByRole('progressbar', { name: 'Import progress' });
  assert.equal(progress.getAttribute('aria-valuenow'), '100');

  const report = screen.getByRole('table', { name: 'Import accounts from CSV' });
  const rows = within(report)
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).getAllByRole('cell').map((c) => c.textContent));
  assert.deepEqual(rows.map((r) => r.slice(0, 2)), [
    ['2', 'alumno1@aula.test'],
    ['4', 'alumno2@aula.test'],
    ['5', 'cuenta1@aula.test'],
    ['6', 'alumno3@aula.test'],
  ]);
  assert.deepEqual(rows.map((r) => r[2]).slice(0, 2), ['OK', 'OK']);
  assert.match(rows[2]![2]!, /already exists/);
  assert.match(rows[3]![2]!, /at least 6 characters/);

  const a1 = srv.host.repo.findAccount('alumno1@aula.test');
  assert.ok(a1);
  assert.deepEqual([a1.firstName, a1.lastName, a1.quotaMb], ['Ana', 'García; López', 50]);
  assert.ok(srv.host.repo.findAccount('alumno2@aula.test'));
  assert.equal(srv.host.repo.findAccount('alumno3@aula.test'), undefined);
  assert.equal((await srv.host.api.accounts.list({ domain: 'aula.test' })).length, 4, 'the two of the lab and the two imported');
  // The account list reloaded: the new accounts, each a link to its own page.
  const link = await screen.findByRole('link', { name: 'alumno1@aula.test' });
  assert.equal(link.getAttribute('href'), `#/accounts/${a1.id}`);

  // The imported passwords work, and the refused duplicate did not change cuenta1's.
  const ok1 = await logOn('alumno1@aula.test', 'clave-alumno1');
  const ok2 = await logOn('alumno2@aula.test', 'clave-alumno2');
  for (const r of [ok1, ok2]) {
    assert.match(r.pop3, /^\+OK/);
    assert.match(r.imap, /^a1 OK/);
  }
  assert.match((await logOn('cuenta1@aula.test', 'secreto1')).pop3, /^\+OK/);
  const refused = await logOn('alumno3@aula.test', '123');
  assert.match(refused.pop3, /^-ERR/, 'the row the server refused has no account');
  assert.match(refused.imap, /^a1 NO/);
});

test('Import: a row for another domain is refused without being sent; a file (Windows-1252, as Excel saves it) fills the text; Cancel stops after the current row', async () => {
  await srv.call('domains', 'add', { name: 'otro.test' });
  renderPage(<DomainPage domainId={domainId} />);
  const zone = await screen.findByRole('group', { name: 'CSV file' });
  // The text in Windows-1252 (Ñ = D1, ñ = F1): not valid UTF-8.
  const text = 'address;password\r\nintruso@otro.test;clave-otra1\r\nÑoño;clave-nono1\r\n';
  const bytes = Uint8Array.from([...text].map((c) => ({ Ñ: 0xd1, ñ: 0xf1 })[c] ?? c.charCodeAt(0)));
  fireEvent.drop(zone, { dataTransfer: { files: [new File([bytes], 'clase.csv', { type: 'text/csv' })] } });
  await waitFor(() => assert.equal((screen.getByLabelText('Or paste the rows') as HTMLTextAreaElement).value, text));
  await screen.findByText(/Rows read: 2\. Rows that will not be sent \(another domain, no address\): 1;/);
  fireEvent.click(screen.getByRole('button', { name: 'Import accounts' }));
  await screen.findByText('Created: 1. Not created: 1.');
  await screen.findByText("Not an address of aula.test: import it from that domain's page.");
  assert.equal(srv.host.repo.findAccount('intruso@otro.test'), undefined, 'not sent (otro.test would have taken it)');
  assert.ok(srv.host.repo.findAccount('ñoño@aula.test'), 'the name arrived intact (stored in lower case)');

  // Cancel while the first row is being created: the others are not sent.
  type(screen.getByLabelText('Or paste the rows'), 'address,password\nc1,clave-c1xx\nc2,clave-c2xx\nc3,clave-c3xx\n');
  fireEvent.click(screen.getByRole('button', { name: 'Import accounts' }));
  fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
  await screen.findByText('Cancelled: the rows after the last one done were not imported.');
  assert.equal(screen.getByTestId('import-count').textContent, '1 of 3');
  assert.equal(screen.getAllByText('Not imported (cancelled).').length, 2);
  assert.ok(srv.host.repo.findAccount('c1@aula.test'), 'the row under way was finished');
  assert.equal(srv.host.repo.findAccount('c2@aula.test'), undefined);
});

test('Import: a text without the address and password columns, or with an unclosed quote, is refused before anything is sent', async () => {
  renderPage(<DomainPage domainId={domainId} />);
  const text = await screen.findByLabelText('Or paste the rows');
  screen.getByText(/and quotaMb \(0 = unlimited\)\./);
  type(text, 'ana,secreto-ana\nluis,secreto-luis\n');
  await fieldError(text, /address and password at least/);
  assert.equal((screen.getByRole('button', { name: 'Import accounts' }) as HTMLButtonElement).disabled, true);
  type(text, 'email,pass,notes\nana,"secreto\n');
  await fieldError(text, /Line 2: a quoted cell is never closed/);
  type(text, 'email,pass,notes\nana,secreto-ana,x\n');
  await screen.findByText(/Rows read: 1\. Columns not used: notes\./);

  // Without dragging: "Choose a file…" is a button (the keyboard reaches it) over the file picker.
  const zone = screen.getByRole('group', { name: 'CSV file' });
  within(zone).getByRole('button', { name: 'Choose a file…' });
  fireEvent.change(within(zone).getByLabelText('Choose a file…'), { target: { files: [new File(['address;password\nbea;secreto-bea\n'], 'otra.csv')] } });
  await waitFor(() => assert.equal((text as HTMLTextAreaElement).value, 'address;password\nbea;secreto-bea\n'));
  // A file too large for a class list is not read.
  fireEvent.change(within(zone).getByLabelText('Choose a file…'), { target: { files: [new File([new Uint8Array(3 * 1024 * 1024)], 'huge.csv')] } });
  await screen.findByText('The file is larger than 2 MB: split it.');
  assert.equal((text as HTMLTextAreaElement).value, 'address;password\nbea;secreto-bea\n', 'the text is left as it was');
});

test('Import: switching to another tab while rows are created does not stop it, and a limit typed there meanwhile stays', async (t) => {
  // With a max account size, a row without a quota gets it, as the help says.
  await srv.call('domains', 'update', { id: domainId, maxAccountSizeMb: 100 });
  t.after(() => srv.call('domains', 'update', { id: domainId, maxAccountSizeMb: 0 }));
  renderPage(<DomainPage domainId={domainId} />);
  const text = await screen.findByLabelText('Or paste the rows');
  screen.getByText(/and quotaMb \(0 = the domain's limit, 100 MB\)\./);
  const names = ['t1', 't2', 't3', 't4', 't5'];
  type(text, `address,password\n${names.map((n) => `${n},clave-${n}xx`).join('\n')}\n`);
  await screen.findByText(/Rows read: 5\./);
  fireEvent.click(screen.getByRole('button', { name: 'Import accounts' }));
  // At once, while the first row is being created: another tab, where a limit is typed (not saved).
  fireEvent.click(screen.getByRole('tab', { name: 'Limits' }));
  const aliases = (await screen.findByLabelText('Max number of aliases')) as HTMLInputElement;
  type(aliases, '77');
  // The import ends in the hidden Accounts tab; its reload of the domain leaves the typed limit alone.
  await waitFor(() => assert.equal(screen.getByTestId('import-count').textContent, '5 of 5'), { timeout: 10_000 });
  await screen.findByRole('link', { name: 't5@aula.test', hidden: true });
  assert.equal(aliases.value, '77');
  assert.equal(stored().maxAliases, 0, 'not saved');

  fireEvent.click(screen.getByRole('tab', { name: 'Accounts' }));
  await screen.findByText('Created: 5. Not created: 0.');
  for (const n of names) assert.equal(srv.host.repo.findAccount(`${n}@aula.test`)?.quotaMb, 100, `${n} created, with the domain's limit as its quota`);
});
