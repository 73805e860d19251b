// The real UI in Debian's Chromium (playwright-core, no downloaded browser), served by the web
// admin, doing what a teacher does: log in; add a domain and two accounts; move the SMTP
// submission port and see the listener follow; generate a certificate and put IMAP on STARTTLS
// (required) with it; watch a message arrive in the live log; get an address banned by failed
// logons and lift the ban. Screenshots of each page go to test/e2e/screenshots/ (git-ignored) for
// a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import nodemailer from 'nodemailer';
import { startServer } from '../helpers/start-server';
import { tempDir } from '../helpers/temp-dir';
import { REPO_ROOT } from '../helpers/buzon-process';
import { LineClient } from '../helpers/line-client';
import { until } from '../protocol/smtp/kit';
import { createWebAdmin } from '../../src-main/web/web-admin';
import { buildRenderer } from '../../scripts/build-renderer.mjs';
import type { PortStatus } from '../../src-main/shared/model/entities';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test', 'e2e', 'screenshots');

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(150); // let Mantine's transitions settle
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function nav(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation').getByText(label, { exact: true }).click();
}

test('web admin in Chromium: the teacher\'s first lab, end to end', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)` }, async () => {
  const build = tempDir('buzon-ui-');
  const srv = await startServer({ lab: false });
  const web = createWebAdmin(srv.host, { address: '127.0.0.1', port: 0, staticDir: build.path });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    await buildRenderer(build.path);
    await srv.call('admin', 'setPassword', { password: 'clave-admin-1' });
    const base = `http://127.0.0.1:${await web.listen()}/`;
    mkdirSync(SHOTS, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.setDefaultTimeout(10_000);

    // Log in: a wrong password is refused with the reason, the right one opens the app.
    await page.goto(base);
    const password = page.locator('input[type="password"]');
    await password.waitFor();
    await shot(page, 'login');
    await password.fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong password' }).waitFor();
    await password.fill('clave-admin-1');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Welcome to Buzón' }).waitFor();
    await shot(page, 'welcome');

    // Add a domain, then two accounts in it.
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByLabel('Domain name').fill('aula.test');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('main').getByText('aula.test', { exact: true }).click();
    await page.getByRole('heading', { name: 'aula.test' }).waitFor();
    for (const [user, pass] of [['cuenta1', 'secreto1'], ['cuenta2', 'secreto2']] as const) {
      await page.getByLabel('Address', { exact: true }).fill(user);
      await page.getByLabel('Account password').fill(pass);
      await page.getByRole('button', { name: 'Add account' }).click();
      await page.getByRole('main').getByText(`${user}@aula.test`).waitFor();
    }
    assert.ok(srv.host.repo.findAccount('cuenta1@aula.test') && srv.host.repo.findAccount('cuenta2@aula.test'), 'both accounts exist');
    // A bad address gets its error next to the field.
    await page.getByLabel('Address', { exact: true }).fill('no good@@');
    await page.getByLabel('Account password').fill('secreto3');
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.getByText(/not a valid e-mail address/).waitFor();
    await shot(page, 'domain');

    // Move submission from 587 to 2587: the listener follows (bound again, live).
    await nav(page, 'TCP/IP ports');
    await page.getByRole('heading', { name: 'TCP/IP ports' }).waitFor();
    const ports = await srv.call<PortStatus[]>('ports', 'list');
    const row587 = page.getByRole('row').filter({ hasText: 'SMTP' }).filter({ hasText: '587' });
    await row587.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Port', { exact: true }).fill('2587');
    await page.getByRole('button', { name: 'Save' }).click();
    await until(() => srv.host.boundPort('smtp', 2587) !== undefined, 'the listener on the new port');
    assert.equal(srv.host.boundPort('smtp', 587), undefined);
    await page.getByRole('row').filter({ hasText: '2587' }).filter({ hasText: 'listening' }).waitFor();
    await shot(page, 'ports');

    // A certificate, then IMAP on STARTTLS (required) with it.
    await nav(page, 'SSL certificates');
    await page.getByLabel('Certificate name').first().fill('aula');
    await page.getByLabel('Host name').fill('mail.aula.test');
    await page.getByRole('button', { name: 'Generate certificate' }).click();
    await page.getByRole('row').filter({ hasText: 'mail.aula.test' }).first().waitFor();
    await shot(page, 'certificates');
    const certId = (await srv.call<{ id: number; name: string }[]>('certificates', 'list')).find((c) => c.name === 'aula')!.id;
    await nav(page, 'TCP/IP ports');
    const imapId = ports.find((p) => p.protocol === 'imap' && p.port === 143)!.id;
    await page.getByRole('row').filter({ hasText: 'IMAP' }).filter({ hasText: '143' }).getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('dialog').getByLabel('Security', { exact: true }).first().click();
    await page.getByRole('option', { name: 'starttls-required' }).click();
    await page.getByRole('dialog').getByLabel('Certificate', { exact: true }).first().click();
    await page.getByRole('option', { name: 'aula' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await until(() => srv.host.status().listeners.some((l) => l.id === imapId && l.security === 'starttls-required' && l.certificateId === certId && l.state === 'listening'), 'IMAP on STARTTLS (required)');

    // Live log: a message sent now shows up.
    await nav(page, 'Live log');
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
    await t.sendMail({ from: 'cuenta1@aula.test', to: 'cuenta2@aula.test', subject: 'en directo', text: 'hola\r\n' });
    await page.getByTestId('log').filter({ hasText: 'message accepted' }).waitFor();
    await shot(page, 'log');
    // …and in the account's size, on the domain's page.
    await page.getByRole('navigation').getByText('aula.test', { exact: true }).click();
    await page.getByRole('row').filter({ hasText: 'cuenta2@aula.test' }).filter({ hasText: /aula\.test[1-9]\d* KB/ }).waitFor();
    await page.getByRole('row').filter({ hasText: 'cuenta1@aula.test' }).filter({ hasText: /aula\.test0 KB/ }).waitFor();

    // Three failed POP3 logons ban the address; the Auto-ban page lifts the ban.
    for (let i = 0; i < 3; i++) {
      const c = await LineClient.open(srv.pop3Port);
      await c.line();
      await c.cmd('USER cuenta1@aula.test');
      await c.cmd('PASS mala');
      c.close();
    }
    await until(() => srv.host.autoban.isAuthBanned('127.0.0.1'), 'the ban');
    await nav(page, 'Auto-ban');
    const banRow = page.getByRole('row').filter({ hasText: '127.0.0.1' });
    await banRow.waitFor();
    await shot(page, 'autoban');
    await banRow.getByRole('button', { name: 'Unban' }).click();
    await banRow.waitFor({ state: 'detached' });
    assert.equal(srv.host.autoban.isAuthBanned('127.0.0.1'), false);

    for (const [label, shotName] of [['Status', 'status'], ['Delivery queue', 'queue'], ['SMTP', 'smtp']] as const) {
      await nav(page, label);
      await page.getByRole('heading', { name: label === 'Status' ? 'Status' : label }).first().waitFor();
      await shot(page, shotName);
    }
    assert.deepEqual(consoleErrors.filter((e) => !/401|Failed to load resource/.test(e)), [], 'no errors in the browser console');

    // A reload keeps the session (the cookie) and the page (the URL's hash).
    await page.reload();
    await page.getByRole('heading', { name: 'SMTP' }).first().waitFor();

    // In Spanish: the tree and the page switch at once, and the choice survives a reload.
    await page.getByRole('banner').getByLabel('Language', { exact: true }).first().click();
    await page.getByRole('option', { name: 'Español' }).click();
    await nav(page, 'Dominios');
    await page.getByRole('heading', { name: 'Dominios' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Dominios' }).waitFor();
    await shot(page, 'domains-es');
    const text = await page.locator('body').innerText();
    for (const english of ['Add domain', 'Delivery queue', 'Settings', 'Live log']) assert.ok(!text.includes(english), `no "${english}" left in Spanish`);
  } finally {
    await browser.close();
    await web.close();
    await srv.close();
    build.remove();
  }
});
