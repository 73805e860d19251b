// Electron entry: single instance → data folder under userData → createServerHost() → start →
// window + tray + IPC. Everything else is the plain-Node engine (src-main/server).
import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { createServerHost } from '../server/server-host';
import { registerIpc } from '../ipc/register';
import { createMainWindow } from './window';
import { createTray } from './tray';

if (!app.requestSingleInstanceLock()) app.quit();

let window: BrowserWindow | undefined;
let quitting = false;

void app.whenReady().then(async () => {
  const dataDir = process.env.BUZON_DATA ?? join(app.getPath('userData'), 'data');
  const host = createServerHost({ dataDir });
  const here = __dirname; // out/app after the build
  const show = () => {
    if (!window || window.isDestroyed()) {
      const created = createMainWindow(join(here, '..', 'renderer'), join(here, '..', 'preload', 'index.cjs'));
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
  let trusted: (url: string) => boolean = () => false;
  registerIpc(host, () => window, (url) => trusted(url));
  createTray(host, app.isPackaged ? process.resourcesPath : join(here, '..', '..', 'resources'), show, () => app.quit());
  await host.start();
  show();
  app.on('second-instance', show);
  app.on('before-quit', (e) => {
    if (quitting) return;
    quitting = true;
    e.preventDefault();
    void host.close().finally(() => app.exit(0));
  });
});

app.on('window-all-closed', () => {
  /* keep running in the tray */
});
