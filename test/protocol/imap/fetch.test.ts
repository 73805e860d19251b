// FETCH and UID FETCH on a raw socket, against a message whose bytes the test knows exactly:
// FLAGS UID INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY, BODY[] byte for byte,
// BODY.PEEK[HEADER], HEADER.FIELDS (NOT), TEXT, MIME and nested part numbers (multipart inside
// multipart, message/rfc822), partial <0.10>, RFC822*, the ALL/FAST/FULL macros, and \Seen set by
// BODY[] / RFC822 but not by BODY.PEEK / RFC822.HEADER. Also BODY[] of a message delivered over
// SMTP is the same bytes as POP3 RETR returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  append,
  deliver,
  fetches,
  fetchOne,
  flagsOf,
  login,
  logout,
  pop3Login,
  sha256,
  startLab,
  type Val,
} from './kit';

const QP_TEXT = 'Hola, qu=C3=A9 tal. L=C3=ADnea larga que se parte con un salto suave al final=\r\n de la l=C3=ADnea.\r\n';
const HTML = '<p>Hola, <b>qu&eacute;</b> tal.</p>\r\n';
const PDF = Buffer.from('%PDF-1.4 fingido\n' + 'x'.repeat(200)).toString('base64').replace(/.{76}/g, '$&\r\n');
const INNER_HEADER = 'From: Otro <otro@exterior.example>\r\nTo: cuenta1@aula.test\r\nSubject: reenviado\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n';
const INNER_BODY = 'Mensaje original.\r\nSegunda linea.\r\n';

const HEADER =
  'Return-Path: <cuenta2@aula.test>\r\n' +
  'Date: Tue, 10 Mar 2026 10:00:00 +0100\r\n' +
  'From: =?UTF-8?Q?Jos=C3=A9_P=C3=A9rez?= <jose@aula.test>\r\n' +
  'Sender: secretaria@aula.test\r\n' +
  'To: cuenta1@aula.test, "Grupo \\"B\\"" <grupo@aula.test>\r\n' +
  'Cc: Ana <ana@aula.test>\r\n' +
  'Subject: =?UTF-8?B?UHJ1ZWJhIGRlIEZFVENI?=\r\n' +
  'Message-ID: <fetch.1@aula.test>\r\n' +
  'In-Reply-To: <previo@aula.test>\r\n' +
  'X-Larga: una cabecera\r\n plegada en dos lineas\r\n' +
  'MIME-Version: 1.0\r\n' +
  'Content-Type: multipart/mixed; boundary="ext"\r\n' +
  '\r\n';
const PART1_MIME = 'Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n';
const ALT = '--alt\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' + QP_TEXT + '--alt\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n' + HTML + '--alt--\r\n';
const BODY =
  'Preambulo que nadie lee.\r\n' +
  '--ext\r\n' +
  PART1_MIME +
  QP_TEXT +
  '--ext\r\n' +
  'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n' +
  ALT +
  '\r\n--ext\r\n' +
  'Content-Type: message/rfc822\r\n\r\n' +
  INNER_HEADER +
  INNER_BODY +
  '\r\n--ext\r\n' +
  'Content-Type: application/pdf; name="doc.pdf"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="doc.pdf"\r\n\r\n' +
  PDF +
  '\r\n--ext--\r\n';
const MSG = Buffer.from(HEADER + BODY, 'latin1');

const str = (v: Val | undefined): string => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v));
const lines = (s: string): number => s.split('\r\n').length - 1;

async function withMessage(fn: (c: Awaited<ReturnType<typeof login>>, uid: number) => Promise<void>): Promise<void> {
  const srv = await startLab();
  try {
    const c = await login(srv.imapPort);
    const uid = await append(c, 'INBOX', MSG, '"10-Mar-2026 10:00:05 +0100"');
    await c.ok('SELECT INBOX');
    await fn(c, uid);
    await logout(c);
  } finally {
    await srv.close();
  }
}

