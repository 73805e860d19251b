// The web admin's log-on page with Testing Library, against the real web admin over HTTP on
// 127.0.0.1: happy-dom's fetch (with its cookie jar) is the browser, its location the web admin's
// address, so webLogin() posts to /api/login as the built renderer does. No `window.api` here:
// that is the desktop app's bridge.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPage } from './dom';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { startServer, type TestServer } from '../helpers/start-server';
import { tempDir } from '../helpers/temp-dir';
import { createWebAdmin, type WebAdmin } from '../../src-main/web/web-admin';
import { Login } from '../../src-renderer/src/Login';
import { call, webSession } from '../../src-renderer/src/api';

let srv: TestServer;
let web: WebAdmin;
const staticDir = tempDir();
before(async () => {
  srv = await startServer();
  await srv.call('admin', 'setPassword', { password: 'clave-admin-1' });
  web = createWebAdmin(srv.host, { address: '127.0.0.1', port: 0, staticDir: staticDir.path });
  const port = await web.listen();
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`http://127.0.0.1:${port}/`);
});
after(async () => {
  cleanup();
  await web.close();
  await srv.close();
  staticDir.remove();
});

test('Login: a wrong password gets the server\'s reason and no session; the right one calls onLoggedIn and the browser has a session', async () => {
  let loggedIn = 0;
  renderPage(<Login onLoggedIn={() => loggedIn++} />);
  const password = screen.getByLabelText(/Password/);
  fireEvent.change(password, { target: { value: 'no-es-esta' } });
  fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
  assert.equal((await screen.findByRole('alert')).textContent, 'wrong password');
  assert.equal(loggedIn, 0);
  assert.equal(await webSession(), false);

  fireEvent.change(password, { target: { value: 'clave-admin-1' } });
  fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
  await waitFor(() => assert.equal(loggedIn, 1));
  assert.equal(screen.queryByRole('alert'), null);
  // The session cookie and CSRF token work for the admin API over HTTP.
  assert.equal(await webSession(), true);
  const domains = await call<{ name: string }[]>('domains', 'list');
  assert.deepEqual(
    domains.map((d) => d.name),
    ['aula.test'],
  );
  cleanup();
});
