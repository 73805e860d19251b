// A small fake of the parts of the electron module the shell uses (src-main/app, ipc, preload),
// for running them under plain Node: the real `electron` package here is only its types (and
// `require('electron')` outside Electron is a path). Each fakeElectron() is a fresh world: its
// IPC handlers, windows and tray icons are recorded for the test to look at and drive.
import type {
  BrowserWindowConstructorOptions,
  HandlerDetails,
  HeadersReceivedResponse,
  IpcMainInvokeEvent,
  IpcRendererEvent,
  LoginItemSettings,
  Menu,
  MenuItemConstructorOptions,
  NativeImage,
  OnHeadersReceivedListenerDetails,
  Settings,
  WindowOpenHandlerResponse,
} from 'electron';
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { ServerHost } from '../../src-main/server/server-host';
import type { EventName, MainApiImpl, MainEvents } from '../../src-main/shared/ipc/contract';
import type { PortStatus, ServerStatus } from '../../src-main/shared/model/entities';

type Listener = (...args: never[]) => unknown;

/** A minimal event emitter, enough for the `on`/`once` the shell uses. */
class Emitter {
  private readonly listeners = new Map<string, { fn: Listener; once: boolean }[]>();
  on(event: string, fn: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), { fn, once: false }]);
    return this;
  }
  once(event: string, fn: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), { fn, once: true }]);
    return this;
  }
  removeListener(event: string, fn: Listener): this {
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((l) => l.fn !== fn));
    return this;
  }
  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
  /** Calls the listeners of `event` with `args`; returns how many there were. */
  emit(event: string, ...args: unknown[]): number {
    const ls = this.listeners.get(event) ?? [];
    this.listeners.set(event, ls.filter((l) => !l.once));
    for (const l of ls) (l.fn as (...a: unknown[]) => unknown)(...args);
    return ls.length;
  }
}

// ---- main process -------------------------------------------------------------------------

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

/** Where an IPC call comes from: the webContents and frame Electron would report. */
export interface FakeSender {
  readonly sender: unknown;
  readonly senderFrame: FakeWebFrame | null;
}

export class FakeIpcMain {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    // Electron refuses a second handler on a channel.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** ipcRenderer.invoke() as seen by main: the handler runs with a fake event from `from`. */
  async invoke(channel: string, from: FakeSender, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    const event = { sender: from.sender, senderFrame: from.senderFrame, frameId: 1, processId: 1 } as unknown as IpcMainInvokeEvent;
    return h(event, ...args);
  }
}

export class FakeWebFrame {
  constructor(public url: string) {}
}

