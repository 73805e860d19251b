// The preload bridge (src-main/preload/bridge.ts) against a fake ipcRenderer/contextBridge:
// window.api has exactly the contract's methods, each an ipcRenderer.invoke('ns.method', input),
// and on() only for the contract's events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHANNELS, EVENT_CHANNELS } from '../../../src-main/shared/ipc/channels';
import { buildBridge, exposeBridge } from '../../../src-main/preload/bridge';
import { fakeElectron } from '../../helpers/fake-electron';

type Api = Record<string, unknown> & { on(event: string, fn: (payload: unknown) => void): () => void; transport: string };

function exposed() {
  const e = fakeElectron();
  exposeBridge(e);
  assert.deepEqual(Object.keys(e.contextBridge.exposed), ['api'], 'window.api and nothing else');
  return { e, api: e.contextBridge.exposed.api as Api };
}

test('window.api has exactly the CHANNELS namespaces and methods, all functions, plus on and transport', () => {
  const { api } = exposed();
  assert.deepEqual(Object.keys(api).sort(), [...Object.keys(CHANNELS), 'on', 'transport'].sort());
  assert.equal(api.transport, 'ipc');
  assert.equal(typeof api.on, 'function');
  for (const [ns, methods] of Object.entries(CHANNELS)) {
    const table = api[ns] as Record<string, unknown>;
    assert.deepEqual(Object.keys(table).sort(), [...methods].sort(), ns);
    for (const m of methods) assert.equal(typeof table[m], 'function', `${ns}.${m}`);
  }
});

test('each method is ipcRenderer.invoke("ns.method", input), resolving to what main answers', async () => {
  const { e, api } = exposed();
  e.ipcRenderer.reply = (channel, input) => ({ ok: true, value: { channel, input } });
  for (const [ns, methods] of Object.entries(CHANNELS)) {
    for (const m of methods) {
      const input = { probe: `${ns}.${m}` };
      const r = await (api[ns] as Record<string, (i?: unknown) => Promise<unknown>>)[m]!(input);
      assert.deepEqual(r, { ok: true, value: { channel: `${ns}.${m}`, input } });
    }
  }
  const total = Object.values(CHANNELS).reduce((n, ms) => n + ms.length, 0);
  assert.equal(e.ipcRenderer.invoked.length, total);
  assert.ok(e.ipcRenderer.invoked.every((c) => c.args.length === 1), 'one argument each');
  await (api.server as Record<string, () => Promise<unknown>>).status!();
  assert.deepEqual(e.ipcRenderer.invoked.at(-1), { channel: 'server.status', args: [undefined] });
});

test('on(event, fn) for each contract event: fn gets the payload (not the IPC event); the unsubscribe removes it', () => {
  const { e, api } = exposed();
  for (const name of EVENT_CHANNELS) {
    const got: unknown[] = [];
    const off = api.on(name, (p) => got.push(p));
    assert.equal(e.ipcRenderer.listenerCount(name), 1, name);
    e.ipcRenderer.emit(name, { n: 1 });
    e.ipcRenderer.emit(name, { n: 2 });
    assert.deepEqual(got, [{ n: 1 }, { n: 2 }], name);
    off();
    assert.equal(e.ipcRenderer.listenerCount(name), 0, name);
    e.ipcRenderer.emit(name, { n: 3 });
    assert.equal(got.length, 2, name);
  }
});

test('on() refuses anything that is not a contract event, and subscribes to nothing', () => {
  const { e, api } = exposed();
  for (const name of ['server.status', 'domains.add', 'log', 'ELECTRON_BROWSER_REQUIRE', '', '__proto__']) {
    assert.throws(() => api.on(name, () => undefined), /unknown event/, name);
  }
  assert.equal(e.ipcRenderer.listeners.size, 0);
});

test('two subscriptions to one event are independent', () => {
  const e = fakeElectron();
  const api = buildBridge(e.ipcRenderer);
  const a: unknown[] = [];
  const b: unknown[] = [];
  const offA = api.on('log.entry', (p) => a.push(p));
  api.on('log.entry', (p) => b.push(p));
  offA();
  e.ipcRenderer.emit('log.entry', 'x');
  assert.deepEqual([a, b], [[], ['x']]);
});
