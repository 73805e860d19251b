// The command reader's tokens, and command lines as real clients (Thunderbird, imapflow, mutt,
// Outlook) send them. Every case is fed whole, byte by byte and in random chunk sizes: the
// results must be the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader, type ImapCommand } from '../../../../src-main/imap/protocol/parser';
import { astring, type SectionToken, type Token } from '../../../../src-main/imap/protocol/tokens';
import { CHUNKINGS, chunkName, message, run, type Event, type RunOptions, type Simple } from './reader-harness';

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

const cmd = (tag: string, command: string, ...args: Simple[]): Event => ({ command, tag, args });
const str = (s: string): Simple => ({ str: s });
const lit = (s: string): Simple => ({ lit: s });
const sec = (s: string): Simple => ({ section: s });
const cont = (n: number): Event => ({ continuation: n });

// ---------------------------------------------------------------------------------------------
// Token kinds

table([
  ['atoms, flags, sequence sets and list patterns', 'A1 X abc \\Seen \\* $Forwarded 1:* * % a.b-c foo]bar +FLAGS.SILENT\r\n', [
    cmd('A1', 'X', 'abc', '\\Seen', '\\*', '$Forwarded', '1:*', '*', '%', 'a.b-c', 'foo]bar', '+FLAGS.SILENT'),
  ]],
  ['numbers; leading zeros and huge digit strings stay atoms', 'A1 X 0 7 4294967295 9007199254740991 01 9007199254740992 12345678901234567890\r\n', [
    cmd('A1', 'X', 0, 7, 4294967295, 9007199254740991, '01', '9007199254740992', '12345678901234567890'),
  ]],
  ['NIL in any case is nil; a quoted "NIL" is a string', 'A1 X NIL nil Nil "NIL" NILS\r\n', [cmd('A1', 'X', null, null, null, str('NIL'), 'NILS')]],
  ['quoted strings with escapes, empty, UTF-8 and Latin-1 bytes', Buffer.concat([
    Buffer.from('A1 X "a\\"b\\\\c" "" "Grüße" "'),
    Buffer.from([0xe9, 0x74, 0xe9]), // "été" in Latin-1: not valid UTF-8
    Buffer.from('" "(not a list) {5}"\r\n'),
  ]), [cmd('A1', 'X', str('a"b\\c'), str(''), str('Grüße'), str('été'), str('(not a list) {5}'))]],
  ['8-bit atoms are read as UTF-8', 'A1 SELECT Entwürfe\r\n', [cmd('A1', 'SELECT', 'Entwürfe')]],
  ['lists: empty, nested, mixed', 'A1 X () (a (b (c)) "d" NIL 5) ((()))\r\n', [
    cmd('A1', 'X', [], ['a', ['b', ['c']], str('d'), null, 5], [[[]]]),
  ]],
  ['a small literal is a string token', 'A1 X {5}\r\nhello\r\n', [cont(5), cmd('A1', 'X', lit('hello'))]],
  ['an empty literal', 'A1 X {0}\r\n "after"\r\n', [cont(0), cmd('A1', 'X', lit(''), str('after'))]],
  ['a literal inside a list, followed by more items', 'A1 X (a {3}\r\nb c d)\r\n', [cont(3), cmd('A1', 'X', ['a', lit('b c'), 'd'])]],
  ['a literal carries CR LF and anything else verbatim', 'A1 X {12+}\r\nA2 NOOP\r\n{1}\r\n', [cmd('A1', 'X', lit('A2 NOOP\r\n{1}'))]],
  ['literal sizes may have leading zeros', 'A1 X {003}\r\nabc\r\n', [cont(3), cmd('A1', 'X', lit('abc'))]],
  ['sections are only parsed in FETCH: elsewhere BODY[] is an atom', 'A1 SELECT BODY[]\r\n', [cmd('A1', 'SELECT', 'BODY[]')]],
  ['FETCH atts with sections and partials', 'A1 FETCH 1 (BODY[] BODY.PEEK[TEXT] body[1.2.mime] BINARY[2] BINARY.PEEK[1.3]<0.1024> BINARY.SIZE[4] BODY[]<5.10> BODY[3.HEADER] BODY[HEADER.FIELDS.NOT (X-Spam Received)])\r\n', [
    cmd('A1', 'FETCH', 1, [
      sec('BODY[]'),
      sec('BODY.PEEK[TEXT]'),
      sec('BODY[1.2.MIME]'),
      sec('BINARY[2]'),
      sec('BINARY.PEEK[1.3]<0.1024>'),
      sec('BINARY.SIZE[4]'),
      sec('BODY[]<5.10>'),
      sec('BODY[3.HEADER]'),
      sec('BODY[HEADER.FIELDS.NOT (X-Spam Received)]'),
    ]),
  ]],
  ['a section outside a list, and a header field sent as a literal', 'A1 FETCH 1 BODY.PEEK[HEADER.FIELDS ({4}\r\nFrom To)]<0.100>\r\n', [
    cont(4),
    cmd('A1', 'FETCH', 1, sec('BODY.PEEK[HEADER.FIELDS (From To)]<0.100>')),
  ]],
  ['command names are upper-cased, "UID x" joined; the tag keeps its case', 'abc] uid fetch 1 flags\r\nZ uId StOrE 2 +flags (\\seen)\r\n', [
    cmd('abc]', 'UID FETCH', 1, 'flags'),
    cmd('Z', 'UID STORE', 2, '+flags', ['\\seen']),
  ]],
  ['bare LF ends lines too; empty lines are ignored; trailing spaces are tolerated', '\r\n\nA1 NOOP\nA2 CHECK   \r\n\r\nA3 X (a)  \r\n', [
    cmd('A1', 'NOOP'),
    cmd('A2', 'CHECK'),
    cmd('A3', 'X', ['a']),
  ]],
]);

