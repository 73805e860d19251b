// Bounce messages (RFC 3464 delivery status notifications in an RFC 6522 multipart/report): the
// structure, the exact delivery-status fields, the returned header block, templates, delay
// warnings, and when a bounce must not be sent at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import mailsplit from 'mailsplit';
import libmime from 'libmime';
import { buildBounce, shouldBounce, type BounceInput } from '../../../src-main/delivery/dsn';

const CRLF = '\r\n';

const ORIGINAL_HEADER = [
  'Return-Path: <ana@origen.test>',
  'Received: from portatil ([192.0.2.10]) by mx.origen.test with ESMTPSA id 4TqK1x;',
  '\tTue, 05 Mar 2024 09:07:01 +0000',
  'Received: from [10.0.0.5] (helo=escritorio) by portatil with LMTP;',
  ' Tue, 05 Mar 2024 09:07:00 +0000',
  'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=origen.test; s=sel;',
  '\th=from:to:subject:date; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;',
  '\tb=dGVzdA==',
  'From: =?UTF-8?Q?Ana_Mar=C3=ADa_Pe=C3=B1a?= <ana@origen.test>',
  'To: Luis <luis@destino.test>, nadie@destino.test',
  'Subject: =?UTF-8?Q?Informe_del_a=C3=B1o_=E2=80=94_borrador?=',
  'Date: Tue, 05 Mar 2024 10:06:59 +0100',
  'Message-ID: <20240305090659.4TqK1x@origen.test>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
].join(CRLF) + CRLF;
const ORIGINAL_BODY = 'Hola, ¿qué tal?' + CRLF + CRLF + 'Te adjunto el informe del año.' + CRLF;
const ORIGINAL = Buffer.from(ORIGINAL_HEADER + CRLF + ORIGINAL_BODY, 'utf8');

const ARRIVAL = new Date(Date.UTC(2024, 2, 5, 9, 7, 1));
const NOW = new Date(Date.UTC(2024, 2, 5, 9, 12, 30));

function baseInput(over: Partial<BounceInput> = {}): BounceInput {
  return {
    reportingMta: 'mx.buzon.test',
    postmaster: 'postmaster@origen.test',
    originalSender: 'ana@origen.test',
    originalEnvelopeId: 'QQ314159',
    arrivalDate: ARRIVAL,
    now: NOW,
    messageId: 'dsn.1@mx.buzon.test',
    originalMessage: ORIGINAL,
    recipients: [
      { address: 'luis@destino.test', action: 'failed', status: '5.1.1', diagnostic: 'smtp; 550 5.1.1 <luis@destino.test>: No such user', remoteMta: 'dns; mx1.destino.test' },
      { address: 'nadie@destino.test', action: 'failed', status: '5.2.2', diagnostic: 'smtp; 552 5.2.2 Mailbox full', remoteMta: 'dns; mx1.destino.test' },
    ],
    ...over,
  };
}

// A small MIME reader working on bytes (latin1 strings keep every octet as one char).

interface Part {
  headers: Map<string, string>;
  /** The raw header block of the part, CRLF-terminated lines. */
  rawHeader: string;
  /** The content: between the empty line and the CRLF that precedes the next delimiter. */
  body: string;
}

function parseHeaders(block: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const field of block.split(CRLF).join('\n').replace(/\n[ \t]/g, ' ').split('\n')) {
    if (field === '') continue;
    const colon = field.indexOf(':');
    assert.ok(colon > 0, `a header field: ${JSON.stringify(field)}`);
    const name = field.slice(0, colon).toLowerCase();
    if (!map.has(name)) map.set(name, field.slice(colon + 1).trim());
  }
  return map;
}

function splitEntity(raw: string): Part {
  const end = raw.indexOf(CRLF + CRLF);
  assert.ok(end >= 0, 'an empty line ends the header');
  const rawHeader = raw.slice(0, end + 2);
  return { headers: parseHeaders(rawHeader), rawHeader, body: raw.slice(end + 4) };
}

