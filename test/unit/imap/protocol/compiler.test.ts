// Responses built from data: exact wire text for the usual responses, quoting decisions, errors
// for values that cannot go on the wire, round trips through the command reader, and FETCH of a
// large .eml streamed from a file range without ever holding it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LiteralSourceError,
  atom,
  compile,
  compileToBuffer,
  fileLiteral,
  literal,
  responseChunks,
  section,
  streamLiteral,
  type ImapResponse,
  type ResponsePart,
  type ResponseValue,
} from '../../../../src-main/imap/protocol/compiler';
import { CommandReader, type ImapCommand } from '../../../../src-main/imap/protocol/parser';
import { formatSequenceSet } from '../../../../src-main/imap/protocol/sequence-set';
import type { LiteralSink, SectionToken } from '../../../../src-main/imap/protocol/tokens';
import { tempDir } from '../../../helpers/temp-dir';
import { simplify, type Simple } from './reader-harness';

const wire = (r: ImapResponse, utf8 = false) => compileToBuffer(r, { utf8 }).toString('utf8');

const peek: SectionToken = { type: 'section', name: 'BODY.PEEK', section: { part: [], text: 'HEADER.FIELDS', fields: ['From', 'To', 'X Odd'] }, partial: { start: 0, length: 100 } };
const flags = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'].map(atom);

const CASES: [string, ImapResponse, string][] = [
  ['FLAGS', { tag: '*', command: 'FLAGS', attributes: [flags] }, '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n'],
  ['EXISTS', { tag: '*', number: 172, command: 'EXISTS' }, '* 172 EXISTS\r\n'],
  ['EXPUNGE', { tag: '*', number: 3, command: 'EXPUNGE' }, '* 3 EXPUNGE\r\n'],
  ['OK with a code', { tag: '*', command: 'OK', code: { name: 'UNSEEN', attributes: [12] }, text: 'Message 12 is first unseen' }, '* OK [UNSEEN 12] Message 12 is first unseen\r\n'],
  ['PERMANENTFLAGS', { tag: '*', command: 'OK', code: { name: 'PERMANENTFLAGS', attributes: [[atom('\\Deleted'), atom('\\Seen'), atom('\\*')]] }, text: 'Limited' }, '* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n'],
  ['tagged OK', { tag: 'A142', command: 'OK', code: { name: 'READ-WRITE' }, text: 'SELECT completed' }, 'A142 OK [READ-WRITE] SELECT completed\r\n'],
  ['a code and no text', { tag: 'A1', command: 'OK', code: { name: 'READ-WRITE' } }, 'A1 OK [READ-WRITE]\r\n'],
  ['TOOBIG', { tag: 'A2', command: 'NO', code: { name: 'TOOBIG' }, text: 'Message too large' }, 'A2 NO [TOOBIG] Message too large\r\n'],
  ['COPYUID', { tag: 'A3', command: 'OK', code: { name: 'COPYUID', attributes: [38505, atom(formatSequenceSet([304, 319, 320])), atom('3956:3958')] }, text: 'Done' }, 'A3 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n'],
  ['continuation', { tag: '+', text: 'Ready' }, '+ Ready\r\n'],
  ['empty continuation (SASL)', { tag: '+' }, '+ \r\n'],
  ['BYE', { tag: '*', command: 'BYE', text: 'Logging out' }, '* BYE Logging out\r\n'],
  ['CAPABILITY', { tag: '*', command: 'CAPABILITY', attributes: ['IMAP4rev1', 'LITERAL+', 'IDLE', 'AUTH=PLAIN'].map(atom) }, '* CAPABILITY IMAP4rev1 LITERAL+ IDLE AUTH=PLAIN\r\n'],
  ['LIST', { tag: '*', command: 'LIST', attributes: [[atom('\\HasNoChildren'), atom('\\Sent')], '/', 'Sent'] }, '* LIST (\\HasNoChildren \\Sent) "/" "Sent"\r\n'],
  ['LIST with a NIL delimiter', { tag: '*', command: 'LIST', attributes: [[atom('\\Noselect')], null, ''] }, '* LIST (\\Noselect) NIL ""\r\n'],
  ['STATUS', { tag: '*', command: 'STATUS', attributes: ['INBOX', [atom('MESSAGES'), 3, atom('UIDNEXT'), 5]] }, '* STATUS "INBOX" (MESSAGES 3 UIDNEXT 5)\r\n'],
  ['SEARCH', { tag: '*', command: 'SEARCH', attributes: [2, 84, 882] }, '* SEARCH 2 84 882\r\n'],
  ['empty SEARCH', { tag: '*', command: 'SEARCH' }, '* SEARCH\r\n'],
  ['FETCH', {
    tag: '*',
    number: 12,
    command: 'FETCH',
    attributes: [[atom('UID'), 4827313, atom('FLAGS'), [atom('\\Seen')], atom('RFC822.SIZE'), 4286, atom('INTERNALDATE'), '17-Jul-1996 02:44:25 -0700', atom('MODSEQ'), [9223372036854775807n]]],
  }, '* 12 FETCH (UID 4827313 FLAGS (\\Seen) RFC822.SIZE 4286 INTERNALDATE "17-Jul-1996 02:44:25 -0700" MODSEQ (9223372036854775807))\r\n'],
  ['FETCH section names: PEEK dropped, odd field names quoted, origin only', {
    tag: '*',
    number: 1,
    command: 'FETCH',
    attributes: [[section(peek, 0), 'x', section({ type: 'section', name: 'BINARY.PEEK', section: { part: [1, 2] } }), '', section({ type: 'section', name: 'BODY', section: { part: [3], text: 'MIME' } }), null]],
  }, '* 1 FETCH (BODY[HEADER.FIELDS (From To "X Odd")]<0> "x" BINARY[1.2] "" BODY[3.MIME] NIL)\r\n'],
  ['quoted specials are escaped', { tag: '*', command: 'X', attributes: ['Re: "hi" \\o/'] }, '* X "Re: \\"hi\\" \\\\o/"\r\n'],
  ['CR/LF forces a literal', { tag: '*', command: 'X', attributes: ['a\r\nb'] }, '* X {4}\r\na\r\nb\r\n'],
  ['8-bit forces a literal (length in bytes)', { tag: '*', command: 'X', attributes: ['Grüße'] }, '* X {7}\r\nGrüße\r\n'],
  ['a Buffer is a string too', { tag: '*', command: 'X', attributes: [Buffer.from('plain'), Buffer.from([0x41, 0xff])] }, `* X "plain" {2}\r\nA${String.fromCharCode(0xfffd)}\r\n`],
  ['literal() forces a literal', { tag: '*', command: 'X', attributes: [literal('short')] }, '* X {5}\r\nshort\r\n'],
  ['long strings are literals', { tag: '*', command: 'X', attributes: ['y'.repeat(1025), 'z'.repeat(1024)] }, `* X {1025}\r\n${'y'.repeat(1025)} "${'z'.repeat(1024)}"\r\n`],
  ['a zero-length file literal reads nothing', { tag: '*', command: 'X', attributes: [fileLiteral('/nonexistent/file.eml', 0, 0)] }, '* X {0}\r\n\r\n'],
];

