// The main window: sandboxed, context-isolated, no Node in the renderer, a strict CSP, no
// navigation away from our bundle and no new windows.
import { BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { CSP } from '../shared/csp';

export { CSP };

export function createMainWindow(rendererDir: string, preloadFile: string): { window: BrowserWindow; isTrustedUrl: (url: string) => boolean } {
  const index = join(rendererDir, 'index.html');
  const indexUrl = pathToFileURL(index).href;
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    title: 'Buzón',
    show: false,
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (e, url) => {
    if (!url.startsWith(indexUrl)) e.preventDefault();
  });
  void window.loadFile(index);
  return { window, isTrustedUrl: (url) => url.startsWith(indexUrl) };
}
