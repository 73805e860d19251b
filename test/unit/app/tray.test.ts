// The tray (src-main/app/tray.ts) against a fake electron: its icon, tooltip and menu follow the
// server (running, stopped, warning), its menu drives the server, and the disposer detaches it.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createTray, trayState, TRAY_ICONS, type TrayHost } from '../../../src-main/app/tray';
import { loginItemOf, openedAtLogin, LOGIN_ARG } from '../../../src-main/app/login-item';
import { fakeElectron, fakeServerHost, portStatus, FakeApp, type FakeTray } from '../../helpers/fake-electron';
import { startServer } from '../../helpers/start-server';

const RES = join('/opt', 'buzon', 'resources');

/** Waits (briefly) until `ok` holds: menu actions run asynchronously. */
async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), `timed out waiting for ${what}`);
}

function enabled(tray: FakeTray): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const label of ['Start server', 'Stop server', 'Restart server']) out[label] = tray.item(label).enabled !== false;
  return out;
}

const RUNNING_MENU = { 'Start server': false, 'Stop server': true, 'Restart server': true };
const STOPPED_MENU = { 'Start server': true, 'Stop server': false, 'Restart server': false };

function setup(host: TrayHost = fakeServerHost(), loginItem?: Parameters<typeof createTray>[5]) {
  const e = fakeElectron();
  const shown: number[] = [];
  let quits = 0;
  const dispose = createTray(e, host, RES, () => shown.push(1), () => quits++, loginItem);
  assert.equal(e.trays.length, 1);
  return { e, host, tray: e.trays[0]!, dispose, shown, quits: () => quits };
}

describe('tray state', () => {
  test('running: the running icon, a tooltip saying so, Stop and Restart enabled', () => {
    const { tray, dispose } = setup();
    assert.equal(tray.imagePath, join(RES, 'tray-running.png'));
    assert.equal(tray.tooltip, 'Buzón — running, 2 ports listening');
    assert.deepEqual(enabled(tray), RUNNING_MENU);
    dispose();
  });

  test('stopped: the stopped icon, a tooltip saying so, only Start enabled', () => {
    const { tray, dispose } = setup(fakeServerHost({ running: false, listeners: [] }));
    assert.equal(tray.imagePath, join(RES, 'tray-stopped.png'));
    assert.equal(tray.tooltip, 'Buzón — stopped');
    assert.deepEqual(enabled(tray), STOPPED_MENU);
    dispose();
  });

  test('a certificate warning or a failed listener: the warning icon, the reason in the tooltip', () => {
    const host = fakeServerHost();
    const { tray, dispose } = setup(host);
    host.setStatus({ warnings: ['certificate "Self-signed" expires in 5 days (2025-01-06): renew it'] });
    host.emit('config.changed', { area: 'certificates' });
    assert.equal(tray.imagePath, join(RES, 'tray-warning.png'));
    assert.equal(tray.tooltip, 'Buzón — warning: certificate "Self-signed" expires in 5 days (2025-01-06): renew it');
    assert.deepEqual(enabled(tray), RUNNING_MENU, 'a warning is still running');

    host.setStatus({ warnings: [], listeners: [portStatus({ protocol: 'smtp', port: 25, state: 'failed', error: 'EADDRINUSE: address already in use' }), portStatus({ protocol: 'imap', port: 143 })] });
    host.emit('server.statusChanged', host.status());
    assert.equal(tray.imagePath, join(RES, 'tray-warning.png'));
    assert.equal(tray.tooltip, 'Buzón — warning: SMTP port 25 failed (EADDRINUSE: address already in use)');

    host.setStatus({ warnings: ['certificate "x" cannot be read'] });
    host.emit('config.changed', { area: 'certificates' });
    assert.match(tray.tooltip, /^Buzón — warning: SMTP port 25 failed .*\(\+1 more\)$/);

    host.setStatus({ warnings: [], listeners: [portStatus({ protocol: 'smtp', port: 25 })] });
    host.emit('config.changed', { area: 'ports' });
    assert.equal(tray.imagePath, join(RES, 'tray-running.png'));
    assert.equal(tray.tooltip, 'Buzón — running, 1 port listening');
    dispose();
  });

  test('stopped wins over warnings (a stopped server shows another process\'s listeners)', () => {
    const s = fakeServerHost({ running: false, warnings: ['w'], listeners: [portStatus({ protocol: 'pop3', port: 110, state: 'failed' })] }).status();
    assert.deepEqual(trayState(s), { state: 'stopped', tooltip: 'Buzón — stopped' });
  });

  test('the tooltip stays within 127 characters (Windows cuts it there)', () => {
    const s = fakeServerHost({ warnings: ['x'.repeat(300), 'y'] }).status();
    const { state, tooltip } = trayState(s);
    assert.equal(state, 'warning');
    assert.equal(tooltip.length, 127);
    assert.match(tooltip, /… \(\+1 more\)$/);
  });

  test('every state has its icon in resources/', async () => {
    const { existsSync } = await import('node:fs');
    for (const f of Object.values(TRAY_ICONS)) assert.ok(existsSync(join(import.meta.dirname, '..', '..', '..', 'resources', f)), f);
  });
});

