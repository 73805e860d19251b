// Modified UTF-7 mailbox names (RFC 3501 §5.1.3): RFC vectors, round trips, and the non-canonical
// or broken forms that decoding must refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Utf7Error, decodeMailboxName, encodeMailboxName, isValidMailboxUtf7 } from '../../../../src-main/imap/protocol/utf7';

// [Unicode name, modified UTF-7]
const VECTORS: [string, string][] = [
  ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'], // RFC 3501 §5.1.3
  ['台北', '&U,BTFw-'],
  ['日本語', '&ZeVnLIqe-'],
  ['INBOX', 'INBOX'],
  ['', ''],
  ['&', '&-'],
  ['Tom & Jerry', 'Tom &- Jerry'],
  ['&&', '&-&-'],
  ['Entwürfe', 'Entw&APw-rfe'],
  ['Élément envoyé', '&AMk-l&AOk-ment envoy&AOk-'],
  ['Корзина', '&BBoEPgRABDcEOAQ9BDA-'], // vectors without an RFC source: Python's UTF-16BE + base64
  ['Папки/Отправленные', '&BB8EMAQ,BDoEOA-/&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-'],
  ['📧', '&2D3c5w-'], // a surrogate pair
  ['a📧b', 'a&2D3c5w-b'],
  ['tab\there', 'tab&AAk-here'], // control characters are encoded, not refused
  ['~ !"#$%\'()*+,-./:;<=>?@[\\]^_`{|}', '~ !"#$%\'()*+,-./:;<=>?@[\\]^_`{|}'], // printable ASCII stands for itself
  ['é&é', '&AOk-&-&AOk-'],
];

for (const [name, wire] of VECTORS) {
  test(`${JSON.stringify(name)} ↔ ${JSON.stringify(wire)}`, () => {
    assert.equal(encodeMailboxName(name), wire);
    assert.equal(decodeMailboxName(wire), name);
    assert.ok(isValidMailboxUtf7(wire));
  });
}

// [wire text, why it is refused]
const INVALID: [string, string][] = [
  ['&', 'unterminated run'],
  ['abc&U,BTFw', 'unterminated run'],
  ['&AGE-', 'encoded printable ASCII ("a")'],
  ['&ACY-', 'encoded "&" (must be "&-")'],
  ['&U,BTFw-&ZeVnLIqe-', 'two adjacent runs'],
  ['&U,BTFx-', 'non-zero padding bits'],
  ['&AA-', 'run ends inside a code unit'],
  ['&2D0-', 'unpaired high surrogate'],
  ['&3OcAYQ-', 'unpaired low surrogate'],
  ['&Jjo!-', 'character outside modified base64'],
  ['&U/BTFw-', '"/" instead of ","'],
  ['&U,BTFw=-', 'base64 padding'],
  ['Entwürfe', '8-bit character'],
  ['a\tb', 'control character'],
  ['a\r\nb', 'CR LF'],
];

for (const [wire, why] of INVALID) {
  test(`refuses ${JSON.stringify(wire)}: ${why}`, () => {
    assert.throws(() => decodeMailboxName(wire), Utf7Error);
    assert.equal(isValidMailboxUtf7(wire), false);
  });
}

test('encoding refuses unpaired surrogates', () => {
  assert.throws(() => encodeMailboxName('a\ud83d'), Utf7Error);
  assert.throws(() => encodeMailboxName('\udce7b'), Utf7Error);
  assert.throws(() => encodeMailboxName('\udce7\ud83d'), Utf7Error, 'low then high is not a pair');
});

test('round trip of random names, and decode(encode(x)) is canonical', () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pool = ['a', 'Z', '&', '-', ' ', '/', '.', 'ü', 'ß', '台', '語', '😀', '\u0001', '~', ',', '+'];
  for (let i = 0; i < 500; i++) {
    let name = '';
    for (let n = rand(12); n > 0; n--) name += pool[rand(pool.length)];
    const wire = encodeMailboxName(name);
    assert.match(wire, /^[\x20-\x7e]*$/);
    assert.equal(decodeMailboxName(wire), name);
  }
});
