// Bounce messages for outbound delivery: delivery status notifications (RFC 3464) in a
// multipart/report container (RFC 6522), as the DSN extension (RFC 3461) and RFC 5321 §4.5.5
// expect. buildBounce() returns the whole message (CRLF, every line ≤ 998 octets), to be queued
// with MAIL FROM:<> to the original sender; shouldBounce() says whether a bounce may be sent at all
// (never to the null sender, never about a bounce or an auto-reply, never in a loop).
//
// The message has three parts:
//   1. text/plain: the human explanation, Postfix-like English, or the administrator's template
//      (hMailServer's "Server messages", see BounceTemplates);
//   2. message/delivery-status: the per-message group, an empty line, then one group per recipient;
//   3. text/rfc822-headers with the original header block (byte-identical when it is already
//      CRLF with lines ≤ 998 octets), or message/rfc822 with the whole original when includeBody.
import { randomBytes } from 'node:crypto';
import libmime from 'libmime';
import { CRLF, MAX_LINE, foldField, oneLine, quotedPrintable, rfc5322Date } from './compose';
import { firstField, headerBlockLength, parseHeaderFields, stripComments, type HeaderField } from './headers';

export interface FailedRecipient {
  /** The recipient as given in RCPT TO (no angle brackets). */
  address: string;
  /** Enhanced status code (RFC 3463), e.g. '5.1.1' or '4.4.7'. */
  status: string;
  /** Typed diagnostic, e.g. 'smtp; 550 5.1.1 No such user'. Untyped text gets 'smtp; ' (when it
   *  starts with a reply code) or 'X-Buzon; '. */
  diagnostic: string;
  /** Typed name of the remote MTA, e.g. 'dns; mx.example.com'. Untyped names get 'dns; '. */
  remoteMta?: string;
  action: 'failed' | 'delayed';
}

/**
 * Administrator templates, in the spirit of hMailServer's "Server messages". Placeholders, in the
 * subject and in the body:
 *   %MACRO_RECIPIENTS%  the recipients, one block each: the address, then indented lines
 *                       "   Error: <diagnostic text>" and, when known, "   Remote server: <host>"
 *                       (in the subject: the addresses, comma-separated);
 *   %MACRO_SUBJECT%     the original Subject, RFC 2047-decoded and unfolded ('' when absent);
 *   %MACRO_SENT%        the original Date header as written (the arrival date when absent);
 *   %MACRO_ERROR%       the distinct diagnostic texts, one a line (in the subject: '; '-joined).
 * Unknown %…% sequences are left as they are. The body replaces the whole text/plain part (line
 * ends are normalised to CRLF); the subject replaces the default subject for every kind of report
 * (pass different templates for delay warnings if they should differ).
 */
export interface BounceTemplates {
  subject?: string;
  body?: string;
}

export interface BounceInput {
  /** Our host name (Reporting-MTA: dns; …; right-hand side of the default Message-ID). */
  reportingMta: string;
  /** From: address of the bounce, e.g. postmaster@<domain of the sender or the default domain>. */
  postmaster: string;
  /** Envelope MAIL FROM of the original ('' = null sender, which is never bounced). */
  originalSender: string;
  /** ENVID of the original (RFC 3461), already decoded from xtext. */
  originalEnvelopeId?: string;
  arrivalDate: Date;
  recipients: FailedRecipient[];
  /** The original message (header + body). */
  originalMessage: Buffer;
  /** Default false: return only the header (text/rfc822-headers). */
  includeBody?: boolean;
  templates?: BounceTemplates;
  now?: Date;
  /** Default: a generated <…@reportingMta>. Angle brackets are added when missing. */
  messageId?: string;
}

/** More Received fields than this means a loop: the original is not bounced. */
export const MAX_RECEIVED_HEADERS = 50;

export const DEFAULT_FAILED_SUBJECT = 'Undelivered Mail Returned to Sender';
export const DEFAULT_DELAYED_SUBJECT = 'Delayed Mail (still being retried)';

