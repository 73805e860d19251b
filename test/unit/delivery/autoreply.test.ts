// Auto-replies (RFC 3834): every rule that stops a reply and the plain case that allows one,
// expiry at the day's edges, and the reply itself read back by an independent parser (mailsplit
// for the structure, libmime for encoded words): its fields, the subject template, threading,
// the text in quoted-printable, and that no value can add a header field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import mailsplit from 'mailsplit';
import libmime from 'libmime';
import { autoReplyVerdict, buildAutoReply, type AutoReplyInput, type AutoReplyVerdictInput } from '../../../src-main/delivery/autoreply';

const CRLF = '\r\n';

const ORIGINAL_HEADER = [
  'Return-Path: <ana@origen.test>',
  'Received: from portatil ([192.0.2.10]) by mx.origen.test with ESMTPSA id 4TqK1x;',
  '\tTue, 05 Mar 2024 09:07:01 +0000',
  'From: =?UTF-8?Q?Ana_Mar=C3=ADa_Pe=C3=B1a?= <ana@origen.test>',
  'To: Luis <luis@destino.test>',
  'Subject: =?UTF-8?Q?Informe_del_a=C3=B1o_=E2=80=94?=',
  ' =?UTF-8?Q?_borrador?=',
  'Date: Tue, 05 Mar 2024 10:06:59 +0100',
  'Message-ID: <20240305090659.4TqK1x@origen.test>',
  'References: <root.1@origen.test>',
  ' <prev.2@destino.test>',
  'In-Reply-To: <prev.2@destino.test>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
].join(CRLF) + CRLF;
const ORIGINAL = Buffer.from(ORIGINAL_HEADER + CRLF + 'Hola, ¿qué tal?' + CRLF, 'utf8');
const ORIGINAL_SUBJECT = 'Informe del año — borrador';

const NOW = new Date(Date.UTC(2024, 2, 5, 9, 12, 30));

function header(lines: string[]): Buffer {
  return Buffer.from([...lines, 'From: Ana <ana@origen.test>', 'To: luis@destino.test', 'Subject: hola'].join(CRLF) + CRLF + CRLF + 'body' + CRLF);
}

function verdictInput(over: Partial<AutoReplyVerdictInput> = {}): AutoReplyVerdictInput {
  return {
    sender: 'ana@origen.test',
    recipient: 'luis@destino.test',
    header: ORIGINAL,
    enabled: true,
    expires: null,
    now: NOW,
    ...over,
  };
}

/** The reason when no reply is due (fails the test when a reply is due). */
function refusal(over: Partial<AutoReplyVerdictInput>): string {
  const v = autoReplyVerdict(verdictInput(over));
  assert.equal(v.reply, false, `no reply expected for ${JSON.stringify({ ...over, header: undefined })}`);
  return (v as { reason: string }).reason;
}

function replies(over: Partial<AutoReplyVerdictInput>): boolean {
  return autoReplyVerdict(verdictInput(over)).reply;
}

// ---------------------------------------------------------------------------------------------
// autoReplyVerdict

test('a personal message from a person gets a reply', () => {
  assert.deepEqual(autoReplyVerdict(verdictInput()), { reply: true });
  assert.deepEqual(autoReplyVerdict(verdictInput({ header: Buffer.from(ORIGINAL_HEADER) })), { reply: true }, 'header block alone');
  assert.deepEqual(autoReplyVerdict(verdictInput({ sender: '<Ana@Origen.test>' })), { reply: true });
});

test('no reply when the auto-reply is disabled', () => {
  assert.match(refusal({ enabled: false }), /disabled/);
});

