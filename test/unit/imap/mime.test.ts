// The MIME structure of stored messages (src-main/imap/mime): exact byte ranges for every FETCH
// section (compared with slices of the message), BODYSTRUCTURE / ENVELOPE wire text as Dovecot
// writes it, malformed input that must neither throw nor lose bytes, streaming in 1-byte chunks,
// the JSON form for the index, and the mailsplit behaviour the analyser relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mailsplit from 'mailsplit';
import {
  MimeAnalyzer,
  analyzeBuffer,
  analyzeBufferSync,
  analyzeFile,
  bodyStructureValue,
  deserializeAnalysis,
  envelopeValue,
  filterHeaderFields,
  sectionRange,
  serializeAnalysis,
  type MessageAnalysis,
  type PartInfo,
} from '../../../src-main/imap/mime/index';
import { atom, compileToBuffer, type ResponseValue } from '../../../src-main/imap/protocol/compiler';
import type { SectionSpec, SectionText } from '../../../src-main/imap/protocol/tokens';
import { tempDir } from '../../helpers/temp-dir';

// ---------------------------------------------------------------------------------------------
// Messages (CRLF unless the case is about line ends)
const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

const B64 = 'JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K';

const FIXTURES: Record<string, Buffer> = {
  simple: crlf(
    'Date: Mon, 7 Feb 1994 21:52:25 -0800',
    'From: Fred Foobar <foobar@Blurdybloop.example>',
    'Subject: afternoon meeting',
    'To: mooch@owatagu.siam.edu.example',
    'Message-Id: <B27397-0100000@Blurdybloop.example>',
    'MIME-Version: 1.0',
    'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
    '',
    'Hello Joe, do you think we can meet at 3:30 tomorrow?',
    '',
  ),
  alternative: crlf(
    'From: a@example.com',
    'To: b@example.com',
    'Subject: alt',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    'preamble',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'plain text',
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>html</p>',
    '',
    '--b1--',
    'epilogue',
    '',
  ),
  mixed: crlf(
    'From: a@example.com',
    'Subject: mixed',
    'Content-Type: multipart/mixed; boundary=MIX',
    '',
    '--MIX',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'caf=E9 cr=E8me',
    'line two=',
    ' continued',
    '--MIX',
    'Content-Type: application/pdf; name="doc.pdf"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="doc.pdf"',
    'Content-ID: <part2@example.com>',
    'Content-Description: A document',
    'Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==',
    'Content-Language: en, fr',
    'Content-Location: http://example.com/doc.pdf',
    '',
    B64,
    B64,
    '--MIX--',
    '',
  ),
  nested: crlf(
    'From: a@example.com',
    'Subject: nested',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: multipart/alternative; boundary="inner"',
    '',
    '--inner',
    'Content-Type: text/plain',
    '',
    'plain',
    '--inner',
    'Content-Type: text/html',
    '',
    '<b>html</b>',
    '--inner--',
    '',
    '--outer',
    'Content-Type: image/png',
    'Content-Transfer-Encoding: base64',
    '',
    'iVBORw0KGgo=',
    '--outer--',
    '',
  ),
  rfc822: crlf(
    'From: a@example.com',
    'Subject: fwd',
    'Content-Type: multipart/mixed; boundary="X"',
    '',
    '--X',
    'Content-Type: text/plain',
    '',
    'see attached',
    '--X',
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment',
    '',
    'From: Inner <inner@example.org>',
    'To: x@example.org, y@example.org',
    'Subject: inner subject',
    'Message-ID: <inner@example.org>',
    'Content-Type: multipart/alternative; boundary="Y"',
    '',
    '--Y',
    'Content-Type: text/plain',
    '',
    'inner plain',
    '--Y',
    'Content-Type: text/html',
    '',
    '<i>inner</i>',
    '--Y--',
    '',
    '--X--',
    '',
  ),
  rfc2047: crlf('From: =?utf-8?q?J=C3=B6rg?= <joerg@example.com>', 'Subject: =?utf-8?B?w6l0w6k=?=', '  =?utf-8?q?_suite?=', '', 'body', ''),
  rfc2231: crlf(
    'From: a@example.com',
    'Content-Type: multipart/mixed; boundary=Z',
    '',
    '--Z',
    "Content-Type: application/octet-stream; name*=utf-8''%C3%A9t%C3%A9.bin",
    "Content-Disposition: attachment; filename*0*=utf-8''%C3%A9t%C3%A9;",
    ' filename*1=".bin"',
    '',
    'AAAA',
    '--Z--',
    '',
  ),
  groups: crlf(
    'From: "Doe, John" <john@example.com>',
    'To: Friends: a@example.com, Bob <bob@example.net>;, c@example.org',
    'Cc: undisclosed-recipients:;',
    'Bcc: nobody',
    'Reply-To: <reply@example.com>',
    'Subject: groups',
    '',
    'x',
  ),
  bareLf: Buffer.from(
    [
      'From: a@example.com',
      'Subject: lf',
      'Content-Type: multipart/mixed; boundary=L',
      '',
      '--L',
      'Content-Type: text/plain',
      '',
      'one',
      'two',
      '--L',
      'Content-Type: message/rfc822',
      '',
      'Subject: embedded',
      '',
      'inner',
      '--L--',
      '',
    ].join('\n'),
  ),
  headerOnly: crlf('From: a@example.com', 'Subject: no body', ''),
  headerOnlyNoEol: Buffer.from('Subject: nothing else'),
  empty: Buffer.alloc(0),
  missingBoundary: crlf(
    'Subject: broken',
    'Content-Type: multipart/mixed; boundary="M"',
    '',
    '--M',
    'Content-Type: text/plain',
    '',
    'first',
    '--M',
    'Content-Type: text/plain',
    '',
    'second, never closed',
    '',
  ),
  noBoundaryFound: crlf('Subject: no parts', 'Content-Type: multipart/mixed; boundary="never"', '', 'just text', 'more', ''),
  noBoundaryParam: crlf('Subject: no boundary param', 'Content-Type: multipart/mixed', '', '--x', 'text', ''),
  garbage: Buffer.concat([
    crlf('Subject: bad \u00e9\u00e8 8bit', 'this is not a header', 'Content-Type: ;;;===', 'X-Nul: a'),
    Buffer.from([0x00, 0x62, 0xff, 0xfe]),
    crlf('', 'From: <<<@@@>>>', 'Content-Transfer-Encoding: ', '', 'body \u0000 with nul', ''),
  ]),
  digest: crlf(
    'Subject: digest',
    'Content-Type: multipart/digest; boundary=D',
    '',
    '--D',
    '',
    'Subject: first',
    '',
    'one',
    '--D',
    '',
    'Subject: second',
    '',
    'two',
    '--D--',
    '',
  ),
  headerOnlyPart: crlf('Subject: h', 'Content-Type: multipart/mixed; boundary=H', '', '--H', 'Content-Type: text/plain', '--H', 'Content-Type: text/html', '--H--', ''),
  base64Rfc822: crlf('Subject: b64', 'Content-Type: multipart/mixed; boundary=E', '', '--E', 'Content-Type: message/rfc822', 'Content-Transfer-Encoding: base64', '', 'U3ViamVjdDogeA0KDQp5', '--E--', ''),
  closeNoEol: Buffer.from('Content-Type: multipart/mixed; boundary=C\r\n\r\n--C\r\n\r\nx\r\n--C--'),
};

