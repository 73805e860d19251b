// Limits and recovery: a command that is too long, too deep, too big or not IMAP gets its error
// (tagged when the tag is readable), its remaining bytes are skipped without being read as
// commands, and the next command on the connection is read normally. Also raw lines (IDLE DONE,
// AUTHENTICATE) and pause/resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader, type ImapParseError } from '../../../../src-main/imap/protocol/parser';
import { CHUNKINGS, chunkName, makeReader, run, simplify, type Event, type RunOptions, type Simple } from './reader-harness';

const NEXT = 'Z9 NOOP\r\n';
const next: Event = { command: 'NOOP', tag: 'Z9', args: [] };
const err = (code: Extract<Event, { error: string }>['error'], tag: string, command?: string): Event => ({ error: code, tag, ...(command ? { command } : {}) });

/** value wrapped in n lists. */
function nest(n: number, value: Simple): Simple {
  return n === 0 ? value : [nest(n - 1, value)];
}

type Case = [name: string, input: string | Buffer, expected: Event[], options?: RunOptions];

function table(cases: Case[]): void {
  for (const [name, input, expected, options] of cases) {
    test(name, () => {
      for (const chunking of CHUNKINGS) {
        assert.deepEqual(run(input, chunking, options), expected, `fed ${chunkName(chunking)}`);
      }
    });
  }
}

// Each bad command is followed by a good one on the same connection: both produce results.
const SYNTAX: [input: string, tag: string, command?: string][] = [
  ['A1\r\n', 'A1'],
  ['A1 \r\n', 'A1'],
  ['A1 UID\r\n', 'A1'],
  ['A1 UID (\r\n', 'A1'],
  ['+A1 NOOP\r\n', '*'],
  ['(A1) NOOP\r\n', '*'],
  ['   \r\n', '*'],
  ['A1 NOOP(\r\n', 'A1', 'NOOP'],
  ['A1 LOGIN "abc\r\n', 'A1', 'LOGIN'],
  ['A1 LOGIN "a\\b" x\r\n', 'A1', 'LOGIN'],
  ['A1 LOGIN "a\rb" x\r\n', 'A1', 'LOGIN'],
  ['A1 X "a"b\r\n', 'A1', 'X'],
  ['A1 X (a\r\n', 'A1', 'X'],
  ['A1 X a)\r\n', 'A1', 'X'],
  ['A1 X (a ))\r\n', 'A1', 'X'],
  ['A1 X  a\r\n', 'A1', 'X'],
  ['A1 X ( a)\r\n', 'A1', 'X'],
  ['A1 X {5\r\n', 'A1', 'X'],
  ['A1 X {5} a\r\n', 'A1', 'X'],
  ['A1 X {abc}\r\n', 'A1', 'X'],
  ['A1 X {-1}\r\n', 'A1', 'X'],
  ['A1 X ~{5}\r\n', 'A1', 'X'],
  ['A1 X a\x00b\r\n', 'A1', 'X'],
  ['A1 X \\ y\r\n', 'A1', 'X'],
  ['A1 X a\\b\r\n', 'A1', 'X'],
  ['A1 FETCH 1 BODY[FOO]\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[0]\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[1.]\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[HEADER.FIELDS]\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[HEADER.FIELDS ()]\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[HEADER.FIELDS (A) x]\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[TEXT (A)]\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[MIME]\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BINARY[TEXT]\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[]<0>\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[]<0.0>\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[]<a.1>\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[]<0.1>x\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BINARY.SIZE[1]<0.5>\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[TEXT\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 (BODY[TEXT)]\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[TEXT ]\r\n', 'A1', 'FETCH'],
  ['A1 FETCH 1 BODY[]]\r\n', 'A1', 'FETCH'],
];

table(
  SYNTAX.map(([input, tag, command]): Case => [`syntax error then a good command: ${JSON.stringify(input)}`, input + NEXT, [err('syntax', tag, command), next]]),
);