test('FETCH BODY[] is the appended bytes; RFC822.SIZE, UID, INTERNALDATE, FLAGS; partial <0.10> and beyond the end', async () => {
  await withMessage(async (c, uid) => {
    const f = fetchOne(await c.ok('FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])'));
    assert.equal(f.items.get('UID'), uid);
    assert.deepEqual(flagsOf(f), []);
    assert.match(str(f.items.get('INTERNALDATE')), /^( \d|\d\d)-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}$/);
    assert.equal(f.items.get('RFC822.SIZE'), MSG.length);
    const body = f.items.get('BODY[]');
    assert.ok(Buffer.isBuffer(body), 'BODY[] is a literal');
    assert.equal(sha256(body), sha256(MSG), 'byte-exact');

    const p = fetchOne(await c.ok('FETCH 1 (BODY.PEEK[]<0.10>)'));
    assert.equal(str(p.items.get('BODY[]<0>')), MSG.subarray(0, 10).toString('latin1'), 'partial answered as BODY[]<0>');
    const q = fetchOne(await c.ok(`FETCH 1 (BODY.PEEK[]<${MSG.length - 5}.100>)`));
    assert.equal(str(q.items.get(`BODY[]<${MSG.length - 5}>`)), MSG.subarray(MSG.length - 5).toString('latin1'), 'partial past the end is cut');
    const r = fetchOne(await c.ok(`FETCH 1 (BODY.PEEK[TEXT]<${MSG.length + 10}.5>)`));
    assert.equal(str(r.items.get(`BODY[TEXT]<${MSG.length + 10}>`)), '', 'an origin past the end gives an empty string');

    const u = fetchOne(await c.ok(`UID FETCH ${uid} (FLAGS)`));
    assert.equal(u.items.get('UID'), uid, 'UID FETCH always includes UID');
    const none = await c.ok(`UID FETCH ${uid + 100} (FLAGS)`);
    assert.deepEqual(none.lines, [], 'UID FETCH of a missing UID returns nothing');
  });
});

test('FETCH header sections: HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT, RFC822.HEADER, RFC822.TEXT, RFC822', async () => {
  await withMessage(async (c) => {
    const f = fetchOne(await c.ok('FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[TEXT])'));
    assert.equal(str(f.items.get('BODY[HEADER]')), HEADER, 'the header including the empty line');
    assert.equal(str(f.items.get('BODY[TEXT]')), BODY);

    const h = fetchOne(await c.ok('FETCH 1 (BODY.PEEK[HEADER.FIELDS (subject X-LARGA no-existe)])'));
    const [key, value] = [...h.items.entries()].find(([k]) => k.startsWith('BODY[HEADER.FIELDS'))!;
    assert.match(key, /^BODY\[HEADER\.FIELDS \(subject X-LARGA no-existe\)\]$/i);
    assert.equal(str(value), 'Subject: =?UTF-8?B?UHJ1ZWJhIGRlIEZFVENI?=\r\nX-Larga: una cabecera\r\n plegada en dos lineas\r\n\r\n');

    const n = fetchOne(await c.ok('FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (Subject Content-Type X-Larga Return-Path)])'));
    const nv = str([...n.items.entries()].find(([k]) => k.startsWith('BODY[HEADER.FIELDS.NOT'))![1]);
    assert.ok(!/^(Subject|Content-Type|X-Larga|Return-Path):/im.test(nv), nv);
    assert.ok(!nv.includes('plegada'), 'folded lines go with their field');
    assert.match(nv, /^Date: .*\r\nFrom: .*\r\n[\s\S]*MIME-Version: 1\.0\r\n\r\n$/);

    const r = fetchOne(await c.ok('FETCH 1 (RFC822.HEADER RFC822.SIZE)'));
    assert.equal(str(r.items.get('RFC822.HEADER')), HEADER);
    const flags0 = flagsOf(fetchOne(await c.ok('FETCH 1 FLAGS')));
    assert.deepEqual(flags0, [], 'RFC822.HEADER and BODY.PEEK do not set \\Seen');

    const t = await c.ok('FETCH 1 RFC822.TEXT');
    assert.equal(str(fetchOne(t).items.get('RFC822.TEXT')), BODY);
    assert.deepEqual(flagsOf(fetchOne(await c.ok('FETCH 1 FLAGS'))), ['\\Seen'], 'RFC822.TEXT sets \\Seen');
    await c.ok('STORE 1 -FLAGS.SILENT (\\Seen)');
    const whole = fetchOne(await c.ok('FETCH 1 RFC822'));
    assert.equal(sha256(whole.items.get('RFC822') as Buffer), sha256(MSG));
    assert.deepEqual(flagsOf(whole), ['\\Seen'], 'RFC822 sets \\Seen and the new FLAGS come in the same response');
  });
});

