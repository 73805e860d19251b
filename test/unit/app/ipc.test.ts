// The IPC binding (src-main/ipc/register.ts) against a fake electron: one handler per contract
// method and nothing else, calls accepted only from our window's main frame showing our bundle,
// input validated, errors as data, events forwarded to a live window only. The calls that run do
// so against a real in-process server.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CHANNELS, EVENT_CHANNELS } from '../../../src-main/shared/ipc/channels';
import { API_METHODS } from '../../../src-main/shared/ipc/contract';
import { ipcChannels, registerIpc, type IpcHost } from '../../../src-main/ipc/register';
import { createMainWindow } from '../../../src-main/app/window';
import { buildBridge } from '../../../src-main/preload/bridge';
import type { ApiResult } from '../../../src-main/shared/ipc/errors';
import type { ServerStatus } from '../../../src-main/shared/model/entities';
import { fakeElectron, fakeServerHost, FakeWebContents, FakeWebFrame, type FakeBrowserWindow, type FakeSender } from '../../helpers/fake-electron';
import { startServer, LAB, type TestServer } from '../../helpers/start-server';

const ALL = Object.entries(CHANNELS).flatMap(([ns, ms]) => ms.map((m) => `${ns}.${m}`));

/** A host whose api records every method called (through to the real one). */
function spied(host: IpcHost): { host: IpcHost; called: string[] } {
  const called: string[] = [];
  const api = new Proxy(host.api, {
    get: (target, ns: string) =>
      new Proxy((target as unknown as Record<string, object>)[ns]!, {
        get: (t, m: string) => {
          const fn = (t as Record<string, (i: unknown) => unknown>)[m]!;
          return (input: unknown) => {
            called.push(`${ns}.${m}`);
            return fn.call(t, input);
          };
        },
      }),
  });
  return { host: { api, logger: host.logger, on: host.on }, called };
}

describe('IPC binding completeness', () => {
  test('every contract method has exactly one handler, and every handler is a contract method', () => {
    const e = fakeElectron();
    const dispose = registerIpc(e, fakeServerHost(), () => undefined, () => false);
    const bound = [...e.ipcMain.handlers.keys()];
    assert.deepEqual([...bound].sort(), [...ALL].sort());
    assert.equal(new Set(bound).size, bound.length, 'no channel bound twice');
    assert.deepEqual(ipcChannels(), ALL);
    // The same table as the zod schemas (contract.ts checks this at compile time, too).
    assert.deepEqual([...bound].sort(), API_METHODS.map(([ns, m]) => `${ns}.${m}`).sort());
    dispose();
  });

  test('the disposer removes every handler and every event listener; binding again works', () => {
    const e = fakeElectron();
    const host = fakeServerHost();
    const dispose = registerIpc(e, host, () => undefined, () => false);
    for (const name of EVENT_CHANNELS) assert.equal(host.listenerCount(name), 1, name);
    dispose();
    assert.equal(e.ipcMain.handlers.size, 0);
    for (const name of EVENT_CHANNELS) assert.equal(host.listenerCount(name), 0, name);
    dispose(); // twice is harmless
    // Electron throws on a second handler for a channel: after dispose, a new binding must not.
    const again = registerIpc(e, host, () => undefined, () => false);
    assert.equal(e.ipcMain.handlers.size, ALL.length);
    assert.throws(() => registerIpc(e, host, () => undefined, () => false), /second handler/);
    again();
  });
});