table([
  ['TLS ClientHello on the plain port: an error for "*", then IMAP', Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0a]), Buffer.from(NEXT)]), [err('syntax', '*'), next]],
  ['a line too long without a literal: one error with the tag, rest of the line dropped', `A1 LOGIN ${'a'.repeat(200)} b\r\n${NEXT}`, [err('line-too-long', 'A1', 'LOGIN'), next], { maxLineLength: 100 }],
  ['a line of exactly the limit is accepted (CRLF or LF not counted)', `A1 X ${'a'.repeat(95)}\r\nA2 X ${'b'.repeat(95)}\n`, [
    { command: 'X', tag: 'A1', args: ['a'.repeat(95)] },
    { command: 'X', tag: 'A2', args: ['b'.repeat(95)] },
  ], { maxLineLength: 100 }],
  ['one byte over the limit is not', `A1 X ${'a'.repeat(96)}\r\nA2 X ${'b'.repeat(96)}\n${NEXT}`, [err('line-too-long', 'A1', 'X'), err('line-too-long', 'A2', 'X'), next], { maxLineLength: 100 }],
  ['an overlong line ending in {n+}: the literal is skipped too, its bytes are not commands', `A1 APPEND ${'x'.repeat(200)} {11+}\r\nA9 LOGOUT\r\n\r\n${NEXT}`, [err('line-too-long', 'A1', 'APPEND'), next], { maxLineLength: 100 }],
  ['an overlong line ending in {n}: the client waits for "+", so the command ends there', `A1 APPEND ${'x'.repeat(200)} {11}\r\n${NEXT}`, [err('line-too-long', 'A1', 'APPEND'), next], { maxLineLength: 100 }],
  ['an overlong second line (after a literal) keeps the first line\'s tag', `A1 X {3}\r\nabc ${'y'.repeat(200)}\r\n${NEXT}`, [{ continuation: 3 }, err('line-too-long', 'A1', 'X'), next], { maxLineLength: 100 }],
  ['an overlong line with an unreadable tag', `${'\x01'.repeat(300)}\r\n${NEXT}`, [err('line-too-long', '*'), next], { maxLineLength: 100 }],
  ['a synchronizing literal over the limit: [TOOBIG] at once, no "+", the command is over', `A1 APPEND INBOX {1001}\r\n${NEXT}`, [err('literal-too-big', 'A1', 'APPEND'), next], { maxLiteralSize: 1000 }],
  ['a LITERAL+ over the limit: [TOOBIG]; its bytes and the rest of the command are skipped', `A1 APPEND INBOX {1001+}\r\n${'A9 LOGOUT\r\n'.repeat(91)} {11+}\r\nA9 LOGOUT\r\n\r\n${NEXT}`, [err('literal-too-big', 'A1', 'APPEND'), next], { maxLiteralSize: 1000 }],
  ['an absurd literal size is too big, not a number overflow', `A1 APPEND INBOX {99999999999999999999}\r\n${NEXT}`, [err('literal-too-big', 'A1', 'APPEND'), next]],
  ['a literal at exactly the limit is accepted', `A1 X {10+}\r\n0123456789\r\n`, [{ command: 'X', tag: 'A1', args: [{ lit: '0123456789' }] }], { maxLiteralSize: 10 }],
  ['16 nested lists are fine', `A1 X ${'('.repeat(16)}a${')'.repeat(16)}\r\n`, [{ command: 'X', tag: 'A1', args: [nest(16, 'a')] }]],
  ['17 nested lists are too deep', `A1 X ${'('.repeat(17)}a${')'.repeat(17)}\r\n${NEXT}`, [err('too-deep', 'A1', 'X'), next]],
  ['a section counts towards the depth', `A1 FETCH 1 ${'('.repeat(15)}BODY[HEADER.FIELDS (A)]${')'.repeat(15)}\r\n${NEXT}`, [err('too-deep', 'A1', 'FETCH'), next]],
  ['a nesting bomb on one line', `A1 X ${'('.repeat(5000)}\r\n${NEXT}`, [err('too-deep', 'A1', 'X'), next]],
  ['many small literals add up to a command too big', `A1 X {40+}\r\n${'a'.repeat(40)} {40+}\r\n${'b'.repeat(40)} {44+}\r\n${'A9 LOGOUT\r\n'.repeat(4)} "more"\r\n${NEXT}`, [err('command-too-big', 'A1', 'X'), next], { maxCommandSize: 100 }],
  ['many lines joined by literals add up to a command too big', `A1 X {1+}\r\na ${'b '.repeat(40)}{1+}\r\nc ${'d '.repeat(40)}\r\n${NEXT}`, [err('command-too-big', 'A1', 'X'), next], { maxCommandSize: 100 }],
  ['a synchronizing literal inside a list over the limit', `A1 X (a {3}\r\n${NEXT}`, [err('literal-too-big', 'A1', 'X'), next], { maxLiteralSize: 2 }],
]);

