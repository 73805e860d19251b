// The settings pages with Testing Library, in happy-dom, against a real server through the API
// bridge the desktop app has: a person changes a setting and saves, and the test looks at what the
// server stored and, where it is cheap, at what the running server does with it (a listener moved
// or stopped, a greeting changed). Each test has its own server: several stop or move listeners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { withApi, renderPage, type TestServer } from './dom';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { LineClient } from '../helpers/line-client';
import type { Settings } from '../../src-main/shared/model/settings';
import type { BannedIp, QueueItem, Route } from '../../src-main/shared/model/entities';
import type { Resolver } from '../../src-main/delivery/remote';
import { PortsPage } from '../../src-renderer/src/pages/PortsPage';
import { AutobanPage } from '../../src-renderer/src/pages/AutobanPage';
import { IpRangesPage } from '../../src-renderer/src/pages/IpRangesPage';
import { ProtocolsPage } from '../../src-renderer/src/pages/ProtocolsPage';
import { LoggingPage } from '../../src-renderer/src/pages/LoggingPage';
import { ServerMessagesPage } from '../../src-renderer/src/pages/ServerMessagesPage';
import { TlsPage } from '../../src-renderer/src/pages/TlsPage';
import { ClientSetupPage } from '../../src-renderer/src/pages/ClientSetupPage';
import { QueuePage } from '../../src-renderer/src/pages/QueuePage';
import { RoutesPage } from '../../src-renderer/src/pages/RoutesPage';
import { SmtpPage } from '../../src-renderer/src/pages/SmtpPage';


/** A fresh lab server behind `window.api` for one test; the page is unmounted before it closes. */
async function withLab(fn: (srv: TestServer) => Promise<void>): Promise<void> {
  const srv = await withApi();
  try {
    await fn(srv);
  } finally {
    cleanup();
    await srv.close();
  }
}

/** The settings as the admin API gives them (secrets masked). */
const stored = (srv: TestServer): Promise<Settings> => srv.call<Settings>('settings', 'get');

/** The table row that shows every one of `texts` (each a whole cell). Rows by tag: role queries are slow in happy-dom. */
function rowWith(...texts: string[]): HTMLTableRowElement {
  const row = [...document.querySelectorAll<HTMLTableRowElement>('tbody tr')].find((r) => {
    const cells = [...r.cells].map((c) => c.textContent);
    return texts.every((t) => cells.includes(t));
  });
  assert.ok(row, `a row with ${texts.join(', ')}`);
  return row;
}

/** The text of `row`'s cell under the column headed `header`. */
function cellOf(row: HTMLTableRowElement, header: string): string {
  const headers = [...(row.closest('table')?.querySelectorAll('thead th') ?? [])].map((th) => th.textContent);
  return row.cells[headers.indexOf(header)]?.textContent ?? '';
}

