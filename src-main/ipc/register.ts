// Binds the admin API to Electron IPC. Invariants:
//   - one handler per contract method, channel `namespace.method`, derived from CHANNELS;
//   - every call is checked to come from our own window's top frame showing our own bundle
//     (Electron advisory GHSA-mq8j-3h7h-p8g7), validated with the method's zod schema, and
//     answered with an ApiResult: errors travel as data ({code, message, field}), never as thrown
//     IPC errors;
//   - events are forwarded from the server host to the window while it exists;
//   - the returned disposer removes every handler and event listener.
// Electron is passed in (the real module from app/main.ts, a fake in the tests), so this file
// imports only electron's types.
import type { IpcMain, WebFrameMain } from 'electron';
import { CHANNELS, EVENT_CHANNELS } from '../shared/ipc/channels';
import type { ApiResult } from '../shared/ipc/errors';
import { invokeApi } from '../server/invoke';
import type { ServerHost } from '../server/server-host';

/** The part of the electron module this file uses. */
export interface IpcElectron {
  readonly ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
}

/** The part of a BrowserWindow this file uses (its frame only for identity). */
export interface IpcWindow {
  isDestroyed(): boolean;
  readonly webContents: {
    send(channel: string, ...args: unknown[]): void;
    readonly mainFrame: Pick<WebFrameMain, 'url'>;
  };
}

export type IpcHost = Pick<ServerHost, 'api' | 'logger' | 'on'>;

/** Every `namespace.method` channel of the contract, in CHANNELS order. */
export function ipcChannels(): string[] {
  return Object.entries(CHANNELS).flatMap(([ns, methods]) => methods.map((m) => `${ns}.${m}`));
}

const UNAUTHORIZED: ApiResult<never> = { ok: false, error: { code: 'UNAUTHORIZED', message: 'IPC from an untrusted frame' } };

export function registerIpc(
  electron: IpcElectron,
  host: IpcHost,
  window: () => IpcWindow | undefined,
  isTrustedUrl: (url: string) => boolean,
): () => void {
  const { ipcMain } = electron;
  const channels: string[] = [];
  for (const [ns, methods] of Object.entries(CHANNELS)) {
    for (const method of methods) {
      const channel = `${ns}.${method}`;
      ipcMain.handle(channel, async (event, input: unknown): Promise<ApiResult<unknown>> => {
        const w = window();
        if (!w || w.isDestroyed()) return UNAUTHORIZED;
        const frame = event.senderFrame;
        if (event.sender !== w.webContents || !frame || frame !== w.webContents.mainFrame || !isTrustedUrl(frame.url)) return UNAUTHORIZED;
        return invokeApi(host.api, host.logger, ns, method, input);
      });
      channels.push(channel);
    }
  }
  const offs = EVENT_CHANNELS.map((name) =>
    host.on(name, (payload) => {
      const w = window();
      if (w && !w.isDestroyed()) w.webContents.send(name, payload);
    }),
  );
  return () => {
    for (const c of channels.splice(0)) ipcMain.removeHandler(c);
    for (const off of offs.splice(0)) off();
  };
}