export class FakeWebContents extends Emitter {
  readonly mainFrame: FakeWebFrame;
  /** Everything send() sent, in order. */
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined;
  constructor(url = 'about:blank') {
    super();
    this.mainFrame = new FakeWebFrame(url);
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void {
    this.windowOpenHandler = handler;
  }
  /** Navigation to `url` as Electron announces it (`will-navigate`): whether a listener prevented it. */
  navigate(url: string, event: 'will-navigate' | 'will-redirect' = 'will-navigate'): { prevented: boolean } {
    let prevented = false;
    this.emit(event, { preventDefault: () => (prevented = true) }, url);
    if (!prevented) this.mainFrame.url = url;
    return { prevented };
  }
}

export class FakeBrowserWindow extends Emitter {
  readonly webContents: FakeWebContents;
  visible = false;
  focused = false;
  loaded: string | undefined;
  private destroyed = false;
  constructor(readonly options: BrowserWindowConstructorOptions = {}) {
    super();
    this.webContents = new FakeWebContents();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.focused = true;
  }
  loadFile(path: string): Promise<void> {
    this.loaded = path;
    this.webContents.mainFrame.url = pathToFileURL(path).href;
    return Promise.resolve();
  }
}

export class FakeTray extends Emitter {
  image: NativeImage | string;
  tooltip = '';
  menu: Menu | null = null;
  destroyed = false;
  constructor(image: NativeImage | string) {
    super();
    this.image = image;
  }
  setImage(image: NativeImage | string): void {
    this.image = image;
  }
  setToolTip(tooltip: string): void {
    this.tooltip = tooltip;
  }
  setContextMenu(menu: Menu | null): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** The image's file (nativeImage.createFromPath here returns `{ path }`). */
  get imagePath(): string {
    return typeof this.image === 'string' ? this.image : (this.image as unknown as { path: string }).path;
  }
  /** The context menu's template (Menu.buildFromTemplate here returns it). */
  get template(): MenuItemConstructorOptions[] {
    return (this.menu ?? []) as unknown as MenuItemConstructorOptions[];
  }
  /** The menu item with this label. */
  item(label: string): MenuItemConstructorOptions {
    const i = this.template.find((t) => t.label === label);
    if (!i) throw new Error(`no menu item "${label}" in ${JSON.stringify(this.template.map((t) => t.label ?? t.type))}`);
    return i;
  }
  /** Clicks a menu item as Electron would (a checkbox toggles first). */
  clickItem(label: string): void {
    const i = this.item(label);
    const item = { ...i, checked: i.type === 'checkbox' ? !i.checked : i.checked };
    (i.click as unknown as (item: unknown) => void)?.(item);
  }
}

export class FakeContextBridge {
  readonly exposed: Record<string, unknown> = {};
  exposeInMainWorld(key: string, api: unknown): void {
    if (key in this.exposed) throw new Error(`Cannot bind an API on top of an existing property on the window object`);
    this.exposed[key] = api;
  }
}

type RendererListener = (event: IpcRendererEvent, ...args: unknown[]) => void;

export class FakeIpcRenderer {
  /** Every invoke(), in order. */
  readonly invoked: { channel: string; args: unknown[] }[] = [];
  readonly listeners = new Map<string, Set<RendererListener>>();
  /** What invoke() resolves to (default: echoes the channel and arguments). */
  reply: (channel: string, ...args: unknown[]) => unknown = (channel, ...args) => ({ channel, args });
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return Promise.resolve(this.reply(channel, ...args));
  }
  on(channel: string, listener: RendererListener): this {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(listener);
    return this;
  }
  removeListener(channel: string, listener: RendererListener): this {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }
  listenerCount(channel: string): number {
    return this.listeners.get(channel)?.size ?? 0;
  }
  /** A message from main (webContents.send) arriving on `channel`. */
  emit(channel: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(channel) ?? []) l({ sender: this } as unknown as IpcRendererEvent, ...args);
  }
}

export class FakeApp {
  loginItem = { openAtLogin: false, wasOpenedAtLogin: false };
  /** Every setLoginItemSettings() call. */
  readonly loginItemCalls: Settings[] = [];
  getLoginItemSettings(): LoginItemSettings {
    return { ...this.loginItem, status: 'not-registered', executableWillLaunchAtLogin: this.loginItem.openAtLogin, launchItems: [] };
  }
  setLoginItemSettings(settings: Settings): void {
    this.loginItemCalls.push(settings);
    if (settings.openAtLogin !== undefined) this.loginItem.openAtLogin = settings.openAtLogin;
  }
}

