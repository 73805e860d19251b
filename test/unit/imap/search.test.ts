// IMAP SEARCH: the parse of search programs (real client commands through the real command
// reader), and table-driven runs of every key over a small corpus written to a temp dir — plain
// text, quoted-printable and base64 parts, RFC 2047 headers, Latin-1 8-bit bodies, attachments
// (whose decoded binary is not searched, while their MIME headers, e.g. the file name, are), an
// attached message, different Date headers and internal dates, flags, keywords, sizes, modseqs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandReader } from '../../../src-main/imap/protocol/parser';
import type { Token } from '../../../src-main/imap/protocol/tokens';
import { parseSearch, runSearch, SearchError, type SearchKey, type SearchMessage, type SearchScope } from '../../../src-main/imap/search/index';
import { readMessageFileSync } from '../../../src-main/imap/search/read';
import { tempDir } from '../../helpers/temp-dir';

/** The argument tokens of "<args>" sent as a SEARCH command, as the command reader hands them out. */
function tokens(args: string | Buffer, command = 'SEARCH'): Token[] {
  let out: Token[] | undefined;
  let error: string | undefined;
  const reader = new CommandReader({
    onCommand: (c) => (out = [...c.args]),
    onError: (e) => (error = e.message),
    onContinuation: () => {},
  });
  reader.push(Buffer.concat([Buffer.from(`A1 ${command} `), Buffer.isBuffer(args) ? args : Buffer.from(args, 'utf8'), Buffer.from('\r\n')]));
  if (out === undefined) throw new Error(`reader error: ${error ?? 'no command'}`);
  return out;
}

const parse = (args: string | Buffer) => parseSearch(tokens(args));

function parseError(args: string): SearchError {
  try {
    parse(args);
  } catch (err) {
    assert.ok(err instanceof SearchError, `expected a SearchError, got ${String(err)}`);
    return err;
  }
  assert.fail(`"${args}" parsed`);
}