/** The error Mantine shows under an input: the element its aria-describedby names "…-error". */
function errorOf(input: HTMLElement): string {
  const ids = (input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((id) => id.endsWith('-error'));
  return ids.map((id) => document.getElementById(id)?.textContent ?? '').join('');
}

/** Types into an input as a change event (TextInput, NumberInput, Textarea). */
function type(label: string | RegExp, value: string): void {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

/**
 * Picks `option` in the Mantine Select labelled `label`. The dropdown opens (aria-expanded) but
 * stays display:none in happy-dom (its transition never runs), hence `hidden: true`.
 */
async function choose(label: string, option: string): Promise<void> {
  const select = screen.getByRole('combobox', { name: label });
  fireEvent.click(select);
  await waitFor(() => assert.equal(select.getAttribute('aria-expanded'), 'true'));
  fireEvent.click(screen.getByRole('option', { name: option, hidden: true }));
  await waitFor(() => assert.equal((select as HTMLInputElement).value, option));
}

/** Clicks `button` in the dialog named `dialog` (a confirmation, an editor). */
async function inDialog(dialog: string | RegExp, button: string): Promise<void> {
  fireEvent.click(within(await screen.findByRole('dialog', { name: dialog })).getByRole('button', { name: button }));
}

/** Clicks Save and waits for the page's "Saved". */
async function save(): Promise<void> {
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  await screen.findByText('Saved');
}

/**
 * The settings form shows what is stored: Save is enabled and the input labelled `label` shows
 * `value` (a box: whether it is ticked). Typing earlier would be overwritten when the values land.
 */
async function loaded(label: string, value: string | boolean): Promise<void> {
  await waitFor(() => {
    assert.equal(screen.getByText('Save').closest('button')?.disabled, false);
    const input = screen.getByLabelText(label) as HTMLInputElement;
    assert.equal(typeof value === 'boolean' ? input.checked : input.value, value);
  });
}

test('TCP/IP ports: a new port number and a disabled port reach the listeners; a bad number is shown on its field; Restore defaults', async () => {
  await withLab(async (srv) => {
    renderPage(<PortsPage />);
    fireEvent.click(within(await waitFor(() => rowWith('POP3', '110'))).getByRole('button', { name: 'Edit' }));
    await screen.findByRole('dialog', { name: 'POP3 on 0.0.0.0:110' });
    type('Port', '70000');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => assert.match(errorOf(screen.getByLabelText('Port')), /65535/));
    assert.ok(srv.host.boundPort('pop3', 110), 'nothing changed');

    type('Port', '1110');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Saved');
    await waitFor(() => assert.equal(screen.queryByRole('dialog'), null));
    assert.ok(srv.host.repo.listPorts().some((p) => p.protocol === 'pop3' && p.port === 1110));
    // The running server moved the listener: its state and bound port are on the row.
    await waitFor(() => assert.ok(srv.host.boundPort('pop3', 1110)));
    assert.equal(srv.host.boundPort('pop3', 110), undefined);
    await waitFor(() => {
      const row = rowWith('POP3', '1110');
      assert.equal(cellOf(row, 'State'), 'listening');
      assert.equal(cellOf(row, 'Bound port'), String(srv.host.boundPort('pop3', 1110)));
    });

    fireEvent.click(within(rowWith('POP3', '1110')).getByRole('button', { name: 'Edit' }));
    fireEvent.click(within(await screen.findByRole('dialog', { name: 'POP3 on 0.0.0.0:1110' })).getByLabelText('Enabled'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => assert.equal(cellOf(rowWith('POP3', '1110'), 'State'), 'disabled'));
    const pop3 = srv.host.status().listeners.find((l) => l.protocol === 'pop3' && l.port === 1110);
    assert.equal(pop3?.state, 'disabled');
    assert.equal(pop3?.boundPort, null);

    fireEvent.click(screen.getByRole('button', { name: 'Restore defaults' }));
    await inDialog('Restore the default ports', 'Restore defaults');
    await waitFor(() => assert.equal(cellOf(rowWith('POP3', '110'), 'State'), 'listening'));
    assert.ok(srv.host.boundPort('pop3', 110));
    assert.deepEqual(
      srv.host.repo.listPorts().map((p) => `${p.protocol} ${p.port} ${p.enabled}`).sort(),
      ['imap 143 true', 'imap 993 false', 'pop3 110 true', 'pop3 995 false', 'smtp 25 true', 'smtp 465 false', 'smtp 587 true'],
    );
  });
});

/** The first line a new POP3 connection gets (the greeting, or the refusal of a banned address). */
async function pop3Greeting(srv: TestServer): Promise<string> {
  const c = await LineClient.open(srv.pop3Port);
  try {
    return await c.line();
  } finally {
    c.close();
  }
}

test('Auto-ban: the settings are stored and applied: failed POP3 logons ban the address, shown live; Unban lets it in again', async () => {
  await withLab(async (srv) => {
    renderPage(<AutobanPage />);
    await screen.findByText(/No IP address is banned/);
    await loaded('Max invalid logon attempts', '3');
    type('Max invalid logon attempts', '2');
    type('Minutes to auto-ban', '15');
    type('Never ban these addresses', '192.168.1.10, 10.0.0.0/8');
    await save();
    const s = await stored(srv);
    assert.equal(s['autoban.maxAttempts'], 2);
    assert.equal(s['autoban.banMinutes'], 15);
    assert.equal(s['autoban.exempt'], '192.168.1.10, 10.0.0.0/8');

    // Two wrong passwords (the new limit) from 127.0.0.1.
    const c = await LineClient.open(srv.pop3Port);
    try {
      assert.match(await c.line(), /^\+OK/);
      for (let i = 0; i < 2; i++) {
        c.send('USER cuenta1@aula.test');
        assert.match(await c.line(), /^\+OK/);
        c.send(`PASS mala-${i}`);
        assert.match(await c.line(), /^-ERR/);
      }
    } finally {
      c.close();
    }
    const row = await waitFor(() => rowWith('127.0.0.1', 'Auto-ban: cuenta1@aula.test'));
    assert.match(await pop3Greeting(srv), /^-ERR .*too many failed logons/);

    fireEvent.click(within(row).getByRole('button', { name: 'Unban' }));
    await screen.findByText(/No IP address is banned/);
    assert.deepEqual(await srv.call<BannedIp[]>('autoban', 'list'), []);
    assert.match(await pop3Greeting(srv), /^\+OK/);
  });
});

test('IP ranges: a new range with its delivery matrix is stored; a bad IP is shown on its field; a box toggled later is stored; Remove asks first', async () => {
  await withLab(async (srv) => {
    renderPage(<IpRangesPage />);
    await screen.findByText('My computer');
    fireEvent.click(screen.getByRole('button', { name: 'Add IP range' }));
    await screen.findByText('New IP range');
    type('Name', 'Aula 2');
    type('Lower IP', '10.0.2.0');
    type('Upper IP', '10.0.2.300');
    fireEvent.click(screen.getByLabelText('Allow deliveries from: External to external'));
    fireEvent.click(screen.getByLabelText('Require SMTP authentication: Local to local'));
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => assert.equal(errorOf(screen.getByLabelText('Upper IP')), 'not an IP address'));
    assert.ok(!srv.host.repo.listIpRanges().some((r) => r.name === 'Aula 2'), 'not stored');

    type('Upper IP', '10.0.2.255');
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await screen.findByText('IP range Aula 2');
    rowWith('Aula 2', '10.0.2.0 – 10.0.2.255');
    const range = srv.host.repo.listIpRanges().find((r) => r.name === 'Aula 2');
    assert.ok(range);
    assert.equal(range.allowExternalToExternal, false);
    assert.equal(range.authLocalToLocal, false);
    assert.equal(range.allowLocalToExternal, true);
    assert.equal(range.authExternalToLocal, false, 'the default of a new range');

    fireEvent.click(screen.getByLabelText('Require SMTP authentication: External to local'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Saved');
    assert.equal(srv.host.repo.getIpRange(range.id).authExternalToLocal, true);

    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    await inDialog('Remove IP range', 'Remove');
    await screen.findByText('Removed');
    assert.equal(screen.queryByText('Aula 2'), null);
    assert.ok(!srv.host.repo.listIpRanges().some((r) => r.name === 'Aula 2'));
  });
});

test('POP3 and IMAP: greetings, limits and the delimiter are stored and the POP3 greeting changes; POP3 switched off stops listening', async () => {
  await withLab(async (srv) => {
    renderPage(<ProtocolsPage />);
    await loaded('Enable POP3', true);
    type('POP3 welcome message', 'Bienvenido al POP3 del aula');
    type('Max simultaneous IMAP connections (0 for unlimited)', '40');
    await choose('Hierarchy delimiter', '. (dot)');
    await save();
    const s = await stored(srv);
    assert.equal(s['pop3.welcomeMessage'], 'Bienvenido al POP3 del aula');
    assert.equal(s['imap.maxConnections'], 40);
    assert.equal(s['imap.hierarchyDelimiter'], '.');
    assert.match(await pop3Greeting(srv), /^\+OK .*Bienvenido al POP3 del aula/);

    fireEvent.click(screen.getByLabelText('Enable POP3'));
    await save();
    assert.equal((await stored(srv))['protocols.pop3'], false);
    await waitFor(() => assert.equal(srv.host.boundPort('pop3', 110), undefined));
    assert.ok(srv.host.boundPort('imap', 143), 'IMAP goes on');
  });
});

test('Logging: the switches and the days are stored, Debug reaches the logger; with logging off the kinds are greyed; a bad number is shown on its field', async () => {
  await withLab(async (srv) => {
    renderPage(<LoggingPage />);
    await loaded('Keep log files for (days)', '30');
    fireEvent.click(screen.getByLabelText('Debug'));
    fireEvent.click(screen.getByLabelText('TCP/IP'));
    type('Keep log files for (days)', '0');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => assert.notEqual(errorOf(screen.getByLabelText('Keep log files for (days)')), ''));
    assert.equal((await stored(srv))['logging.debug'], false, 'nothing stored from a form with an error');

    type('Keep log files for (days)', '14');
    await save();
    const s = await stored(srv);
    assert.equal(s['logging.debug'], true);
    assert.equal(s['logging.tcpip'], true);
    assert.equal(s['logging.keepDays'], 14);
    assert.equal(srv.host.logger.level, 'debug');

    fireEvent.click(screen.getByLabelText('Enabled'));
    assert.equal((screen.getByLabelText('SMTP') as HTMLInputElement).disabled, true);
    assert.equal((screen.getByLabelText('Keep log files for (days)') as HTMLInputElement).disabled, true);
    await save();
    assert.equal((await stored(srv))['logging.enabled'], false);
  });
});

test('Server messages: the undeliverable report text is stored, and "Use the built-in text" empties it again', async () => {
  await withLab(async (srv) => {
    await srv.call('settings', 'update', { 'messages.undeliverable.subject': 'Sin entregar' });
    renderPage(<ServerMessagesPage />);
    await loaded('Subject', 'Sin entregar');
    type('Subject', 'No se pudo entregar: %MACRO_SUBJECT%');
    type('Body', 'Hola.\nEstos destinatarios fallaron:\n%MACRO_RECIPIENTS%');
    await save();
    let s = await stored(srv);
    assert.equal(s['messages.undeliverable.subject'], 'No se pudo entregar: %MACRO_SUBJECT%');
    assert.equal(s['messages.undeliverable.body'], 'Hola.\nEstos destinatarios fallaron:\n%MACRO_RECIPIENTS%');

    type('Subject', 'x'.repeat(201));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => assert.notEqual(errorOf(screen.getByLabelText('Subject')), ''));

    fireEvent.click(screen.getByRole('button', { name: 'Use the built-in text' }));
    assert.equal((screen.getByLabelText('Subject') as HTMLInputElement).value, '');
    assert.equal((screen.getByLabelText('Body') as HTMLTextAreaElement).value, '');
    await save();
    s = await stored(srv);
    assert.equal(s['messages.undeliverable.subject'], '');
    assert.equal(s['messages.undeliverable.body'], '');
  });
});

test('SSL/TLS: the version, ciphers and connection limits are stored; a greeting delay over 30 is shown on its field', async () => {
  await withLab(async (srv) => {
    renderPage(<TlsPage />);
    await loaded("Prefer the server's cipher order", true);
    await choose('Minimum TLS version', 'TLS 1.3');
    type('Ciphers (TLS 1.2)', 'ECDHE-RSA-AES256-GCM-SHA384');
    fireEvent.click(screen.getByLabelText("Prefer the server's cipher order"));
    type('Max connections from one IP address (0 for unlimited)', '60');
    type('Greeting delay (seconds)', '31');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => assert.notEqual(errorOf(screen.getByLabelText('Greeting delay (seconds)')), ''));
    assert.equal((await stored(srv))['tls.minVersion'], 'TLSv1.2', 'nothing stored');

    type('Greeting delay (seconds)', '2');
    await save();
    const s = await stored(srv);
    assert.equal(s['tls.minVersion'], 'TLSv1.3');
    assert.equal(s['tls.ciphers'], 'ECDHE-RSA-AES256-GCM-SHA384');
    assert.equal(s['security.maxConnectionsPerIp'], 60);
    assert.equal(s['smtp.greetingDelaySeconds'], 2);
    assert.equal(s['tls.preferServerCiphers'], false);
  });
});