test('expiry by day: the day itself (UTC) still replies, the next day does not', () => {
  const expires = '2024-03-05';
  assert.ok(replies({ expires, now: new Date(Date.UTC(2024, 2, 4, 12)) }), 'the day before');
  assert.ok(replies({ expires, now: new Date(Date.UTC(2024, 2, 5, 0, 0, 0)) }), 'the first moment of the day');
  assert.ok(replies({ expires, now: new Date(Date.UTC(2024, 2, 5, 23, 59, 59, 999)) }), 'the last moment of the day');
  assert.match(refusal({ expires, now: new Date(Date.UTC(2024, 2, 6, 0, 0, 0)) }), /expired.*2024-03-05/);
  assert.match(refusal({ expires, now: new Date(Date.UTC(2025, 0, 1)) }), /expired/);
  // Month and year ends.
  assert.ok(replies({ expires: '2024-02-29', now: new Date(Date.UTC(2024, 1, 29, 23, 0)) }));
  assert.ok(!replies({ expires: '2024-02-29', now: new Date(Date.UTC(2024, 2, 1)) }));
  assert.ok(replies({ expires: '2024-12-31', now: new Date(Date.UTC(2024, 11, 31, 23, 59, 59)) }));
  assert.ok(!replies({ expires: '2024-12-31', now: new Date(Date.UTC(2025, 0, 1)) }));
});

test('expiry by timestamp: replies up to that moment included; without a zone it is UTC', () => {
  const at = Date.UTC(2024, 2, 5, 10, 0, 0);
  assert.ok(replies({ expires: '2024-03-05T10:00:00Z', now: new Date(at) }));
  assert.ok(!replies({ expires: '2024-03-05T10:00:00Z', now: new Date(at + 1) }));
  assert.ok(replies({ expires: '2024-03-05T10:00:00.000+01:00', now: new Date(at - 3600_000) }));
  assert.ok(!replies({ expires: '2024-03-05T10:00:00.000+01:00', now: new Date(at - 3600_000 + 1) }));
  assert.ok(replies({ expires: '2024-03-05T10:00:00', now: new Date(at) }));
  assert.ok(!replies({ expires: '2024-03-05T10:00:00', now: new Date(at + 1000) }));
});

test('no expiry (null or empty) never expires; an unreadable one stops the replies', () => {
  assert.ok(replies({ expires: null, now: new Date(Date.UTC(2099, 0, 1)) }));
  assert.ok(replies({ expires: '', now: new Date(Date.UTC(2099, 0, 1)) }));
  assert.match(refusal({ expires: '2024-02-30' }), /unreadable expiry/);
  assert.match(refusal({ expires: 'next week' }), /unreadable expiry/);
  assert.match(refusal({ expires: '2024-03-05Tnonsense' }), /unreadable expiry/);
});

test('no reply to the null sender', () => {
  assert.match(refusal({ sender: '' }), /null sender/);
  assert.match(refusal({ sender: '<>' }), /null sender/);
  assert.match(refusal({ sender: '  ' }), /null sender/);
});

test('no reply to the account itself (case-insensitive)', () => {
  assert.match(refusal({ sender: 'Luis@Destino.TEST' }), /account itself/);
  assert.match(refusal({ sender: '<luis@destino.test>', recipient: 'LUIS@destino.test' }), /account itself/);
});

test('no reply to system and list addresses', () => {
  const robots = [
    'mailer-daemon@origen.test',
    'MAILER-DAEMON@origen.test',
    'postmaster@origen.test',
    'listserv@lists.origen.test',
    'majordomo@lists.origen.test',
    'noreply@origen.test',
    'no-reply@origen.test',
    'No-Reply@origen.test',
    'do-not-reply@origen.test',
    'donotreply@origen.test',
    'owner-ciclismo@lists.origen.test',
    'ciclismo-request@lists.origen.test',
    'ciclismo-owner@lists.origen.test',
    'ciclismo-bounces@lists.origen.test',
    'ciclismo-bounces+luis=destino.test@lists.origen.test',
    'noreply+campaign42@origen.test',
    '"mailer-daemon"@origen.test',
    '<postmaster@origen.test>',
  ];
  for (const sender of robots) assert.match(refusal({ sender }), /the sender is a (system|list|list owner) address/, sender);
  // Names that only resemble them belong to people.
  for (const sender of ['owner@origen.test', 'requester@origen.test', 'ana.request@origen.test', 'postmasters-fan@origen.test', 'bounces-ana@origen.test', 'reply@origen.test']) {
    assert.ok(replies({ sender }), sender);
  }
});

