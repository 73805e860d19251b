// Admin API input validation: every error names its field, for the CLI and the UI forms alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateInput } from '../../../src-main/shared/ipc/validate';
import { ApiError } from '../../../src-main/shared/ipc/errors';
import { API_METHODS, API_SCHEMAS } from '../../../src-main/shared/ipc/contract';
import { DEFAULT_SETTINGS, SETTINGS_SCHEMA } from '../../../src-main/shared/model/settings';
import { validateSettings } from '../../../src-main/server/services';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
    assert.equal(e.code, 'VALIDATION');
    return e.field;
  }
  assert.fail('expected a validation error');
}

const BAD: [string, string, unknown, string][] = [
  ['domains', 'add', { name: 'bad domain' }, 'name'],
  ['domains', 'add', { name: '' }, 'name'],
  ['domains', 'add', { name: 'ok.test', aliases: ['fine.test', 'no good'] }, 'aliases.1'],
  ['accounts', 'add', { address: 'no-at-sign', password: 'secreto1' }, 'address'],
  ['accounts', 'add', { address: 'a@b.test', password: '123' }, 'password'],
  ['accounts', 'add', { address: 'a@b.test', password: 'secreto1', quotaMb: -1 }, 'quotaMb'],
  ['accounts', 'add', { address: 'a@b.test', password: 'secreto1', adminLevel: 'root' }, 'adminLevel'],
  ['accounts', 'add', { address: 'a@b.test', password: 'secreto1', autoReplySubject: 'a\r\nBcc: x' }, 'autoReplySubject'],
  ['aliases', 'add', { address: 'a@b.test', target: 'nope' }, 'target'],
  ['lists', 'add', { address: 'l@b.test', mode: 'everyone' }, 'mode'],
  ['ports', 'add', { protocol: 'smtp', port: 70000 }, 'port'],
  ['ports', 'add', { protocol: 'ftp', port: 21 }, 'protocol'],
  ['ports', 'add', { protocol: 'smtp', port: 25, security: 'ssl' }, 'security'],
  ['ports', 'add', { protocol: 'smtp', port: 25, address: 'localhost' }, 'address'],
  ['ipRanges', 'add', { name: 'x', lower: '10.0.0.300', upper: '10.0.0.1' }, 'lower'],
  ['ipRanges', 'add', { name: 'x', lower: '10.0.0.1', upper: '10.0.0.2', priority: 5000 }, 'priority'],
  ['ipRanges', 'add', { name: '', lower: '10.0.0.1', upper: '10.0.0.2' }, 'name'],
  ['autoban', 'ban', { ip: 'not-an-ip' }, 'ip'],
  ['domains', 'get', { id: 'one' }, 'id'],
];

for (const [ns, method, input, field] of BAD) {
  test(`${ns}.${method} rejects ${JSON.stringify(input)} naming ${field}`, () => {
    assert.equal(
      fieldOf(() => validateInput(ns, method, input)),
      field,
    );
  });
}

test('valid input gets hMailServer defaults filled in', () => {
  const acc = validateInput('accounts', 'add', { address: 'Cuenta1@Aula.Test', password: 'secreto1' }) as Record<string, unknown>;
  assert.equal(acc.address, 'cuenta1@aula.test');
  assert.equal(acc.quotaMb, 0);
  assert.equal(acc.adminLevel, 'user');
  assert.equal(acc.enabled, true);
  const port = validateInput('ports', 'add', { protocol: 'smtp', port: 0 }) as Record<string, unknown>;
  assert.deepEqual(port, { protocol: 'smtp', address: '0.0.0.0', port: 0, security: 'none', certificateId: null, enabled: true });
});

test('an update leaves out what it does not change (no defaults re-applied)', () => {
  assert.deepEqual(validateInput('ports', 'update', { id: 3, port: 2525 }), { id: 3, port: 2525 });
  assert.deepEqual(validateInput('accounts', 'update', { id: 1, quotaMb: 5 }), { id: 1, quotaMb: 5 });
});

test('unknown methods and namespaces are refused', () => {
  assert.throws(() => validateInput('domains', 'drop', {}), /unknown method/);
  assert.throws(() => validateInput('nope', 'list', {}), /unknown method/);
});

test('every contract method has a schema, and methods without input refuse stray fields', () => {
  assert.ok(API_METHODS.length > 40);
  for (const [ns, m] of API_METHODS) assert.ok((API_SCHEMAS as Record<string, Record<string, unknown>>)[ns]![m], `${ns}.${m}`);
  assert.equal(fieldOf(() => validateInput('server', 'status', { extra: 1 })), undefined);
});

test('settings: hMailServer defaults, and invalid values name the key', () => {
  assert.equal(DEFAULT_SETTINGS['smtp.maxMessageSizeKb'], 20480);
  assert.equal(DEFAULT_SETTINGS['smtp.maxRecipients'], 100);
  assert.equal(DEFAULT_SETTINGS['smtp.retries'], 4);
  assert.equal(DEFAULT_SETTINGS['smtp.retryMinutes'], 60);
  assert.equal(DEFAULT_SETTINGS['autoban.enabled'], true);
  assert.equal(DEFAULT_SETTINGS['autoban.maxAttempts'], 3);
  assert.equal(DEFAULT_SETTINGS['autoban.resetMinutes'], 30);
  assert.equal(DEFAULT_SETTINGS['autoban.banMinutes'], 60);
  assert.equal(SETTINGS_SCHEMA.safeParse(DEFAULT_SETTINGS).success, true, 'the defaults satisfy the schema');
  assert.equal(fieldOf(() => validateSettings({ 'smtp.maxMessageSizeKb': 'abc' })), 'smtp.maxMessageSizeKb');
  assert.equal(fieldOf(() => validateSettings({ 'smtp.maxRecipients': 0 })), 'smtp.maxRecipients');
  assert.equal(fieldOf(() => validateSettings({ 'smtp.welcomeMessage': 'two\r\nlines' })), 'smtp.welcomeMessage');
  assert.equal(fieldOf(() => validateSettings({ 'no.such.key': 1 })), 'key');
  // CLI strings are read as the setting's type.
  assert.deepEqual(validateSettings({ 'smtp.maxMessageSizeKb': '1024', 'autoban.enabled': 'off' }), { 'smtp.maxMessageSizeKb': 1024, 'autoban.enabled': false });
});
