// Utilities › Lab presets against a real server: Apply on a card stores the preset's values and
// the card says since when it is applied; a preset that conflicts shows the server's reason;
// Revert asks first, then puts every value back as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labForFile, renderPage, type TestServer } from './dom';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { LabPresetsPage } from '../../src-renderer/src/pages/LabPresetsPage';

let srv!: TestServer;
labForFile((s) => (srv = s));

/** The configuration the presets touch, as stored. */
function stored(): unknown {
  const db = srv.host.db;
  return [db.prepare('SELECT key, value FROM settings ORDER BY key').all(), db.prepare('SELECT * FROM tcpip_ports ORDER BY id').all(), db.prepare('SELECT * FROM ip_ranges ORDER BY id').all()];
}

test('Lab presets: apply telnet-lab from its card, see it applied, a conflicting one refused with the reason, then revert it after confirming', async () => {
  const initial = stored();
  renderPage(<LabPresetsPage />);
  const card = await screen.findByRole('region', { name: 'Telnet lab' });
  within(card).getByText('Not applied');
  within(card).getByText(/never an open relay/);
  assert.equal(screen.getAllByRole('region').length, 3, 'one card per preset');

  fireEvent.click(within(card).getByRole('button', { name: 'Apply' }));
  await within(card).findByText(/^Applied since /);
  await screen.findByText('"Telnet lab" applied');
  assert.equal(srv.host.repo.getSettings()['autoban.enabled'], false, 'stored');
  const ranges = srv.host.repo.listIpRanges();
  assert.deepEqual(
    ranges.map((r) => [r.name, r.requireTlsForAuth]),
    [
      ['My computer', false],
      ['Classroom 10.0.0.0/8', false],
      ['Classroom 172.16.0.0/12', false],
      ['Classroom 192.168.0.0/16', false],
      ['Internet', true],
    ],
    'logons in clear from this computer and the classroom networks, not from the Internet range',
  );

  const starttls = screen.getByRole('region', { name: 'STARTTLS required' });
  fireEvent.click(within(starttls).getByRole('button', { name: 'Apply' }));
  const alert = await screen.findByRole('alert');
  assert.match(alert.textContent ?? '', /revert "telnet-lab" first/);
  within(starttls).getByText('Not applied');

  fireEvent.click(within(card).getByRole('button', { name: 'Revert' }));
  const dialog = await screen.findByRole('dialog');
  fireEvent.click(within(dialog).getByRole('button', { name: 'Revert' }));
  await within(card).findByText('Not applied');
  await screen.findByText('"Telnet lab" reverted');
  await waitFor(() => assert.equal(within(card).queryByText(/^Applied since /), null));
  assert.equal(srv.host.repo.getSettings()['autoban.enabled'], true, 'restored');
  assert.deepEqual(stored(), initial, 'as before, byte for byte');
  cleanup();
});
