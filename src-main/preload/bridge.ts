// The bridge between the sandboxed renderer and main, as a pure function of an ipcRenderer:
// `api.<ns>.<method>(input)` for the contract's methods (and nothing else), each one
// `ipcRenderer.invoke('ns.method', input)`, and `api.on(event, fn)` for the contract's events
// only, returning its unsubscribe. Built from the plain CHANNELS table, so no channel is ever
// typed by hand; imports only electron's types (index.ts passes the real module).
import type { ContextBridge, IpcRendererEvent } from 'electron';
import { CHANNELS, EVENT_CHANNELS } from '../shared/ipc/channels';

type RendererListener = (event: IpcRendererEvent, ...args: unknown[]) => void;

/** What the bridge needs of ipcRenderer. */
export interface BridgeIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: RendererListener): unknown;
  removeListener(channel: string, listener: RendererListener): unknown;
}

export type Bridge = {
  readonly [ns: string]: unknown;
  readonly transport: 'ipc';
  on(event: string, fn: (payload: unknown) => void): () => void;
};

export function buildBridge(ipcRenderer: BridgeIpc): Bridge {
  const api: Record<string, unknown> = {};
  for (const [ns, methods] of Object.entries(CHANNELS)) {
    const table: Record<string, (input?: unknown) => Promise<unknown>> = {};
    for (const m of methods) table[m] = (input?: unknown) => ipcRenderer.invoke(`${ns}.${m}`, input);
    api[ns] = table;
  }
  const on = (event: string, fn: (payload: unknown) => void): (() => void) => {
    if (!(EVENT_CHANNELS as readonly string[]).includes(event)) throw new Error(`unknown event ${event}`);
    const listener = (_e: IpcRendererEvent, payload: unknown) => fn(payload);
    ipcRenderer.on(event, listener);
    return () => {
      ipcRenderer.removeListener(event, listener);
    };
  };
  return { ...api, on, transport: 'ipc' };
}

/** What the preload does: `window.api`. */
export function exposeBridge(electron: { contextBridge: Pick<ContextBridge, 'exposeInMainWorld'>; ipcRenderer: BridgeIpc }): void {
  electron.contextBridge.exposeInMainWorld('api', buildBridge(electron.ipcRenderer));
}