describe('tray menu', () => {
  test('Open and a click on the icon show the window; Quit quits', () => {
    const { tray, dispose, shown, quits } = setup();
    tray.clickItem('Open Buzón');
    tray.emit('click');
    assert.equal(shown.length, 2);
    assert.equal(quits(), 0);
    tray.clickItem('Quit');
    assert.equal(quits(), 1);
    assert.deepEqual(
      tray.template.map((i) => i.label ?? i.type),
      ['Open Buzón', 'separator', 'Start server', 'Stop server', 'Restart server', 'separator', 'Quit'],
    );
    dispose();
  });

  test('Stop, Start and Restart call the host; while one runs, none is enabled', async () => {
    const host = fakeServerHost();
    const { tray, dispose } = setup(host);
    const release = host.hold();
    tray.clickItem('Stop server');
    assert.deepEqual(enabled(tray), { 'Start server': false, 'Stop server': false, 'Restart server': false });
    tray.clickItem('Stop server'); // a double click does nothing
    release();
    await until(() => tray.imagePath.endsWith('tray-stopped.png'), 'stopped');
    assert.deepEqual(enabled(tray), STOPPED_MENU);
    tray.clickItem('Start server');
    await until(() => tray.imagePath.endsWith('tray-running.png'), 'running');
    assert.deepEqual(enabled(tray), RUNNING_MENU);
    tray.clickItem('Restart server');
    await until(() => host.calls.length === 4 && enabled(tray)['Stop server']!, 'restarted');
    assert.deepEqual(host.calls, ['stop', 'start', 'stop', 'start']);
    assert.equal(host.status().running, true);
    dispose();
  });

  test('a failed action shows as a warning until the next one succeeds', async () => {
    const host = fakeServerHost({ running: false, listeners: [] });
    const { tray, dispose } = setup(host);
    host.failNext = new Error('database is locked');
    tray.clickItem('Start server');
    await until(() => tray.imagePath.endsWith('tray-warning.png'), 'warning');
    assert.equal(tray.tooltip, 'Buzón — stopped: start failed: database is locked');
    assert.deepEqual(enabled(tray), STOPPED_MENU);
    tray.clickItem('Start server');
    await until(() => tray.imagePath.endsWith('tray-running.png'), 'running');
    assert.equal(tray.tooltip, 'Buzón — running, 0 ports listening');
    dispose();
  });

  test('the disposer removes the host listeners and the icon; later events change nothing', () => {
    const host = fakeServerHost();
    const { tray, dispose } = setup(host);
    assert.equal(host.listenerCount('server.statusChanged'), 1);
    assert.equal(host.listenerCount('config.changed'), 1);
    dispose();
    assert.equal(host.listenerCount('server.statusChanged'), 0);
    assert.equal(host.listenerCount('config.changed'), 0);
    assert.equal(tray.destroyed, true);
    const menu = tray.menu;
    host.setStatus({ running: false });
    host.emit('server.statusChanged', host.status());
    assert.equal(tray.menu, menu);
    assert.equal(tray.imagePath, join(RES, 'tray-running.png'));
    dispose(); // twice is harmless
  });
});

