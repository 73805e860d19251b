// The UI in Spanish, Catalan and Galician: every English string of every page has its
// translation in each dictionary (but for protocol terms and the like), no dictionary keeps a
// string the UI no longer has, placeholders and protocol terms survive translation, and the app
// rendered in Spanish against a real server shows its pages in Spanish, not in English.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { withApi, renderPage, type TestServer } from './dom';
import { cleanup, screen, waitFor } from '@testing-library/react';
import { allStrings, fmt, setLang, type Lang } from '../../src-renderer/src/i18n';
import es from '../../src-renderer/src/i18n/es';
import ca from '../../src-renderer/src/i18n/ca';
import gl from '../../src-renderer/src/i18n/gl';

type Dictionary = Readonly<Record<string, string>>;
const DICTIONARIES: Record<Exclude<Lang, 'en'>, Dictionary> = { es, ca, gl };

// Each module's own strings: the ones that its import registers (shared first, App last, as App
// imports every page).
const MODULES = {
  shared: () => import('../../src-renderer/src/pages/shared'),
  Login: () => import('../../src-renderer/src/Login'),
  TrafficChart: () => import('../../src-renderer/src/TrafficChart'),
  StatusPage: () => import('../../src-renderer/src/StatusPage'),
  LogPage: () => import('../../src-renderer/src/LogPage'),
  AutobanPage: () => import('../../src-renderer/src/pages/AutobanPage'),
  CertificatesPage: () => import('../../src-renderer/src/pages/CertificatesPage'),
  ClientSetupPage: () => import('../../src-renderer/src/pages/ClientSetupPage'),
  ListsTab: () => import('../../src-renderer/src/pages/ListsTab'),
  BulkImport: () => import('../../src-renderer/src/pages/BulkImport'),
  DomainPage: () => import('../../src-renderer/src/pages/DomainPage'),
  AccountPage: () => import('../../src-renderer/src/pages/AccountPage'),
  DomainsPage: () => import('../../src-renderer/src/pages/DomainsPage'),
  IpRangesPage: () => import('../../src-renderer/src/pages/IpRangesPage'),
  LoggingPage: () => import('../../src-renderer/src/pages/LoggingPage'),
  PortsPage: () => import('../../src-renderer/src/pages/PortsPage'),
  ProtocolsPage: () => import('../../src-renderer/src/pages/ProtocolsPage'),
  QueuePage: () => import('../../src-renderer/src/pages/QueuePage'),
  RoutesPage: () => import('../../src-renderer/src/pages/RoutesPage'),
  ServerMessagesPage: () => import('../../src-renderer/src/pages/ServerMessagesPage'),
  SmtpPage: () => import('../../src-renderer/src/pages/SmtpPage'),
  TlsPage: () => import('../../src-renderer/src/pages/TlsPage'),
  MxQueryPage: () => import('../../src-renderer/src/pages/MxQueryPage'),
  DiagnosticsPage: () => import('../../src-renderer/src/pages/DiagnosticsPage'),
  LabPresetsPage: () => import('../../src-renderer/src/pages/LabPresetsPage'),
  App: () => import('../../src-renderer/src/App'),
};
type ModuleName = keyof typeof MODULES;

const own = {} as Record<ModuleName, string[]>;
for (const [name, load] of Object.entries(MODULES) as [ModuleName, () => Promise<unknown>][]) {
  const seen = new Set(allStrings());
  await load();
  own[name] = allStrings().filter((s) => !seen.has(s));
}
const { App } = await import('../../src-renderer/src/App');

/** Not translated in any language: protocol terms, placeholders alone, examples, the server's own text. */
const UNTRANSLATED = new Set([
  'SMTP',
  'POP3',
  'IMAP',
  'TCP/IP',
  'SSL/TLS',
  'STARTTLS',
  'DKIM',
  '<>',
  '{n} KB',
  '{row}: {column}',
  '← {domain}',
  'example.com',
  '192.168.1.0',
  // The server's built-in subject, shown as the placeholder of its setting: it is sent as it is.
  'Undelivered Mail Returned to Sender',
]);

/** The same word in that language. */
const SAME: Record<Exclude<Lang, 'en'>, readonly string[]> = {
  es: ['No', 'General', 'Selector', '{m} min', '{h} h {m} min', '{d} d {h} h', 'error'],
  ca: ['No', 'General', 'Selector', 'Protocol', 'Protocols', 'Port', 'Ports', 'Quota (MB)', '{m} min', '{h} h {m} min', '{d} d {h} h', 'Text', 'error'],
  gl: ['Selector', '{m} min', '{h} h {m} min', '{d} d {h} h'],
};

/** Terms that stay as they are inside a translated sentence. */
const TERMS = ['SMTP', 'POP3', 'IMAP', 'STARTTLS', 'SSL/TLS', 'TLS', 'DKIM', 'MX', 'IP', 'TCP/IP', 'PEM', 'PFX', 'CA', 'HELO/EHLO', 'Thunderbird', 'Outlook'];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `phrase` in `text` as whole words (not "Import" inside "Importar"). */
const hasPhrase = (text: string, phrase: string): boolean => new RegExp(`(?<![\\p{L}\\p{N}])${escape(phrase)}(?![\\p{L}\\p{N}])`, 'u').test(text);
/** Each text of the page on its own (textContent runs cells together), with the labels, placeholders and titles of its elements. */
function visibleTexts(): string[] {
  const out: string[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) out.push(n.textContent ?? '');
  for (const el of document.body.querySelectorAll('[aria-label], [placeholder], [title]')) {
    for (const attr of ['aria-label', 'placeholder', 'title']) out.push(el.getAttribute(attr) ?? '');
  }
  return out.filter((t) => t.trim() !== '');
}
const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