const eml = (headers: string[], body: string | Buffer): Buffer =>
  Buffer.concat([Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'utf8'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')]);

const b64 = (s: string | Buffer) => (Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8')).toString('base64');

/** The corpus: [file content, metadata]. Sequence numbers are positions (1-based). */
const CORPUS: Array<[Buffer, Omit<SearchMessage, 'seq' | 'path'>]> = [
  // 1: plain 7-bit text (the raw fast path).
  [
    eml(
      [
        'From: Alice Example <alice@example.com>',
        'To: bob@example.org',
        'Cc: Carol <carol@example.net>',
        'Subject: Quarterly report',
        'Date: Mon, 2 Nov 2026 09:00:00 +0000',
        'Message-ID: <1@example.com>',
        'Content-Type: text/plain; charset=us-ascii',
      ],
      'Hello Bob,\r\nthe numbers are in.\r\n',
    ),
    { uid: 101, flags: new Set(['\\Seen']), internalDate: new Date('2026-11-02T10:00:00Z'), size: 1000, modseq: 10 },
  ],
  // 2: multipart/alternative, quoted-printable parts, B-encoded subject, Q-encoded Latin-1 From,
  //    a Date whose own day (1 Nov, -0800) is not its UTC day (2 Nov).
  [
    eml(
      [
        'From: =?ISO-8859-1?Q?Jos=E9?= <jose@example.es>',
        'To: Team <team@example.org>',
        'Subject: =?UTF-8?B?w5FhbmTDuiBmZWxpeg==?=',
        'Date: Sun, 1 Nov 2026 23:30:00 -0800',
        'Message-ID: <2@example.es>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary="alt-1"',
      ],
      [
        'This is a multi-part message (preamble).',
        '--alt-1',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Un caf=C3=A9 au lait, s\'il vous pla=C3=AEt, avec un tr=',
        'ès long mot coupé.',
        '--alt-1',
        'Content-Type: text/html; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '<p>Un caf=C3=A9 <b>au lait</b></p>',
        '--alt-1--',
        'epilogue words',
        '',
      ].join('\r\n'),
    ),
    { uid: 102, flags: new Set(['\\Answered', '\\Flagged', '$Important', '\\Seen']), internalDate: new Date('2026-11-02T07:30:00Z'), size: 2000, modseq: 20 },
  ],
  // 3: base64 text body, folded Q-encoded subject split in two words, a folded custom header.
  [
    eml(
      [
        'From: dave@example.com',
        'To: dave@example.com',
        'Subject: =?ISO-8859-1?Q?Caf=E9?=',
        ' =?ISO-8859-1?Q?_cr=E8me?= du jour',
        'X-Note: one',
        '\ttwo',
        'Date: 15 Oct 2026 12:00:00 +0200',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
      ],
      `${b64('Secret base64 message: größe\r\n')}\r\n`,
    ),
    { uid: 103, flags: new Set(['\\Deleted']), internalDate: new Date('2026-10-15T12:00:00Z'), size: 3000, modseq: 30 },
  ],
  // 4: 8-bit Latin-1 body, no Date header.
  [
    eml(
      ['From: Eve <eve@example.com>', 'To: alice@example.com', 'Subject: fiesta', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit'],
      Buffer.from('Ma\xf1ana en Espa\xf1a: PI\xd1ATA grande.\r\n', 'latin1'),
    ),
    { uid: 104, flags: new Set(['\\Draft']), internalDate: new Date('2026-11-05T00:30:00Z'), size: 4000, modseq: 40 },
  ],
  // 5: multipart/mixed with a base64 binary attachment, Bcc, a Date with a comment.
  [
    eml(
      [
        'From: billing@example.com',
        'To: frank@example.com',
        'Bcc: secret@example.com',
        'Subject: Invoice',
        'Date: Tue, 10 Nov 2026 08:00:00 +0100 (CET)',
        'Message-ID: <5@example.com>',
        'Content-Type: multipart/mixed; boundary=mix',
      ],
      [
        '--mix',
        'Content-Type: text/plain',
        '',
        'See attached invoice.',
        '--mix',
        'Content-Type: application/octet-stream; name="factura-2026.pdf"',
        'Content-Disposition: attachment; filename="factura-2026.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        b64(Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from('hiddenword in binary'), Buffer.from([0xfe, 0])])),
        '--mix--',
        '',
      ].join('\r\n'),
    ),
    { uid: 105, flags: new Set(['\\Seen', 'NonJunk']), internalDate: new Date('2026-11-10T09:00:00Z'), size: 50000, modseq: 50 },
  ],
  // 6: an attached message (message/rfc822), two-digit year in Date.
  [
    eml(
      ['From: grace@example.com', 'To: heidi@example.com', 'Subject: Fwd: lunch', 'Date: Thu, 1 Oct 26 10:00:00 GMT', 'Content-Type: multipart/mixed; boundary="fw"'],
      [
        '--fw',
        'Content-Type: text/plain',
        '',
        'Forwarding this.',
        '--fw',
        'Content-Type: message/rfc822',
        '',
        'From: ivan@example.com',
        'Subject: Inner subject',
        '',
        'inner body text',
        '--fw--',
        '',
      ].join('\r\n'),
    ),
    { uid: 110, flags: new Set(), internalDate: new Date('2026-09-01T00:00:00Z'), size: 6000, modseq: 60 },
  ],
];

const SCOPE: SearchScope = { maxSeq: CORPUS.length, maxUid: 110 };
const ALL = CORPUS.map((_, i) => i + 1);
const except = (...seqs: number[]) => ALL.filter((s) => !seqs.includes(s));

let dir: ReturnType<typeof tempDir>;
let messages: SearchMessage[];

before(() => {
  dir = tempDir('buzon-search-');
  messages = CORPUS.map(([content, meta], i) => {
    const path = join(dir.path, `${i + 1}.eml`);
    writeFileSync(path, content);
    return { ...meta, seq: i + 1, path };
  });
});

after(() => dir.remove());

async function search(args: string | Buffer, opts?: Parameters<typeof runSearch>[3]): Promise<number[]> {
  return runSearch(parse(args).key, messages, SCOPE, opts);
}

/** [SEARCH arguments, matching sequence numbers]. */
const CASES: Array<[string, number[]]> = [
  // Constants and flags.
  ['ALL', ALL],
  ['OLD', ALL],
  ['NEW', []],
  ['RECENT', []],
  ['SEEN', [1, 2, 5]],
  ['UNSEEN', [3, 4, 6]],
  ['ANSWERED', [2]],
  ['UNANSWERED', except(2)],
  ['DELETED', [3]],
  ['UNDELETED', except(3)],
  ['DRAFT', [4]],
  ['UNDRAFT', except(4)],
  ['FLAGGED', [2]],
  ['UNFLAGGED', except(2)],
  ['KEYWORD $Important', [2]],
  ['keyword $IMPORTANT', [2]],
  ['UNKEYWORD NonJunk', except(5)],
  ['KEYWORD nothing', []],
  // Sizes, numbers, modseq.
  ['LARGER 3000', [4, 5, 6]],
  ['SMALLER 3000', [1, 2]],
  ['2,4:5', [2, 4, 5]],
  ['5:*', [5, 6]],
  ['*', [6]],
  ['UID 103:*', [3, 4, 5, 6]],
  ['UID 200:*', [6]],
  ['UID 1,105', [5]],
  ['MODSEQ 40', [4, 5, 6]],
  ['MODSEQ "/flags/\\\\draft" all 40', [4, 5, 6]],
  // Internal dates (UTC day).
  ['ON 2-Nov-2026', [1, 2]],
  ['ON "02-nov-2026"', [1, 2]],
  ['SINCE 2-Nov-2026', [1, 2, 4, 5]],
  ['BEFORE 2-Nov-2026', [3, 6]],
  // Sent dates (the Date: header's own day; no Date: header never matches).
  ['SENTON 1-Nov-2026', [2]],
  ['SENTON 1-Oct-2026', [6]],
  ['SENTBEFORE 2-Nov-2026', [2, 3, 6]],
  ['SENTSINCE 2-Nov-2026', [1, 5]],
  ['NOT SENTON 1-Nov-2026', [1, 3, 4, 5, 6]],
  // Header keys: decoded, case-insensitive, whitespace-folding-insensitive.
  ['FROM alice', [1]],
  ['FROM "Alice Example"', [1]],
  ['FROM José', [2]],
  ['FROM "JOSÉ <JOSE@"', [2]],
  ['TO example.org', [1, 2]],
  ['CC carol', [1]],
  ['BCC secret', [5]],
  ['SUBJECT report', [1]],
  ['SUBJECT ñandú', [2]],
  ['SUBJECT "ÑANDÚ FELIZ"', [2]],
  ['SUBJECT "café crème du"', [3]],
  ['SUBJECT "inner subject"', []],
  ['HEADER X-Note "one two"', [3]],
  ['HEADER x-note ""', [3]],
  ['HEADER Message-ID ""', [1, 2, 5]],
  ['HEADER X-Missing ""', []],
  ['HEADER Date "-0800"', [2]],
  // Body and text: every decoded text/* part; attachments' binary is not searched.
  ['BODY "numbers are in"', [1]],
  ['BODY café', [2]],
  ['BODY "CAFÉ AU LAIT"', [2]],
  ['BODY "très long mot"', [2]],
  ['BODY "<b>au lait</b>"', [2]],
  ['BODY größe', [3]],
  ['BODY piñata', [4]],
  ['BODY mañana', [4]],
  ['BODY "attached invoice"', [5]],
  ['BODY hiddenword', []],
  ['TEXT hiddenword', []],
  ['TEXT factura-2026', [5]],
  ['BODY "inner body"', [6]],
  ['BODY "Inner subject"', [6]],
  ['BODY quarterly', []],
  ['TEXT quarterly', [1]],
  ['TEXT "numbers are in"', [1]],
  ['TEXT ñandú', [2]],
  ['TEXT "caf=C3=A9"', []],
  ['TEXT ""', ALL],
  ['TEXT nowhere-at-all', []],
  // Composites.
  ['UNDELETED SINCE 1-Nov-2026', [1, 2, 4, 5]],
  ['OR OR FROM "alice" SUBJECT "alice" TO "alice"', [1, 4]],
  ['NOT (SEEN FLAGGED)', except(2)],
  ['NOT NOT SEEN', [1, 2, 5]],
  ['OR (SEEN SMALLER 1500) NOT OR DELETED DRAFT', [1, 2, 5, 6]],
  ['(OR SEEN DRAFT) NOT BODY café', [1, 4, 5]],
  ['OR BODY café OR SUBJECT fiesta UID 110', [2, 4, 6]],
  ['((SEEN) (OR TEXT invoice TEXT report))', [1, 5]],
  ['SEEN NOT (OR FROM alice BODY invoice)', [2]],
];

describe('runSearch over the corpus', () => {
  for (const [args, expected] of CASES) {
    test(`SEARCH ${args}`, async () => {
      assert.deepEqual(await search(args), expected);
    });
  }

  test('the same results when files come through opts.readFile', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const [args, expected] of CASES) assert.deepEqual(await search(args, { readFile }), expected, args);
  });

  test('a literal (Thunderbird: CHARSET UTF-8 TEXT {5})', async () => {
    const args = Buffer.concat([Buffer.from('CHARSET UTF-8 TEXT {5}\r\n'), Buffer.from('café', 'utf8')]);
    const parsed = parse(args);
    assert.equal(parsed.charset, 'UTF-8');
    assert.deepEqual(parsed.key, { type: 'text', value: 'café' });
    assert.deepEqual(await runSearch(parsed.key, messages, SCOPE), [2, 3]); // 3: "Café crème" in its subject
  });

  test('results are in sequence order whatever the order of the messages', async () => {
    assert.deepEqual(await runSearch(parse('OR SEEN TEXT fiesta').key, [...messages].reverse(), SCOPE), [1, 2, 4, 5]);
  });
});

describe('file reads', () => {
  function counting() {
    const reads = new Map<string, number>();
    const readFile = async (path: string) => {
      reads.set(path, (reads.get(path) ?? 0) + 1);
      const { readFile: rf } = await import('node:fs/promises');
      return rf(path);
    };
    return { reads, readFile };
  }

  test('metadata-only programs read nothing', async () => {
    const { reads, readFile } = counting();
    await search('OR SEEN (LARGER 10 UID 1:* NOT DELETED SINCE 1-Jan-2000)', { readFile });
    assert.equal(reads.size, 0);
  });

  test('cheap keys go first: files are read only for messages they do not settle', async () => {
    const { reads, readFile } = counting();
    assert.deepEqual(await search('BODY café SEEN', { readFile }), [2]);
    assert.deepEqual([...reads.keys()].sort(), [1, 2, 5].map((s) => messages[s - 1]!.path).sort());
  });

  test('each file is read at most once, however many keys need it', async () => {
    const { reads, readFile } = counting();
    await search('OR SUBJECT a (BODY b FROM c) TEXT d NOT HEADER X-Note "" SENTSINCE 1-Jan-2000', { readFile });
    assert.equal(reads.size, CORPUS.length);
    for (const n of reads.values()) assert.equal(n, 1);
  });

  test('an OR settled by metadata does not read the file', async () => {
    const { reads, readFile } = counting();
    assert.deepEqual(await search('OR SEEN BODY piñata', { readFile }), [1, 2, 4, 5]);
    assert.equal(reads.size, 3);
  });

  test('header keys read only the header block', () => {
    const path = join(dir.path, 'big.eml');
    writeFileSync(path, eml(['Subject: big', 'From: x@example.com'], 'x'.repeat(200_000)));
    const head = readMessageFileSync(path, 200_050, true);
    assert.equal(head.complete, false);
    assert.ok(head.bytes.length < 100_000);
    const whole = readMessageFileSync(path, 0, false);
    assert.equal(whole.complete, true);
    assert.ok(whole.bytes.length > 200_000);
  });

  test('missing, empty and garbage files never throw; they just do not match', async () => {
    const garbage = join(dir.path, 'garbage.eml');
    writeFileSync(garbage, Buffer.from([0xff, 0xfe, 0x00, 0x3d, 0x3f, 0x0a, 0x0d, 0x2d, 0x2d]));
    const empty = join(dir.path, 'empty.eml');
    writeFileSync(empty, '');
    const broken = join(dir.path, 'broken.eml');
    writeFileSync(broken, 'Content-Type: multipart/mixed; boundary=x\r\nSubject: =?utf-8?B?!!!?=\r\n\r\n--x\r\nContent-Transfer-Encoding: base64\r\n\r\n###\r\n--x\r\nContent-Type: text/plain; charset=no-such-charset\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n');
    const odd: SearchMessage[] = [join(dir.path, 'nope.eml'), garbage, empty, broken].map((path, i) => ({
      seq: i + 1,
      uid: i + 1,
      flags: new Set<string>(),
      internalDate: new Date('invalid'),
      size: 10,
      modseq: 1,
      path,
    }));
    const scope = { maxSeq: 4, maxUid: 4 };
    for (const args of ['TEXT needle', 'SUBJECT x', 'SENTON 1-Jan-2026', 'ON 1-Jan-2026', 'HEADER Subject ""']) {
      const found = await runSearch(parse(args).key, odd, scope);
      assert.ok(found.every((s) => s === 4), `${args}: ${found.join(',')}`);
    }
    assert.deepEqual(await runSearch(parse('NOT TEXT needle').key, odd, scope), [2, 3, 4]);
  });

  test('an aborted search rejects', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client gone'));
    await assert.rejects(search('TEXT x', { signal: controller.signal }), /client gone/);
  });
});

describe('parseSearch', () => {
  test('keys are case-insensitive; the top level is an AND', () => {
    assert.deepEqual(parse('undeleted Since 1-nov-2026').key, {
      type: 'and',
      keys: [
        { type: 'flag', flag: '\\Deleted', present: false },
        { type: 'internaldate', op: 'since', day: Date.UTC(2026, 10, 1) / 86_400_000 },
      ],
    });
  });

  test('Thunderbird: UID SEARCH UNDELETED SINCE 1-Nov-2026', () => {
    const { key, charset } = parseSearch(tokens('UNDELETED SINCE 1-Nov-2026', 'UID SEARCH'));
    assert.equal(charset, null);
    assert.equal(key.type, 'and');
  });

  test('Thunderbird: OR OR FROM "x" SUBJECT "x" TO "x"', () => {
    const expected: SearchKey = {
      type: 'or',
      left: {
        type: 'or',
        left: { type: 'header', field: 'from', value: 'x' },
        right: { type: 'header', field: 'subject', value: 'x' },
      },
      right: { type: 'header', field: 'to', value: 'x' },
    };
    assert.deepEqual(parse('OR OR FROM "x" SUBJECT "x" TO "x"').key, expected);
  });

  test('sets, numbers and dates in their several spellings', () => {
    assert.deepEqual(parse('1').key, { type: 'seq', set: [{ start: 1, end: 1 }] });
    assert.deepEqual(parse('1:*').key, { type: 'seq', set: [{ start: 1, end: '*' }] });
    assert.deepEqual(parse('UID 5').key, { type: 'uid', set: [{ start: 5, end: 5 }] });
    assert.deepEqual(parse('LARGER 99999999999999999999').key, { type: 'size', op: 'larger', n: 1e20 });
    assert.deepEqual(parse('SENTON "1-Feb-1994"').key, { type: 'sentdate', op: 'on', day: Date.UTC(1994, 1, 1) / 86_400_000 });
    assert.deepEqual(parse('HEADER "List-Id" {3}\r\nfoo').key, { type: 'header', field: 'list-id', value: 'foo' });
    assert.deepEqual(parse('SUBJECT NIL').key, { type: 'header', field: 'subject', value: 'NIL' });
  });

  test('CHARSET UTF-8 and US-ASCII are accepted, any case, quoted or not', () => {
    assert.equal(parse('CHARSET utf-8 ALL').charset, 'UTF-8');
    assert.equal(parse('CHARSET "US-ASCII" ALL').charset, 'US-ASCII');
  });

  test('other charsets are BADCHARSET', () => {
    for (const args of ['CHARSET ISO-2022-JP TEXT x', 'CHARSET iso-8859-1 ALL', 'CHARSET "" ALL']) {
      assert.equal(parseError(args).kind, 'badcharset', args);
    }
  });

  const SYNTAX: string[] = [
    'FOO',
    'SUBJECT',
    'HEADER Subject',
    'HEADER "Bad Name" x',
    'LARGER',
    'LARGER abc',
    'SMALLER -1',
    'SINCE',
    'SINCE 32-Jan-2026',
    'SINCE 29-Feb-2026',
    'SINCE 2026-01-01',
    'SENTON 1-Foo-2026',
    'BEFORE (1-Jan-2026)',
    'OR SEEN',
    'OR',
    'NOT',
    '()',
    'SEEN ()',
    'UID',
    'UID 0',
    'UID abc',
    '0',
    '1:',
    '$',
    'KEYWORD',
    'MODSEQ',
    'MODSEQ "/flags/\\\\seen" bogus 5',
    'RETURN (MIN) ALL',
    'SEEN CHARSET UTF-8',
    'CHARSET',
    'CHARSET UTF-8',
    'BODY (x)',
    'NOT '.repeat(100) + 'SEEN',
  ];
  for (const args of SYNTAX) {
    test(`syntax error: ${args.length > 40 ? `${args.slice(0, 40)}...` : args}`, () => {
      assert.equal(parseError(args).kind, 'syntax');
    });
  }

  test('an empty program is a syntax error', () => {
    assert.throws(() => parseSearch([]), (e: unknown) => e instanceof SearchError && e.kind === 'syntax');
  });

  test('unbalanced parentheses never reach parseSearch: the command reader refuses them', () => {
    assert.throws(() => tokens('(SEEN'), /reader error/);
    assert.throws(() => tokens('SEEN)'), /reader error/);
  });
});
