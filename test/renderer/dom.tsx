// A browser-like global environment for renderer tests (happy-dom), what Mantine needs on top
// (matchMedia, ResizeObserver), and the `window.api` bridge the renderer talks to, here backed by
// a real in-process server host through the same invokeApi() the IPC and HTTP transports use.
import { GlobalRegistrator } from '@happy-dom/global-registrator';
import type { ReactNode } from 'react';
import { after, before } from 'node:test';

GlobalRegistrator.register({ url: 'http://127.0.0.1/' });
// Mantine reads these; happy-dom has no layout engine.
Object.defineProperty(window, 'matchMedia', {
  value: (query: string) => ({ matches: false, media: query, onchange: null, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {}, dispatchEvent: () => false }),
});
// Mantine's autosize Textarea listens to document.fonts, which happy-dom lacks.
if (!('fonts' in document)) Object.defineProperty(document, 'fonts', { value: new EventTarget() });
globalThis.ResizeObserver ??= class {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
} as unknown as typeof ResizeObserver;

const { MantineProvider } = await import('@mantine/core');
const { render, cleanup } = await import('@testing-library/react');
const { startServer } = await import('../helpers/start-server');
const { invokeApi } = await import('../../src-main/server/invoke');
const { CHANNELS } = await import('../../src-main/shared/ipc/channels');

export type TestServer = Awaited<ReturnType<typeof startServer>>;

/** Starts a real server (the classroom lab, with `opts` as startServer takes them) and installs `window.api` over it. */
export async function withApi(opts?: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const srv = await startServer(opts);
  const bridge: Record<string, unknown> = {};
  for (const [ns, methods] of Object.entries(CHANNELS)) {
    bridge[ns] = Object.fromEntries(methods.map((m) => [m, (input?: unknown) => invokeApi(srv.host.api, srv.host.logger, ns, m, input)]));
  }
  bridge.on = (event: Parameters<typeof srv.host.on>[0], fn: (p: unknown) => void) => srv.host.on(event, fn);
  (window as unknown as { api: unknown }).api = bridge;
  return srv;
}

/**
 * A lab server for the whole test file: started before its tests (with `window.api` over it),
 * closed after them; `set` receives it.
 */
export function labForFile(set: (srv: TestServer) => void, opts?: Parameters<typeof startServer>[0]): void {
  let srv: TestServer | undefined;
  before(async () => {
    srv = await withApi(opts);
    set(srv);
  });
  after(async () => {
    cleanup();
    await srv?.close();
  });
}

export function renderPage(node: ReactNode) {
  return render(<MantineProvider>{node}</MantineProvider>);
}