test('every English string has its translation in each language, and no dictionary keeps a stale one', () => {
  const english = allStrings();
  assert.ok(english.length > 300, `all the pages registered their strings (${english.length})`);
  for (const name of Object.keys(MODULES) as ModuleName[]) assert.ok(own[name].length > 0, `${name} has strings of its own`);
  for (const s of UNTRANSLATED) assert.ok(english.includes(s), `allow-listed "${s}" is still used`);
  for (const [lang, dict] of Object.entries(DICTIONARIES) as [Exclude<Lang, 'en'>, Dictionary][]) {
    const same = new Set(SAME[lang]);
    for (const s of same) assert.ok(english.includes(s) && dict[s] === undefined, `${lang}: "${s}" is used and has no entry`);
    const missing = english.filter((s) => dict[s] === undefined && !UNTRANSLATED.has(s) && !same.has(s));
    assert.deepEqual(missing, [], `${lang}: strings without a translation`);
    const stale = Object.keys(dict).filter((k) => !english.includes(k));
    assert.deepEqual(stale, [], `${lang}: entries for strings the UI no longer has`);
    for (const [en, t] of Object.entries(dict)) {
      assert.notEqual(t.trim(), '', `${lang}: "${en}" is translated`);
      assert.notEqual(t, en, `${lang}: "${en}" is the same: allow-list it instead`);
      assert.deepEqual(placeholders(t), placeholders(en), `${lang}: the placeholders of "${en}"`);
      for (const term of TERMS) if (hasPhrase(en, term)) assert.ok(hasPhrase(t, term), `${lang}: "${term}" kept in "${t}"`);
    }
  }
});

test('fmt fills the placeholders of a template, and leaves unknown ones', () => {
  assert.equal(fmt('{n} days left', { n: 3 }), '3 days left');
  assert.equal(fmt('{protocol} on {address}:{port}', { protocol: 'SMTP', address: '0.0.0.0', port: 25 }), 'SMTP on 0.0.0.0:25');
  assert.equal(fmt('{a} and {b}', { a: 'x' }), 'x and {b}');
});

let srv: TestServer;
before(async () => {
  srv = await withApi();
});
after(async () => {
  setLang('en');
  cleanup();
  await srv.close();
});

test('the app in Spanish: each main page shows its Spanish labels and none of its English ones', async () => {
  const domainId = srv.host.repo.findDomainByName('aula.test')?.id;
  assert.ok(domainId !== undefined, 'the lab domain');
  const pages: readonly { hash: string; module: ModuleName; shows: readonly string[]; data?: string }[] = [
    { hash: '#/welcome', module: 'App', shows: ['Welcome to Buzón', 'Add domain', 'Delivery queue', 'IP ranges'] },
    { hash: '#/domains', module: 'DomainsPage', shows: ['Domains', 'Add a domain', 'Domain name', 'Accounts'] },
    { hash: `#/domains/${domainId}`, module: 'DomainPage', shows: ['Accounts', 'Aliases', 'Add an account', 'Account password'], data: 'cuenta1@aula.test' },
    { hash: '#/settings/ports', module: 'PortsPage', shows: ['TCP/IP ports', 'Bound port', 'Restore defaults', 'listening'] },
    { hash: '#/settings/certificates', module: 'CertificatesPage', shows: ['SSL certificates', 'Generate certificate', 'Certificate name', 'Drop the certificate files here'] },
    { hash: '#/settings/autoban', module: 'AutobanPage', shows: ['Auto-ban', 'Max invalid logon attempts', 'Banned IP addresses', 'Save'] },
    { hash: '#/queue', module: 'QueuePage', shows: ['Delivery queue', 'Flush', 'Clear queue', 'The queue is empty: mail for other servers waits here until it is delivered.'] },
    { hash: '#/status', module: 'StatusPage', shows: ['Status', 'Failed logons', 'SMTP sessions', 'listening'] },
  ];

  setLang('es');
  window.location.hash = '#/welcome';
  renderPage(<App />);
  await screen.findByText(es['Welcome to Buzón']!);
  for (const page of pages) {
    window.location.hash = page.hash;
    const text = () => document.body.textContent ?? '';
    await waitFor(
      () => {
        for (const label of page.shows) assert.ok(text().includes(es[label]!), `${page.hash}: shows "${es[label]}" (${label})`);
        if (page.data) assert.ok(text().includes(page.data), `${page.hash}: its data has loaded`);
      },
      { timeout: 5000 },
    );
    const english = [...own[page.module], ...own.shared, ...own.App].filter((s) => s.length >= 4 && !s.includes('{') && es[s] !== undefined && es[s] !== s);
    const texts = visibleTexts();
    const shown = english.filter((s) => texts.some((t) => hasPhrase(t, s)));
    assert.deepEqual(shown, [], `${page.hash}: English strings on the Spanish page`);
  }
});
