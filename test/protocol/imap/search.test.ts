// SEARCH and UID SEARCH on a corpus delivered over real SMTP: plain ASCII, quoted-printable and
// base64 bodies, RFC 2047 subjects and names (Q and B, UTF-8 and ISO-8859-1), multipart with
// text and HTML, an 8-bit ISO-8859-1 body. Non-ASCII search strings go as literals with
// CHARSET UTF-8 (synchronizing and LITERAL+). Also flag keys, OR/NOT/lists, sizes, dates,
// HEADER, sequence and UID sets, and [BADCHARSET].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deliver, login, logout, searchResult, startLab, type ImapClient, type Result } from './kit';

const b64 = (s: string, enc: BufferEncoding = 'utf8'): string => Buffer.from(s, enc).toString('base64');

const CORPUS: Buffer[] = [
  // 1: plain ASCII
  Buffer.from('From: Profesor <profesor@aula.test>\r\nTo: cuenta1@aula.test\r\nCc: Jefatura <jefatura@aula.test>\r\nSubject: Reunion del lunes\r\nDate: Mon, 02 Mar 2026 09:00:00 +0100\r\nMessage-ID: <reunion@aula.test>\r\nX-Prioridad: alta\r\n\r\nTraed el portatil cargado.\r\n'),
  // 2: RFC 2047 Q subject, ISO-8859-1 encoded name, quoted-printable body
  Buffer.from(
    'From: =?ISO-8859-1?Q?Jos=E9_Garc=EDa?= <jose@aula.test>\r\nTo: cuenta1@aula.test\r\nSubject: =?UTF-8?Q?Caf=C3=A9_con_le=C3=B1a?=\r\nDate: Wed, 04 Mar 2026 12:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nEl caf=C3=A9 est=C3=A1 listo en la sala de profesores, junto a la ventan=\r\na grande.\r\n',
  ),
  // 3: RFC 2047 B subject (Cyrillic), base64 body
  Buffer.from(
    `From: Olga <olga@exterior.example>\r\nTo: cuenta1@aula.test\r\nSubject: =?UTF-8?B?${b64('Примечание важное')}?=\r\nDate: Fri, 06 Mar 2026 18:30:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64('Código secreto: ñandú azul.\r\n')}\r\n`,
  ),
  // 4: multipart/alternative, the word only in encoded bodies
  Buffer.from(
    'From: Boletin <boletin@aula.test>\r\nTo: cuenta1@aula.test\r\nSubject: Multiparte\r\nDate: Sun, 08 Mar 2026 08:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b1"\r\n\r\n' +
      '--b1\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHoy vimos una cig=C3=BCe=C3=B1a en el tejado.\r\n' +
      `--b1\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64('<p>Hoy vimos una <b>cigüeña</b> en el tejado.</p>')}\r\n--b1--\r\n`,
  ),
  // 5: 8-bit ISO-8859-1 body
  Buffer.concat([
    Buffer.from('From: Antonio <anton@aula.test>\r\nTo: cuenta1@aula.test\r\nSubject: Latin1\r\nDate: Tue, 10 Mar 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
    Buffer.from('Feliz Año Nuevo a todos.\r\n', 'latin1'),
  ]),
];

/** SEARCH with one UTF-8 string as a LITERAL+ literal: "<before> {n+}\r\n<text><after>". */
async function searchUtf8(c: ImapClient, before: string, text: string, after = ''): Promise<number[]> {
  const bytes = Buffer.from(text, 'utf8');
  const tag = c.nextTag();
  c.write(Buffer.concat([Buffer.from(`${tag} ${before} {${bytes.length}+}\r\n`), bytes, Buffer.from(`${after}\r\n`)]));
  const r = await c.collect(tag);
  assert.match(r.status, /^OK\b/, `${before} ${text}: ${r.tagged}`);
  return searchResult(r);
}

async function search(c: ImapClient, keys: string): Promise<number[]> {
  return searchResult(await c.ok(keys));
}

async function withCorpus(fn: (c: ImapClient) => Promise<void>): Promise<void> {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', ...CORPUS);
    const c = await login(srv.imapPort, undefined, 'INBOX');
    await fn(c);
    await logout(c);
  } finally {
    await srv.close();
  }
}

