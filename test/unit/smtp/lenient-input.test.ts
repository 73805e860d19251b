// The classroom forms of MAIL FROM / RCPT TO that smtp-server alone would answer with 501.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lfToCrlf, rewriteCommandLine } from '../../../src-main/smtp/lenient-input';

const q = (n: string) => `${n}@aula.test`;

const CASES: [string, string][] = [
  ['mail from:pepe@winp', 'MAIL FROM:<pepe@winp>'],
  ['MAIL FROM: root', 'MAIL FROM:<root@aula.test>'],
  ['RCPT TO: antonio', 'RCPT TO:<antonio@aula.test>'],
  ['rcpt to:maroto@winp', 'RCPT TO:<maroto@winp>'],
  ['mail from: correuremitent@dominiServidorSmtp', 'MAIL FROM:<correuremitent@dominiServidorSmtp>'],
  ['MAIL FROM:<a@b.test> SIZE=100', 'MAIL FROM:<a@b.test> SIZE=100'],
  ['MAIL FROM: a@b.test SIZE=100 BODY=8BITMIME', 'MAIL FROM:<a@b.test> SIZE=100 BODY=8BITMIME'],
  ['mail from:  <a@b.test>', 'MAIL FROM:<a@b.test>'],
  ['MAIL FROM : <a@b.test>', 'MAIL FROM:<a@b.test>'],
  ['RCPT TO:<antonio>', 'RCPT TO:<antonio@aula.test>'],
  ['RCPT TO: postmaster', 'RCPT TO:<postmaster>'],
  ['MAIL FROM:<>', 'MAIL FROM:<>'],
  ['rcpt to: a@b <c@d>', 'rcpt to: a@b <c@d>'], // not an address form we guess at: left to the library
];

for (const [input, expected] of CASES) {
  test(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
    assert.equal(rewriteCommandLine(input, q), expected);
  });
}

test('bare LF becomes CRLF; existing CRLF, and a CR ending the previous chunk, are kept', () => {
  assert.equal(lfToCrlf(Buffer.from('a\nb\r\nc\n')).toString(), 'a\r\nb\r\nc\r\n');
  assert.equal(lfToCrlf(Buffer.from('\nx'), 0x0d).toString(), '\nx');
  assert.equal(lfToCrlf(Buffer.from('\nx'), 0x41).toString(), '\r\nx');
  const same = Buffer.from('no newline');
  assert.equal(lfToCrlf(same), same, 'unchanged chunks are not copied');
});