test('errors carry a short client-safe message', () => {
  const errors: ImapParseError[] = [];
  const reader = new CommandReader({ onCommand: () => {}, onError: (e) => errors.push(e), onContinuation: () => {} }, { maxLiteralSize: 10 });
  reader.push(Buffer.from('A1 LOGIN "abc\r\nA2 APPEND x {11}\r\nA3 X (((\r\n\x16\x03\r\n'));
  assert.deepEqual(
    errors.map((e) => [e.tag, e.code, e.message]),
    [
      ['A1', 'syntax', 'Unterminated quoted string'],
      ['A2', 'literal-too-big', 'Literal too big'],
      ['A3', 'syntax', 'Unclosed list'],
      ['*', 'syntax', 'Invalid tag'],
    ],
  );
});

test('IDLE: DONE is read as a raw line, and pipelined commands after it as commands', () => {
  for (const chunking of CHUNKINGS) {
    assert.deepEqual(
      run('A1 IDLE\r\nDONE\r\nA2 NOOP\r\n', chunking, { rawAfter: ['IDLE'] }),
      [{ command: 'IDLE', tag: 'A1', args: [] }, { raw: 'DONE' }, { command: 'NOOP', tag: 'A2', args: [] }],
      chunkName(chunking),
    );
  }
});

test('AUTHENTICATE: raw lines are not parsed (no literals, no tags)', () => {
  const events: Event[] = [];
  const reader = makeReader(events);
  reader.push(Buffer.from('A1 AUTHENTICATE PLAIN\r\n'));
  reader.expectRawLine(); // the session sends "+ " and waits for the client's response
  reader.push(Buffer.from('AGZvbwBiYXI= {5}\r\n'));
  reader.expectRawLine();
  reader.push(Buffer.from('*\r\nA2 NOOP\r\n'));
  assert.deepEqual(events, [
    { command: 'AUTHENTICATE', tag: 'A1', args: ['PLAIN'] },
    { raw: 'AGZvbwBiYXI= {5}' },
    { raw: '*' },
    { command: 'NOOP', tag: 'A2', args: [] },
  ]);
});

test('a raw line over the limit is reported as such and dropped; commands follow', () => {
  for (const chunking of CHUNKINGS) {
    assert.deepEqual(
      run(`A1 IDLE\r\n${'x'.repeat(300)} {5+}\r\nA2 NOOP\r\n`, chunking, { rawAfter: ['IDLE'], maxLineLength: 100 }),
      [{ command: 'IDLE', tag: 'A1', args: [] }, { raw: null }, { command: 'NOOP', tag: 'A2', args: [] }],
      chunkName(chunking),
    );
  }
});

test('pause() holds results back until resume(); nothing is lost or reordered', () => {
  const events: Event[] = [];
  const reader = new CommandReader({
    // a session running one command at a time pauses on each result
    onCommand: (c) => {
      events.push({ command: c.command, tag: c.tag, args: c.args.map(simplify) });
      reader.pause();
    },
    onError: (e) => assert.fail(e.message),
    onContinuation: (r) => {
      events.push({ continuation: r.size });
      reader.pause();
    },
  });
  reader.push(Buffer.from('a1 NOOP\r\na2 LOGIN {4}\r\nuser pass\r\na3 NOOP'));
  assert.deepEqual(events, [{ command: 'NOOP', tag: 'a1', args: [] }]);
  assert.ok(reader.isPaused);
  assert.equal(reader.pendingBytes, 'a2 LOGIN {4}\r\nuser pass\r\na3 NOOP'.length);
  reader.resume();
  assert.deepEqual(events.slice(1), [{ continuation: 4 }], 'the continuation for a2 is asked only once a1 is done');
  reader.resume();
  assert.deepEqual(events.slice(2), [{ command: 'LOGIN', tag: 'a2', args: [{ lit: 'user' }, 'pass'] }]);
  reader.resume();
  assert.equal(events.length, 3, 'a3 has no line end yet');
  assert.equal(reader.pendingBytes, 0);
  reader.push(Buffer.from('\r\n'));
  assert.deepEqual(events.slice(3), [{ command: 'NOOP', tag: 'a3', args: [] }]);
});

test('a bad command does not stop a burst of good ones', () => {
  const input = ['a1 NOOP', 'a2 X "open', 'a3 NOOP', '\x00\x01\x02', 'a4 X (((', 'a5 LOGOUT'].join('\r\n') + '\r\n';
  for (const chunking of CHUNKINGS) {
    assert.deepEqual(
      run(input, chunking),
      [
        { command: 'NOOP', tag: 'a1', args: [] },
        err('syntax', 'a2', 'X'),
        { command: 'NOOP', tag: 'a3', args: [] },
        err('syntax', '*'),
        err('syntax', 'a4', 'X'),
        { command: 'LOGOUT', tag: 'a5', args: [] },
      ],
      chunkName(chunking),
    );
  }
});