test('FETCH nested parts: 1, 1.MIME, 2.1, 2.2, 3 (message/rfc822), 3.HEADER, 3.TEXT, 3.1, 4; HEADER of a part', async () => {
  await withMessage(async (c) => {
    const f = fetchOne(
      await c.ok('FETCH 1 (BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[2] BODY.PEEK[2.1] BODY.PEEK[2.2] BODY.PEEK[3] BODY.PEEK[3.HEADER] BODY.PEEK[3.TEXT] BODY.PEEK[3.1] BODY.PEEK[4])'),
    );
    assert.equal(str(f.items.get('BODY[1]')), QP_TEXT.slice(0, -2), 'part 1 without the CRLF that belongs to the boundary');
    assert.equal(str(f.items.get('BODY[1.MIME]')), PART1_MIME);
    assert.equal(str(f.items.get('BODY[2]')), ALT, 'a multipart part is its body');
    assert.equal(str(f.items.get('BODY[2.1]')), QP_TEXT.slice(0, -2));
    assert.equal(str(f.items.get('BODY[2.2]')), HTML.slice(0, -2));
    assert.equal(str(f.items.get('BODY[3]')), INNER_HEADER + INNER_BODY, 'the whole encapsulated message');
    assert.equal(str(f.items.get('BODY[3.HEADER]')), INNER_HEADER);
    assert.equal(str(f.items.get('BODY[3.TEXT]')), INNER_BODY);
    assert.equal(str(f.items.get('BODY[3.1]')), INNER_BODY, 'a non-multipart message/rfc822 has part 1 = its body');
    assert.equal(str(f.items.get('BODY[4]')), PDF);
    const missing = fetchOne(await c.ok('FETCH 1 (BODY.PEEK[9])'));
    assert.ok(missing.items.get('BODY[9]') === '' || missing.items.get('BODY[9]') === null, 'a part that does not exist is empty or NIL');
    const sub = fetchOne(await c.ok('FETCH 1 (BODY.PEEK[3.HEADER.FIELDS (SUBJECT)])'));
    assert.equal(str([...sub.items.values()].find((v) => v !== null && str(v).startsWith('Subject'))), 'Subject: reenviado\r\n\r\n');
    assert.deepEqual(flagsOf(fetchOne(await c.ok('FETCH 1 FLAGS'))), [], 'BODY.PEEK never sets \\Seen');
    const seen = fetchOne(await c.ok('FETCH 1 BODY[2.2]'));
    assert.deepEqual(flagsOf(seen), ['\\Seen'], 'BODY[...] sets \\Seen and reports FLAGS');
  });
});