/** multipart nested depth times, and message/rfc822 nested depth times. */
function deepMultipart(depth: number): Buffer {
  const lines: string[] = ['Subject: deep'];
  for (let i = 0; i < depth; i++) lines.push(`Content-Type: multipart/mixed; boundary="d${i}"`, '', `--d${i}`);
  lines.push('Content-Type: text/plain', '', 'leaf');
  for (let i = depth - 1; i >= 0; i--) lines.push(`--d${i}--`);
  lines.push('');
  return crlf(...lines);
}

function deepMessage(depth: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < depth; i++) lines.push(`Subject: level ${i}`, 'Content-Type: message/rfc822', '');
  lines.push('Subject: bottom', '', 'leaf', '');
  return crlf(...lines);
}

const ALL: Record<string, Buffer> = { ...FIXTURES, deepMultipart: deepMultipart(30), deepMessage: deepMessage(30) };

// ---------------------------------------------------------------------------------------------
// Helpers

function fetchWire(name: string, value: ResponseValue): string {
  return compileToBuffer({ tag: '*', number: 1, command: 'FETCH', attributes: [[atom(name), value]] }).toString('utf8');
}

const bodystructure = (a: MessageAnalysis): string => fetchWire('BODYSTRUCTURE', bodyStructureValue(a.root, true));
const body = (a: MessageAnalysis): string => fetchWire('BODY', bodyStructureValue(a.root, false));
const envelope = (a: MessageAnalysis): string => fetchWire('ENVELOPE', envelopeValue(a.envelope));

/** "2.1.MIME", "HEADER.FIELDS (From To)", "" → SectionSpec. */
function spec(s: string): SectionSpec {
  const m = /^([\d.]*?)\.?(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME)?(?: \((.*)\))?$/.exec(s);
  assert.ok(m, s);
  const part = m[1] ? m[1].split('.').map(Number) : [];
  const text = m[2] as SectionText | undefined;
  return { part, ...(text ? { text } : {}), ...(m[3] !== undefined ? { fields: m[3].split(' ') } : {}) };
}

