// The main window (src-main/app/window.ts) against a fake electron: sandboxed and isolated, our
// CSP on every response, no navigation away from our bundle, no new windows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HeadersReceivedResponse, OnHeadersReceivedListenerDetails } from 'electron';
import { createMainWindow, trustedUrlCheck } from '../../../src-main/app/window';
import { CSP } from '../../../src-main/shared/csp';
import { fakeElectron } from '../../helpers/fake-electron';

const RENDERER = join('/opt', 'buzon', 'out', 'renderer');
const PRELOAD = join('/opt', 'buzon', 'out', 'preload', 'index.cjs');
const INDEX = pathToFileURL(join(RENDERER, 'index.html')).href;

function open() {
  const e = fakeElectron();
  const { window, isTrustedUrl } = createMainWindow(e, RENDERER, PRELOAD);
  assert.equal(e.windows.length, 1);
  assert.equal(e.windows[0], window);
  return { e, window, isTrustedUrl };
}

test('the renderer is sandboxed and context-isolated, without Node, with our preload', () => {
  const { window } = open();
  const p = window.options.webPreferences!;
  assert.equal(p.preload, PRELOAD);
  assert.equal(p.contextIsolation, true);
  assert.equal(p.sandbox, true);
  assert.equal(p.nodeIntegration, false);
  assert.equal(p.nodeIntegrationInSubFrames, false);
  assert.equal(p.webviewTag, false);
  assert.equal(p.webSecurity, true);
  assert.equal(p.allowRunningInsecureContent, false);
  assert.equal(window.options.show, false, 'shown when ready, not blank');
});

test('it loads our bundle and is shown once ready', () => {
  const { window } = open();
  assert.equal(window.loaded, join(RENDERER, 'index.html'));
  assert.equal(window.webContents.mainFrame.url, INDEX);
  assert.equal(window.visible, false);
  window.emit('ready-to-show');
  assert.equal(window.visible, true);
});

test('every response gets our Content-Security-Policy, other headers kept', () => {
  const { e } = open();
  assert.equal(e.headerListeners.length, 1);
  let response: HeadersReceivedResponse | undefined;
  const details = { url: INDEX, responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': ["default-src *"] } } as unknown as OnHeadersReceivedListenerDetails;
  e.headerListeners[0]!(details, (r) => (response = r));
  assert.deepEqual(response, { responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [CSP] } });
  assert.match(CSP, /script-src 'self'/);
  assert.match(CSP, /frame-ancestors 'none'/);
});

test('no new windows: http(s) links open in the browser, anything else nowhere', () => {
  const { e, window } = open();
  const handler = window.webContents.windowOpenHandler!;
  for (const url of ['https://buzon.example/docs', 'http://example.org/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share']) {
    assert.deepEqual(handler({ url } as never), { action: 'deny' }, url);
  }
  assert.deepEqual(e.opened, ['https://buzon.example/docs', 'http://example.org/']);
});

test('no navigation (or redirect) away from our bundle; hash routes are fine', () => {
  const { window } = open();
  for (const url of ['https://evil.example/', `${INDEX}.evil`, 'file:///etc/passwd', pathToFileURL(join(RENDERER, 'other.html')).href]) {
    assert.equal(window.webContents.navigate(url).prevented, true, url);
    assert.equal(window.webContents.navigate(url, 'will-redirect').prevented, true, url);
  }
  assert.equal(window.webContents.mainFrame.url, INDEX);
  assert.equal(window.webContents.navigate(`${INDEX}#/domains`).prevented, false);
  assert.equal(window.webContents.navigate(INDEX).prevented, false);
});

test('trusted URLs: the index page, with a hash or query, and nothing else', () => {
  const { isTrustedUrl } = open();
  const check = trustedUrlCheck(INDEX);
  for (const f of [isTrustedUrl, check]) {
    assert.equal(f(INDEX), true);
    assert.equal(f(`${INDEX}#/status`), true);
    assert.equal(f(`${INDEX}?x=1`), true);
    assert.equal(f(`${INDEX}.evil`), false);
    assert.equal(f(`${INDEX}/x`), false);
    assert.equal(f('https://evil.example/index.html'), false);
    assert.equal(f(''), false);
  }
});
