// The tray icon: whether the server runs, is stopped, or runs with something to look at (a
// listener that failed to bind, a certificate warning), with the reason in the tooltip; its menu
// opens the window and starts, stops or restarts the server without it. Electron is passed in
// (the real module from main.ts, a fake in the tests), so this file imports only its types.
import type { Menu, MenuItemConstructorOptions, NativeImage } from 'electron';
import { join } from 'node:path';
import type { ServerHost } from '../server/server-host';
import type { ServerStatus } from '../shared/model/entities';

/** What this file needs of a Tray. */
export interface TrayLike {
  setImage(image: NativeImage): void;
  setToolTip(toolTip: string): void;
  setContextMenu(menu: Menu | null): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

/** The part of the electron module this file uses. */
export interface TrayElectron {
  readonly Tray: new (image: NativeImage) => TrayLike;
  readonly Menu: { buildFromTemplate(template: MenuItemConstructorOptions[]): Menu };
  readonly nativeImage: { createFromPath(path: string): NativeImage };
}

export type TrayHost = Pick<ServerHost, 'on' | 'status' | 'start' | 'stop'>;

/** "Launch at login", where the system has it (Electron: macOS and Windows). */
export interface LoginItem {
  get(): boolean;
  set(open: boolean): void;
}

export type TrayState = 'running' | 'stopped' | 'warning';

export const TRAY_ICONS: Record<TrayState, string> = { running: 'tray-running.png', stopped: 'tray-stopped.png', warning: 'tray-warning.png' };

/** Windows cuts tooltips at 127 characters. */
const TOOLTIP_MAX = 127;

/**
 * The tray's state and tooltip for a status. Stopped wins (listener states of a stopped server are
 * another process's); running with a failed listener, a certificate warning or a failed tray
 * action is a warning, the first reason named in the tooltip.
 */
export function trayState(status: ServerStatus, actionError?: string): { state: TrayState; tooltip: string } {
  if (!status.running) {
    const why = actionError ? `: ${actionError}` : '';
    return { state: actionError ? 'warning' : 'stopped', tooltip: clip(`Buzón — stopped${why}`) };
  }
  const reasons = [
    ...(actionError ? [actionError] : []),
    ...status.listeners.filter((l) => l.state === 'failed').map((l) => `${l.protocol.toUpperCase()} port ${l.port} failed${l.error ? ` (${l.error})` : ''}`),
    ...status.warnings,
  ];
  if (reasons.length === 0) {
    const n = status.listeners.filter((l) => l.state === 'listening').length;
    return { state: 'running', tooltip: `Buzón — running, ${n} port${n === 1 ? '' : 's'} listening` };
  }
  const more = reasons.length > 1 ? ` (+${reasons.length - 1} more)` : '';
  return { state: 'warning', tooltip: clip(`Buzón — warning: ${reasons[0]}`, more) };
}

function clip(text: string, suffix = ''): string {
  const room = TOOLTIP_MAX - suffix.length;
  return (text.length > room ? text.slice(0, room - 1) + '…' : text) + suffix;
}

export function createTray(
  electron: TrayElectron,
  host: TrayHost,
  resourcesDir: string,
  show: () => void,
  quit: () => void,
  loginItem?: LoginItem,
): () => void {
  const icon = (state: TrayState) => electron.nativeImage.createFromPath(join(resourcesDir, TRAY_ICONS[state]));
  const tray = new electron.Tray(icon('stopped'));
  let busy = false;
  let actionError: string | undefined;
  let disposed = false;

  /** One start/stop/restart at a time; a failure shows as a warning until the next action. */
  const act = (what: string, fn: () => Promise<unknown>) => () => {
    if (busy) return;
    busy = true;
    refresh();
    void fn()
      .then(
        () => (actionError = undefined),
        (e: unknown) => (actionError = `${what} failed: ${e instanceof Error ? e.message : String(e)}`),
      )
      .finally(() => {
        busy = false;
        refresh();
      });
  };
  const start = act('start', () => host.start());
  const stop = act('stop', () => host.stop());
  const restart = act('restart', async () => {
    await host.stop();
    await host.start();
  });

  /** Redraws from the status an event carried, else from the host's current one. */
  function refresh(given?: ServerStatus): void {
    if (disposed) return;
    const status = given ?? host.status();
    const { state, tooltip } = trayState(status, actionError);
    tray.setImage(icon(state));
    tray.setToolTip(tooltip);
    const template: MenuItemConstructorOptions[] = [
      { label: 'Open Buzón', click: show },
      { type: 'separator' },
      { label: 'Start server', enabled: !busy && !status.running, click: start },
      { label: 'Stop server', enabled: !busy && status.running, click: stop },
      { label: 'Restart server', enabled: !busy && status.running, click: restart },
      { type: 'separator' },
    ];
    if (loginItem) {
      const toggle = (item: { checked: boolean }) => {
        loginItem.set(item.checked);
        refresh();
      };
      template.push({ label: 'Launch at login', type: 'checkbox', checked: loginItem.get(), click: toggle }, { type: 'separator' });
    }
    template.push({ label: 'Quit', click: quit });
    tray.setContextMenu(electron.Menu.buildFromTemplate(template));
  }

  const offs = [host.on('server.statusChanged', (s) => refresh(s)), host.on('config.changed', () => refresh())];
  tray.on('click', show);
  refresh();
  // The disposer: no more redraws, and the icon goes away.
  return () => {
    if (disposed) return;
    disposed = true;
    for (const off of offs) off();
    tray.destroy();
  };
}
