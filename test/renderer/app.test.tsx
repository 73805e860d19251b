// The shell: the Welcome page's "Add domain" leads to the domains, the tree follows the URL's
// hash, the header stops and starts the real server, and the theme button switches (and keeps)
// light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labForFile, renderPage, type TestServer } from './dom';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { App } from '../../src-renderer/src/App';

let srv!: TestServer;
labForFile((s) => (srv = s));

test('Welcome → Add domain opens the domains; a tree link opens its page', async () => {
  window.location.hash = '#/welcome';
  renderPage(<App />);
  await screen.findByRole('heading', { name: 'Welcome to Buzón' });
  fireEvent.click(screen.getByRole('button', { name: 'Add domain' }));
  await waitFor(() => assert.equal(window.location.hash, '#/domains'));
  await screen.findByRole('heading', { name: 'Domains' });
  // The lab domain is in the tree under Domains, and opens its page.
  const nav = screen.getByRole('navigation');
  fireEvent.click(await waitFor(() => {
    const link = [...nav.querySelectorAll('a')].find((a) => a.textContent === 'aula.test');
    assert.ok(link, 'aula.test in the tree');
    return link;
  }));
  await screen.findByRole('heading', { name: 'aula.test' });
  cleanup();
});

test('the header stops and starts the server', async () => {
  window.location.hash = '#/status';
  renderPage(<App />);
  fireEvent.click(await screen.findByRole('button', { name: 'Stop server' }));
  await screen.findByRole('button', { name: 'Start server' });
  assert.equal(srv.host.status().running, false);
  assert.ok(srv.host.status().listeners.every((l) => l.state !== 'listening'), 'no listener left');
  fireEvent.click(screen.getByRole('button', { name: 'Start server' }));
  await screen.findByRole('button', { name: 'Stop server' });
  assert.equal(srv.host.status().running, true);
  cleanup();
});

test('the theme button switches to dark and back, and the choice is kept', async () => {
  renderPage(<App />);
  fireEvent.click(await screen.findByRole('button', { name: 'Dark theme' }));
  await waitFor(() => assert.equal(document.documentElement.getAttribute('data-mantine-color-scheme'), 'dark'));
  assert.equal(localStorage.getItem('mantine-color-scheme-value'), 'dark');
  fireEvent.click(screen.getByRole('button', { name: 'Light theme' }));
  await waitFor(() => assert.equal(document.documentElement.getAttribute('data-mantine-color-scheme'), 'light'));
  assert.equal(localStorage.getItem('mantine-color-scheme-value'), 'light');
  cleanup();
});