test('no reply to a message marked Auto-Submitted (anything but "no")', () => {
  for (const value of ['auto-generated', 'auto-replied', 'Auto-Replied', 'auto-notified; owner-email="x@origen.test"', 'auto-generated (a robot)', 'anything-else', '']) {
    assert.match(refusal({ header: header([`Auto-Submitted: ${value}`]) }), /automatic \(Auto-Submitted/, value);
  }
  assert.ok(replies({ header: header(['Auto-Submitted: no']) }));
  assert.ok(replies({ header: header(['Auto-Submitted: No (a person wrote this)']) }));
});

test('no reply to Precedence bulk, junk or list', () => {
  for (const value of ['bulk', 'junk', 'list', 'BULK', 'list (from the list software)']) {
    assert.match(refusal({ header: header([`Precedence: ${value}`]) }), /bulk mail \(Precedence: (bulk|junk|list)\)/, value);
  }
  assert.ok(replies({ header: header(['Precedence: first-class']) }));
  assert.ok(replies({ header: header(['Precedence: urgent']) }));
});

test('no reply to mail that comes through a list (List-Id, List-Unsubscribe, List-Post, List-Help)', () => {
  const cases: [string, string][] = [
    ['List-Id: Ciclismo <ciclismo.lists.origen.test>', 'List-Id'],
    ['List-Unsubscribe: <mailto:ciclismo-request@lists.origen.test?subject=unsubscribe>', 'List-Unsubscribe'],
    ['List-Post: <mailto:ciclismo@lists.origen.test>', 'List-Post'],
    ['list-help: <mailto:ciclismo-request@lists.origen.test?subject=help>', 'List-Help'],
  ];
  for (const [field, name] of cases) {
    const reason = refusal({ header: header([field]) });
    assert.match(reason, /mailing list/, field);
    assert.ok(reason.includes(name), reason);
  }
  // Only the header counts: the same words in the body do not.
  const inBody = Buffer.from('From: ana@origen.test' + CRLF + 'Subject: hola' + CRLF + CRLF + 'List-Id: <x.origen.test>' + CRLF + 'Precedence: bulk' + CRLF);
  assert.ok(replies({ header: inBody }));
});

test('no reply when X-Auto-Response-Suppress has All, OOF or AutoReply', () => {
  for (const value of ['All', 'OOF', 'oof', 'AutoReply', 'DR, OOF', 'DR,RN,AutoReply', 'NRN, all']) {
    assert.match(refusal({ header: header([`X-Auto-Response-Suppress: ${value}`]) }), /asks for no auto-reply/, value);
  }
  assert.ok(replies({ header: header(['X-Auto-Response-Suppress: DR, RN, NRN']) }));
  assert.ok(replies({ header: header(['X-Auto-Response-Suppress: None']) }));
});

test('no reply to a report (multipart/report of any kind)', () => {
  for (const ct of [
    'multipart/report; report-type=delivery-status; boundary="b1"',
    'Multipart/Report; report-type=disposition-notification;\r\n boundary="b2"',
    'multipart/report',
  ]) {
    assert.match(refusal({ header: header(['MIME-Version: 1.0', `Content-Type: ${ct}`]) }), /report/, ct);
  }
  assert.ok(replies({ header: header(['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b3"']) }));
});

test('no reply after more than 50 Received fields (a loop); 50 are fine', () => {
  const received = (n: number) => Array.from({ length: n }, (_v, i) => `Received: from hop${i}.test by hop${i + 1}.test;${CRLF}\tTue, 05 Mar 2024 09:07:01 +0000`);
  assert.ok(replies({ header: header(received(50)) }));
  assert.match(refusal({ header: header(received(51)) }), /loop \(51 Received/);
});

// ---------------------------------------------------------------------------------------------
// buildAutoReply

interface Parsed {
  /** Field names in order, lower-case. */
  names: string[];
  /** First value of a field, unfolded and RFC 2047-decoded. */
  get(name: string): string | undefined;
  /** First value of a field as written (unfolded, not decoded). */
  raw(name: string): string | undefined;
  contentType: string;
  encoding: string;
  charset: string;
  /** The decoded text. */
  text: string;
}

function decodeQp(s: string): string {
  const bytes = s.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

interface SplitNode {
  type: 'node';
  contentType: string | false;
  encoding: string | false;
  charset: string | false;
  headers: { getList(): { key: string; line: string }[] };
}
interface SplitBody {
  type: 'body';
  value: Buffer;
}

/** Reads the reply with mailsplit (structure, fields) and libmime (encoded words). */
async function parse(msg: Buffer): Promise<Parsed> {
  const splitter = new mailsplit.Splitter();
  Readable.from([msg]).pipe(splitter);
  const nodes: SplitNode[] = [];
  const body: Buffer[] = [];
  for await (const chunk of splitter as AsyncIterable<SplitNode | SplitBody | Buffer>) {
    if (Buffer.isBuffer(chunk)) continue;
    if (chunk.type === 'node') nodes.push(chunk);
    else if (chunk.type === 'body') body.push(chunk.value);
  }
  assert.equal(nodes.length, 1, 'a single-part message');
  const node = nodes[0]!;
  const fields = node.headers.getList().map((h) => {
    const { value } = libmime.decodeHeader(Buffer.from(h.line, 'latin1').toString('utf8'));
    return { name: h.key, value: String(value) };
  });
  const first = (name: string) => fields.find((f) => f.name === name)?.value;
  return {
    names: fields.map((f) => f.name),
    raw: first,
    get: (name) => {
      const v = first(name);
      return v === undefined ? undefined : libmime.decodeWords(v);
    },
    contentType: String(node.contentType),
    encoding: String(node.encoding),
    charset: String(node.charset),
    text: decodeQp(Buffer.concat(body).toString('latin1')),
  };
}

function assertWireSafe(msg: Buffer) {
  const s = msg.toString('latin1');
  assert.ok(s.endsWith(CRLF), 'ends with CRLF');
  assert.ok(!/\r(?!\n)/.test(s), 'no bare CR');
  assert.ok(!/(?<!\r)\n/.test(s), 'no bare LF');
  for (const line of s.split(CRLF)) assert.ok(line.length <= 998, `line of ${line.length} octets`);
  const [head, body] = [s.slice(0, s.indexOf(CRLF + CRLF)), s.slice(s.indexOf(CRLF + CRLF) + 4)];
  assert.ok(head.length > 0 && body !== undefined);
  for (const line of body.split(CRLF)) assert.ok(line.length <= 76, `quoted-printable line of ${line.length}`);
}

function replyInput(over: Partial<AutoReplyInput> = {}): AutoReplyInput {
  return {
    from: 'luis@destino.test',
    fromName: 'Luis Gómez',
    to: 'ana@origen.test',
    subjectTemplate: '',
    text: 'Estoy de vacaciones hasta el lunes.\nGracias.\n',
    originalHeader: ORIGINAL,
    hostName: 'mx.destino.test',
    now: NOW,
    messageId: 'auto.1@mx.destino.test',
    ...over,
  };
}

test('the reply: fields, threading, markers, and the text', async () => {
  const msg = buildAutoReply(replyInput());
  assertWireSafe(msg);
  assert.ok(!/[\x80-\xff]/.test(msg.toString('latin1')), 'all octets 7-bit');
  const p = await parse(msg);

  assert.equal(p.get('from'), 'Luis Gómez <luis@destino.test>');
  assert.match(p.raw('from')!, /^=\?UTF-8\?Q\?Luis_G=C3=B3mez\?= <luis@destino\.test>$/);
  assert.equal(p.get('to'), 'ana@origen.test');
  assert.equal(p.get('subject'), `Auto: ${ORIGINAL_SUBJECT}`);
  assert.equal(p.get('date'), 'Tue, 05 Mar 2024 09:12:30 +0000');
  assert.equal(p.get('message-id'), '<auto.1@mx.destino.test>');
  assert.equal(p.get('in-reply-to'), '<20240305090659.4TqK1x@origen.test>');
  assert.equal(p.get('references'), '<root.1@origen.test> <prev.2@destino.test> <20240305090659.4TqK1x@origen.test>');
  assert.equal(p.get('auto-submitted'), 'auto-replied');
  assert.equal(p.get('x-auto-response-suppress'), 'All');
  assert.equal(p.get('mime-version'), '1.0');
  assert.equal(p.contentType, 'text/plain');
  assert.equal(p.charset, 'utf-8');
  assert.equal(p.encoding, 'quoted-printable');
  assert.ok(!p.names.includes('precedence'), 'no Precedence (RFC 3834 §3.1.8)');
  assert.deepEqual(p.names, [
    'from', 'to', 'subject', 'date', 'message-id', 'in-reply-to', 'references',
    'auto-submitted', 'x-auto-response-suppress', 'mime-version', 'content-type', 'content-transfer-encoding',
  ]);
  assert.equal(p.text, 'Estoy de vacaciones hasta el lunes.\r\nGracias.\r\n');

  // Our own reply is never answered by a responder that follows the same rules.
  const back = autoReplyVerdict(verdictInput({ sender: 'luis@destino.test', recipient: 'ana@origen.test', header: msg }));
  assert.deepEqual(back, { reply: false, reason: 'the message is automatic (Auto-Submitted: auto-replied)' });
});

test('the subject template: %SUBJECT% replaced, ASCII kept readable, non-ASCII encoded', async () => {
  const ascii = buildAutoReply(replyInput({
    subjectTemplate: 'Out of office (re: %SUBJECT%)',
    originalHeader: Buffer.from('Subject: Quarterly report' + CRLF + 'Message-ID: <q@origen.test>' + CRLF + CRLF),
  }));
  let p = await parse(ascii);
  assert.equal(p.raw('subject'), 'Out of office (re: Quarterly report)');

  p = await parse(buildAutoReply(replyInput({ subjectTemplate: 'Fuera de la oficina: %SUBJECT%' })));
  assert.equal(p.get('subject'), `Fuera de la oficina: ${ORIGINAL_SUBJECT}`);
  assert.match(p.raw('subject')!, /=\?UTF-8\?Q\?/);
  assert.ok(p.raw('subject')!.startsWith('Fuera de la oficina: '), 'ASCII words stay as they are');

  p = await parse(buildAutoReply(replyInput({ subjectTemplate: '%SUBJECT% / %subject%' })));
  assert.equal(p.get('subject'), `${ORIGINAL_SUBJECT} / ${ORIGINAL_SUBJECT}`, 'every occurrence, any case');

  p = await parse(buildAutoReply(replyInput({ subjectTemplate: 'Ausente — sin plantilla de asunto' })));
  assert.equal(p.get('subject'), 'Ausente — sin plantilla de asunto');

  p = await parse(buildAutoReply(replyInput({ subjectTemplate: 'Away: %SUBJECT% $& $1', originalHeader: Buffer.from('Subject: a $& b' + CRLF + CRLF) })));
  assert.equal(p.get('subject'), 'Away: a $& b $& $1', 'no replacement patterns');

  p = await parse(buildAutoReply(replyInput({ subjectTemplate: '', originalHeader: Buffer.from('From: ana@origen.test' + CRLF + CRLF) })));
  assert.equal(p.get('subject'), 'Auto:', 'no original subject');

  p = await parse(buildAutoReply(replyInput({ subjectTemplate: 'literal =?UTF-8?Q?x?= text' })));
  assert.equal(p.get('subject'), 'literal =?UTF-8?Q?x?= text', 'text that looks like an encoded word is encoded itself');
});

test('a long non-ASCII subject is folded into short lines and decodes back whole', async () => {
  const long = 'Réponse automatique : je suis absent jusqu’au 15 mars, merci de votre patience, à bientôt — ' + 'ñ'.repeat(120);
  const msg = buildAutoReply(replyInput({ subjectTemplate: long }));
  assertWireSafe(msg);
  const head = msg.toString('latin1').split(CRLF + CRLF)[0]!;
  const subjectLines = head.slice(head.indexOf('Subject:')).split(CRLF);
  const end = subjectLines.findIndex((l, i) => i > 0 && !/^[ \t]/.test(l));
  for (const line of subjectLines.slice(0, end)) assert.ok(line.length <= 78, `Subject line of ${line.length}`);
  assert.ok(end > 2, 'folded over several lines');
  assert.equal((await parse(msg)).get('subject'), long);

  // A single word longer than a line can be is cut, never longer than 998 octets.
  const word = 'x'.repeat(2500);
  const cut = buildAutoReply(replyInput({ subjectTemplate: word }));
  assertWireSafe(cut);
  assert.equal((await parse(cut)).get('subject')!.replace(/ /g, ''), word);
});

test('From: ASCII names are atoms or a quoted string; no name gives the bare address', async () => {
  let p = await parse(buildAutoReply(replyInput({ fromName: 'Luis Gomez' })));
  assert.equal(p.raw('from'), 'Luis Gomez <luis@destino.test>');
  p = await parse(buildAutoReply(replyInput({ fromName: 'Gomez, Luis "Lu"' })));
  assert.equal(p.raw('from'), '"Gomez, Luis \\"Lu\\"" <luis@destino.test>');
  p = await parse(buildAutoReply(replyInput({ fromName: undefined })));
  assert.equal(p.raw('from'), 'luis@destino.test');
  p = await parse(buildAutoReply(replyInput({ fromName: '  ' })));
  assert.equal(p.raw('from'), 'luis@destino.test');
  p = await parse(buildAutoReply(replyInput({ fromName: 'Zoë Ñúñez-Øster', from: '<zoe@destino.test>' })));
  assert.equal(p.get('from'), 'Zoë Ñúñez-Øster <zoe@destino.test>');
});

test('the text: UTF-8, any line ends, long lines, trailing spaces, "=" and "From " survive quoted-printable', async () => {
  const long = 'Este párrafo es muy largo y no tiene saltos de línea: '.repeat(30);
  const text = [
    'Hola:',
    '',
    long,
    'Línea con espacios al final   ',
    'Tab at the end\t',
    'a = b; 2 + 2 = 4 =?utf-8?q?no?=',
    'From here on, nothing special.',
    '.',
    'Emoji 🌴☀️ y acentos áéíóú ÁÉÍÓÚ ñ ç ß 中文',
    '',
  ].join('\n');
  for (const eol of ['\n', '\r\n', '\r']) {
    const msg = buildAutoReply(replyInput({ text: text.replace(/\n/g, eol) }));
    assertWireSafe(msg);
    assert.ok(!/[\x80-\xff]/.test(msg.toString('latin1')), 'all octets 7-bit');
    assert.ok(msg.toString('latin1').includes(CRLF + '=46rom here on'), '"From " at a line start is encoded');
    assert.equal((await parse(msg)).text, text.replace(/\n/g, CRLF));
  }
  // A text without a final line end gets one; an empty text gives an empty line.
  assert.equal((await parse(buildAutoReply(replyInput({ text: 'Fuera.' })))).text, 'Fuera.\r\n');
  assert.equal((await parse(buildAutoReply(replyInput({ text: '' })))).text, '\r\n');
});

test('threading: References from In-Reply-To when the original has none; nothing without a Message-ID', async () => {
  let p = await parse(buildAutoReply(replyInput({
    originalHeader: Buffer.from(['Subject: x', 'In-Reply-To: <parent@origen.test>', 'Message-ID: <child@origen.test>'].join(CRLF) + CRLF + CRLF),
  })));
  assert.equal(p.get('in-reply-to'), '<child@origen.test>');
  assert.equal(p.get('references'), '<parent@origen.test> <child@origen.test>');

  p = await parse(buildAutoReply(replyInput({ originalHeader: Buffer.from('Subject: x' + CRLF + 'Message-ID: <only@origen.test>' + CRLF + CRLF) })));
  assert.equal(p.get('in-reply-to'), '<only@origen.test>');
  assert.equal(p.get('references'), '<only@origen.test>');

  p = await parse(buildAutoReply(replyInput({ originalHeader: Buffer.from('Subject: x' + CRLF + 'References: <a@origen.test>' + CRLF + CRLF) })));
  assert.ok(!p.names.includes('in-reply-to'));
  assert.ok(!p.names.includes('references'));

  // A long thread keeps its root and the latest ids, folded into short lines.
  const ids = Array.from({ length: 40 }, (_v, i) => `<thread.${i}.${'z'.repeat(30)}@origen.test>`);
  const msg = buildAutoReply(replyInput({
    originalHeader: Buffer.from(['Subject: x', `References: ${ids.join(`${CRLF} `)}`, 'Message-ID: <last@origen.test>'].join(CRLF) + CRLF + CRLF),
  }));
  assertWireSafe(msg);
  p = await parse(msg);
  const refs = p.get('references')!.split(/\s+/);
  assert.equal(refs.length, 20);
  assert.equal(refs[0], ids[0]);
  assert.equal(refs[19], '<last@origen.test>');
  assert.deepEqual(refs.slice(1, 19), ids.slice(-18));
});

test('a generated Message-ID is unique and on our host name', async () => {
  const a = await parse(buildAutoReply(replyInput({ messageId: undefined })));
  const b = await parse(buildAutoReply(replyInput({ messageId: undefined })));
  assert.match(a.get('message-id')!, /^<[^<>@\s]+@mx\.destino\.test>$/);
  assert.notEqual(a.get('message-id'), b.get('message-id'));
  const given = await parse(buildAutoReply(replyInput({ messageId: '<given@mx.destino.test>' })));
  assert.equal(given.get('message-id'), '<given@mx.destino.test>');
});

test('line breaks in the template, the name, the original subject or the addresses add no header field', async () => {
  const EXPECTED = [
    'from', 'to', 'subject', 'date', 'message-id', 'in-reply-to', 'references',
    'auto-submitted', 'x-auto-response-suppress', 'mime-version', 'content-type', 'content-transfer-encoding',
  ];
  const attempts: Partial<AutoReplyInput>[] = [
    { subjectTemplate: 'Away\r\nBcc: victim@evil.test\r\n\r\nInjected body' },
    { subjectTemplate: 'Away\nBcc: victim@evil.test' },
    { subjectTemplate: 'Away\rBcc: victim@evil.test' },
    { subjectTemplate: 'Ausente\r\nBcc: víctima@evil.test' },
    { fromName: 'Luis\r\nBcc: victim@evil.test' },
    { fromName: 'Luís\nBcc: victim@evil.test' },
    { subjectTemplate: 'Re: %SUBJECT%', originalHeader: Buffer.from('Subject: =?UTF-8?Q?hi=0D=0ABcc:_victim@evil.test?=' + CRLF + 'Message-ID: <m@origen.test>' + CRLF + CRLF) },
    { to: 'ana@origen.test\r\nBcc: victim@evil.test' },
    { from: 'luis@destino.test\r\nBcc: victim@evil.test' },
    { messageId: 'id@x\r\nBcc: victim@evil.test' },
  ];
  for (const attempt of attempts) {
    const msg = buildAutoReply(replyInput(attempt));
    assertWireSafe(msg);
    const p = await parse(msg);
    assert.deepEqual(p.names, EXPECTED, JSON.stringify(attempt));
    assert.ok(!msg.toString('latin1').split(CRLF).some((l) => /^bcc:/i.test(l)), 'no line starts a Bcc field');
    assert.equal(p.text, 'Estoy de vacaciones hasta el lunes.\r\nGracias.\r\n', 'the body is untouched');
  }
  const p = await parse(buildAutoReply(replyInput({ subjectTemplate: 'Away\r\nBcc: victim@evil.test' })));
  assert.equal(p.get('subject'), 'Away Bcc: victim@evil.test', 'the text stays, on one line');
});

test('no reply is ever built for the null sender', () => {
  assert.throws(() => buildAutoReply(replyInput({ to: '' })), /null sender/);
  assert.throws(() => buildAutoReply(replyInput({ to: '<>' })), /null sender/);
});