describe('tray against a real server', () => {
  test('stop, start, restart from the menu; a port that cannot bind is a warning', async () => {
    const server = await startServer({ lab: false });
    const { tray, dispose } = setup(server.host);
    try {
      assert.equal(tray.imagePath, join(RES, 'tray-running.png'));
      assert.match(tray.tooltip, /^Buzón — running, \d+ ports listening$/);
      assert.deepEqual(enabled(tray), RUNNING_MENU);

      tray.clickItem('Stop server');
      await until(() => !server.host.status().running && tray.imagePath.endsWith('tray-stopped.png') && enabled(tray)['Start server']!, 'stopped');
      assert.equal(tray.tooltip, 'Buzón — stopped');
      assert.deepEqual(enabled(tray), STOPPED_MENU);

      tray.clickItem('Start server');
      await until(() => server.host.status().running && enabled(tray)['Stop server']!, 'running');
      assert.equal(tray.imagePath, join(RES, 'tray-running.png'));

      const startedAt = server.host.status().startedAt;
      await new Promise((r) => setTimeout(r, 5));
      tray.clickItem('Restart server');
      await until(() => server.host.status().running && server.host.status().startedAt !== startedAt && enabled(tray)['Stop server']!, 'restarted');
      assert.deepEqual(enabled(tray), RUNNING_MENU);

      // An address this machine does not have: the listener fails (EADDRNOTAVAIL), the tray warns.
      await server.call('ports', 'add', { protocol: 'pop3', address: '192.0.2.1', port: 1110 });
      await until(() => tray.imagePath.endsWith('tray-warning.png'), 'warning');
      assert.match(tray.tooltip, /^Buzón — warning: POP3 port 1110 failed/);
      assert.deepEqual(enabled(tray), RUNNING_MENU);
    } finally {
      dispose();
      await server.close();
    }
  });
});

describe('launch at login', () => {
  test('macOS and Windows: a checkbox in the tray menu, read and written through app', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const app = new FakeApp();
      const { tray, dispose } = setup(fakeServerHost(), loginItemOf(app, platform));
      assert.equal(tray.item('Launch at login').type, 'checkbox');
      assert.equal(tray.item('Launch at login').checked, false);
      tray.clickItem('Launch at login');
      assert.equal(app.loginItem.openAtLogin, true);
      assert.equal(tray.item('Launch at login').checked, true, 'the menu is redrawn from the system');
      tray.clickItem('Launch at login');
      assert.equal(app.loginItem.openAtLogin, false);
      assert.equal(tray.item('Launch at login').checked, false);
      assert.deepEqual(
        app.loginItemCalls,
        platform === 'win32'
          ? [{ openAtLogin: true, args: [LOGIN_ARG] }, { openAtLogin: false, args: [LOGIN_ARG] }]
          : [{ openAtLogin: true }, { openAtLogin: false }],
      );
      dispose();
    }
  });

  test('Linux (Electron has no login items there): no menu item', () => {
    const app = new FakeApp();
    assert.equal(loginItemOf(app, 'linux'), undefined);
    const { tray, dispose } = setup(fakeServerHost(), loginItemOf(app, 'linux'));
    assert.throws(() => tray.item('Launch at login'));
    dispose();
  });

  test('opened at login: the argument on Windows, wasOpenedAtLogin on macOS, never on Linux', () => {
    const app = new FakeApp();
    assert.equal(openedAtLogin(app, 'win32', ['buzon.exe', LOGIN_ARG]), true);
    assert.equal(openedAtLogin(app, 'win32', ['buzon.exe']), false);
    assert.equal(openedAtLogin(app, 'darwin', []), false);
    app.loginItem.wasOpenedAtLogin = true;
    assert.equal(openedAtLogin(app, 'darwin', []), true);
    assert.equal(openedAtLogin(app, 'linux', [LOGIN_ARG]), false);
  });
});
