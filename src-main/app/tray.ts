// The tray icon: shows whether the server runs, and starts/stops it without opening the window.
import { Menu, Tray, nativeImage } from 'electron';
import { join } from 'node:path';
import type { ServerHost } from '../server/server-host';

export function createTray(host: ServerHost, resourcesDir: string, showWindow: () => void, quit: () => void): Tray {
  const icon = (running: boolean) => nativeImage.createFromPath(join(resourcesDir, running ? 'tray-running.png' : 'tray-stopped.png'));
  const tray = new Tray(icon(false));
  const refresh = () => {
    const running = host.status().running;
    tray.setImage(icon(running));
    tray.setToolTip(`Buzón — ${running ? 'running' : 'stopped'}`);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open Buzón', click: showWindow },
        { type: 'separator' },
        { label: 'Start server', enabled: !running, click: () => void host.start() },
        { label: 'Stop server', enabled: running, click: () => void host.stop() },
        { type: 'separator' },
        { label: 'Quit', click: quit },
      ]),
    );
  };
  host.on('server.statusChanged', refresh);
  tray.on('click', showWindow);
  refresh();
  return tray;
}