describe('IPC sender checks, against a real server', () => {
  let server: TestServer;
  let e: ReturnType<typeof fakeElectron>;
  let window: FakeBrowserWindow | undefined;
  let trusted: (url: string) => boolean;
  let called: string[];
  let dispose: () => void;

  before(async () => {
    server = await startServer();
    e = fakeElectron();
    const created = createMainWindow(e, join(server.dir, 'renderer'), join(server.dir, 'preload.cjs'));
    window = created.window;
    trusted = created.isTrustedUrl;
    const spy = spied(server.host);
    called = spy.called;
    dispose = registerIpc(e, spy.host, () => window, trusted);
  });
  after(async () => {
    dispose();
    await server.close();
  });

  const fromWindow = (): FakeSender => ({ sender: window!.webContents, senderFrame: window!.webContents.mainFrame });
  const call = (channel: string, from: FakeSender, input?: unknown) => e.ipcMain.invoke(channel, from, input) as Promise<ApiResult<unknown>>;
  const assertUnauthorized = async (from: FakeSender, label: string) => {
    called.length = 0;
    for (const [channel, input] of [
      ['server.stop', undefined],
      ['domains.add', { name: 'intruso.test' }],
      ['accounts.list', undefined],
    ] as const) {
      const r = await call(channel, from, input);
      assert.equal(r.ok, false, `${label}: ${channel}`);
      assert.equal(!r.ok && r.error.code, 'UNAUTHORIZED', `${label}: ${channel}`);
    }
    assert.deepEqual(called, [], `${label}: the API was not called`);
    assert.equal(server.host.status().running, true, `${label}: the server still runs`);
    const domains = await server.call<{ name: string }[]>('domains', 'list');
    assert.deepEqual(domains.map((d) => d.name), [LAB.domain], `${label}: nothing added`);
  };

  test('the window is showing our bundle (the premise of the checks below)', () => {
    const url = window!.webContents.mainFrame.url;
    assert.match(url, /^file:\/\/.*\/renderer\/index\.html$/);
    assert.equal(trusted(url), true);
  });

  test('a call from the main frame of our window runs', async () => {
    called.length = 0;
    const r = (await call('server.status', fromWindow())) as ApiResult<ServerStatus>;
    assert.equal(r.ok, true);
    assert.equal(r.ok && r.value.running, true);
    assert.equal(r.ok && r.value.dataDir, server.dir);
    assert.deepEqual(called, ['server.status']);
    const list = (await call('accounts.list', fromWindow())) as ApiResult<{ address: string }[]>;
    assert.deepEqual(list.ok && list.value.map((a) => a.address).sort(), LAB.accounts.map((a) => a.address));
  });

  test('a hash route of our bundle is still our bundle', async () => {
    const frame = window!.webContents.mainFrame;
    const home = frame.url;
    frame.url = `${home}#/domains`;
    try {
      assert.equal((await call('server.status', fromWindow())).ok, true);
    } finally {
      frame.url = home;
    }
  });

  test('bad input is a VALIDATION error naming the field, and the API is not called', async () => {
    called.length = 0;
    const r = await call('domains.add', fromWindow(), { name: 'no es un dominio!' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'VALIDATION');
    assert.equal(!r.ok && r.error.field, 'name');
    const extra = await call('server.status', fromWindow(), { unexpected: true });
    assert.equal(!extra.ok && extra.error.code, 'VALIDATION');
    const port = await call('ports.add', fromWindow(), { protocol: 'smtp', address: '0.0.0.0', port: 70000 });
    assert.equal(!port.ok && port.error.field, 'port');
    assert.deepEqual(called, []);
  });

  test('a service error travels as data (NOT_FOUND), not as a thrown IPC error', async () => {
    const r = await call('domains.get', fromWindow(), { id: 9999 });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'NOT_FOUND');
  });

  test('a call from another webContents is refused', async () => {
    const other = new FakeWebContents(window!.webContents.mainFrame.url);
    await assertUnauthorized({ sender: other, senderFrame: other.mainFrame }, 'other webContents');
    // Each check stands on its own: the sender is checked even when the frame would pass.
    await assertUnauthorized({ sender: other, senderFrame: window!.webContents.mainFrame }, 'other webContents, our frame');
  });

  test('a call from a subframe of our window is refused, even one showing our bundle', async () => {
    const sub = new FakeWebFrame(window!.webContents.mainFrame.url);
    await assertUnauthorized({ sender: window!.webContents, senderFrame: sub }, 'subframe');
    await assertUnauthorized({ sender: window!.webContents, senderFrame: new FakeWebFrame('https://evil.example/') }, 'foreign subframe');
  });

  test('a call from our main frame showing another URL is refused', async () => {
    const frame = window!.webContents.mainFrame;
    const home = frame.url;
    try {
      for (const url of ['https://evil.example/', `${home}.evil`, 'file:///etc/passwd', 'about:blank']) {
        frame.url = url;
        await assertUnauthorized(fromWindow(), url);
      }
    } finally {
      frame.url = home;
    }
  });

  test('a call without a frame (gone, or navigated away), or with no window, is refused', async () => {
    await assertUnauthorized({ sender: window!.webContents, senderFrame: null }, 'no frame');
    const w = window;
    window = undefined;
    try {
      await assertUnauthorized({ sender: w!.webContents, senderFrame: w!.webContents.mainFrame }, 'no window');
    } finally {
      window = w;
    }
  });

  test('the preload bridge over this binding: window.api.server.status() from our window', async () => {
    // The renderer's ipcRenderer.invoke arrives in main as from our window's main frame.
    const renderer = fakeElectron().ipcRenderer;
    renderer.reply = (channel, input) => e.ipcMain.invoke(channel, fromWindow(), input);
    const api = buildBridge(renderer) as unknown as { server: { status(): Promise<ApiResult<ServerStatus>> }; domains: { add(i: unknown): Promise<ApiResult<unknown>> } };
    const r = await api.server.status();
    assert.equal(r.ok && r.value.running, true);
    const bad = await api.domains.add({ name: '' });
    assert.equal(!bad.ok && bad.error.field, 'name');
  });

  test('a destroyed window is refused', async () => {
    window!.destroy();
    await assertUnauthorized(fromWindow(), 'destroyed window');
  });
});