for (const [name, response, expected] of CASES) {
  test(`compiles ${name}`, () => assert.equal(wire(response), expected));
}

test('with UTF8=ACCEPT, UTF-8 strings may be quoted; CR/LF still may not', () => {
  assert.equal(wire({ tag: '*', command: 'LIST', attributes: [[], '/', 'Entwürfe'] }, true), '* LIST () "/" "Entwürfe"\r\n');
  assert.equal(wire({ tag: '*', command: 'X', attributes: ['ü\n'] }, true), '* X {3}\r\nü\n\r\n');
});

const INVALID: [string, ImapResponse][] = [
  ['an atom with a space', { tag: '*', command: 'X', attributes: [atom('a b')] }],
  ['an atom with "]"', { tag: '*', command: 'OK', code: { name: 'X', attributes: [atom('a]')] } }],
  ['an empty atom', { tag: '*', command: 'X', attributes: [atom('')] }],
  ['an 8-bit atom', { tag: '*', command: 'X', attributes: [atom('ü')] }],
  ['text with CR LF', { tag: 'A1', command: 'OK', text: 'done\r\nA2 OK injected' }],
  ['a tag with a space', { tag: 'A 1', command: 'OK' }],
  ['a command with a space', { tag: '*', command: 'OK X' }],
  ['a code name with a space', { tag: '*', command: 'OK', code: { name: 'A B' } }],
  ['a negative number', { tag: '*', command: 'X', attributes: [-1] }],
  ['a fraction', { tag: '*', command: 'X', attributes: [1.5] }],
  ['NaN', { tag: '*', command: 'X', attributes: [Number.NaN] }],
  ['a negative bigint', { tag: '*', command: 'X', attributes: [-1n] }],
  ['a string with NUL', { tag: '*', command: 'X', attributes: ['a\0b'] }],
  ['a negative response number', { tag: '*', number: -1, command: 'EXISTS' }],
  ['a negative file offset', { tag: '*', command: 'X', attributes: [fileLiteral('/x', -1, 5)] }],
];
for (const [name, response] of INVALID) {
  test(`refuses ${name}`, () => assert.throws(() => compile(response), TypeError));
}