/** The bytes a FETCH of section s sends (null: the part does not exist). */
function fetchSection(buf: Buffer, a: MessageAnalysis, s: string): string | null {
  const r = sectionRange(a, spec(s));
  if (!r) return null;
  const bytes = buf.subarray(r.start, r.start + r.length);
  assert.equal(bytes.length, r.length, `${s}: range inside the message`);
  return (r.fields ? filterHeaderFields(bytes, r.fields.names, r.fields.not) : bytes).toString('utf8');
}

function* walk(p: PartInfo): Generator<PartInfo> {
  yield p;
  for (const c of p.children ?? []) yield* walk(c);
  if (p.message) yield* walk(p.message.root);
}

function depth(p: PartInfo): number {
  const below = [...(p.children ?? []), ...(p.message ? [p.message.root] : [])].map(depth);
  return 1 + (below.length ? Math.max(...below) : 0);
}

/**
 * The ranges tile the message: every part's header is followed by its body, a message/rfc822 body
 * is exactly its embedded message, and between, before and after the children of a multipart there
 * is only preamble, delimiter lines ("CRLF--boundary…") and epilogue.
 */
function checkTiling(buf: Buffer, p: PartInfo, start: number, end: number): void {
  assert.equal(p.headerStart, start, 'part starts where expected');
  assert.equal(p.headerStart + p.headerLength, p.bodyStart, 'body follows header');
  assert.equal(p.bodyStart + p.bodyLength, end, 'part ends where expected');
  assert.equal(p.size, p.bodyLength);
  if (p.message) checkTiling(buf, p.message.root, p.bodyStart, p.bodyStart + p.bodyLength);
  if (!p.children) return;
  const boundary = p.params.find(([k]) => k === 'boundary')?.[1];
  assert.ok(boundary !== undefined, 'a multipart with children has a boundary');
  let pos = p.bodyStart;
  for (const c of p.children) {
    const gap = buf.toString('latin1', pos, c.headerStart);
    assert.ok(gap.endsWith('\n'), `delimiter line before a child: ${JSON.stringify(gap)}`);
    const lastLine = gap.slice(gap.lastIndexOf('\n', gap.length - 2) + 1);
    assert.ok(lastLine.replace(/^\r?\n/, '').startsWith(`--${boundary}`), `delimiter before a child: ${JSON.stringify(gap)}`);
    const childEnd = nextDelimiter(buf, c, boundary, end);
    checkTiling(buf, c, c.headerStart, childEnd);
    pos = childEnd;
  }
  assert.ok(pos <= end);
}

/** Where a child's range ends: before the line end that precedes the next delimiter, or at end. */
function nextDelimiter(buf: Buffer, c: PartInfo, boundary: string, end: number): number {
  const e = c.bodyStart + c.bodyLength;
  const after = buf.toString('latin1', e, Math.min(end, e + boundary.length + 6));
  assert.ok(e === end || /^\r?\n--/.test(after) || e === c.bodyStart, `child ends before a delimiter: ${JSON.stringify(after)}`);
  return e;
}

function strip(a: MessageAnalysis): unknown {
  return JSON.parse(JSON.stringify(a));
}