test('Client setup: for an account, the server name, ports and security Thunderbird needs, as the listeners really are, and the autoconfig file', async () => {
  await withLab(async (srv) => {
    renderPage(<ClientSetupPage />);
    await choose('Account', 'cuenta2@aula.test');
    const hostName = srv.host.status().hostName;
    // What a card's table says, label → value.
    const card = async (name: string) =>
      Object.fromEntries(within(await screen.findByRole('table', { name })).getAllByRole('row').map((r) => [within(r).getByRole('rowheader').textContent, within(r).getByRole('cell').textContent]));
    const common = { Server: hostName, 'Connection security': 'STARTTLS', 'Authentication method': 'Normal password', 'User name': 'cuenta2@aula.test' };
    assert.deepEqual(await card('Incoming mail (IMAP)'), { ...common, Port: String(srv.imapPort) });
    assert.deepEqual(await card('Incoming mail (POP3)'), { ...common, Port: String(srv.pop3Port) });
    // Submission (587) before 25.
    assert.deepEqual(await card('Outgoing mail (SMTP)'), { ...common, Port: String(srv.submissionPort) });

    type('Server name', 'mail.aula.test');
    await waitFor(async () => assert.equal((await card('Incoming mail (IMAP)')).Server, 'mail.aula.test'));

    // The download: a link to a Blob, clicked; the file is read back from the Blob.
    const blobs: Blob[] = [];
    const names: string[] = [];
    const { createObjectURL } = URL;
    const { click } = HTMLAnchorElement.prototype;
    URL.createObjectURL = (b: Blob) => {
      blobs.push(b);
      return 'blob:http://127.0.0.1/autoconfig';
    };
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      names.push(this.download);
    };
    try {
      fireEvent.click(screen.getByRole('button', { name: 'Download Thunderbird autoconfig' }));
    } finally {
      URL.createObjectURL = createObjectURL;
      HTMLAnchorElement.prototype.click = click;
    }
    assert.deepEqual(names, ['config-v1.1.xml']);
    assert.equal(blobs.length, 1);
    const xml = await blobs[0]!.text();
    assert.match(xml, /<domain>aula\.test<\/domain>/);
    assert.match(xml, new RegExp(`<incomingServer type="imap">\\s*<hostname>mail\\.aula\\.test</hostname>\\s*<port>${srv.imapPort}</port>\\s*<socketType>STARTTLS</socketType>`));
    assert.match(xml, new RegExp(`<outgoingServer type="smtp">\\s*<hostname>mail\\.aula\\.test</hostname>\\s*<port>${srv.submissionPort}</port>`));

    // No IMAP port enabled: the page says so instead of a port that does not answer.
    const imap = srv.host.repo.listPorts().find((p) => p.protocol === 'imap' && p.port === 143)!;
    await srv.call('ports', 'update', { id: imap.id, enabled: false });
    await screen.findByText('No IMAP port is enabled: enable one under TCP/IP ports.');
  });
});

