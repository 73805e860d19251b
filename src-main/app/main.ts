// Electron entry: single instance → data folder under userData → createServerHost() → start →
// window + tray + IPC. Everything else is the plain-Node engine (src-main/server). The shell
// modules get the electron module passed in, so the tests run them against a fake one.
//
// Closing the window hides it (the server keeps running in the tray); Quit (tray menu, or the
// system's) stops the server gracefully — listeners closed, messages being received finished,
// database closed — before the process exits.
import { app, BrowserWindow, ipcMain, Menu, nativeImage, session, shell, Tray } from 'electron';
import { join } from 'node:path';
import { createServerHost } from '../server/server-host';
import { registerIpc } from '../ipc/register';
import { createMainWindow } from './window';
import { createTray } from './tray';
import { loginItemOf, openedAtLogin } from './login-item';

function main(): void {
  let window: BrowserWindow | undefined;
  let trusted: (url: string) => boolean = () => false;
  let quitting = false;

  void app.whenReady().then(async () => {
    const dataDir = process.env.BUZON_DATA ?? join(app.getPath('userData'), 'data');
    const host = createServerHost({ dataDir });
    const here = __dirname; // out/app after the build
    const show = () => {
      if (!window || window.isDestroyed()) {
        const created = createMainWindow({ BrowserWindow, session, shell }, join(here, '..', 'renderer'), join(here, '..', 'preload', 'index.cjs'));
        window = created.window;
        trusted = created.isTrustedUrl;
        window.on('close', (e) => {
          if (!quitting) {
            e.preventDefault();
            window?.hide();
          }
        });
      }
      window.show();
      window.focus();
    };
    const disposeIpc = registerIpc({ ipcMain }, host, () => window, (url) => trusted(url));
    const resources = app.isPackaged ? process.resourcesPath : join(here, '..', '..', 'resources');
    const disposeTray = createTray({ Tray, Menu, nativeImage }, host, resources, show, () => app.quit(), loginItemOf(app, process.platform));
    app.on('second-instance', show);
    app.on('before-quit', (e) => {
      if (quitting) return;
      quitting = true;
      e.preventDefault();
      disposeTray();
      disposeIpc();
      void host.close().finally(() => app.exit(0));
    });
    // A listener that cannot bind is reported in the status (tray and window), not thrown: a
    // start failure here is the data folder itself; show the window anyway, the tray says stopped.
    await host.start().catch((err: unknown) => host.logger.error({ svc: 'app', event: 'server.start.failed', err: String(err) }, `the server did not start: ${String(err)}`));
    // Started by the system at login: stay in the tray.
    if (!openedAtLogin(app, process.platform, process.argv)) show();
  });

  app.on('window-all-closed', () => {
    /* keep running in the tray */
  });
}

if (app.requestSingleInstanceLock()) main();
else app.quit();