function shift(a: MessageAnalysis, by: number): MessageAnalysis {
  const copy = structuredClone(a);
  for (const p of walk(copy.root)) {
    p.headerStart += by;
    p.bodyStart += by;
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// BODYSTRUCTURE and ENVELOPE wire text

const WIRE: [name: string, bodystructure: string][] = [
  // RFC 3501 §7.4.2 example message (types and parameter names in lower case as Dovecot writes them
  // for a message written that way; the CHARSET value stays as sent).
  ['simple', '* 1 FETCH (BODYSTRUCTURE ("text" "plain" ("charset" "US-ASCII") NIL NIL "7BIT" 55 1 NIL NIL NIL NIL))\r\n'],
  [
    'alternative',
    '* 1 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)("text" "html" ("charset" "utf-8") NIL NIL "7BIT" 13 1 NIL NIL NIL NIL) "alternative" ("boundary" "b1") NIL NIL NIL))\r\n',
  ],
  [
    'mixed',
    '* 1 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "iso-8859-1") NIL NIL "QUOTED-PRINTABLE" 37 3 NIL NIL NIL NIL)("application" "pdf" ("name" "doc.pdf") "<part2@example.com>" "A document" "BASE64" 130 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("attachment" ("filename" "doc.pdf")) ("en" "fr") "http://example.com/doc.pdf") "mixed" ("boundary" "MIX") NIL NIL NIL))\r\n',
  ],
  [
    'nested',
    '* 1 FETCH (BODYSTRUCTURE ((("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL)("text" "html" ("charset" "us-ascii") NIL NIL "7BIT" 11 1 NIL NIL NIL NIL) "alternative" ("boundary" "inner") NIL NIL NIL)("image" "png" NIL NIL NIL "BASE64" 12 NIL NIL NIL NIL) "mixed" ("boundary" "outer") NIL NIL NIL))\r\n',
  ],
  [
    'rfc822',
    '* 1 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 12 1 NIL NIL NIL NIL)("message" "rfc822" NIL NIL NIL "7BIT" 276 (NIL "inner subject" (("Inner" NIL "inner" "example.org")) (("Inner" NIL "inner" "example.org")) (("Inner" NIL "inner" "example.org")) ((NIL NIL "x" "example.org") (NIL NIL "y" "example.org")) NIL NIL NIL "<inner@example.org>") (("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 11 1 NIL NIL NIL NIL)("text" "html" ("charset" "us-ascii") NIL NIL "7BIT" 12 1 NIL NIL NIL NIL) "alternative" ("boundary" "Y") NIL NIL NIL) 15 NIL ("attachment" NIL) NIL NIL) "mixed" ("boundary" "X") NIL NIL NIL))\r\n',
  ],
  [
    'rfc2231',
    '* 1 FETCH (BODYSTRUCTURE (("application" "octet-stream" ("name" {9}\r\nété.bin) NIL NIL "7BIT" 4 NIL ("attachment" ("filename" {9}\r\nété.bin)) NIL NIL) "mixed" ("boundary" "Z") NIL NIL NIL))\r\n',
  ],
  [
    'bareLf',
    '* 1 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 7 2 NIL NIL NIL NIL)("message" "rfc822" NIL NIL NIL "7BIT" 24 (NIL "embedded" NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL) 3 NIL NIL NIL NIL) "mixed" ("boundary" "L") NIL NIL NIL))\r\n',
  ],
  ['headerOnly', '* 1 FETCH (BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL))\r\n'],
  // Malformed: the last part runs to the end; a multipart without any part is one text part.
  [
    'missingBoundary',
    '* 1 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 22 1 NIL NIL NIL NIL) "mixed" ("boundary" "M") NIL NIL NIL))\r\n',
  ],
  ['noBoundaryFound', '* 1 FETCH (BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 17 2 NIL NIL NIL NIL))\r\n'],
  [
    'digest',
    '* 1 FETCH (BODYSTRUCTURE (("message" "rfc822" NIL NIL NIL "7BIT" 21 (NIL "first" NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 3 1 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)("message" "rfc822" NIL NIL NIL "7BIT" 22 (NIL "second" NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 3 1 NIL NIL NIL NIL) 3 NIL NIL NIL NIL) "digest" ("boundary" "D") NIL NIL NIL))\r\n',
  ],
];

for (const [name, expected] of WIRE) {
  test(`BODYSTRUCTURE of ${name}`, () => {
    assert.equal(bodystructure(analyzeBufferSync(FIXTURES[name]!)), expected);
  });
}

test('BODY is BODYSTRUCTURE without extension data', () => {
  assert.equal(
    body(analyzeBufferSync(FIXTURES.rfc822!)),
    '* 1 FETCH (BODY (("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 12 1)("message" "rfc822" NIL NIL NIL "7BIT" 276 (NIL "inner subject" (("Inner" NIL "inner" "example.org")) (("Inner" NIL "inner" "example.org")) (("Inner" NIL "inner" "example.org")) ((NIL NIL "x" "example.org") (NIL NIL "y" "example.org")) NIL NIL NIL "<inner@example.org>") (("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 11 1)("text" "html" ("charset" "us-ascii") NIL NIL "7BIT" 12 1) "alternative") 15) "mixed"))\r\n',
  );
  assert.equal(body(analyzeBufferSync(FIXTURES.simple!)), '* 1 FETCH (BODY ("text" "plain" ("charset" "US-ASCII") NIL NIL "7BIT" 55 1))\r\n');
});

test('ENVELOPE: RFC 3501 example, Sender and Reply-To default to From', () => {
  assert.equal(
    envelope(analyzeBufferSync(FIXTURES.simple!)),
    '* 1 FETCH (ENVELOPE ("Mon, 7 Feb 1994 21:52:25 -0800" "afternoon meeting" (("Fred Foobar" NIL "foobar" "Blurdybloop.example")) (("Fred Foobar" NIL "foobar" "Blurdybloop.example")) (("Fred Foobar" NIL "foobar" "Blurdybloop.example")) ((NIL NIL "mooch" "owatagu.siam.edu.example")) NIL NIL NIL "<B27397-0100000@Blurdybloop.example>"))\r\n',
  );
});

test('ENVELOPE: RFC 2047 words stay encoded, folded Subject is unfolded', () => {
  assert.equal(
    envelope(analyzeBufferSync(FIXTURES.rfc2047!)),
    '* 1 FETCH (ENVELOPE (NIL "=?utf-8?B?w6l0w6k=?=  =?utf-8?q?_suite?=" (("=?utf-8?q?J=C3=B6rg?=" NIL "joerg" "example.com")) (("=?utf-8?q?J=C3=B6rg?=" NIL "joerg" "example.com")) (("=?utf-8?q?J=C3=B6rg?=" NIL "joerg" "example.com")) NIL NIL NIL NIL NIL))\r\n',
  );
});

test('ENVELOPE: groups, empty groups, quoted names, an address without domain', () => {
  const a = analyzeBufferSync(FIXTURES.groups!);
  assert.equal(
    envelope(a),
    '* 1 FETCH (ENVELOPE (NIL "groups" (("Doe, John" NIL "john" "example.com")) (("Doe, John" NIL "john" "example.com")) ((NIL NIL "reply" "example.com")) ((NIL NIL "Friends" NIL) (NIL NIL "a" "example.com") ("Bob" NIL "bob" "example.net") (NIL NIL NIL NIL) (NIL NIL "c" "example.org")) ((NIL NIL "undisclosed-recipients" NIL) (NIL NIL NIL NIL)) ((NIL NIL "nobody" "MISSING_DOMAIN")) NIL NIL))\r\n',
  );
  assert.equal(a.envelope.sender, null, 'the analysis keeps the header as it is; envelopeValue() fills in From');
});

test('ENVELOPE: 8-bit header bytes become UTF-8 text, NUL never reaches the wire', () => {
  const a = analyzeBufferSync(FIXTURES.garbage!);
  assert.equal(a.envelope.subject, 'bad éè 8bit');
  assert.doesNotThrow(() => envelope(a));
  assert.doesNotThrow(() => bodystructure(a));
  const latin1 = analyzeBufferSync(Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9]), Buffer.from('\r\n\r\nx')]));
  assert.equal(latin1.envelope.subject, 'café', 'not UTF-8: read as Latin-1');
  const nul = analyzeBufferSync(Buffer.from('Subject: a\0b\r\nContent-ID: <\0>\r\n\r\nx'));
  assert.equal(nul.envelope.subject, 'a\ufffdb');
  assert.doesNotThrow(() => bodystructure(nul));
});