test('SEARCH with CHARSET UTF-8: SUBJECT (RFC 2047 Q and B), FROM (encoded name), BODY (quoted-printable, base64, multipart, 8-bit Latin-1), TEXT', async () => {
  await withCorpus(async (c) => {
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 SUBJECT', 'café'), [2], 'Q-encoded subject');
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 SUBJECT', 'leña'), [2]);
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 SUBJECT', 'Примечание'), [3], 'B-encoded subject');
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 FROM', 'José García'), [2], 'ISO-8859-1 encoded display name');
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 BODY', 'está listo'), [2], 'quoted-printable body, decoded');
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 BODY', 'ventana grande'), [2], 'soft line break joined');
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 BODY', 'ñandú'), [3], 'base64 body, decoded');
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 BODY', 'cigüeña'), [4], 'multipart parts');
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 BODY', 'Año Nuevo'), [5], 'ISO-8859-1 body converted');
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 TEXT', 'ñandú'), [3]);
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 TEXT', 'café'), [2], 'TEXT covers the header too');
    assert.deepEqual(await searchUtf8(c, 'UID SEARCH CHARSET UTF-8 BODY', 'cigüeña'), [4]);
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 BODY', 'cigüeña', ' SUBJECT multiparte'), [4], 'a literal followed by more keys');
    // Synchronizing literal: "+" first.
    const word = Buffer.from('ñandú', 'utf8');
    c.send(`S1 SEARCH CHARSET UTF-8 TEXT {${word.length}}`);
    assert.match(await c.line(), /^\+ /);
    c.write(Buffer.concat([word, Buffer.from('\r\n')]));
    assert.deepEqual(searchResult(await c.collect('S1')), [3]);
    // Without CHARSET the default is US-ASCII; an ASCII word still matches inside decoded text.
    assert.deepEqual(await search(c, 'SEARCH BODY "vimos una"'), [4]);
    assert.deepEqual(await search(c, 'SEARCH BODY secreto'), [3], 'ASCII word in a base64 body');
  });
});

test('SEARCH is case-insensitive, also for non-ASCII letters', async () => {
  await withCorpus(async (c) => {
    assert.deepEqual(await search(c, 'SEARCH SUBJECT REUNION'), [1]);
    assert.deepEqual(await search(c, 'SEARCH from PROFESOR@AULA.TEST'), [1]);
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 SUBJECT', 'CAFÉ CON LEÑA'), [2], 'RFC 3501 §6.4.4: matching is case-insensitive');
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 BODY', 'CIGÜEÑA'), [4]);
  });
});

