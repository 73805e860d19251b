// "Launch at login" lives in the operating system, read and written through Electron alone (no
// setting of ours, nothing over IPC). Electron has it on macOS and Windows only. Started at
// login, the app stays in the tray instead of opening its window: Windows passes it LOGIN_ARG
// (registered with the login item; Electron needs the same args to read the item back), macOS
// says so in wasOpenedAtLogin.
import type { App } from 'electron';
import type { LoginItem } from './tray';

export const LOGIN_ARG = '--opened-at-login';

type LoginApp = Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>;

export function loginItemOf(app: LoginApp, platform: NodeJS.Platform): LoginItem | undefined {
  if (platform === 'darwin') {
    return { get: () => app.getLoginItemSettings().openAtLogin, set: (open) => app.setLoginItemSettings({ openAtLogin: open }) };
  }
  if (platform === 'win32') {
    return {
      get: () => app.getLoginItemSettings({ args: [LOGIN_ARG] }).openAtLogin,
      set: (open) => app.setLoginItemSettings({ openAtLogin: open, args: [LOGIN_ARG] }),
    };
  }
  return undefined;
}

export function openedAtLogin(app: Pick<App, 'getLoginItemSettings'>, platform: NodeJS.Platform, argv: readonly string[]): boolean {
  if (platform === 'win32') return argv.includes(LOGIN_ARG);
  if (platform === 'darwin') return app.getLoginItemSettings().wasOpenedAtLogin;
  return false;
}