/** A fresh fake electron module: what it created is in `windows`, `trays`, `headerListeners`, `opened`. */
export function fakeElectron() {
  const windows: FakeBrowserWindow[] = [];
  const trays: FakeTray[] = [];
  const opened: string[] = [];
  const headerListeners: ((details: OnHeadersReceivedListenerDetails, callback: (response: HeadersReceivedResponse) => void) => void)[] = [];
  class BrowserWindow extends FakeBrowserWindow {
    constructor(options: BrowserWindowConstructorOptions = {}) {
      super(options);
      windows.push(this);
    }
  }
  class Tray extends FakeTray {
    constructor(image: NativeImage | string) {
      super(image);
      trays.push(this);
    }
  }
  return {
    windows,
    trays,
    opened,
    headerListeners,
    app: new FakeApp(),
    ipcMain: new FakeIpcMain(),
    ipcRenderer: new FakeIpcRenderer(),
    contextBridge: new FakeContextBridge(),
    BrowserWindow,
    Tray,
    Menu: { buildFromTemplate: (template: MenuItemConstructorOptions[]): Menu => template as unknown as Menu },
    nativeImage: { createFromPath: (path: string): NativeImage => ({ path }) as unknown as NativeImage },
    session: {
      defaultSession: {
        webRequest: {
          onHeadersReceived(listener: (details: OnHeadersReceivedListenerDetails, callback: (response: HeadersReceivedResponse) => void) => void): void {
            headerListeners.push(listener);
          },
        },
      },
    },
    shell: {
      openExternal(url: string): Promise<void> {
        opened.push(url);
        return Promise.resolve();
      },
    },
  };
}

export type FakeElectron = ReturnType<typeof fakeElectron>;

// ---- a server host without a server --------------------------------------------------------

/** A listener's status, for fake statuses. */
export function portStatus(p: Partial<PortStatus> & Pick<PortStatus, 'protocol' | 'port'>): PortStatus {
  return { id: p.port, address: '0.0.0.0', security: 'none', certificateId: null, enabled: true, state: 'listening', boundPort: p.port, error: null, hint: null, ...p };
}

/**
 * What the shell sees of a ServerHost (on, status, start, stop; api and logger are inert), with
 * the status set by the test and the events emitted by it. start()/stop() change `running` and emit
 * server.statusChanged like the real one; `hold()` keeps the next ones pending until released, and
 * `failNext` makes the next one reject.
 */
export function fakeServerHost(initial: Partial<ServerStatus> = {}) {
  const events = new EventEmitter();
  let current: ServerStatus = {
    running: true,
    startedAt: '2025-01-01T00:00:00.000Z',
    version: '0.1.0',
    dataDir: '/fake',
    hostName: 'fake.test',
    listeners: [portStatus({ protocol: 'smtp', port: 25 }), portStatus({ protocol: 'imap', port: 143 })],
    warnings: [],
    counters: { smtpSessions: 0, pop3Sessions: 0, imapSessions: 0, messagesAccepted: 0, messagesRejected: 0, authFailures: 0 },
    ...initial,
  };
  const calls: string[] = [];
  let gate: Promise<void> | undefined;
  const host = {
    /** start/stop calls, in order. */
    calls,
    failNext: undefined as Error | undefined,
    api: {} as MainApiImpl,
    logger: { error: () => undefined } as unknown as ServerHost['logger'],
    on: ((event: EventName, fn: (payload: unknown) => void) => {
      events.on(event, fn);
      return () => events.off(event, fn);
    }) as ServerHost['on'],
    status: (): ServerStatus => current,
    /** Changes the status without an event (the test emits one when it wants). */
    setStatus(patch: Partial<ServerStatus>): void {
      current = { ...current, ...patch };
    },
    emit<E extends EventName>(event: E, payload: MainEvents[E]): void {
      events.emit(event, payload);
    },
    listenerCount(event: EventName): number {
      return events.listenerCount(event);
    },
    /** The next start()/stop() calls wait until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
    async start(): Promise<ServerStatus> {
      return host.run('start', true);
    },
    async stop(): Promise<ServerStatus> {
      return host.run('stop', false);
    },
    async run(what: string, running: boolean): Promise<ServerStatus> {
      calls.push(what);
      await gate;
      const fail = host.failNext;
      host.failNext = undefined;
      if (fail) throw fail;
      current = { ...current, running, startedAt: running ? new Date().toISOString() : null };
      events.emit('server.statusChanged', current);
      return current;
    },
  };
  return host;
}
