// Binds the admin API to Electron IPC. Invariants:
//   - one handler per contract method, channel `namespace.method`, derived from CHANNELS;
//   - every call is checked to come from our own window's top frame (Electron advisory
//     GHSA-mq8j-3h7h-p8g7), validated with the method's zod schema, and answered with an
//     ApiResult: errors travel as data ({code, message, field}), never as thrown IPC errors;
//   - events are forwarded from the server host to the window.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { CHANNELS, EVENT_CHANNELS } from '../shared/ipc/channels';
import type { ApiResult } from '../shared/ipc/errors';
import { invokeApi } from '../server/invoke';
import type { ServerHost } from '../server/server-host';

export function registerIpc(host: ServerHost, window: () => BrowserWindow | undefined, isTrustedUrl: (url: string) => boolean): () => void {
  const channels: string[] = [];
  for (const [ns, methods] of Object.entries(CHANNELS)) {
    for (const method of methods) {
      const channel = `${ns}.${method}`;
      channels.push(channel);
      ipcMain.handle(channel, async (event: IpcMainInvokeEvent, input: unknown): Promise<ApiResult<unknown>> => {
        const w = window();
        const frame = event.senderFrame;
        if (!w || event.sender !== w.webContents || !frame || frame !== w.webContents.mainFrame || !isTrustedUrl(frame.url)) {
          return { ok: false, error: { code: 'UNAUTHORIZED', message: 'IPC from an untrusted frame' } };
        }
        return invokeApi(host.api, host.logger, ns, method, input);
      });
    }
  }
  const offs = EVENT_CHANNELS.map((name) =>
    host.on(name, (payload) => {
      const w = window();
      if (w && !w.isDestroyed()) w.webContents.send(name, payload);
    }),
  );
  return () => {
    for (const c of channels) ipcMain.removeHandler(c);
    for (const off of offs) off();
  };
}