// ---- delivery: queue, routes, SMTP ----------------------------------------------------------------------

/** DNS that always fails for a while: mail for other domains is deferred and stays queued (nothing leaves). */
const failingDns: Resolver = {
  resolveMx: async (d) => Promise.reject(Object.assign(new Error(`queryMx ESERVFAIL ${d}`), { code: 'ESERVFAIL' })),
  resolve4: async (h) => Promise.reject(Object.assign(new Error(`queryA ESERVFAIL ${h}`), { code: 'ESERVFAIL' })),
  resolve6: async (h) => Promise.reject(Object.assign(new Error(`queryAaaa ESERVFAIL ${h}`), { code: 'ESERVFAIL' })),
};

/**
 * Like withApi(), with outbound delivery on (over `failingDns`), so the queue has messages that
 * were tried and wait for their next try, and the page gets its queue.changed events.
 */
async function withOutboundLab(fn: (srv: TestServer) => Promise<void>): Promise<void> {
  const srv = await withApi({ outbound: true, resolver: failingDns });
  try {
    await fn(srv);
  } finally {
    cleanup();
    await srv.close();
  }
}

/** The message files waiting in the queue folder. */
const queueFiles = (srv: TestServer): string[] => {
  const dir = join(srv.dir, 'queue');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
};