// ---------------------------------------------------------------------------------------------
// shouldBounce

/** null when no bounce must be sent: null sender (''), the original is itself a bounce/auto-reply
 *  (Auto-Submitted other than 'no', Content-Type multipart/report; report-type=delivery-status, or
 *  Return-Path <>), or too many Received headers (loop: > 50). */
export function shouldBounce(originalSender: string, originalHeader: Buffer): { bounce: true } | { bounce: false; reason: string } {
  const sender = originalSender.trim();
  if (sender === '' || sender === '<>') return { bounce: false, reason: 'null sender' };

  const fields = parseHeaderFields(originalHeader);

  const autoSubmitted = firstField(fields, 'auto-submitted');
  if (autoSubmitted !== undefined) {
    const keyword = stripComments(autoSubmitted).split(';')[0]!.trim().toLowerCase();
    if (keyword !== '' && keyword !== 'no') return { bounce: false, reason: `the original is automatic (Auto-Submitted: ${keyword})` };
  }

  const contentType = firstField(fields, 'content-type');
  if (contentType !== undefined) {
    const parsed = libmime.parseHeaderValue(contentType);
    const reportType = String(parsed.params['report-type'] ?? '').trim().toLowerCase();
    if (parsed.value.trim().toLowerCase() === 'multipart/report' && reportType === 'delivery-status') {
      return { bounce: false, reason: 'the original is a delivery status notification' };
    }
  }

  const returnPath = firstField(fields, 'return-path');
  if (returnPath !== undefined && stripComments(returnPath).replace(/\s+/g, '') === '<>') {
    return { bounce: false, reason: 'the original has a null Return-Path' };
  }

  const received = fields.filter((f) => f.name === 'received').length;
  if (received > MAX_RECEIVED_HEADERS) return { bounce: false, reason: `mail loop (${received} Received headers)` };

  return { bounce: true };
}

// ---------------------------------------------------------------------------------------------
// Small encoders

/** message/delivery-status is 7-bit (RFC 3464 §2.1): anything else becomes '?'. */
function ascii(s: string): string {
  return oneLine(s).replace(/[^\x20-\x7e]/g, '?');
}

function requireNoControls(what: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) throw new TypeError(`dsn: ${what} contains control characters`);
  return value;
}

/** The body of a text/plain part: 7bit when it can be, quoted-printable otherwise. */
function textPart(text: string): { encoding: '7bit' | 'quoted-printable'; body: string } {
  const lines = text.split(CRLF);
  const plain = lines.every((l) => l.length <= MAX_LINE && /^[\x20-\x7e\t]*$/.test(l) && !/[ \t]$/.test(l));
  return plain ? { encoding: '7bit', body: text } : { encoding: 'quoted-printable', body: quotedPrintable(text) };
}

/** Bare CR and bare LF become CRLF; the same buffer comes back when there are none. */
function toCrlf(buf: Buffer): Buffer {
  let clean = true;
  for (let i = 0; i < buf.length && clean; i++) {
    if (buf[i] === 0x0a && (i === 0 || buf[i - 1] !== 0x0d)) clean = false;
    else if (buf[i] === 0x0d && buf[i + 1] !== 0x0a) clean = false;
  }
  if (clean) return buf;
  return Buffer.from(buf.toString('latin1').replace(/\r\n|\r|\n/g, CRLF), 'latin1');
}

function longestLine(buf: Buffer): number {
  let max = 0;
  let start = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) {
    max = Math.max(max, i - start - 1); // CRLF-terminated (after toCrlf)
    start = i + 1;
  }
  return Math.max(max, buf.length - start);
}

/** Header lines longer than MAX_LINE get a fold (CRLF + space) at their last white space that
 *  fits, or a hard cut: the only case where part 3 is not byte-identical to the original. */
