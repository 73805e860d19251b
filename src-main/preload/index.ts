// The only bridge between the sandboxed renderer and main: `window.api.<ns>.<method>(input)`
// for the contract's methods (and nothing else), and `window.api.on(event, fn)` for its events.
// Built from the plain CHANNELS table, so no channel is ever typed by hand.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNELS, EVENT_CHANNELS } from '../shared/ipc/channels';

const api: Record<string, unknown> = {};
for (const [ns, methods] of Object.entries(CHANNELS)) {
  const table: Record<string, (input?: unknown) => Promise<unknown>> = {};
  for (const m of methods) table[m] = (input?: unknown) => ipcRenderer.invoke(`${ns}.${m}`, input);
  api[ns] = table;
}
api.on = (event: string, fn: (payload: unknown) => void): (() => void) => {
  if (!(EVENT_CHANNELS as readonly string[]).includes(event)) throw new Error(`unknown event ${event}`);
  const listener = (_e: IpcRendererEvent, payload: unknown) => fn(payload);
  ipcRenderer.on(event, listener);
  return () => ipcRenderer.removeListener(event, listener);
};
api.transport = 'ipc';

contextBridge.exposeInMainWorld('api', api);