test('section tokens carry the parsed structure', () => {
  const commands: ImapCommand[] = [];
  const reader = new CommandReader({ onCommand: (c) => commands.push(c), onError: (e) => assert.fail(e.message), onContinuation: () => {} });
  reader.push(Buffer.from('A1 UID FETCH 5 (BODY.PEEK[1.2.HEADER.FIELDS.NOT (X-Spam "Received")]<10.20> BINARY.SIZE[3] BODY[])\r\n'));
  assert.equal(commands.length, 1);
  const list = commands[0]!.args[1];
  assert.ok(list?.type === 'list');
  assert.deepEqual(list.items, [
    { type: 'section', name: 'BODY.PEEK', section: { part: [1, 2], text: 'HEADER.FIELDS.NOT', fields: ['X-Spam', 'Received'] }, partial: { start: 10, length: 20 } },
    { type: 'section', name: 'BINARY.SIZE', section: { part: [3] } },
    { type: 'section', name: 'BODY', section: { part: [] } },
  ]);
});

test('astring() reads atoms, numbers, strings, in-memory literals and unquoted NIL', () => {
  const t = (token: Token) => astring(token);
  assert.equal(t({ type: 'atom', value: 'INBOX' }), 'INBOX');
  assert.equal(t({ type: 'number', value: 12 }), '12');
  assert.equal(t({ type: 'string', value: 'Sent', bytes: Buffer.from('Sent'), literal: false }), 'Sent');
  assert.equal(t({ type: 'literal', bytes: Buffer.from('Grüße') }), 'Grüße');
  assert.equal(t({ type: 'nil' }), 'NIL');
  assert.equal(t({ type: 'list', items: [] }), undefined);
  assert.equal(astring(undefined), undefined);
  const s: SectionToken = { type: 'section', name: 'BODY', section: { part: [] } };
  assert.equal(t(s), undefined);
});

// ---------------------------------------------------------------------------------------------
// Real client command lines

const MSG310 = message(310);