test('FETCH ENVELOPE, BODYSTRUCTURE, BODY and the ALL/FAST/FULL macros', async () => {
  await withMessage(async (c) => {
    const f = fetchOne(await c.ok('FETCH 1 (ENVELOPE)'));
    const env = f.items.get('ENVELOPE') as Val[];
    assert.equal(env.length, 10);
    assert.equal(env[0], 'Tue, 10 Mar 2026 10:00:00 +0100');
    assert.equal(env[1], '=?UTF-8?B?UHJ1ZWJhIGRlIEZFVENI?=', 'subject as in the header (not decoded)');
    assert.deepEqual(env[2], [['=?UTF-8?Q?Jos=C3=A9_P=C3=A9rez?=', null, 'jose', 'aula.test']]);
    assert.deepEqual(env[3], [[null, null, 'secretaria', 'aula.test']], 'sender');
    assert.deepEqual(env[4], env[2], 'reply-to defaults to from');
    assert.deepEqual(env[5], [
      [null, null, 'cuenta1', 'aula.test'],
      ['Grupo "B"', null, 'grupo', 'aula.test'],
    ]);
    assert.deepEqual(env[6], [['Ana', null, 'ana', 'aula.test']]);
    assert.equal(env[7], null, 'no Bcc');
    assert.equal(env[8], '<previo@aula.test>');
    assert.equal(env[9], '<fetch.1@aula.test>');

    const b = fetchOne(await c.ok('FETCH 1 (BODYSTRUCTURE)')).items.get('BODYSTRUCTURE') as Val[];
    // (part1 (alt) (message) (pdf) "MIXED" ("BOUNDARY" "ext") NIL NIL NIL)
    assert.equal(str(b[4]).toUpperCase(), 'MIXED');
    assert.deepEqual((b[5] as Val[]).map((x) => str(x).toUpperCase()), ['BOUNDARY', 'EXT']);
    const p1 = b[0] as Val[];
    assert.deepEqual([str(p1[0]).toUpperCase(), str(p1[1]).toUpperCase()], ['TEXT', 'PLAIN']);
    assert.deepEqual((p1[2] as Val[]).map((x) => str(x).toUpperCase()), ['CHARSET', 'UTF-8']);
    assert.equal(str(p1[5]).toUpperCase(), 'QUOTED-PRINTABLE');
    assert.equal(p1[6], QP_TEXT.length - 2, 'size of part 1 in octets');
    assert.ok(p1[7] === lines(QP_TEXT) || p1[7] === lines(QP_TEXT) - 1, `lines of part 1: ${String(p1[7])}`);
    const alt = b[1] as Val[];
    assert.equal(str(alt[2]).toUpperCase(), 'ALTERNATIVE');
    assert.deepEqual([str((alt[1] as Val[])[0]), str((alt[1] as Val[])[1])].map((s) => s.toUpperCase()), ['TEXT', 'HTML']);
    const msg = b[2] as Val[];
    assert.deepEqual([str(msg[0]).toUpperCase(), str(msg[1]).toUpperCase()], ['MESSAGE', 'RFC822']);
    const innerEnv = msg[7] as Val[];
    assert.equal(innerEnv[1], 'reenviado', 'message/rfc822 carries the envelope of the inner message');
    const innerBody = msg[8] as Val[];
    assert.deepEqual([str(innerBody[0]).toUpperCase(), str(innerBody[1]).toUpperCase()], ['TEXT', 'PLAIN']);
    assert.equal(msg[6], (INNER_HEADER + INNER_BODY).length);
    const pdf = b[3] as Val[];
    assert.deepEqual([str(pdf[0]).toUpperCase(), str(pdf[1]).toUpperCase(), str(pdf[5]).toUpperCase()], ['APPLICATION', 'PDF', 'BASE64']);
    assert.equal(pdf[6], PDF.length);
    const disp = pdf[8] as Val[];
    assert.equal(str(disp[0]).toUpperCase(), 'ATTACHMENT');
    assert.deepEqual((disp[1] as Val[]).map(str).map((s) => s.toUpperCase()), ['FILENAME', 'DOC.PDF']);

    const body = fetchOne(await c.ok('FETCH 1 (BODY)')).items.get('BODY') as Val[];
    assert.equal(str(body[4]).toUpperCase(), 'MIXED', 'BODY is BODYSTRUCTURE without extension data');
    assert.equal(body.length, 5, 'no extension data in BODY');

    const all = fetchOne(await c.ok('FETCH 1 ALL'));
    assert.deepEqual([...all.items.keys()].sort(), ['ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
    const fast = fetchOne(await c.ok('FETCH 1 FAST'));
    assert.deepEqual([...fast.items.keys()].sort(), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
    const full = fetchOne(await c.ok('FETCH 1 FULL'));
    assert.deepEqual([...full.items.keys()].sort(), ['BODY', 'ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
    await c.bad('FETCH 1 (BOGUS)');
    await c.bad('FETCH 1 BINARY[]');
    await c.bad('FETCH 0 FLAGS');
    await c.bad('FETCH a:b FLAGS');
  });
});

test('FETCH of a single-part message: BODYSTRUCTURE of text/plain, BODY[1] = BODY[TEXT], no Content-Type means text/plain us-ascii', async () => {
  const srv = await startLab();
  try {
    const c = await login(srv.imapPort);
    const m = 'From: a@aula.test\r\nSubject: simple\r\n\r\nlinea uno\r\nlinea dos\r\n';
    await append(c, 'INBOX', m);
    await c.ok('SELECT INBOX');
    const f = fetchOne(await c.ok('FETCH 1 (BODYSTRUCTURE BODY.PEEK[1] BODY.PEEK[TEXT] ENVELOPE)'));
    const b = f.items.get('BODYSTRUCTURE') as Val[];
    assert.deepEqual(b.slice(0, 8).map((x) => (Array.isArray(x) ? x.map((y) => str(y).toUpperCase()) : typeof x === 'string' ? x.toUpperCase() : x)), [
      'TEXT',
      'PLAIN',
      ['CHARSET', 'US-ASCII'],
      null,
      null,
      '7BIT',
      'linea uno\r\nlinea dos\r\n'.length,
      2,
    ]);
    assert.equal(str(f.items.get('BODY[1]')), 'linea uno\r\nlinea dos\r\n');
    assert.equal(str(f.items.get('BODY[TEXT]')), 'linea uno\r\nlinea dos\r\n');
    const env = f.items.get('ENVELOPE') as Val[];
    assert.equal(env[0], null, 'no Date: NIL');
    assert.equal(env[1], 'simple');
    assert.deepEqual(env[5], null, 'no To: NIL');
    await logout(c);
  } finally {
    await srv.close();
  }
});

test('a message received over SMTP is the same bytes over IMAP BODY[] and POP3 RETR', async () => {
  const srv = await startLab();
  try {
    const original =
      'From: cuenta2@aula.test\r\nTo: cuenta1@aula.test\r\nSubject: =?UTF-8?Q?bytes_=C3=B1?=\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
      'ñandú €\r\n.linea con punto\r\n..dos\r\nsin salto final';
    await deliver(srv, 'cuenta1@aula.test', original);
    const c = await login(srv.imapPort, undefined, 'INBOX');
    const f = fetchOne(await c.ok('FETCH 1 (BODY.PEEK[] RFC822.SIZE)'));
    const imap = f.items.get('BODY[]') as Buffer;
    assert.equal(imap.length, f.items.get('RFC822.SIZE'));
    assert.ok(imap.toString('utf8').includes('ñandú €\r\n.linea con punto\r\n..dos\r\n'), 'dots unstuffed, 8-bit kept');
    const p = await pop3Login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    const r = await p.multi('RETR 1');
    assert.equal(sha256(r.body), sha256(imap), 'POP3 RETR and IMAP BODY[] agree byte for byte');
    await p.ok('QUIT');
    // The two can run at the same time on the same mailbox: IMAP still reads it, and hears that
    // RETR marked the message read.
    const again = fetches(await c.ok('FETCH 1 BODY.PEEK[]'));
    assert.equal(sha256(again.find((x) => x.items.has('BODY[]'))!.items.get('BODY[]') as Buffer), sha256(imap));
    assert.deepEqual(flagsOf(fetchOne(await c.ok('FETCH 1 FLAGS'))), ['\\Seen'], 'POP3 RETR set \\Seen');
    await logout(c);
  } finally {
    await srv.close();
  }
});

test('FETCH of many messages: sequence sets, *, ranges given backwards, and a large literal streamed intact', async () => {
  const srv = await startLab();
  try {
    const c = await login(srv.imapPort);
    const big = Buffer.from('Subject: grande\r\n\r\n' + 'abcdefghij'.repeat(1024 * 150).replace(/(.{70})/g, '$1\r\n'), 'latin1');
    for (let i = 1; i <= 5; i++) await append(c, 'INBOX', i === 3 ? big : `Subject: n${i}\r\n\r\ncuerpo ${i}\r\n`);
    await c.ok('SELECT INBOX');
    const f = fetches(await c.ok('FETCH 5:4,1,*,2 (UID)'));
    assert.deepEqual(f.map((x) => x.seq).sort(), [1, 2, 4, 5], 'each message once');
    const g = fetches(await c.ok('UID FETCH 4:* (UID)'));
    assert.deepEqual(g.map((x) => x.items.get('UID')), [4, 5]);
    const star = fetches(await c.ok('UID FETCH 999:* (UID)'));
    assert.deepEqual(star.map((x) => x.items.get('UID')), [5], 'UID n:* with n past the last includes the last (RFC 9051 §6.4.8)');
    const b = fetchOne(await c.ok('FETCH 3 BODY.PEEK[]'));
    assert.equal(sha256(b.items.get('BODY[]') as Buffer), sha256(big), `${big.length} bytes intact`);
    await logout(c);
  } finally {
    await srv.close();
  }
});

test('RFC 2046 §5.1.1: whitespace ("transport padding") after a boundary line still delimits the parts', async () => {
  const srv = await startLab();
  try {
    const c = await login(srv.imapPort);
    const m =
      'Subject: padding\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n' +
      '--zz \t\r\nContent-Type: text/plain\r\n\r\nuno\r\n' +
      '--zz  \r\nContent-Type: text/html\r\n\r\ndos\r\n' +
      '--zz-- \r\n';
    await append(c, 'INBOX', m);
    await c.ok('SELECT INBOX');
    const f = fetchOne(await c.ok('FETCH 1 (BODYSTRUCTURE BODY.PEEK[1] BODY.PEEK[2])'));
    const b = f.items.get('BODYSTRUCTURE') as Val[];
    assert.ok(Array.isArray(b[0]), `a multipart BODYSTRUCTURE: ${f.text.slice(0, 300)}`);
    assert.equal(str(b[2]).toUpperCase(), 'MIXED');
    assert.equal(str(f.items.get('BODY[1]')), 'uno');
    assert.equal(str(f.items.get('BODY[2]')), 'dos');
    await logout(c);
  } finally {
    await srv.close();
  }
});
