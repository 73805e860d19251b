// The real UI in Debian's Chromium (playwright-core, no downloaded browser), served by the web
// admin, doing what a teacher does: log in; add a domain and two accounts; move the SMTP
// submission port and see the listener follow; generate a certificate and put IMAP on STARTTLS
// (required) with it; watch a message arrive in the live log; get an address banned by failed
// logons and lift the ban; open an account's dialog and set its auto-reply; import accounts from a
// CSV; apply and revert a lab preset; run the diagnostics and an MX query; switch to the dark
// theme; and check the main pages in Spanish for English left over. Screenshots of each page go
// to test/e2e/screenshots/ (git-ignored) for a person to look at.
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
import { resolver } from '../protocol/delivery/kit';
import es from '../../src-renderer/src/i18n/es';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test', 'e2e', 'screenshots');

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(150); // let Mantine's transitions settle
  // From the top: a full-page shot of a scrolled page draws the fixed header in the middle.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function nav(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation').getByText(label, { exact: true }).click();
}

test('web admin in Chromium: the teacher\'s first lab, end to end', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)` }, async () => {
  const build = tempDir('buzon-ui-');
  // The fake resolver answers the diagnostics' and MX query's DNS lookups: nothing leaves 127.0.0.1.
  const srv = await startServer({ lab: false, resolver });
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

    // The account's dialog: its auto-reply switched on and saved; its folders with the message.
    await page.getByRole('navigation').getByText('aula.test', { exact: true }).click();
    await page.getByRole('link', { name: 'cuenta2@aula.test' }).click();
    await page.getByRole('heading', { name: 'cuenta2@aula.test' }).waitFor();
    await page.getByRole('tab', { name: 'Auto-reply' }).click();
    await page.getByLabel('Send an automatic reply').check();
    await page.getByLabel('Subject', { exact: true }).fill('De vacaciones');
    await page.getByLabel('Text', { exact: true }).fill('Vuelvo el lunes.');
    await page.getByRole('button', { name: 'Save' }).click();
    await until(() => srv.host.repo.findAccount('cuenta2@aula.test')?.autoReplySubject === 'De vacaciones', 'the auto-reply stored');
    await shot(page, 'account');
    await page.getByRole('tab', { name: 'Advanced' }).click();
    await page.getByRole('row').filter({ hasText: 'INBOX' }).getByRole('cell', { name: '1', exact: true }).first().waitFor();
    await shot(page, 'account-folders');

    // Accounts from a CSV, as Spanish Excel saves it: two new, one that exists (its error shown).
    await page.getByRole('link', { name: /aula\.test/ }).first().click();
    await page.getByLabel('Or paste the rows').fill('correo;contraseña;nombre\nalumno1;secreto-a1;Ana\nalumno2;secreto-a2;Luis\ncuenta1;secreto-x;Otra');
    await page.getByRole('button', { name: 'Import accounts' }).click();
    await page.getByText('3 of 3').waitFor();
    await page.getByRole('row').filter({ hasText: 'cuenta1@aula.test' }).filter({ hasText: /exists/ }).waitFor();
    assert.ok(srv.host.repo.findAccount('alumno1@aula.test') && srv.host.repo.findAccount('alumno2@aula.test'), 'the two new accounts exist');
    await shot(page, 'import');

    // A lab preset, applied (telnet demos: a clear POP3 logon works) and reverted.
    await nav(page, 'Lab presets');
    const telnet = page.getByRole('region', { name: 'Telnet lab' });
    await telnet.getByRole('button', { name: 'Apply' }).click();
    await telnet.getByText(/Applied since/).waitFor();
    await shot(page, 'presets');
    const pop = await LineClient.open(srv.pop3Port);
    await pop.line();
    await pop.cmd('USER alumno1@aula.test');
    assert.match((await pop.cmd('PASS secreto-a1')).text, /^\+OK/, 'a clear POP3 logon under the telnet lab preset');
    pop.close();
    await telnet.getByRole('button', { name: 'Revert' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revert' }).click();
    await telnet.getByText('Not applied').waitFor();

    // Diagnostics and an MX query (answered by the fake resolver).
    await nav(page, 'Diagnostics');
    await page.getByRole('button', { name: 'Run diagnostics' }).click();
    await page.getByText(/\d+ ok, \d+ warnings, \d+ errors/).waitFor();
    await shot(page, 'diagnostics');
    await nav(page, 'MX query');
    await page.getByLabel('Domain name').fill('remoto.example');
    await page.getByRole('button', { name: 'Query' }).click();
    await page.getByRole('row').filter({ hasText: 'mx.remoto.example' }).filter({ hasText: '127.0.0.1' }).waitFor();
    await shot(page, 'mx');

    for (const [label, shotName] of [['Status', 'status'], ['Delivery queue', 'queue'], ['SMTP', 'smtp']] as const) {
      await nav(page, label);
      await page.getByRole('heading', { name: label === 'Status' ? 'Status' : label }).first().waitFor();
      await shot(page, shotName);
    }
    assert.deepEqual(consoleErrors.filter((e) => !/401|Failed to load resource/.test(e)), [], 'no errors in the browser console');

    // The dark theme, kept across a reload; then back to light.
    await nav(page, 'Status');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await page.waitForFunction("document.documentElement.getAttribute('data-mantine-color-scheme') === 'dark'");
    await page.getByRole('img', { name: /Traffic in the last 60 minutes: [1-9]\d* messages accepted/ }).waitFor();
    await shot(page, 'status-dark');
    await page.reload();
    await page.getByRole('button', { name: 'Light theme' }).click();
    await page.waitForFunction("document.documentElement.getAttribute('data-mantine-color-scheme') === 'light'");
    await nav(page, 'SMTP');

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
    // Each main page: no text, label, placeholder or title is an English string that has a Spanish one.
    const english = new Set(Object.entries(es).filter(([en, tr]) => en !== tr && en.length >= 3).map(([en]) => en));
    const domainId = srv.host.repo.findDomainByName('aula.test')!.id;
    const accountId = srv.host.repo.findAccount('cuenta2@aula.test')!.id;
    const main = ['#/welcome', '#/status', '#/queue', '#/domains', `#/domains/${domainId}`, `#/accounts/${accountId}`, '#/settings/smtp', '#/settings/protocols', '#/settings/autoban', '#/settings/ip-ranges', '#/settings/certificates', '#/settings/ports', '#/utilities/presets', '#/utilities/diagnostics', '#/utilities/client-setup'];
    for (const hash of main) {
      await page.goto(base + hash);
      await page.getByRole('main').getByRole('heading').first().waitFor();
      // The page's data in (SSE keeps a request open, so no "network idle" to wait for).
      await page.waitForTimeout(300);
      await page.getByText('Cargando…').first().waitFor({ state: 'detached' });
      // (A string, run in the page: this file is compiled without the DOM's types.)
      const texts = await page.evaluate<string[]>(`(() => {
        const out = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) out.push((n.textContent || '').trim());
        for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]'))
          for (const a of ['aria-label', 'placeholder', 'title']) out.push((el.getAttribute(a) || '').trim());
        return out.filter((t) => t !== '');
      })()`);
      assert.deepEqual([...new Set(texts.filter((t) => english.has(t)))], [], `${hash}: English left on the Spanish page`);
      if (hash === `#/domains/${domainId}`) await shot(page, 'domain-es');
    }
  } finally {
    await browser.close();
    await web.close();
    await srv.close();
    build.remove();
  }
});