function parseMessage(msg: Buffer): { top: Part; parts: Part[]; boundary: string } {
  const top = splitEntity(msg.toString('latin1'));
  const ct = libmime.parseHeaderValue(top.headers.get('content-type') ?? '');
  const boundary = String(ct.params.boundary ?? '');
  assert.ok(boundary.length > 0, 'a boundary');
  const delimiter = CRLF + '--' + boundary;
  const body = CRLF + top.body;
  const chunks = body.split(delimiter);
  assert.ok(chunks.length >= 3, 'delimiters found');
  const epilogue = chunks.pop()!;
  assert.ok(epilogue.startsWith('--' + CRLF), 'the close delimiter ends the multipart');
  const parts = chunks.slice(1).map((c) => {
    assert.ok(c.startsWith(CRLF), 'a delimiter line is followed by CRLF');
    return splitEntity(c.slice(2));
  });
  return { top, parts, boundary };
}

function assertWireSafe(msg: Buffer) {
  const s = msg.toString('latin1');
  assert.ok(s.endsWith(CRLF), 'ends with CRLF');
  assert.ok(!/\r(?!\n)/.test(s), 'no bare CR');
  assert.ok(!/(?<!\r)\n/.test(s), 'no bare LF');
  for (const line of s.split(CRLF)) assert.ok(line.length <= 998, `line of ${line.length} octets`);
}

async function mailsplitContentTypes(msg: Buffer): Promise<string[]> {
  const types: string[] = [];
  const splitter = new mailsplit.Splitter();
  Readable.from([msg]).pipe(splitter);
  for await (const chunk of splitter as AsyncIterable<{ type?: string; contentType?: string | false }>) {
    if (chunk.type === 'node') types.push(String(chunk.contentType));
  }
  return types;
}