/** cuenta1 sends a message to `to` through the server's port 25 (loopback may relay). */
async function sendMail(srv: TestServer, to: string, subject: string): Promise<void> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
  await t.sendMail({ from: 'cuenta1@aula.test', to, subject, text: 'Hola.\r\n' });
}

test('Delivery queue: a deferred message shows up live with its error; Show, Send now, Remove (asked first); Clear empties the queue', async () => {
  await withOutboundLab(async (srv) => {
    renderPage(<QueuePage />);
    await screen.findByText(/The queue is empty/);
    await sendMail(srv, 'alguien@remoto.example', 'Para el otro centro');
    await waitFor(() => assert.match(cellOf(rowWith('cuenta1@aula.test', 'alguien@remoto.example'), 'Last error'), /4\.4\.3 DNS lookup of MX for remoto\.example failed/));
    assert.equal(cellOf(rowWith('alguien@remoto.example'), 'Attempts'), '1');
    const [item] = await srv.call<QueueItem[]>('queue', 'list');
    assert.ok(item);
    assert.equal(queueFiles(srv).length, 1);

    fireEvent.click(within(rowWith('alguien@remoto.example')).getByRole('button', { name: 'Show' }));
    const shown = await screen.findByRole('dialog', { name: `Message ${item.id}` });
    await within(shown).findByText(/Why it is queued: sent by a user of this server to another server/);
    within(shown).getByText('deferred');
    assert.match(within(shown).getByText(/Subject:/).textContent ?? '', /Subject: Para el otro centro/);
    fireEvent.click(within(shown).getByRole('button', { name: 'Close' }));

    // Send now: due at once, the engine tries again (and fails again): two attempts.
    fireEvent.click(within(rowWith('alguien@remoto.example')).getByRole('button', { name: 'Send now' }));
    await screen.findByText('Being sent now');
    await waitFor(() => assert.equal(cellOf(rowWith('alguien@remoto.example'), 'Attempts'), '2'));
    assert.equal((await srv.call<QueueItem[]>('queue', 'list'))[0]?.attempts, 2);

    fireEvent.click(within(rowWith('alguien@remoto.example')).getByRole('button', { name: 'Remove' }));
    await inDialog('Remove the message', 'Remove');
    await screen.findByText(/The queue is empty/);
    assert.deepEqual(await srv.call<QueueItem[]>('queue', 'list'), []);
    assert.deepEqual(queueFiles(srv), [], 'its file too');

    await sendMail(srv, 'uno@remoto.example', 'Uno');
    await sendMail(srv, 'dos@remoto.example', 'Dos');
    const attempts = () => ['uno@remoto.example', 'dos@remoto.example'].map((to) => cellOf(rowWith(to), 'Attempts'));
    await waitFor(() => assert.deepEqual(attempts(), ['1', '1']));
    fireEvent.click(screen.getByRole('button', { name: 'Flush' }));
    await screen.findByText('2 messages are being sent now');
    await waitFor(() => assert.deepEqual(attempts(), ['2', '2']));
    fireEvent.click(screen.getByRole('button', { name: 'Clear queue' }));
    await inDialog('Clear the delivery queue', 'Clear queue');
    await screen.findByText('2 messages removed');
    await screen.findByText(/The queue is empty/);
    assert.deepEqual(await srv.call<QueueItem[]>('queue', 'list'), []);
    assert.deepEqual(queueFiles(srv), []);
  });
});