table([
  ['Thunderbird: UID FETCH of header fields', 'A1 UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject Date)])\r\n', [
    cmd('A1', 'UID FETCH', '1:*', ['UID', 'FLAGS', sec('BODY.PEEK[HEADER.FIELDS (From To Subject Date)]')]),
  ]],
  ['APPEND with flags, date and a LITERAL+ message', `A2 APPEND "Sent" (\\Seen) "25-Nov-2026 10:00:00 +0000" {310+}\r\n${MSG310}\r\n`, [
    cmd('A2', 'APPEND', str('Sent'), ['\\Seen'], str('25-Nov-2026 10:00:00 +0000'), lit(MSG310)),
  ]],
  ['SEARCH with a synchronizing literal', 'A3 SEARCH CHARSET UTF-8 OR FROM "a" TEXT {5}\r\nhello\r\n', [
    cont(5),
    cmd('A3', 'SEARCH', 'CHARSET', 'UTF-8', 'OR', 'FROM', str('a'), 'TEXT', lit('hello')),
  ]],
  ['SEARCH with a UTF-8 literal (size in bytes)', 'A3 SEARCH CHARSET UTF-8 TEXT {6}\r\nhéllo\r\n', [
    cont(6),
    cmd('A3', 'SEARCH', 'CHARSET', 'UTF-8', 'TEXT', lit('héllo')),
  ]],
  ['LIST-EXTENDED with RETURN', 'A4 LIST "" "*" RETURN (SPECIAL-USE)\r\n', [cmd('A4', 'LIST', str(''), str('*'), 'RETURN', ['SPECIAL-USE'])]],
  ['STORE +FLAGS.SILENT', 'A5 STORE 1:3 +FLAGS.SILENT (\\Deleted)\r\n', [cmd('A5', 'STORE', '1:3', '+FLAGS.SILENT', ['\\Deleted'])]],
  ['LOGIN with the password as a literal', 'a6 login "user@x" {8}\r\ns3cr3t!!\r\n', [cont(8), cmd('a6', 'LOGIN', str('user@x'), lit('s3cr3t!!'))]],
  ['Outlook-style LOGIN with an escaped quote', 'A01 LOGIN "user@x" "pa\\"ss"\r\n', [cmd('A01', 'LOGIN', str('user@x'), str('pa"ss'))]],
  ['Thunderbird SELECT with CONDSTORE', '3 select "INBOX" (CONDSTORE)\r\n', [cmd('3', 'SELECT', str('INBOX'), ['CONDSTORE'])]],
  ['Thunderbird UID FETCH with CHANGEDSINCE', '4 UID fetch 1:* (FLAGS) (CHANGEDSINCE 1234)\r\n', [cmd('4', 'UID FETCH', '1:*', ['FLAGS'], ['CHANGEDSINCE', 1234])]],
  ['Thunderbird message download', '5 UID fetch 12 (UID RFC822.SIZE FLAGS BODY.PEEK[])\r\n', [cmd('5', 'UID FETCH', 12, ['UID', 'RFC822.SIZE', 'FLAGS', sec('BODY.PEEK[]')])]],
  ['Thunderbird MIME part fetch', '6 UID fetch 12 (BODY.PEEK[HEADER.FIELDS (Content-Type Content-Transfer-Encoding)] BODY.PEEK[1.MIME] BODY.PEEK[1]<0.2048>)\r\n', [
    cmd('6', 'UID FETCH', 12, [sec('BODY.PEEK[HEADER.FIELDS (Content-Type Content-Transfer-Encoding)]'), sec('BODY.PEEK[1.MIME]'), sec('BODY.PEEK[1]<0.2048>')]),
  ]],
  ['Thunderbird UID STORE with a keyword; UID MOVE', '8 UID STORE 5 +FLAGS (\\Seen $Forwarded)\r\n9 UID MOVE 5 "Trash"\r\n', [
    cmd('8', 'UID STORE', 5, '+FLAGS', ['\\Seen', '$Forwarded']),
    cmd('9', 'UID MOVE', 5, str('Trash')),
  ]],
  ['Thunderbird ID', '10 ID ("name" "Thunderbird" "version" "128.5.0")\r\n', [
    cmd('10', 'ID', [str('name'), str('Thunderbird'), str('version'), str('128.5.0')]),
  ]],
  ['imapflow ID, ENABLE and STATUS', '1 ID ("name" "imapflow" "version" "1.0.0" "support-url" "https://github.com/postalsys/imapflow/issues")\r\n2 ENABLE CONDSTORE UTF8=ACCEPT\r\n3 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)\r\n', [
    cmd('1', 'ID', [str('name'), str('imapflow'), str('version'), str('1.0.0'), str('support-url'), str('https://github.com/postalsys/imapflow/issues')]),
    cmd('2', 'ENABLE', 'CONDSTORE', 'UTF8=ACCEPT'),
    cmd('3', 'STATUS', 'INBOX', ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ']),
  ]],
  ['imapflow mailbox sync', '6 UID FETCH 1:* (UID FLAGS BODYSTRUCTURE ENVELOPE INTERNALDATE RFC822.SIZE MODSEQ) (CHANGEDSINCE 5)\r\n', [
    cmd('6', 'UID FETCH', '1:*', ['UID', 'FLAGS', 'BODYSTRUCTURE', 'ENVELOPE', 'INTERNALDATE', 'RFC822.SIZE', 'MODSEQ'], ['CHANGEDSINCE', 5]),
  ]],
  ['imapflow SASL-IR and UID SEARCH', '7 AUTHENTICATE PLAIN AGZvbwBiYXI=\r\n8 UID SEARCH SINCE 1-Jan-2026 UNSEEN\r\n', [
    cmd('7', 'AUTHENTICATE', 'PLAIN', 'AGZvbwBiYXI='),
    cmd('8', 'UID SEARCH', 'SINCE', '1-Jan-2026', 'UNSEEN'),
  ]],
  ['mutt header download', 'a0005 UID FETCH 1:3 (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE IN-REPLY-TO REPLY-TO X-LABEL)])\r\n', [
    cmd('a0005', 'UID FETCH', '1:3', ['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', sec('BODY.PEEK[HEADER.FIELDS (DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE IN-REPLY-TO REPLY-TO X-LABEL)]')]),
  ]],
  ['MULTIAPPEND: two messages, LITERAL+', 'A7 APPEND Drafts (\\Draft) {5+}\r\nhello (\\Seen) {3+}\r\nbye\r\n', [
    cmd('A7', 'APPEND', 'Drafts', ['\\Draft'], lit('hello'), ['\\Seen'], lit('bye')),
  ]],
  ['CREATE/RENAME with modified UTF-7 names', 'A8 CREATE "&ZeVnLIqe-"\r\nA9 RENAME "Old" Entw&APw-rfe\r\n', [
    cmd('A8', 'CREATE', str('&ZeVnLIqe-')),
    cmd('A9', 'RENAME', str('Old'), 'Entw&APw-rfe'),
  ]],
  ['SEARCH with nested parentheses', 'a SEARCH OR (FROM a SUBJECT "b c") (TO c) NOT (DELETED)\r\n', [
    cmd('a', 'SEARCH', 'OR', ['FROM', 'a', 'SUBJECT', str('b c')], ['TO', 'c'], 'NOT', ['DELETED']),
  ]],
  ['FETCH macros and a plain BODY', 'A12 FETCH 1 ALL\r\nA13 FETCH 1:* FAST\r\nA14 FETCH 2 (BODY ENVELOPE)\r\n', [
    cmd('A12', 'FETCH', 1, 'ALL'),
    cmd('A13', 'FETCH', '1:*', 'FAST'),
    cmd('A14', 'FETCH', 2, ['BODY', 'ENVELOPE']),
  ]],
  ['pipelined commands in one write', 'a1 NOOP\r\na2 CAPABILITY\r\na3 NAMESPACE\r\na4 LOGOUT\r\n', [
    cmd('a1', 'NOOP'),
    cmd('a2', 'CAPABILITY'),
    cmd('a3', 'NAMESPACE'),
    cmd('a4', 'LOGOUT'),
  ]],
]);
