// The main window: sandboxed, context-isolated, no Node in the renderer, a strict CSP, no
// navigation away from our bundle and no new windows (http(s) links open in the browser).
// Electron is passed in (the real module from main.ts, a fake in the tests), so this file imports
// only its types.
import type {
  BrowserWindowConstructorOptions,
  HandlerDetails,
  HeadersReceivedResponse,
  OnHeadersReceivedListenerDetails,
  WindowOpenHandlerResponse,
} from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { CSP } from '../shared/csp';

export { CSP };

/** What this file needs of a BrowserWindow. */
export interface MainWindowLike {
  once(event: 'ready-to-show', listener: () => void): unknown;
  show(): void;
  loadFile(filePath: string): Promise<void>;
  readonly webContents: {
    setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
    on(event: 'will-navigate', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
    on(event: 'will-redirect', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  };
}

/** The part of the electron module this file uses. */
export interface WindowElectron<W extends MainWindowLike> {
  readonly BrowserWindow: new (options: BrowserWindowConstructorOptions) => W;
  readonly session: {
    readonly defaultSession: {
      readonly webRequest: {
        onHeadersReceived(listener: (details: OnHeadersReceivedListenerDetails, callback: (response: HeadersReceivedResponse) => void) => void): void;
      };
    };
  };
  readonly shell: { openExternal(url: string): Promise<void> };
}

/** Our bundle's index page, with or without a query or hash route; nothing else (not index.html.x). */
export function trustedUrlCheck(indexUrl: string): (url: string) => boolean {
  return (url) => url === indexUrl || url.startsWith(indexUrl + '#') || url.startsWith(indexUrl + '?');
}

export function createMainWindow<W extends MainWindowLike>(
  electron: WindowElectron<W>,
  rendererDir: string,
  preloadFile: string,
): { window: W; isTrustedUrl: (url: string) => boolean } {
  const index = join(rendererDir, 'index.html');
  const isTrustedUrl = trustedUrlCheck(pathToFileURL(index).href);
  electron.session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  const window = new electron.BrowserWindow({
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
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//i.test(url)) void electron.shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (e, url) => {
    if (!isTrustedUrl(url)) e.preventDefault();
  });
  window.webContents.on('will-redirect', (e, url) => {
    if (!isTrustedUrl(url)) e.preventDefault();
  });
  void window.loadFile(index);
  return { window, isTrustedUrl };
}