test('SEARCH keys: ALL, flags, keywords, NOT, OR, lists, LARGER/SMALLER, dates, HEADER, TO/CC, sequence and UID sets, no match, errors', async () => {
  await withCorpus(async (c) => {
    assert.deepEqual(await search(c, 'SEARCH ALL'), [1, 2, 3, 4, 5]);
    await c.ok('STORE 1,3 +FLAGS.SILENT (\\Seen)');
    await c.ok('STORE 2 +FLAGS.SILENT (\\Flagged $Urgente)');
    await c.ok('STORE 5 +FLAGS.SILENT (\\Deleted \\Answered \\Draft)');
    assert.deepEqual(await search(c, 'SEARCH SEEN'), [1, 3]);
    assert.deepEqual(await search(c, 'SEARCH UNSEEN'), [2, 4, 5]);
    assert.deepEqual(await search(c, 'SEARCH FLAGGED'), [2]);
    assert.deepEqual(await search(c, 'SEARCH UNFLAGGED UNSEEN'), [4, 5]);
    assert.deepEqual(await search(c, 'SEARCH KEYWORD $Urgente'), [2]);
    assert.deepEqual(await search(c, 'SEARCH UNKEYWORD $Urgente'), [1, 3, 4, 5]);
    assert.deepEqual(await search(c, 'SEARCH DELETED'), [5]);
    assert.deepEqual(await search(c, 'SEARCH UNDELETED ANSWERED'), []);
    assert.deepEqual(await search(c, 'SEARCH DRAFT'), [5]);
    assert.deepEqual(await search(c, 'SEARCH NOT SEEN NOT DELETED'), [2, 4]);
    assert.deepEqual(await search(c, 'SEARCH OR SUBJECT reunion SUBJECT multiparte'), [1, 4]);
    assert.deepEqual(await search(c, 'SEARCH OR (SEEN FROM olga) FLAGGED'), [2, 3]);
    assert.deepEqual(await search(c, 'SEARCH NEW'), []);
    assert.deepEqual(await search(c, 'SEARCH TO cuenta1'), [1, 2, 3, 4, 5]);
    assert.deepEqual(await search(c, 'SEARCH CC jefatura'), [1]);
    assert.deepEqual(await search(c, 'SEARCH BCC nadie'), []);
    assert.deepEqual(await search(c, 'SEARCH HEADER X-Prioridad alta'), [1]);
    assert.deepEqual(await search(c, 'SEARCH HEADER X-Prioridad ""'), [1], 'HEADER with an empty string: the field exists');
    assert.deepEqual(await search(c, 'SEARCH HEADER Message-ID "<reunion@aula.test>"'), [1]);
    assert.deepEqual(await search(c, 'SEARCH SENTBEFORE 5-Mar-2026'), [1, 2]);
    assert.deepEqual(await search(c, 'SEARCH SENTSINCE 6-Mar-2026'), [3, 4, 5]);
    assert.deepEqual(await search(c, 'SEARCH SENTON 6-Mar-2026'), [3]);
    assert.deepEqual(await search(c, 'SEARCH SINCE 1-Jan-2020'), [1, 2, 3, 4, 5], 'internal date: delivered now');
    assert.deepEqual(await search(c, 'SEARCH BEFORE 1-Jan-2020'), []);
    const sizes = (await c.ok('FETCH 1:* RFC822.SIZE')).lines.map((l) => Number(/RFC822\.SIZE (\d+)/.exec(l)![1]));
    const smallest = Math.min(...sizes);
    const i = sizes.indexOf(smallest) + 1;
    assert.deepEqual(await search(c, `SEARCH SMALLER ${smallest + 1}`), [i]);
    assert.deepEqual(await search(c, `SEARCH LARGER ${smallest}`), [1, 2, 3, 4, 5].filter((n) => n !== i));
    assert.deepEqual(await search(c, 'SEARCH 2:4'), [2, 3, 4]);
    assert.deepEqual(await search(c, 'SEARCH 4:* SUBJECT latin1'), [5]);
    assert.deepEqual(await search(c, 'SEARCH UID 2,4'), [2, 4]);
    assert.deepEqual(await search(c, 'UID SEARCH UID 3:*'), [3, 4, 5]);
    assert.deepEqual(await search(c, 'UID SEARCH 1:2'), [1, 2], 'a sequence set in UID SEARCH is still sequence numbers');
    assert.deepEqual(await search(c, 'SEARCH SUBJECT inexistente'), []);
    const empty = await c.ok('SEARCH SUBJECT inexistente');
    assert.deepEqual(empty.lines, ['* SEARCH'], 'an empty result is "* SEARCH"');
    await c.no('SEARCH CHARSET KOI8-R SUBJECT x', /^NO \[BADCHARSET/);
    await c.bad('SEARCH BOGUS');
    await c.bad('SEARCH SINCE ayer');
    await c.bad('SEARCH OR SEEN');
  });
});

test('SEARCH after deleting a message and after new mail: numbers follow the view', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', ...CORPUS.slice(0, 3));
    const c = await login(srv.imapPort, undefined, 'INBOX');
    await c.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await c.ok('EXPUNGE');
    assert.deepEqual(await searchUtf8(c, 'SEARCH CHARSET UTF-8 SUBJECT', 'café'), [1]);
    assert.deepEqual(await searchUtf8(c, 'UID SEARCH CHARSET UTF-8 SUBJECT', 'café'), [2]);
    await deliver(srv, 'cuenta1@aula.test', CORPUS[3]!);
    const r: Result = await c.ok('SEARCH SUBJECT multiparte');
    // The EXISTS may come with this response (SEARCH may announce new messages), never EXPUNGE.
    assert.ok(!r.lines.some((l) => / EXPUNGE$/.test(l)));
    const n = await c.ok('NOOP');
    const all = [...r.lines, ...n.lines];
    assert.ok(all.includes('* 3 EXISTS'), JSON.stringify(all));
    assert.deepEqual(await search(c, 'SEARCH SUBJECT multiparte'), [3]);
    await logout(c);
  } finally {
    await srv.close();
  }
});