describe('IPC events', () => {
  const payloads = {
    'server.statusChanged': fakeServerHost().status(),
    'log.entry': { time: '2025-01-01T00:00:00.000Z', level: 'info', svc: 'app', msg: 'hola' },
    'config.changed': { area: 'domains' },
    'queue.changed': { size: 3 },
  } as const;

  test('every event is forwarded to the window, in order, with its payload', () => {
    const e = fakeElectron();
    const host = fakeServerHost();
    const window = new e.BrowserWindow();
    const dispose = registerIpc(e, host, () => window, () => true);
    for (const name of EVENT_CHANNELS) host.emit(name, payloads[name] as never);
    assert.deepEqual(
      window.webContents.sent,
      EVENT_CHANNELS.map((name) => ({ channel: name, args: [payloads[name]] })),
    );
    dispose();
  });

  test('no window yet, a destroyed window, or after the disposer: nothing is sent and nothing throws', () => {
    const e = fakeElectron();
    const host = fakeServerHost();
    let window: FakeBrowserWindow | undefined;
    const dispose = registerIpc(e, host, () => window, () => true);
    host.emit('config.changed', { area: 'x' }); // no window
    window = new e.BrowserWindow();
    host.emit('queue.changed', { size: 1 });
    assert.equal(window.webContents.sent.length, 1);
    window.destroy();
    for (const name of EVENT_CHANNELS) host.emit(name, payloads[name] as never);
    assert.equal(window.webContents.sent.length, 1);
    // A new window (reopened from the tray) gets the events again; after dispose, none.
    window = new e.BrowserWindow();
    host.emit('queue.changed', { size: 2 });
    assert.equal(window.webContents.sent.length, 1);
    dispose();
    host.emit('queue.changed', { size: 3 });
    assert.equal(window.webContents.sent.length, 1);
  });

  test('a real server: stopping and starting it reaches the window as server.statusChanged', async () => {
    const server = await startServer({ lab: false });
    try {
      const e = fakeElectron();
      const window = new e.BrowserWindow();
      const dispose = registerIpc(e, server.host, () => window, () => true);
      await server.host.stop();
      await server.host.start();
      const states = window.webContents.sent.filter((s) => s.channel === 'server.statusChanged').map((s) => (s.args[0] as ServerStatus).running);
      assert.equal(states[0], false);
      assert.equal(states.at(-1), true);
      assert.ok(window.webContents.sent.some((s) => s.channel === 'log.entry'), 'log entries forwarded too');
      dispose();
    } finally {
      await server.close();
    }
  });
});
