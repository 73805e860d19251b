// SSL certificates page against a real server: certificate files dropped on the page (PEM in
// separate files, or a PFX with its password) reach certificates.import and the list; the
// server's own error about a wrong PFX password is shown at the password; generation lists the new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labForFile, renderPage, type TestServer } from './dom';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { CertificatesPage } from '../../src-renderer/src/pages/CertificatesPage';
import { exportPfx, generateLocalCa, generateSelfSigned, generateSignedBy } from '../../src-main/security/tls/certificates';
import type { CertificateInfo } from '../../src-main/shared/model/entities';

let srv!: TestServer;
labForFile((s) => (srv = s));

const listed = async (name: string) => (await srv.call<CertificateInfo[]>('certificates', 'list')).find((c) => c.name === name);
const zone = () => screen.getByRole('group', { name: 'Certificate files' });

test('PEM files dropped together (certificate, chain, key): sorted by their BEGIN lines, imported, listed', async () => {
  const ca = generateLocalCa({ commonName: 'Aula CA' });
  const leaf = generateSignedBy(ca, { commonName: 'mail.aula.test', altNames: ['mail.aula.test'] });
  renderPage(<CertificatesPage />);
  await screen.findByRole('cell', { name: /Self-signed/ });

  // Dragging over shows the zone as ready; leaving it goes back.
  fireEvent.dragEnter(zone());
  assert.equal(zone().getAttribute('data-hover'), 'true');
  fireEvent.dragLeave(zone());
  assert.equal(zone().getAttribute('data-hover'), null);

  fireEvent.dragOver(zone());
  fireEvent.drop(zone(), {
    dataTransfer: {
      files: [new File([leaf.certPem], 'mail.crt'), new File([ca.certPem], 'aula-ca.pem'), new File([leaf.keyPem], 'mail.key')],
    },
  });
  const staged = await screen.findByTestId('staged-files');
  assert.equal(zone().getAttribute('data-hover'), null);
  within(staged).getByText('mail.key');
  assert.equal(within(staged).getAllByText('1 certificate').length, 2);
  within(staged).getByText('private key');
  within(staged).getByText('Chain: 1');
  assert.equal(screen.queryByLabelText('PFX password'), null, 'no password for plain PEM');
  const name = screen.getByLabelText('Certificate name', { selector: 'form[aria-label="Import"] input' }) as HTMLInputElement;
  assert.equal(name.value, 'mail', 'named after the first file');
  fireEvent.change(name, { target: { value: 'arrastrado' } });
  fireEvent.click(screen.getByRole('button', { name: 'Import' }));

  await screen.findByRole('cell', { name: 'arrastrado' });
  const c = await listed('arrastrado');
  assert.ok(c, 'stored');
  assert.ok(c.names.includes('mail.aula.test'));
  assert.equal(c.hasChain, true, 'the CA file went in as the chain');
  assert.equal(screen.queryByTestId('staged-files'), null, 'the dropped files are cleared after the import');
  cleanup();
});

test('a PFX asks for its password; a wrong one gets the server’s error; the right one imports it', async () => {
  const g = generateSelfSigned({ commonName: 'pfx.aula.test' });
  const pfx = exportPfx(g.certPem, g.keyPem, '', 'correcta');
  renderPage(<CertificatesPage />);
  await screen.findByRole('cell', { name: 'arrastrado' });
  fireEvent.drop(zone(), { dataTransfer: { files: [new File([new Uint8Array(pfx)], 'windows.pfx'), new File([g.certPem], 'extra.crt')] } });
  const staged = await screen.findByTestId('staged-files');
  within(staged).getByText('PFX/P12: certificate, chain and key');
  within(staged).getByText(/not used: the PFX file holds/);
  const password = screen.getByLabelText('PFX password');
  fireEvent.change(password, { target: { value: 'mala' } });
  fireEvent.click(screen.getByRole('button', { name: 'Import' }));
  await screen.findByText(/the password does not open the PKCS#12 file/);
  assert.equal(await listed('windows'), undefined);

  fireEvent.change(screen.getByLabelText('PFX password'), { target: { value: 'correcta' } });
  fireEvent.click(screen.getByRole('button', { name: 'Import' }));
  await screen.findByRole('cell', { name: 'windows' });
  assert.ok((await listed('windows'))?.names.includes('pfx.aula.test'));
  cleanup();
});

test('"Choose files…" does the same as a drop; a file without PEM blocks is named as unusable', async () => {
  renderPage(<CertificatesPage />);
  await screen.findByRole('cell', { name: 'windows' });
  fireEvent.change(screen.getByLabelText('Choose files…'), { target: { files: [new File(['just some notes'], 'notes.txt')] } });
  await screen.findByText(/no PEM certificate or key in it/);
  // Nothing usable: the import says why, next to the drop zone.
  fireEvent.click(screen.getByRole('button', { name: 'Import' }));
  await screen.findByText('drop or choose the PEM or PFX files first');
  cleanup();
});

test('Generate: a progress indicator while the key is made, then the certificate is listed', async () => {
  renderPage(<CertificatesPage />);
  await screen.findByRole('cell', { name: 'windows' });
  const form = screen.getByRole('form', { name: 'Generate' });
  fireEvent.change(within(form).getByLabelText('Certificate name'), { target: { value: 'generado' } });
  fireEvent.change(within(form).getByLabelText('Host name'), { target: { value: 'gen.aula.test' } });
  fireEvent.click(within(form).getByRole('button', { name: 'Generate certificate' }));
  within(form).getByText('Generating the key pair: this takes a few seconds…');
  within(form).getByRole('progressbar');
  await screen.findByRole('cell', { name: 'generado' });
  assert.equal(screen.queryByText(/Generating the key pair/), null);
  await waitFor(() => assert.equal(screen.queryByRole('progressbar'), null));
  assert.ok((await listed('generado'))?.names.includes('gen.aula.test'));
  cleanup();
});
