// A change made by another process on the same data folder (the `buzon` command while the app
// runs) reaches an open page: the server notices it and says so as config.changed 'external',
// which every page that lists configuration reloads on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labForFile, renderPage, type TestServer } from './dom';
import { cleanup, screen } from '@testing-library/react';
import { buzonOk } from '../helpers/buzon-process';
import { IpRangesPage } from '../../src-renderer/src/pages/IpRangesPage';

let srv!: TestServer;
labForFile((s) => (srv = s), { watchMs: 100 });

test('an IP range added with the CLI shows up on the open IP ranges page', async () => {
  renderPage(<IpRangesPage />);
  await screen.findByText('Internet');
  assert.equal(screen.queryByText('Aula 3'), null);
  await buzonOk(srv.dir, ['ip-range', 'add', 'Aula 3', '10.3.0.1', '10.3.0.254']);
  await screen.findByText('Aula 3', undefined, { timeout: 10_000 });
  cleanup();
});