// ---------------------------------------------------------------------------------------------
// Sections

const SECTIONS: [fixture: string, section: string, expected: string | null][] = [
  ['simple', 'TEXT', 'Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n'],
  ['simple', '1', 'Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n'],
  ['simple', '2', null],
  ['simple', '1.1', null],
  ['simple', '1.HEADER', null],
  ['simple', 'MIME', null],
  ['simple', '0', null],
  ['simple', 'HEADER.FIELDS (SUBJECT from)', 'From: Fred Foobar <foobar@Blurdybloop.example>\r\nSubject: afternoon meeting\r\n\r\n'],
  ['simple', 'HEADER.FIELDS (X-None)', '\r\n'],
  [
    'simple',
    'HEADER.FIELDS.NOT (Date From Subject To Message-Id)',
    'MIME-Version: 1.0\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n',
  ],
  ['alternative', '1', 'plain text'],
  ['alternative', '2', '<p>html</p>\r\n'],
  ['alternative', '3', null],
  ['alternative', '1.MIME', 'Content-Type: text/plain; charset=utf-8\r\n\r\n'],
  ['alternative', '2.MIME', 'Content-Type: text/html; charset=utf-8\r\n\r\n'],
  [
    'alternative',
    'TEXT',
    'preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain text\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html</p>\r\n\r\n--b1--\r\nepilogue\r\n',
  ],
  ['mixed', '1', 'caf=E9 cr=E8me\r\nline two=\r\n continued'],
  ['mixed', '2', 'JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\nJVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K'],
  ['nested', '1', '--inner\r\nContent-Type: text/plain\r\n\r\nplain\r\n--inner\r\nContent-Type: text/html\r\n\r\n<b>html</b>\r\n--inner--\r\n'],
  ['nested', '1.MIME', 'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n'],
  ['nested', '1.1', 'plain'],
  ['nested', '1.2', '<b>html</b>'],
  ['nested', '1.2.MIME', 'Content-Type: text/html\r\n\r\n'],
  ['nested', '1.3', null],
  ['nested', '2', 'iVBORw0KGgo='],
  ['nested', '2.1', null],
  ['nested', '1.TEXT', null],
  ['rfc822', '1', 'see attached'],
  [
    'rfc822',
    '2',
    'From: Inner <inner@example.org>\r\nTo: x@example.org, y@example.org\r\nSubject: inner subject\r\nMessage-ID: <inner@example.org>\r\nContent-Type: multipart/alternative; boundary="Y"\r\n\r\n--Y\r\nContent-Type: text/plain\r\n\r\ninner plain\r\n--Y\r\nContent-Type: text/html\r\n\r\n<i>inner</i>\r\n--Y--\r\n',
  ],
  ['rfc822', '2.MIME', 'Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n'],
  [
    'rfc822',
    '2.HEADER',
    'From: Inner <inner@example.org>\r\nTo: x@example.org, y@example.org\r\nSubject: inner subject\r\nMessage-ID: <inner@example.org>\r\nContent-Type: multipart/alternative; boundary="Y"\r\n\r\n',
  ],
  ['rfc822', '2.TEXT', '--Y\r\nContent-Type: text/plain\r\n\r\ninner plain\r\n--Y\r\nContent-Type: text/html\r\n\r\n<i>inner</i>\r\n--Y--\r\n'],
  ['rfc822', '2.HEADER.FIELDS (subject)', 'Subject: inner subject\r\n\r\n'],
  ['rfc822', '2.HEADER.FIELDS.NOT (From To Subject Message-ID)', 'Content-Type: multipart/alternative; boundary="Y"\r\n\r\n'],
  ['rfc822', '2.1', 'inner plain'],
  ['rfc822', '2.2', '<i>inner</i>'],
  ['rfc822', '2.2.MIME', 'Content-Type: text/html\r\n\r\n'],
  ['rfc822', '2.3', null],
  ['rfc822', '2.1.1', null],
  ['rfc822', '2.1.HEADER', null],
  ['rfc822', '1.HEADER', null],
  ['rfc2231', '1', 'AAAA'],
  ['bareLf', 'HEADER', 'From: a@example.com\nSubject: lf\nContent-Type: multipart/mixed; boundary=L\n\n'],
  ['bareLf', '1', 'one\ntwo'],
  ['bareLf', '1.MIME', 'Content-Type: text/plain\n\n'],
  ['bareLf', '2', 'Subject: embedded\n\ninner'],
  ['bareLf', '2.HEADER', 'Subject: embedded\n\n'],
  ['bareLf', '2.TEXT', 'inner'],
  ['bareLf', '2.1', 'inner'],
  ['bareLf', 'HEADER.FIELDS (Subject)', 'Subject: lf\n\n'],
  ['headerOnly', 'HEADER', 'From: a@example.com\r\nSubject: no body\r\n'],
  ['headerOnly', 'TEXT', ''],
  ['headerOnly', '1', ''],
  ['headerOnlyNoEol', 'HEADER', 'Subject: nothing else'],
  ['headerOnlyNoEol', 'TEXT', ''],
  ['headerOnlyNoEol', 'HEADER.FIELDS (Subject)', 'Subject: nothing else\r\n\r\n'],
  ['empty', '', ''],
  ['empty', 'HEADER', ''],
  ['empty', '1', ''],
  ['missingBoundary', '2', 'second, never closed\r\n'],
  ['noBoundaryFound', '1', 'just text\r\nmore\r\n'],
  ['digest', '1', 'Subject: first\r\n\r\none'],
  ['digest', '1.MIME', '\r\n'],
  ['digest', '1.HEADER', 'Subject: first\r\n\r\n'],
  ['digest', '2.TEXT', 'two'],
  ['digest', '2.1', 'two'],
  ['headerOnlyPart', '1.MIME', 'Content-Type: text/plain\r\n'],
  ['headerOnlyPart', '1', ''],
  ['headerOnlyPart', '2.MIME', 'Content-Type: text/html\r\n'],
  ['closeNoEol', '1', 'x'],
  ['closeNoEol', 'TEXT', '--C\r\n\r\nx\r\n--C--'],
  ['base64Rfc822', '1', 'U3ViamVjdDogeA0KDQp5'],
  ['base64Rfc822', '1.HEADER', 'U3ViamVjdDogeA0KDQp5'],
  ['deepMessage', '1.HEADER', 'Subject: level 1\r\nContent-Type: message/rfc822\r\n\r\n'],
  ['deepMessage', '1.1.1.HEADER.FIELDS (subject)', 'Subject: level 3\r\n\r\n'],
];