test('Routes: a route with AUTH is added and its password never shown; a bad host is shown on its field; an edit keeps the password; Remove asks first', async () => {
  await withLab(async (srv) => {
    renderPage(<RoutesPage />);
    await screen.findByText(/No routes/);
    fireEvent.click(screen.getByRole('button', { name: 'Add route' }));
    await screen.findByRole('dialog', { name: 'New route' });
    type('Domain', 'aula2.test');
    type('Description', 'El aula de al lado');
    type('Remote host name', 'no es un host');
    type('Remote TCP/IP port', '2525');
    fireEvent.click(screen.getByLabelText('Server requires authentication'));
    type('User name', 'aula1');
    type('Password', 'clave-de-la-ruta');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => assert.equal(errorOf(screen.getByLabelText('Remote host name')), 'not a host name or IP address'));
    assert.deepEqual(await srv.call<Route[]>('routes', 'list'), [], 'not stored');

    type('Remote host name', '10.0.0.2');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Saved');
    rowWith('aula2.test', 'El aula de al lado', '10.0.0.2:2525', 'none', 'All addresses');
    assert.ok(!document.body.textContent?.includes('clave-de-la-ruta'), 'the password is not on the page');
    const [route] = await srv.call<Route[]>('routes', 'list');
    assert.ok(route);
    assert.deepEqual([route.requiresAuth, route.username, route.hasPassword], [true, 'aula1', true]);
    assert.ok(!JSON.stringify(route).includes('clave-de-la-ruta'), 'nor in what the API lists');

    // An edit without typing a password keeps the stored one.
    fireEvent.click(within(rowWith('aula2.test')).getByRole('button', { name: 'Edit' }));
    await screen.findByRole('dialog', { name: 'Route for aula2.test' });
    screen.getByText('Leave empty to keep the stored password.');
    assert.equal((screen.getByLabelText('Password') as HTMLInputElement).value, '');
    type('Remote TCP/IP port', '2526');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => rowWith('aula2.test', '10.0.0.2:2526'));
    assert.equal((await srv.call<Route[]>('routes', 'list'))[0]?.hasPassword, true);

    fireEvent.click(within(rowWith('aula2.test')).getByRole('button', { name: 'Remove' }));
    await inDialog('Remove route', 'Remove');
    await screen.findByText(/No routes/);
    assert.deepEqual(await srv.call<Route[]>('routes', 'list'), []);
  });
});

