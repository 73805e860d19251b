// Sequence sets: what parses, what does not, and "*" against message counts and UID lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  contains,
  expandSequenceSet,
  expandUidSet,
  formatSequenceSet,
  hasNumberAbove,
  parseSequenceSet,
  toRanges,
  type SequenceSet,
} from '../../../../src-main/imap/protocol/sequence-set';

const set = (text: string): SequenceSet => {
  const s = parseSequenceSet(text);
  assert.ok(s, `${text} should parse`);
  return s;
};

const VALID: [string, SequenceSet][] = [
  ['1', [{ start: 1, end: 1 }]],
  ['*', [{ start: '*', end: '*' }]],
  ['1:*', [{ start: 1, end: '*' }]],
  ['*:4', [{ start: '*', end: 4 }]],
  ['4:2', [{ start: 4, end: 2 }]],
  ['1:5,7,9:*', [{ start: 1, end: 5 }, { start: 7, end: 7 }, { start: 9, end: '*' }]],
  ['4294967295', [{ start: 4294967295, end: 4294967295 }]],
  ['2,2,2', [{ start: 2, end: 2 }, { start: 2, end: 2 }, { start: 2, end: 2 }]],
];

for (const [text, expected] of VALID) {
  test(`parses ${text}`, () => assert.deepEqual(parseSequenceSet(text), expected));
}

const INVALID = ['', '0', '1:', ':1', 'a', '1:a', '0:5', '01', '1,,2', '1,', ',1', '1:2:3', '4294967296', '1 2', '-1', '1.5', '**', '$', '1:*:2', ' 1'];
for (const text of INVALID) {
  test(`rejects ${JSON.stringify(text)}`, () => assert.equal(parseSequenceSet(text), undefined));
}

// [set, max, numbers 1..10 in the set]
const CONTAINS: [string, number, number[]][] = [
  ['1:5,7,9:*', 10, [1, 2, 3, 4, 5, 7, 9, 10]],
  ['*', 10, [10]],
  ['*', 0, []],
  ['4:2', 10, [2, 3, 4]],
  ['8:*', 5, [5, 6, 7, 8]], // "*" below the start: the range is 5:8 (RFC 9051 §6.4.8)
  ['3', 2, [3]],
];
for (const [text, max, inSet] of CONTAINS) {
  test(`contains(${text}, n, ${max})`, () => {
    const s = set(text);
    const found = [...Array(10).keys()].map((i) => i + 1).filter((n) => contains(s, n, max));
    assert.deepEqual(found, inSet);
  });
}

test('toRanges sorts, merges overlapping and adjacent ranges, and swaps reversed ones', () => {
  assert.deepEqual(toRanges(set('5:7,1:3,4'), 100), [[1, 7]]);
  assert.deepEqual(toRanges(set('10:8,1,3,*'), 20), [[1, 1], [3, 3], [8, 10], [20, 20]]);
  assert.deepEqual(toRanges(set('1:*'), 0), [[0, 1]]);
});

test('expandSequenceSet stays within 1..max and never walks the numbers the client wrote', () => {
  assert.deepEqual(expandSequenceSet(set('1:5,7,9:*'), 10), [1, 2, 3, 4, 5, 7, 9, 10]);
  assert.deepEqual(expandSequenceSet(set('3,1,2,1:2'), 10), [1, 2, 3]);
  assert.deepEqual(expandSequenceSet(set('1:*'), 0), []);
  assert.deepEqual(expandSequenceSet(set('2:4'), 3), [2, 3]);
  const started = Date.now();
  assert.deepEqual(expandSequenceSet(set('1:4294967295'), 3), [1, 2, 3]);
  assert.ok(Date.now() - started < 100);
});

test('hasNumberAbove finds sequence numbers beyond the mailbox ("*" never is)', () => {
  assert.equal(hasNumberAbove(set('1:*'), 3), false);
  assert.equal(hasNumberAbove(set('1:3'), 3), false);
  assert.equal(hasNumberAbove(set('1:4'), 3), true);
  assert.equal(hasNumberAbove(set('4:*'), 3), true);
  assert.equal(hasNumberAbove(set('*'), 0), false);
});

const UIDS = [3, 4, 10, 11, 12, 50, 51, 4000];
// [set, UIDs of UIDS it names]
const UID_CASES: [string, number[]][] = [
  ['1:*', UIDS],
  ['*', [4000]],
  ['5000:*', [4000]], // "559:*" always includes the last UID
  ['4:11', [4, 10, 11]],
  ['11:4', [4, 10, 11]],
  ['1,2,5:9', []],
  ['12,3,51:50,12', [3, 12, 50, 51]],
  ['1:4294967295', UIDS],
];
for (const [text, expected] of UID_CASES) {
  test(`expandUidSet(${text})`, () => assert.deepEqual(expandUidSet(set(text), UIDS), expected));
}

test('expandUidSet on an empty mailbox', () => {
  assert.deepEqual(expandUidSet(set('1:*'), []), []);
  assert.deepEqual(expandUidSet(set('*'), []), []);
});

test('expandUidSet over a large mailbox is proportional to the answer', () => {
  const uids = Array.from({ length: 200_000 }, (_, i) => i * 2 + 1);
  assert.deepEqual(expandUidSet(set('399990:*'), uids), [399991, 399993, 399995, 399997, 399999]);
});

const FORMAT: [number[], string][] = [
  [[1], '1'],
  [[1, 2, 3, 5, 9, 8], '1:3,5,8:9'],
  [[7, 7, 6], '6:7'],
  [[304, 319, 320], '304,319:320'],
  [[4294967295, 1], '1,4294967295'],
];
for (const [numbers, text] of FORMAT) {
  test(`formatSequenceSet(${JSON.stringify(numbers)}) = ${text}`, () => {
    assert.equal(formatSequenceSet(numbers), text);
    assert.deepEqual(expandUidSet(set(text), [...new Set(numbers)].sort((a, b) => a - b)), [...new Set(numbers)].sort((a, b) => a - b));
  });
}

test('formatSequenceSet refuses what has no wire form', () => {
  assert.throws(() => formatSequenceSet([]), RangeError);
  assert.throws(() => formatSequenceSet([0]), RangeError);
  assert.throws(() => formatSequenceSet([1.5]), RangeError);
  assert.throws(() => formatSequenceSet([4294967296]), RangeError);
});
