// Mailbox names between wire and store, and LIST pattern matching ("*", "%", INBOX in any case).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidName, patternMatcher, toStoreName, toWireName } from '../../../src-main/imap/names';

const MATCHES: [pattern: string, name: string, delimiter: string, match: boolean][] = [
  ['*', 'INBOX', '/', true],
  ['*', 'Work/2026/Q1', '/', true],
  ['%', 'Work', '/', true],
  ['%', 'Work/2026', '/', false],
  ['Work/%', 'Work/2026', '/', true],
  ['Work/%', 'Work/2026/Q1', '/', false],
  ['Work/*', 'Work/2026/Q1', '/', true],
  ['W%6', 'Work/2026', '/', false],
  ['W*6', 'Work/2026', '/', true],
  ['%/%', 'a/b', '/', true],
  ['%/%', 'a/b/c', '/', false],
  ['a%b', 'ax/b', '/', false],
  ['a%b', 'ax.b', '.', false],
  ['a%b', 'ax/b', '.', true],
  ['inbox', 'INBOX', '/', true],
  ['Inbox/%', 'INBOX/Old', '/', true],
  ['sent', 'Sent', '/', false],
  ['Sent', 'Sent', '/', true],
  ['*%*', 'x', '/', true],
  ['', '', '/', true],
  // Many wildcards against a long name: answered at once (a backtracking RegExp took ~50 s).
  ['*a*a*a*a*a*a*a*a*a*a*X', 'a'.repeat(200), '/', false],
  ['%a%a%a%a%a%a%a%a%a%aX', 'a'.repeat(200), '/', false],
];

test('LIST patterns', () => {
  for (const [pattern, name, delimiter, match] of MATCHES) {
    assert.equal(patternMatcher(pattern, delimiter)(name), match, `${pattern} ~ ${name} (${delimiter})`);
  }
});

test('wire names: modified UTF-7, the configured delimiter, INBOX in any case', () => {
  assert.equal(toStoreName('inbox', '/'), 'INBOX');
  assert.equal(toStoreName('Inbox/Viejo', '/'), 'INBOX/Viejo');
  assert.equal(toStoreName('Trabajo.2026', '.'), 'Trabajo/2026');
  assert.equal(toStoreName('Env&AO0-os', '/'), 'Envíos');
  assert.equal(toWireName('Trabajo/2026', '.'), 'Trabajo.2026');
  assert.equal(toWireName('Envíos', '/'), 'Env&AO0-os');
  for (const bad of ['', 'a//b', '/a', 'a/', 'a*b', 'a%b', 'Env&AO0os', 'x\u0001']) {
    assert.throws(() => toStoreName(bad, '/'), InvalidName, JSON.stringify(bad));
  }
  assert.throws(() => toStoreName('a/b', '.'), InvalidName, '"/" in a name when the delimiter is "."');
});