test('compileToBuffer refuses streamed literals; compile keeps them as descriptors', () => {
  const r: ImapResponse = { tag: '*', number: 1, command: 'FETCH', attributes: [[atom('BODY'), fileLiteral('/m.eml', 10, 20)]] };
  assert.throws(() => compileToBuffer(r), TypeError);
  const parts = compile(r);
  assert.equal(parts.length, 3);
  assert.equal((parts[0] as Buffer).toString(), '* 1 FETCH (BODY {20}\r\n');
  assert.deepEqual(parts[1], { type: 'file', path: '/m.eml', start: 10, length: 20 });
  assert.equal((parts[2] as Buffer).toString(), ')\r\n');
});

// ---------------------------------------------------------------------------------------------
// Round trips: what the compiler writes, the reader reads back as the same values.

function readBack(bytes: Buffer | Buffer[], onLiteral?: (size: number) => LiteralSink): ImapCommand[] {
  const commands: ImapCommand[] = [];
  const reader = new CommandReader({
    onCommand: (c) => commands.push(c),
    onError: (e) => assert.fail(`${e.code}: ${e.message}`),
    onContinuation: () => {},
    ...(onLiteral ? { onLiteral: (r) => onLiteral(r.size) } : {}),
  });
  for (const b of Array.isArray(bytes) ? bytes : [bytes]) reader.push(b);
  return commands;
}

test('round trip: atoms, numbers, NIL, nested lists, strings, literals', () => {
  const attributes: ResponseValue[] = [atom('\\Seen'), 42, null, [atom('A'), ['b c', [null, 0]]], '', 'x"y\\z', 'line\r\nbreak', literal('lit')];
  const cmd = readBack(compileToBuffer({ tag: 'T1', command: 'X', attributes }));
  assert.equal(cmd.length, 1);
  assert.deepEqual(cmd[0]!.args.map(simplify), [
    '\\Seen',
    42,
    null,
    ['A', [{ str: 'b c' }, [null, 0]]],
    { str: '' },
    { str: 'x"y\\z' },
    { lit: 'line\r\nbreak' },
    { lit: 'lit' },
  ] satisfies Simple[]);
});

test('round trip: FETCH section names read back as sections', () => {
  const fetched = readBack(compileToBuffer({ tag: 'T1', command: 'FETCH', attributes: [1, [section(peek), section({ type: 'section', name: 'BINARY.SIZE', section: { part: [2] } })]] }));
  assert.deepEqual(fetched[0]!.args.map(simplify), [1, [{ section: 'BODY[HEADER.FIELDS (From To X Odd)]' }, { section: 'BINARY.SIZE[2]' }]]);
});

