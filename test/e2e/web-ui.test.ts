// The real UI in Debian's Chromium (playwright-core, no downloaded browser), served by the web
// admin: the login page refuses a wrong password and lets the right one in; the status page shows
// the server running with its listeners; a message sent with nodemailer shows up in the live log.
// Screenshots go to test/e2e/screenshots/ (git-ignored) for a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import nodemailer from 'nodemailer';
import { startServer } from '../helpers/start-server';
import { tempDir } from '../helpers/temp-dir';
import { REPO_ROOT } from '../helpers/buzon-process';
import { createWebAdmin } from '../../src-main/web/web-admin';
import { buildRenderer } from '../../scripts/build-renderer.mjs';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test', 'e2e', 'screenshots');

test('web admin in Chromium: log in, see the server and its ports, watch the live log', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)` }, async () => {
  const build = tempDir('buzon-ui-');
  const srv = await startServer();
  const web = createWebAdmin(srv.host, { address: '127.0.0.1', port: 0, staticDir: build.path });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    await buildRenderer(build.path);
    await srv.call('admin', 'setPassword', { password: 'clave-admin-1' });
    const base = `http://127.0.0.1:${await web.listen()}/`;
    mkdirSync(SHOTS, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));

    await page.goto(base);
    await page.locator('input[type="password"]').waitFor();
    await page.screenshot({ path: join(SHOTS, 'login.png') });
    await page.locator('input[type="password"]').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await assert.doesNotReject(page.getByRole('alert').filter({ hasText: 'wrong password' }).waitFor({ timeout: 10_000 }));

    await page.locator('input[type="password"]').fill('clave-admin-1');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('TCP/IP ports').waitFor({ timeout: 10_000 });
    await page.getByText('Running', { exact: true }).waitFor();
    const rows = await page.locator('tbody tr').allInnerTexts();
    assert.ok(rows.some((r) => /^SMTP\s/.test(r) && /listening/.test(r)), rows.join('\n'));
    assert.ok(rows.some((r) => /^IMAP\s/.test(r)), 'IMAP listed');

    // Live: a message sent now appears in the log on the page (server-sent events).
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
    await t.sendMail({ from: 'cuenta1@aula.test', to: 'cuenta2@aula.test', subject: 'en directo', text: 'hola\r\n' });
    await page.getByText(/message accepted/).first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, 'status.png'), fullPage: true });
    assert.deepEqual(consoleErrors.filter((e) => !/401/.test(e)), [], 'no errors in the browser console');

    // A reload keeps the session (the cookie), without asking again.
    await page.reload();
    await page.getByText('TCP/IP ports').waitFor({ timeout: 10_000 });
  } finally {
    await browser.close();
    await web.close();
    await srv.close();
    build.remove();
  }
});
