// The renderer's CSV reader (account imports): RFC 4180 quoting, the separators spreadsheets
// write, line ends of every system, a byte order mark, blank rows, and the encodings of Excel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvError, decodeText, detectSeparator, parseCsv } from '../../src-renderer/src/csv';

const cells = (text: string) => parseCsv(text).map((r) => r.cells);
const lines = (text: string) => parseCsv(text).map((r) => r.line);

test('plain rows, with and without a final line break', () => {
  assert.deepEqual(cells('address,password\nana,secreto1\n'), [
    ['address', 'password'],
    ['ana', 'secreto1'],
  ]);
  assert.deepEqual(cells('a,b\nc,d'), [
    ['a', 'b'],
    ['c', 'd'],
  ]);
  assert.deepEqual(cells('a,,c\n'), [['a', '', 'c']], 'an empty cell in the middle');
  assert.deepEqual(cells('a,b,\n'), [['a', 'b', '']], 'an empty last cell');
  assert.deepEqual(cells(''), []);
});

test('quoted cells: the separator, a line break and a doubled quote inside are data', () => {
  const table: [string, string[][]][] = [
    ['"a,b",c', [['a,b', 'c']]],
    ['"say ""hi""",x', [['say "hi"', 'x']]],
    ['"line one\nline two",x', [['line one\nline two', 'x']]],
    ['"crlf\r\ninside",x\r\nnext,y', [['crlf\r\ninside', 'x'], ['next', 'y']]],
    ['"",x', [['', 'x']]],
    ['""""', [['"']]],
    ['5" disk,x', [['5" disk', 'x']]],
    ['"quoted"tail,x', [['quotedtail', 'x']]],
  ];
  for (const [text, expected] of table) assert.deepEqual(cells(text), expected, JSON.stringify(text));
});

test('the separator: ";" as Excel writes it in Spanish, a tab from a pasted spreadsheet, "," otherwise', () => {
  assert.equal(detectSeparator('correo;contraseña;nombre\nana;x,y;Ana'), ';');
  assert.equal(detectSeparator('address,password\n'), ',');
  assert.equal(detectSeparator('address\tpassword\tfirst, last\n'), '\t');
  assert.equal(detectSeparator('"a;b",c\n'), ',', 'a separator inside quotes does not count');
  assert.equal(detectSeparator('address\n'), ',', 'one column: the default');
  assert.equal(detectSeparator('\n\n  \na;b\n'), ';', 'the first line with content decides');
  assert.deepEqual(cells('correo;contraseña;apellidos\nana;se,creto;"García; López"\n'), [
    ['correo', 'contraseña', 'apellidos'],
    ['ana', 'se,creto', 'García; López'],
  ]);
  assert.deepEqual(
    parseCsv('a;b\nc;d', ',').map((r) => r.cells),
    [['a;b'], ['c;d']],
    'an explicit separator wins',
  );
});

test('CRLF, LF and CR line ends; the byte order mark is dropped', () => {
  const expected = [
    ['address', 'password'],
    ['ana', 'x'],
    ['luis', 'y'],
  ];
  assert.deepEqual(cells('address,password\r\nana,x\r\nluis,y\r\n'), expected);
  assert.deepEqual(cells('address,password\rana,x\rluis,y'), expected);
  assert.deepEqual(cells('address,password\nana,x\r\nluis,y'), expected, 'mixed');
  assert.deepEqual(cells('\uFEFFaddress,password\r\nana,x\r\nluis,y'), expected);
  assert.deepEqual(cells('\uFEFFcorreo;contraseña\r\nana;x\r\n'), [
    ['correo', 'contraseña'],
    ['ana', 'x'],
  ]);
});

test('blank lines and empty spreadsheet rows are skipped; each record keeps the line it starts on', () => {
  const text = 'address;password\r\n\r\nana;x\r\n;;\r\n   \r\n"multi\r\nline";y\r\nluis;z\r\n\r\n';
  assert.deepEqual(cells(text), [['address', 'password'], ['ana', 'x'], ['multi\r\nline', 'y'], ['luis', 'z']]);
  assert.deepEqual(lines(text), [1, 3, 6, 8], 'the line numbers a spreadsheet shows');
  assert.deepEqual(lines('a\n"b\nc\nd"\ne'), [1, 2, 5]);
});

test('an unclosed quote is an error naming the line it opens on, not a silent swallow', () => {
  assert.throws(
    () => parseCsv('address,password\nana,"secreto\nluis,x\n'),
    (e: unknown) => e instanceof CsvError && e.line === 2 && /line 2/.test(e.message),
  );
  assert.throws(() => parseCsv('"'), CsvError);
});

test('file bytes: UTF-8 (with or without BOM), Excel\'s Windows-1252 CSV, UTF-16 with its BOM', () => {
  const text = 'correo;contraseña;apellidos\nñu;x;Núñez Çà\n';
  const utf8 = new TextEncoder().encode(text);
  assert.equal(decodeText(utf8), text);
  assert.deepEqual(cells(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8])))[0], ['correo', 'contraseña', 'apellidos']);
  // Windows-1252: ñ = F1, ú = FA, Ç = C7, à = E0; not valid UTF-8.
  const cp1252 = Uint8Array.from([...text].map((c) => ({ ñ: 0xf1, ú: 0xfa, Ç: 0xc7, à: 0xe0 })[c] ?? c.charCodeAt(0)));
  assert.equal(decodeText(cp1252), text);
  const utf16le = new Uint8Array([0xff, 0xfe, ...[...text].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8])]);
  assert.equal(decodeText(utf16le).replace(/^\uFEFF/, ''), text);
  const utf16be = new Uint8Array([0xfe, 0xff, ...[...text].flatMap((c) => [c.charCodeAt(0) >> 8, c.charCodeAt(0) & 0xff])]);
  assert.equal(decodeText(utf16be).replace(/^\uFEFF/, ''), text);
});