for (const [fixture, section, expected] of SECTIONS) {
  test(`BODY[${section}] of ${fixture}`, () => {
    const buf = ALL[fixture]!;
    assert.equal(fetchSection(buf, analyzeBufferSync(buf), section), expected);
  });
}

test('BODY[] and BODY[HEADER] + BODY[TEXT] are the whole message, for every message', () => {
  for (const [name, buf] of Object.entries(ALL)) {
    const a = analyzeBufferSync(buf);
    assert.equal(fetchSection(buf, a, ''), buf.toString('utf8'), name);
    assert.equal((fetchSection(buf, a, 'HEADER') ?? '') + (fetchSection(buf, a, 'TEXT') ?? ''), buf.toString('utf8'), name);
  }
});

test('the ranges tile every message exactly (header, body, delimiters, embedded messages)', () => {
  for (const [name, buf] of Object.entries(ALL)) {
    const a = analyzeBufferSync(buf);
    assert.doesNotThrow(() => checkTiling(buf, a.root, 0, buf.length), name);
    for (const p of walk(a.root)) {
      if (p.type === 'text' || p.message) {
        const bytes = buf.subarray(p.bodyStart, p.bodyStart + p.bodyLength);
        let lines = bytes.filter((b) => b === 0x0a).length;
        if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) lines++;
        assert.equal(p.lines, lines, `${name}: lines of a ${p.type}/${p.subtype} part`);
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Header fields

test('filterHeaderFields keeps or removes fields with their folds, byte for byte', () => {
  const header = Buffer.from('From: a\r\nSubject: one\r\n\ttwo\r\nX-A: 1\r\nsubject : dup\r\n\r\n');
  assert.equal(filterHeaderFields(header, ['SUBJECT'], false).toString(), 'Subject: one\r\n\ttwo\r\nsubject : dup\r\n\r\n');
  assert.equal(filterHeaderFields(header, ['subject', 'From'], true).toString(), 'X-A: 1\r\n\r\n');
  assert.equal(filterHeaderFields(header, ['x-b'], false).toString(), '\r\n');
  assert.equal(filterHeaderFields(header, [], true).toString(), header.toString());
  assert.equal(filterHeaderFields(Buffer.from('A: 1\nB: 2\n c\n\n'), ['b'], false).toString(), 'B: 2\n c\n\n');
  assert.equal(filterHeaderFields(Buffer.from('A: 1\r\nB: 2'), ['b'], false).toString(), 'B: 2\r\n\r\n');
  assert.equal(filterHeaderFields(Buffer.from(' lead\r\nnot a field\r\nA: 1\r\n\r\n'), ['a'], true).toString(), ' lead\r\nnot a field\r\n\r\n');
  const eight = Buffer.concat([Buffer.from('Subject: '), Buffer.from([0xff, 0x00, 0xe9]), Buffer.from('\r\n\r\n')]);
  assert.deepEqual(filterHeaderFields(eight, ['subject'], false), eight);
});

// ---------------------------------------------------------------------------------------------
// Parameters, dispositions, types

test('RFC 2231 parameters are joined and decoded; the default type is text/plain, message/rfc822 in a digest', () => {
  const a = analyzeBufferSync(FIXTURES.rfc2231!);
  const part = a.root.children![0]!;
  assert.deepEqual(part.params, [['name', 'été.bin']]);
  assert.deepEqual(part.disposition, { type: 'attachment', params: [['filename', 'été.bin']] });
  const digest = analyzeBufferSync(FIXTURES.digest!);
  assert.deepEqual(
    digest.root.children!.map((c) => `${c.type}/${c.subtype}`),
    ['message/rfc822', 'message/rfc822'],
  );
  assert.equal(digest.root.children![1]!.message!.envelope.subject, 'second');
  const garbage = analyzeBufferSync(FIXTURES.garbage!);
  assert.equal(`${garbage.root.type}/${garbage.root.subtype}`, 'text/plain');
  assert.equal(garbage.root.encoding, '7BIT');
});

test('a message/rfc822 part is parsed whatever its encoding (as Dovecot does)', () => {
  const a = analyzeBufferSync(FIXTURES.base64Rfc822!);
  const part = a.root.children![0]!;
  assert.equal(part.encoding, 'BASE64');
  assert.ok(part.message);
  assert.equal(part.message.root.headerLength, part.bodyLength, 'its (undecoded) text is a header without a body');
});

// ---------------------------------------------------------------------------------------------
// Malformed input

test('deep nesting is capped: deeper multiparts and messages are opaque leaves', () => {
  for (const name of ['deepMultipart', 'deepMessage']) {
    const buf = ALL[name]!;
    const a = analyzeBufferSync(buf);
    assert.ok(depth(a.root) <= 21, `${name}: depth ${depth(a.root)}`);
    const leaves = [...walk(a.root)].filter((p) => !p.children && !p.message);
    assert.equal(leaves.length, 1);
    assert.equal(`${leaves[0]!.type}/${leaves[0]!.subtype}`, 'application/octet-stream');
    assert.doesNotThrow(() => bodystructure(a));
  }
  const huge = deepMultipart(2000);
  const a = analyzeBufferSync(huge);
  assert.equal(a.root.bodyStart + a.root.bodyLength, huge.length);
});

test('truncated at every byte, or with bytes flipped, a message never throws and stays tiled', () => {
  for (const name of ['rfc822', 'nested', 'bareLf']) {
    const buf = ALL[name]!;
    for (let n = 0; n <= buf.length; n++) {
      const cut = buf.subarray(0, n);
      const a = analyzeBufferSync(cut);
      assert.equal(a.root.headerStart, 0);
      assert.equal(a.root.bodyStart + a.root.bodyLength, n, `${name} cut at ${n}`);
      for (const p of walk(a.root)) {
        assert.ok(p.headerStart >= 0 && p.headerLength >= 0 && p.bodyLength >= 0 && p.bodyStart + p.bodyLength <= n, `${name} cut at ${n}`);
        assert.ok(p.headerStart + p.headerLength <= p.bodyStart, `${name} cut at ${n}`);
      }
      assert.doesNotThrow(() => bodystructure(a));
    }
  }
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const [name, buf] of Object.entries(FIXTURES)) {
    for (let round = 0; round < 30; round++) {
      const copy = Buffer.from(buf);
      for (let k = 0; k < 5 && copy.length > 0; k++) copy[Math.floor(rand() * copy.length)] = [0x0a, 0x0d, 0x2d, 0x00, 0xff, 0x3a][Math.floor(rand() * 6)]!;
      const a = analyzeBufferSync(copy);
      assert.equal(a.root.bodyStart + a.root.bodyLength, copy.length, name);
      assert.doesNotThrow(() => bodystructure(a));
      assert.doesNotThrow(() => envelope(a));
      assert.deepEqual(strip(deserializeAnalysis(serializeAnalysis(a))), strip(a));
    }
  }
});

test('a line over 1 MB (no line ends at all) streams through', () => {
  const big = Buffer.concat([Buffer.from('Subject: big\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\r\n'), Buffer.alloc(3 * 1024 * 1024, 0x41), Buffer.from('\r\n--q--\r\n')]);
  const stream = new MimeAnalyzer();
  for (let o = 0; o < big.length; o += 65536) stream.write(big.subarray(o, o + 65536));
  const a = stream.endSync();
  assert.equal(a.root.children![0]!.bodyLength, 3 * 1024 * 1024);
  assert.equal(a.root.children![0]!.lines, 1);
  const header = Buffer.concat([Buffer.from('Subject: '), Buffer.alloc(2 * 1024 * 1024, 0x42), Buffer.from('\r\n\r\nbody')]);
  const h = analyzeBufferSync(header);
  assert.equal(h.root.bodyStart + h.root.bodyLength, header.length);
});

// ---------------------------------------------------------------------------------------------
// Streaming, files, JSON

test('MimeAnalyzer fed 1-byte chunks gives what analyzeBuffer gives', async () => {
  for (const [name, buf] of Object.entries(ALL)) {
    const stream = new MimeAnalyzer();
    for (let i = 0; i < buf.length; i++) stream.write(buf.subarray(i, i + 1));
    assert.deepEqual(strip(await stream.end()), strip(await analyzeBuffer(buf)), name);
  }
});

test('analyzeFile parses from start and keeps file offsets', async () => {
  const dir = tempDir();
  try {
    for (const [name, buf] of Object.entries(ALL)) {
      const path = join(dir.path, `${name}.eml`);
      const prefix = Buffer.from('XXXX-prefix-\r\n');
      writeFileSync(path, Buffer.concat([prefix, buf]));
      const a = await analyzeFile(path, prefix.length);
      assert.deepEqual(strip(a), strip(shift(analyzeBufferSync(buf), prefix.length)), name);
      writeFileSync(path, buf);
      assert.deepEqual(strip(await analyzeFile(path)), strip(analyzeBufferSync(buf)), name);
    }
  } finally {
    dir.remove();
  }
});

test('serializeAnalysis is compact JSON that reads back the same', () => {
  for (const [name, buf] of Object.entries(ALL)) {
    const a = analyzeBufferSync(buf);
    const json = serializeAnalysis(a);
    assert.deepEqual(strip(deserializeAnalysis(json)), strip(a), name);
  }
  const simple = analyzeBufferSync(FIXTURES.simple!);
  assert.ok(serializeAnalysis(simple).length < JSON.stringify(simple).length / 2);
  assert.throws(() => deserializeAnalysis('[99]'), TypeError);
});

// ---------------------------------------------------------------------------------------------
// mailsplit

test('mailsplit: its Transform output does not always re-join to the input (why the analyser drives its line state machine)', async () => {
  async function pieces(buf: Buffer, chunk: number): Promise<number> {
    const s = new mailsplit.Splitter();
    let total = 0;
    s.on('data', (d: { type: string; value?: Buffer; getHeaders?: () => Buffer }) => {
      total += d.type === 'node' ? d.getHeaders!().length : (d.value?.length ?? 0);
    });
    const done = new Promise((resolve, reject) => {
      s.on('end', resolve);
      s.on('error', reject);
    });
    for (let o = 0; o < buf.length; o += chunk) s.write(buf.subarray(o, o + chunk));
    s.end();
    await done;
    return total;
  }
  // Whole-buffer writes re-join for ordinary messages…
  for (const name of ['simple', 'alternative', 'mixed', 'nested', 'rfc822', 'bareLf', 'digest']) {
    assert.equal(await pieces(FIXTURES[name]!, 1 << 20), FIXTURES[name]!.length, name);
  }
  // …but not with small chunks, nor for a header-only part closed by a boundary.
  assert.notEqual(await pieces(FIXTURES.mixed!, 7), FIXTURES.mixed!.length);
  assert.notEqual(await pieces(FIXTURES.headerOnlyPart!, 1 << 20), FIXTURES.headerOnlyPart!.length);
});