test('SMTP: a bad host name is shown on its field; the settings are stored, the greeting changes, and the smart host test logs on with the saved password', async () => {
  // A smart host on 127.0.0.1 that wants AUTH (in clear: a lab peer) and keeps what it gets.
  const got: { user?: string | null; pass?: string | null; rcpt?: string } = {};
  const relay = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _s, cb) {
      got.user = auth.username;
      got.pass = auth.password;
      cb(null, { user: auth.username });
    },
    onRcptTo(a, _s, cb) {
      got.rcpt = a.address;
      cb();
    },
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => cb());
    },
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const relayPort = (relay.server.address() as { port: number }).port;
  try {
    await withLab(async (srv) => {
      renderPage(<SmtpPage />);
      await loaded('Max number of recipients', '100');
      type('Local host name', 'no es un host');
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
      await waitFor(() => assert.notEqual(errorOf(screen.getByLabelText('Local host name')), ''));
      assert.equal((await stored(srv))['smtp.heloName'], '', 'nothing stored');

      type('Local host name', 'mx.aula.test');
      type('Welcome message', 'Bienvenido al SMTP del aula');
      type('Max number of recipients', '50');
      type('Remote host name', '127.0.0.1');
      type('Remote TCP/IP port', String(relayPort));
      fireEvent.click(screen.getByLabelText('Server requires authentication'));
      type('User name', 'aula1');
      type('Password', 'clave-del-relay');
      await save();
      const s = await stored(srv);
      assert.deepEqual(
        [s['smtp.heloName'], s['smtp.welcomeMessage'], s['smtp.maxRecipients'], s['smtp.relayer.host'], s['smtp.relayer.port'], s['smtp.relayer.requiresAuth'], s['smtp.relayer.username']],
        ['mx.aula.test', 'Bienvenido al SMTP del aula', 50, '127.0.0.1', relayPort, true, 'aula1'],
      );
      assert.equal(s['smtp.relayer.password'], '********', 'the API shows the password masked');
      await waitFor(() => assert.equal((screen.getByLabelText('Password') as HTMLInputElement).value, '********'));
      // The SMTP listener restarts with the new greeting (on a new ephemeral port).
      await waitFor(async () => {
        const c = await LineClient.open(srv.host.boundPort('smtp', 25)!);
        try {
          assert.match(await c.line(), /^220 .*Bienvenido al SMTP del aula/);
        } finally {
          c.close();
        }
      });

      type('Test recipient', 'no-es-una-direccion');
      fireEvent.click(screen.getByRole('button', { name: 'Test' }));
      await waitFor(() => assert.equal(errorOf(screen.getByLabelText('Test recipient')), 'an e-mail address'));
      type('Test recipient', 'alguien@fuera.example');
      fireEvent.click(screen.getByRole('button', { name: 'Test' }));
      await screen.findByText('The smart host accepted the message.');
      assert.deepEqual(got, { user: 'aula1', pass: 'clave-del-relay', rcpt: 'alguien@fuera.example' });
    });
  } finally {
    await new Promise<void>((r) => relay.close(() => r()));
  }
});