test('round trip of 400 random strings: quoted or literal, the value survives', () => {
  let seed = 11;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pool = ['a', 'Z', ' ', '"', '\\', '\r', '\n', '\r\n', 'é', '日', '(', ')', '{', '}', '{3}', '%', '*', ']', '[', 'NIL', '\t', '😀'];
  for (let i = 0; i < 400; i++) {
    let s = '';
    for (let n = rand(i % 50 === 0 ? 400 : 20); n > 0; n--) s += pool[rand(pool.length)];
    for (const utf8 of [false, true]) {
      const bytes = compileToBuffer({ tag: 'T1', command: 'X', attributes: [s, [s]] }, { utf8 });
      const args = readBack(bytes)[0]!.args;
      const value = (t: (typeof args)[number] | undefined) => (t?.type === 'string' ? t.value : t?.type === 'literal' ? t.bytes.toString('utf8') : assert.fail(`not a string: ${t?.type}`));
      assert.equal(value(args[0]), s, JSON.stringify(s));
      const list = args[1];
      assert.ok(list?.type === 'list');
      assert.equal(value(list.items[0]), s);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Literals streamed from files

async function collect(parts: readonly ResponsePart[]): Promise<{ chunks: Buffer[]; largest: number }> {
  const chunks: Buffer[] = [];
  let largest = 0;
  for await (const c of responseChunks(parts)) {
    chunks.push(c);
    largest = Math.max(largest, c.length);
  }
  return { chunks, largest };
}

test('FETCH BODY[] of a 5 MB .eml streams from the file in 64 KB pieces, byte for byte', async () => {
  const dir = tempDir();
  try {
    const size = 5 * 1024 * 1024;
    const eml = Buffer.alloc(size);
    for (let i = 0; i < size; i++) eml[i] = i % 80 === 78 ? 0x0d : i % 80 === 79 ? 0x0a : 0x20 + (i % 90);
    const path = join(dir.path, 'message.eml');
    writeFileSync(path, eml);
    const parts = compile({ tag: 'T1', command: 'FETCH', attributes: [7, [atom('UID'), 42, section({ type: 'section', name: 'BODY.PEEK', section: { part: [] } }), fileLiteral(path, 0, size)]] });
    assert.ok(parts.every((p) => !Buffer.isBuffer(p) || p.length < 100), 'the compiled response holds no message bytes');
    const { chunks, largest } = await collect(parts);
    assert.ok(largest <= 64 * 1024, `largest piece ${largest}`);
    const whole = Buffer.concat(chunks);
    const head = 'T1 FETCH 7 (UID 42 BODY[] {5242880}\r\n';
    assert.equal(whole.subarray(0, head.length).toString(), head);
    assert.equal(createHash('sha256').update(whole.subarray(head.length, head.length + size)).digest('hex'), createHash('sha256').update(eml).digest('hex'));
    assert.equal(whole.subarray(head.length + size).toString(), ')\r\n');

    // and the reader takes it back, through a sink, piece by piece
    const hash = createHash('sha256');
    let ended = false;
    const [cmd] = readBack(chunks, () => ({ write: (c) => hash.update(c), end: () => (ended = true), abort: () => assert.fail('aborted') }));
    assert.ok(ended);
    assert.deepEqual(cmd!.args.map(simplify), [7, ['UID', 42, { section: 'BODY[]' }, { stream: size }]]);
    assert.equal(hash.digest('hex'), createHash('sha256').update(eml).digest('hex'));
  } finally {
    dir.remove();
  }
});

test('a file range: BODY[TEXT] as start and length inside the .eml', async () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, 'm.eml');
    writeFileSync(path, 'Subject: hi\r\n\r\nbody text\r\n');
    const { chunks } = await collect(compile({ tag: '*', number: 1, command: 'FETCH', attributes: [[section({ type: 'section', name: 'BODY', section: { part: [], text: 'TEXT' } }), fileLiteral(path, 15, 11)]] }));
    assert.equal(Buffer.concat(chunks).toString(), '* 1 FETCH (BODY[TEXT] {11}\r\nbody text\r\n)\r\n');
  } finally {
    dir.remove();
  }
});

test('a file shorter than announced fails loudly (the connection is out of step)', async () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, 'short.eml');
    writeFileSync(path, 'only 16 bytes..!');
    await assert.rejects(collect(compile({ tag: '*', command: 'X', attributes: [fileLiteral(path, 0, 100)] })), LiteralSourceError);
    await assert.rejects(collect(compile({ tag: '*', command: 'X', attributes: [fileLiteral(path, 10, 10)] })), LiteralSourceError);
    await assert.rejects(collect(compile({ tag: '*', command: 'X', attributes: [fileLiteral(join(dir.path, 'gone.eml'), 0, 10)] })), /ENOENT/);
  } finally {
    dir.remove();
  }
});

test('stream literals: exactly the announced length, or LiteralSourceError', async () => {
  async function* pieces(...p: string[]) {
    for (const s of p) yield Buffer.from(s);
  }
  const ok = await collect(compile({ tag: '*', command: 'X', attributes: [streamLiteral(6, () => pieces('abc', '', 'def'))] }));
  assert.equal(Buffer.concat(ok.chunks).toString(), '* X {6}\r\nabcdef\r\n');
  await assert.rejects(collect(compile({ tag: '*', command: 'X', attributes: [streamLiteral(5, () => pieces('abc', 'def'))] })), LiteralSourceError);
  await assert.rejects(collect(compile({ tag: '*', command: 'X', attributes: [streamLiteral(7, () => pieces('abc', 'def'))] })), LiteralSourceError);
});