function decodeQp(s: string): string {
  const bytes = s.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

test('a bounce for two failed recipients: headers, three parts, exact delivery-status, original header', async () => {
  const msg = buildBounce(baseInput());
  assertWireSafe(msg);
  const { top, parts } = parseMessage(msg);

  const h = top.headers;
  assert.equal(h.get('from'), 'Mail Delivery System <postmaster@origen.test>');
  assert.equal(h.get('to'), 'ana@origen.test');
  assert.equal(h.get('subject'), 'Undelivered Mail Returned to Sender');
  assert.equal(h.get('date'), 'Tue, 05 Mar 2024 09:12:30 +0000');
  assert.equal(h.get('message-id'), '<dsn.1@mx.buzon.test>');
  assert.equal(h.get('auto-submitted'), 'auto-replied');
  assert.equal(h.get('mime-version'), '1.0');
  const ct = libmime.parseHeaderValue(h.get('content-type')!);
  assert.equal(ct.value, 'multipart/report');
  assert.equal(ct.params['report-type'], 'delivery-status');
  assert.ok(!h.has('content-transfer-encoding'), 'the headers-only report is 7-bit');
  assert.ok(!/[\x80-\xff]/.test(msg.toString('latin1')), 'all octets 7-bit');

  assert.equal(parts.length, 3);
  const [human, report, returned] = parts as [Part, Part, Part];
  assert.equal(libmime.parseHeaderValue(human.headers.get('content-type')!).value, 'text/plain');
  assert.equal(libmime.parseHeaderValue(human.headers.get('content-type')!).params.charset, 'utf-8');
  assert.equal(report.headers.get('content-type'), 'message/delivery-status');
  assert.equal(returned.headers.get('content-type'), 'text/rfc822-headers');

  // Part 1: Postfix-like English, every recipient with its error.
  assert.equal(human.headers.get('content-transfer-encoding'), '7bit');
  assert.match(human.body, /^This is the mail system at host mx\.buzon\.test\.\r\n/);
  assert.match(human.body, /could not\r\nbe delivered to one or more recipients/);
  assert.ok(human.body.includes('<luis@destino.test>: host mx1.destino.test said: 550 5.1.1 <luis@destino.test>: No such user\r\n'));
  assert.ok(human.body.includes('<nadie@destino.test>: host mx1.destino.test said: 552 5.2.2 Mailbox full\r\n'));

  // Part 2: RFC 3464 syntax, per-message group, empty line, one group per recipient.
  assert.equal(
    report.body,
    [
      'Original-Envelope-Id: QQ314159',
      'Reporting-MTA: dns; mx.buzon.test',
      'Arrival-Date: Tue, 05 Mar 2024 09:07:01 +0000',
      '',
      'Final-Recipient: rfc822; luis@destino.test',
      'Action: failed',
      'Status: 5.1.1',
      'Remote-MTA: dns; mx1.destino.test',
      'Diagnostic-Code: smtp; 550 5.1.1 <luis@destino.test>: No such user',
      'Last-Attempt-Date: Tue, 05 Mar 2024 09:12:30 +0000',
      '',
      'Final-Recipient: rfc822; nadie@destino.test',
      'Action: failed',
      'Status: 5.2.2',
      'Remote-MTA: dns; mx1.destino.test',
      'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full',
      'Last-Attempt-Date: Tue, 05 Mar 2024 09:12:30 +0000',
      '',
    ].join(CRLF),
  );

  // Part 3: the original header block, byte for byte, and nothing of the body.
  assert.equal(returned.body, Buffer.from(ORIGINAL_HEADER, 'utf8').toString('latin1'));
  assert.ok(!msg.toString('latin1').includes('Te adjunto'));

  // An independent parser sees the same tree.
  assert.deepEqual(await mailsplitContentTypes(msg), ['multipart/report', 'text/plain', 'message/delivery-status', 'text/rfc822-headers']);
});

test('includeBody returns the whole original as message/rfc822 (8-bit kept, declared)', async () => {
  const msg = buildBounce(baseInput({ includeBody: true }));
  assertWireSafe(msg);
  const { top, parts } = parseMessage(msg);
  assert.equal(top.headers.get('content-transfer-encoding'), '8bit');
  const returned = parts[2]!;
  assert.equal(returned.headers.get('content-type'), 'message/rfc822');
  assert.equal(returned.headers.get('content-transfer-encoding'), '8bit');
  assert.equal(returned.body, ORIGINAL.toString('latin1'));
  assert.match(parts[0]!.body, /It's attached below\./);
  const types = await mailsplitContentTypes(msg);
  assert.deepEqual(types.slice(0, 4), ['multipart/report', 'text/plain', 'message/delivery-status', 'message/rfc822']);
});

test('bare LF originals and over-long lines still give a wire-safe report', () => {
  const lf = Buffer.from(ORIGINAL_HEADER.replace(/\r\n/g, '\n') + 'X-Long: ' + 'a'.repeat(600) + ' ' + 'b'.repeat(600) + '\n\n' + 'x'.repeat(2000) + '\n', 'utf8');
  const msg = buildBounce(baseInput({ originalMessage: lf, includeBody: true }));
  assertWireSafe(msg);
  const { parts } = parseMessage(msg);
  assert.equal(parts[2]!.headers.get('content-type'), 'text/rfc822-headers', 'a body line > 998 octets: headers only');
  assert.ok(parts[2]!.body.startsWith(Buffer.from(ORIGINAL_HEADER, 'utf8').toString('latin1')));
  assert.ok(parts[2]!.body.endsWith('X-Long: ' + 'a'.repeat(600) + '\r\n ' + 'b'.repeat(600) + '\r\n'), 'folded at the space');
});

test('long and non-ASCII diagnostics are folded and kept 7-bit in the report', () => {
  const long = 'smtp; 550-5.7.1 ' + 'policy '.repeat(40) + 'señor';
  const msg = buildBounce(baseInput({ recipients: [{ address: 'luis@destino.test', action: 'failed', status: '5.7.1', diagnostic: long }] }));
  assertWireSafe(msg);
  const { parts } = parseMessage(msg);
  const report = parts[1]!.body;
  assert.ok(!/[\x80-\uffff]/.test(report), '7-bit');
  for (const line of report.split(CRLF)) assert.ok(line.length <= 78, line);
  assert.match(parseHeaders(report.split(CRLF + CRLF)[1]!).get('diagnostic-code')!, /^smtp; 550-5\.7\.1 policy .* se\?or$/);
  assert.ok(!/Remote-MTA/.test(report), 'no Remote-MTA when unknown');
  // The human part carries the UTF-8 text, quoted-printable.
  assert.equal(parts[0]!.headers.get('content-transfer-encoding'), 'quoted-printable');
  assert.ok(decodeQp(parts[0]!.body).includes('<luis@destino.test>: 550-5.7.1 policy'));
  assert.ok(decodeQp(parts[0]!.body).includes('señor'));
});

test('templates: hMailServer-style placeholders in subject and body', () => {
  const msg = buildBounce(
    baseInput({
      templates: {
        subject: 'Message undeliverable: %MACRO_SUBJECT%',
        body: [
          'Your message did not reach some or all of the intended recipients.',
          '',
          '   Sent: %MACRO_SENT%',
          '   Subject: %MACRO_SUBJECT%',
          '',
          'The following recipient(s) could not be reached:',
          '',
          '%MACRO_RECIPIENTS%',
          '',
          'Errors:',
          '%MACRO_ERROR%',
          '',
          'Buzón',
        ].join('\n'),
      },
    }),
  );
  assertWireSafe(msg);
  const { top, parts } = parseMessage(msg);
  assert.match(top.headers.get('subject')!, /^=\?UTF-8\?Q\?/);
  assert.equal(libmime.decodeWords(top.headers.get('subject')!), 'Message undeliverable: Informe del año — borrador');
  const human = parts[0]!;
  assert.equal(human.headers.get('content-transfer-encoding'), 'quoted-printable');
  assert.equal(
    decodeQp(human.body),
    [
      'Your message did not reach some or all of the intended recipients.',
      '',
      '   Sent: Tue, 05 Mar 2024 10:06:59 +0100',
      '   Subject: Informe del año — borrador',
      '',
      'The following recipient(s) could not be reached:',
      '',
      'luis@destino.test',
      '   Error: 550 5.1.1 <luis@destino.test>: No such user',
      '   Remote server: mx1.destino.test',
      '',
      'nadie@destino.test',
      '   Error: 552 5.2.2 Mailbox full',
      '   Remote server: mx1.destino.test',
      '',
      'Errors:',
      '550 5.1.1 <luis@destino.test>: No such user',
      '552 5.2.2 Mailbox full',
      '',
      'Buzón',
      '',
    ].join(CRLF),
  );
  // The report itself does not change with the templates.
  assert.match(parts[1]!.body, /^Original-Envelope-Id: QQ314159\r\nReporting-MTA: dns; mx\.buzon\.test\r\n/);
});

test('a delay warning: delayed subject, Action: delayed, 4.x.x status', () => {
  const msg = buildBounce(
    baseInput({
      originalEnvelopeId: undefined,
      recipients: [{ address: 'luis@destino.test', action: 'delayed', status: '4.4.7', diagnostic: 'X-Buzon; connect to mx1.destino.test: Connection timed out' }],
    }),
  );
  assertWireSafe(msg);
  const { top, parts } = parseMessage(msg);
  assert.equal(top.headers.get('subject'), 'Delayed Mail (still being retried)');
  assert.ok(parts[0]!.body.includes('# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #'));
  assert.equal(
    parts[1]!.body,
    [
      'Reporting-MTA: dns; mx.buzon.test',
      'Arrival-Date: Tue, 05 Mar 2024 09:07:01 +0000',
      '',
      'Final-Recipient: rfc822; luis@destino.test',
      'Action: delayed',
      'Status: 4.4.7',
      'Diagnostic-Code: X-Buzon; connect to mx1.destino.test: Connection timed out',
      'Last-Attempt-Date: Tue, 05 Mar 2024 09:12:30 +0000',
      '',
    ].join(CRLF),
  );
});

test('a generated Message-ID and boundary; the null sender is refused', () => {
  const a = buildBounce(baseInput({ messageId: undefined }));
  const b = buildBounce(baseInput({ messageId: undefined }));
  const ida = parseMessage(a).top.headers.get('message-id')!;
  assert.match(ida, /^<[^<>@\s]+@mx\.buzon\.test>$/);
  assert.notEqual(ida, parseMessage(b).top.headers.get('message-id'));
  assert.notEqual(parseMessage(a).boundary, parseMessage(b).boundary);
  assert.throws(() => buildBounce(baseInput({ originalSender: '' })), /null sender/);
  assert.throws(() => buildBounce(baseInput({ originalSender: 'x@y.test\r\nBcc: z@w.test' })), /control characters/);
});

test('shouldBounce: null sender, auto-replies, DSNs, null Return-Path and loops are not bounced', () => {
  const header = (extra: string) => Buffer.from(extra + ORIGINAL_HEADER + CRLF + ORIGINAL_BODY, 'utf8');
  assert.deepEqual(shouldBounce('ana@origen.test', header('')), { bounce: true });
  assert.deepEqual(shouldBounce('ana@origen.test', header('Auto-Submitted: no' + CRLF)), { bounce: true });

  const no = (sender: string, h: Buffer) => {
    const r = shouldBounce(sender, h);
    assert.equal(r.bounce, false);
    return r.bounce ? '' : r.reason;
  };
  assert.match(no('', header('')), /null sender/);
  assert.match(no('ana@origen.test', header('Auto-Submitted: auto-replied (vacation)' + CRLF)), /auto-replied/);
  assert.match(no('ana@origen.test', header('auto-submitted: Auto-Generated; owner-email="x@y.test"' + CRLF)), /auto-generated/);
  const dsnHeader = Buffer.from(
    'From: Mail Delivery System <postmaster@x.test>' + CRLF + 'Content-Type: multipart/report; report-type="Delivery-Status";' + CRLF + '\tboundary="b1"' + CRLF + CRLF + 'x' + CRLF,
  );
  assert.match(no('postmaster@x.test', dsnHeader), /delivery status notification/);
  assert.match(no('ana@origen.test', Buffer.from('Return-Path: <>' + CRLF + 'Subject: x' + CRLF + CRLF)), /Return-Path/);
  const sixty = Array.from({ length: 60 }, (_, i) => `Received: from h${i}.test by h${i + 1}.test; Tue, 05 Mar 2024 09:07:01 +0000${CRLF}`).join('');
  assert.match(no('ana@origen.test', Buffer.from(sixty + 'Subject: loop' + CRLF + CRLF + 'body' + CRLF)), /loop/);
  const fifty = Array.from({ length: 50 }, () => `Received: from a by b; Tue, 05 Mar 2024 09:07:01 +0000${CRLF}`).join('');
  assert.deepEqual(shouldBounce('ana@origen.test', Buffer.from(fifty + CRLF)), { bounce: true }, '50 is not a loop yet');
  // Headers in the body do not count.
  assert.deepEqual(shouldBounce('ana@origen.test', Buffer.from('Subject: x' + CRLF + CRLF + 'Auto-Submitted: auto-replied' + CRLF)), { bounce: true });
});

test('failed and delayed recipients in one report; invalid status codes fall back to X.0.0', () => {
  const msg = buildBounce(
    baseInput({
      recipients: [
        { address: 'luis@destino.test', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 No such user', remoteMta: 'mx1.destino.test' },
        { address: 'nadie@destino.test', action: 'delayed', status: 'bogus', diagnostic: 'connect to mx2.destino.test: Connection timed out' },
      ],
    }),
  );
  assertWireSafe(msg);
  const { top, parts } = parseMessage(msg);
  assert.equal(top.headers.get('subject'), 'Undelivered Mail Returned to Sender');
  const groups = parts[1]!.body.split(CRLF + CRLF).map(parseHeaders);
  assert.equal(groups.length, 3);
  assert.equal(groups[1]!.get('remote-mta'), 'dns; mx1.destino.test', 'untyped names get dns;');
  assert.equal(groups[1]!.get('diagnostic-code'), 'smtp; 550 5.1.1 No such user', 'untyped replies get smtp;');
  assert.equal(groups[2]!.get('action'), 'delayed');
  assert.equal(groups[2]!.get('status'), '4.0.0');
  assert.equal(groups[2]!.get('diagnostic-code'), 'X-Buzon; connect to mx2.destino.test: Connection timed out');
  assert.match(parts[0]!.body, /still being retried;\r\nyou do not need to resend the message to them:\r\n\r\n<nadie@destino\.test>: connect to/);
});