function foldLongHeaderLines(header: Buffer): Buffer {
  if (longestLine(header) <= MAX_LINE) return header;
  const lines = header.toString('latin1').split(CRLF);
  const out: string[] = [];
  for (let line of lines) {
    while (line.length > MAX_LINE) {
      let cut = Math.max(line.lastIndexOf(' ', MAX_LINE), line.lastIndexOf('\t', MAX_LINE));
      if (cut <= 0) cut = MAX_LINE - 1;
      out.push(line.slice(0, cut));
      line = (/^[ \t]/.test(line.slice(cut)) ? '' : ' ') + line.slice(cut);
    }
    out.push(line);
  }
  return Buffer.from(out.join(CRLF), 'latin1');
}

function has8bit(buf: Buffer): boolean {
  for (const b of buf) if (b >= 0x80) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Per-recipient values

const STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;
const TYPED = /^[A-Za-z0-9][A-Za-z0-9-]*;/;

function statusOf(r: FailedRecipient): string {
  const s = r.status.trim();
  return STATUS.test(s) ? s : r.action === 'failed' ? '5.0.0' : '4.0.0';
}

function typedDiagnostic(diagnostic: string): string {
  const d = ascii(diagnostic);
  if (TYPED.test(d)) return d.replace(/^([^;]+);\s*/, '$1; ');
  return /^[245]\d\d(?:[ -]|$)/.test(d) ? `smtp; ${d}` : `X-Buzon; ${d || 'delivery failed'}`;
}

function typedRemoteMta(remoteMta: string): string {
  const m = ascii(remoteMta);
  return TYPED.test(m) ? m.replace(/^([^;]+);\s*/, '$1; ') : `dns; ${m}`;
}

/** The text after the type: 'smtp; 550 No such user' → '550 No such user'. */
function untyped(value: string): string {
  const v = oneLine(value);
  return TYPED.test(v) ? v.slice(v.indexOf(';') + 1).trim() : v;
}

/** Final-Recipient: rfc822 for ASCII addresses; utf-8 with \x{HEX} escapes otherwise (RFC 6533). */
function finalRecipient(address: string): string {
  if (/^[\x21-\x7e]*$/.test(address)) return `rfc822; ${address}`;
  let out = '';
  for (const ch of address) {
    const cp = ch.codePointAt(0)!;
    out += cp >= 0x21 && cp <= 0x7e && ch !== '\\' ? ch : `\\x{${cp.toString(16).toUpperCase()}}`;
  }
  return `utf-8; ${out}`;
}

// ---------------------------------------------------------------------------------------------
// The human-readable part

function recipientLine(r: FailedRecipient): string {
  const text = untyped(r.diagnostic) || (r.action === 'failed' ? 'delivery failed' : 'delivery temporarily suspended');
  const host = r.remoteMta ? untyped(r.remoteMta) : '';
  return host ? `<${oneLine(r.address)}>: host ${host} said: ${text}` : `<${oneLine(r.address)}>: ${text}`;
}

function defaultText(input: BounceInput, failed: FailedRecipient[], delayed: FailedRecipient[], headersOnly: boolean): string {
  const l: string[] = [`This is the mail system at host ${input.reportingMta}.`, ''];
  if (failed.length > 0) {
    l.push(
      "I'm sorry to have to inform you that your message could not",
      `be delivered to one or more recipients. ${headersOnly ? 'Its headers are attached below.' : "It's attached below."}`,
    );
  } else {
    l.push(
      '####################################################################',
      '# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #',
      '####################################################################',
      '',
      'Your message could not be delivered yet to one or more recipients.',
      'The mail system will keep trying to deliver it; you will be notified',
      'if delivery finally fails.',
    );
  }
  l.push(
    '',
    'For further assistance, please send mail to postmaster.',
    '',
    'If you do so, please include this problem report. You can',
    'delete your own text from the attached returned message.',
    '',
    '                   The mail system',
    '',
  );
  if (failed.length > 0) {
    for (const r of failed) l.push(recipientLine(r));
    if (delayed.length > 0) {
      l.push('', 'Delivery to the following recipients is still being retried;', 'you do not need to resend the message to them:', '');
    }
  }
  for (const r of delayed) l.push(recipientLine(r));
  return l.join(CRLF) + CRLF;
}

interface Macros {
  recipients: string;
  recipientsShort: string;
  subject: string;
  sent: string;
  error: string;
  errorShort: string;
}

function macrosOf(input: BounceInput, originalFields: HeaderField[]): Macros {
  const blocks = input.recipients.map((r) => {
    const lines = [oneLine(r.address), `   Error: ${untyped(r.diagnostic) || statusOf(r)}`];
    if (r.remoteMta) lines.push(`   Remote server: ${untyped(r.remoteMta)}`);
    return lines.join(CRLF);
  });
  const errors = [...new Set(input.recipients.map((r) => untyped(r.diagnostic) || statusOf(r)))];
  const rawSubject = firstField(originalFields, 'subject');
  const date = firstField(originalFields, 'date');
  return {
    recipients: blocks.join(CRLF + CRLF),
    recipientsShort: input.recipients.map((r) => oneLine(r.address)).join(', '),
    subject: rawSubject === undefined ? '' : oneLine(libmime.decodeWords(rawSubject)),
    sent: date === undefined ? rfc5322Date(input.arrivalDate) : oneLine(date),
    error: errors.join(CRLF),
    errorShort: errors.join('; '),
  };
}

function expand(template: string, values: Record<string, string>): string {
  return template.replace(/%MACRO_(RECIPIENTS|SUBJECT|SENT|ERROR)%/g, (_m, key: string) => values[key] ?? '');
}

// ---------------------------------------------------------------------------------------------
// buildBounce

/** The complete bounce message (RFC 5322, CRLF), to be queued with MAIL FROM:<> to the original
 *  sender. See the file comment for the structure. When the returned buffer has 8-bit octets (an
 *  8-bit original header or body, a non-ASCII sender), send it with BODY=8BITMIME (and SMTPUTF8
 *  for a non-ASCII address). */
export function buildBounce(input: BounceInput): Buffer {
  const reportingMta = requireNoControls('reportingMta', input.reportingMta.trim());
  const postmaster = requireNoControls('postmaster', input.postmaster.trim());
  const sender = requireNoControls('originalSender', input.originalSender.trim());
  if (sender === '' || sender === '<>') throw new Error('dsn: no bounce is ever sent to the null sender');
  if (input.recipients.length === 0) throw new Error('dsn: a bounce needs at least one recipient');
  for (const r of input.recipients) requireNoControls('recipient address', r.address);
  const now = input.now ?? new Date();

  const failed = input.recipients.filter((r) => r.action === 'failed');
  const delayed = input.recipients.filter((r) => r.action === 'delayed');

  // Part 3 first: the original, CRLF-normalised.
  const original = toCrlf(input.originalMessage);
  const headerLength = headerBlockLength(original);
  const bodyFits = longestLine(original) <= MAX_LINE && !original.includes(0);
  const withBody = input.includeBody === true && bodyFits;
  const returned = withBody ? original : foldLongHeaderLines(original.subarray(0, headerLength));
  const returned8bit = has8bit(returned);
  const originalFields = parseHeaderFields(original);

  // Part 1: the human explanation.
  const macros = macrosOf(input, originalFields);
  const bodyValues = { RECIPIENTS: macros.recipients, SUBJECT: macros.subject, SENT: macros.sent, ERROR: macros.error };
  const subjectValues = { RECIPIENTS: macros.recipientsShort, SUBJECT: macros.subject, SENT: macros.sent, ERROR: macros.errorShort };
  const humanText = input.templates?.body
    ? expand(input.templates.body, bodyValues).replace(/\r\n|\r|\n/g, CRLF)
    : defaultText(input, failed, delayed, !withBody);
  const human = textPart(humanText.endsWith(CRLF) ? humanText : humanText + CRLF);

  // Part 2: the machine-readable report (RFC 3464 §2.2, §2.3; fields in the order of its ABNF).
  let status = '';
  if (input.originalEnvelopeId !== undefined && ascii(input.originalEnvelopeId) !== '') {
    status += foldField('Original-Envelope-Id', ascii(input.originalEnvelopeId));
  }
  status += foldField('Reporting-MTA', `dns; ${ascii(reportingMta)}`);
  status += foldField('Arrival-Date', rfc5322Date(input.arrivalDate));
  for (const r of input.recipients) {
    status += CRLF; // an empty line before every per-recipient group
    status += foldField('Final-Recipient', finalRecipient(r.address.trim()));
    status += foldField('Action', r.action);
    status += foldField('Status', statusOf(r));
    if (r.remoteMta && ascii(r.remoteMta) !== '') status += foldField('Remote-MTA', typedRemoteMta(r.remoteMta));
    status += foldField('Diagnostic-Code', typedDiagnostic(r.diagnostic));
    status += foldField('Last-Attempt-Date', rfc5322Date(now));
  }

  // The top-level header.
  const subjectText = input.templates?.subject
    ? oneLine(expand(input.templates.subject, subjectValues))
    : failed.length > 0
      ? DEFAULT_FAILED_SUBJECT
      : DEFAULT_DELAYED_SUBJECT;
  const subject = /^[\x20-\x7e]*$/.test(subjectText) ? subjectText : libmime.encodeWord(subjectText, 'Q', 52);
  let messageId = input.messageId?.trim() || `${Date.now().toString(36)}.${randomBytes(9).toString('hex')}@${reportingMta}`;
  requireNoControls('messageId', messageId);
  if (!messageId.startsWith('<')) messageId = `<${messageId}>`;

  let boundary = '';
  do boundary = `=_buzon-dsn_${randomBytes(12).toString('hex')}`;
  while (returned.includes(`--${boundary}`, 0, 'latin1') || human.body.includes(boundary));

  const any8bit = returned8bit || has8bit(Buffer.from(sender + postmaster, 'utf8'));
  const head =
    foldField('From', `Mail Delivery System <${postmaster}>`) +
    foldField('To', sender) +
    foldField('Subject', subject) +
    foldField('Date', rfc5322Date(now)) +
    foldField('Message-ID', messageId) +
    'Auto-Submitted: auto-replied' + CRLF +
    'MIME-Version: 1.0' + CRLF +
    'Content-Type: multipart/report; report-type=delivery-status;' + CRLF +
    ` boundary="${boundary}"` + CRLF +
    (any8bit ? 'Content-Transfer-Encoding: 8bit' + CRLF : '') +
    CRLF +
    'This is a MIME-encapsulated message.' + CRLF +
    CRLF;

  const part1 =
    `--${boundary}` + CRLF +
    'Content-Description: Notification' + CRLF +
    'Content-Type: text/plain; charset=utf-8' + CRLF +
    `Content-Transfer-Encoding: ${human.encoding}` + CRLF +
    CRLF +
    human.body + CRLF;
  const part2 =
    `--${boundary}` + CRLF +
    'Content-Description: Delivery report' + CRLF +
    'Content-Type: message/delivery-status' + CRLF +
    CRLF +
    status + CRLF;
  const part3Head =
    `--${boundary}` + CRLF +
    (withBody
      ? 'Content-Description: Undelivered Message' + CRLF + 'Content-Type: message/rfc822' + CRLF
      : 'Content-Description: Undelivered Message Headers' + CRLF + 'Content-Type: text/rfc822-headers' + CRLF) +
    (returned8bit ? 'Content-Transfer-Encoding: 8bit' + CRLF : '') +
    CRLF;
  const close = CRLF + `--${boundary}--` + CRLF;

  return Buffer.concat([Buffer.from(head + part1 + part2 + part3Head, 'utf8'), returned, Buffer.from(close, 'latin1')]);
}
