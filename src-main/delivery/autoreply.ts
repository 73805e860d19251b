// Auto-replies ("out of office", hMailServer's "Auto-reply"), following RFC 3834. Two pure
// functions: autoReplyVerdict() says whether a message that reached an account with an
// auto-reply switched on may be answered at all, buildAutoReply() writes the answer (RFC 5322,
// CRLF, every line ≤ 998 octets), to be queued to the envelope sender of the original.
//
// Why so many reasons not to answer (RFC 3834 §2): an auto-reply sent to a machine, or to a list,
// at best bothers people who did not write to us and at worst starts a loop between two
// responders. So no reply goes
//   - to the null sender (a bounce), or to the account itself;
//   - to the addresses machines and list managers send from (mailer-daemon, postmaster, listserv,
//     majordomo, noreply and its spellings, owner-…, …-request, …-owner, …-bounces): a person
//     never reads what arrives there;
//   - about a message that says it was sent automatically (Auto-Submitted other than "no",
//     §5), that comes through a list (Precedence bulk/junk/list, List-Id and the other RFC 2369 /
//     RFC 2919 fields), that asks not to be answered (Microsoft's X-Auto-Response-Suppress with
//     All, OOF or AutoReply), that is itself a report (multipart/report: bounces, receipts), or
//     that has gone round too many hosts (more than 50 Received fields: a loop).
// RFC 3834 §2 also asks responders not to answer the same sender more than once in a while
// (a few days): that needs a memory of who was answered, so it is the caller's job, done after
// a "reply" verdict; these functions keep no state.
//
// What the reply looks like (RFC 3834 §3): it goes to the envelope sender (the Return-Path, §3.1.1:
// never to Reply-To or From, which may be a list), From the account; Subject from the template,
// where %SUBJECT% (hMailServer's placeholder) stands for the original Subject, or "Auto: " and
// the original Subject when there is no template (§3.1.5); In-Reply-To and References point at the
// original (§3.1.6); Auto-Submitted: auto-replied (§5) marks it as automatic, so that other
// responders, our own included, do not answer it, and X-Auto-Response-Suppress: All says the same
// to Exchange. No "Precedence: bulk": RFC 3834 §3.1.8 advises against it (it is not standard and
// some lists treat it in surprising ways). The text is UTF-8 in quoted-printable, so any text and
// any line length travel over 7-bit paths. Values that end up in header fields (name, subject,
// addresses) lose their control characters, line breaks included: a template cannot add fields.
import { randomBytes } from 'node:crypto';
import libmime from 'libmime';
import { CRLF, foldField, octets, oneLine, quotedPrintable, rfc5322Date } from './compose';
import { MAX_RECEIVED_HEADERS } from './dsn';
import { decodedSubject, firstField, parseHeaderFields, stripComments } from './headers';

export interface AutoReplyVerdictInput {
  /** Envelope MAIL FROM of the message ('' for the null sender). */
  sender: string;
  /** The account's address (the recipient that has the auto-reply). */
  recipient: string;
  /** The message's header block (or the whole message: reading stops at the empty line). */
  header: Buffer;
  enabled: boolean;
  /** 'YYYY-MM-DD': the last day (UTC) on which replies are sent, that day included; or an ISO
   *  timestamp: the last moment (a timestamp without a zone is UTC); null or '' = never expires. */
  expires: string | null;
  now: Date;
}

export type AutoReplyVerdict = { reply: true } | { reply: false; reason: string };

export interface AutoReplyInput {
  /** The account's address (From of the reply). */
  from: string;
  /** Display name for From; RFC 2047-encoded when it is not ASCII. */
  fromName?: string;
  /** Where the reply goes: the envelope sender of the original. */
  to: string;
  /** Subject template; %SUBJECT% is the original Subject (decoded, on one line). Empty: "Auto: "
   *  and the original Subject. */
  subjectTemplate: string;
  /** The reply's text; any line ends. */
  text: string;
  /** The original's header block (or the whole original). */
  originalHeader: Buffer;
  /** Our host name: right-hand side of the generated Message-ID. */
  hostName: string;
  now: Date;
  /** Default: a generated <…@hostName>. Angle brackets are added when missing. */
  messageId?: string;
}

// ---------------------------------------------------------------------------------------------
// autoReplyVerdict

/** Local parts that belong to machines or list software rather than to people. */
const ROBOT_LOCAL_PARTS = new Set(['mailer-daemon', 'postmaster', 'listserv', 'majordomo', 'noreply', 'no-reply', 'do-not-reply', 'donotreply']);
const ROBOT_SUFFIXES = ['-request', '-owner', '-bounces'];
const LIST_FIELDS = ['list-id', 'list-unsubscribe', 'list-post', 'list-help'];
const BULK_PRECEDENCE = new Set(['bulk', 'junk', 'list']);
const SUPPRESSING = new Set(['all', 'oof', 'autoreply']);

/** Address without angle brackets, trimmed. */
function bareAddress(address: string): string {
  return address.trim().replace(/^<(.*)>$/, '$1').trim();
}

function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return (at === -1 ? address : address.slice(0, at)).replace(/^"(.*)"$/, '$1').toLowerCase();
}

/** Why this sender is a machine or a list, or null when it looks like a person. A '+detail'
 *  (list VERP addresses such as news-bounces+ana=example.org@…) is not part of the name. */
function robotSender(address: string): string | null {
  const local = localPart(address);
  for (const name of new Set([local, local.split('+')[0]!])) {
    if (ROBOT_LOCAL_PARTS.has(name)) return `the sender is a system address (${name})`;
    if (name.startsWith('owner-')) return 'the sender is a list owner address (owner-…)';
    const suffix = ROBOT_SUFFIXES.find((s) => name.endsWith(s));
    if (suffix !== undefined) return `the sender is a list address (…${suffix})`;
  }
  return null;
}

/** The last moment (ms since the epoch) at which replies are still sent; NaN when unreadable. */
function lastReplyMoment(expires: string): number {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(expires);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const start = Date.UTC(y, m - 1, d);
    const check = new Date(start);
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return NaN;
    return Date.UTC(y, m - 1, d + 1) - 1; // the whole day, in UTC
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(expires)) return NaN;
  // Date.parse reads a timestamp without a zone as local time; the setting means UTC.
  return Date.parse(/(?:Z|[+-]\d{2}:?\d{2})$/i.test(expires) ? expires : `${expires}Z`);
}

/** Whether a message may be answered automatically (see the file comment for the rules). The
 *  reason says which rule stopped it, for the log. */
export function autoReplyVerdict(input: AutoReplyVerdictInput): AutoReplyVerdict {
  if (!input.enabled) return { reply: false, reason: 'auto-reply is disabled' };

  const expires = input.expires?.trim() ?? '';
  if (expires !== '') {
    const last = lastReplyMoment(expires);
    // An unreadable date stops the replies rather than letting them run for ever.
    if (Number.isNaN(last)) return { reply: false, reason: `unreadable expiry date "${expires}"` };
    if (input.now.getTime() > last) return { reply: false, reason: `auto-reply expired (${expires})` };
  }

  const sender = bareAddress(input.sender);
  if (sender === '') return { reply: false, reason: 'null sender' };
  if (sender.toLowerCase() === bareAddress(input.recipient).toLowerCase()) {
    return { reply: false, reason: 'the sender is the account itself' };
  }
  const robot = robotSender(sender);
  if (robot !== null) return { reply: false, reason: robot };

  const fields = parseHeaderFields(input.header);

  const autoSubmitted = firstField(fields, 'auto-submitted');
  if (autoSubmitted !== undefined) {
    const keyword = stripComments(autoSubmitted).split(';')[0]!.trim().toLowerCase();
    if (keyword !== 'no') return { reply: false, reason: `the message is automatic (Auto-Submitted: ${keyword || 'empty'})` };
  }

  const precedence = firstField(fields, 'precedence');
  if (precedence !== undefined) {
    const keyword = stripComments(precedence).trim().split(/\s+/)[0]!.toLowerCase();
    if (BULK_PRECEDENCE.has(keyword)) return { reply: false, reason: `the message is bulk mail (Precedence: ${keyword})` };
  }

  const listField = LIST_FIELDS.find((name) => firstField(fields, name) !== undefined);
  if (listField !== undefined) {
    const shown = listField.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    return { reply: false, reason: `the message comes from a mailing list (${shown})` };
  }

  for (const f of fields) {
    if (f.name !== 'x-auto-response-suppress') continue;
    const token = f.value.split(/[\s,;]+/).find((t) => SUPPRESSING.has(t.toLowerCase()));
    if (token !== undefined) return { reply: false, reason: `the sender asks for no auto-reply (X-Auto-Response-Suppress: ${token})` };
  }

  const contentType = firstField(fields, 'content-type');
  if (contentType !== undefined && libmime.parseHeaderValue(contentType).value.trim().toLowerCase() === 'multipart/report') {
    return { reply: false, reason: 'the message is a report (multipart/report)' };
  }

  const received = fields.filter((f) => f.name === 'received').length;
  if (received > MAX_RECEIVED_HEADERS) return { reply: false, reason: `mail loop (${received} Received headers)` };

  return { reply: true };
}

// ---------------------------------------------------------------------------------------------
// Small encoders

/** A From/To address: no control characters, no angle brackets around it. */
function cleanAddress(address: string): string {
  return bareAddress(oneLine(address));
}

const ATOM_PHRASE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/;

/** "name <address>", the name as atoms, a quoted string, or RFC 2047 encoded words. */
function mailbox(name: string | undefined, address: string): string {
  const n = oneLine(name ?? '');
  if (n === '') return address;
  if (/^[\x20-\x7e]*$/.test(n) && !n.includes('=?')) {
    return ATOM_PHRASE.test(n) ? `${n} <${address}>` : `"${n.replace(/[\\"]/g, '\\$&')}" <${address}>`;
  }
  return `${libmime.encodeWord(n, 'Q', 52)} <${address}>`;
}

/** Subject text for the header: as it is when plain ASCII; otherwise the non-ASCII words become
 *  encoded words (all of it when it contains '=?', which a reader would try to decode). */
function encodeSubject(subject: string): string {
  if (subject.includes('=?')) return libmime.encodeWord(subject, 'Q', 52);
  if (/^[\x20-\x7e]*$/.test(subject)) return subject;
  return libmime.encodeWords(subject, 'Q', 52);
}

/** The msg-ids (<…>) in a Message-ID, In-Reply-To or References value. */
function messageIds(value: string | undefined): string[] {
  if (value === undefined) return [];
  const ids = stripComments(value).match(/<[^<>\s]+>/g) ?? [];
  if (ids.length === 0 && /^[^\s<>()]+@[^\s<>()]+$/.test(value.trim())) return [`<${value.trim()}>`];
  return ids.filter((id) => octets(id) <= 900); // an absurd id would have to be cut: left out
}

/** References keeps the first id (the thread's root) and the latest ones: long threads would
 *  otherwise grow the field without limit. */
const MAX_REFERENCES = 20;

// ---------------------------------------------------------------------------------------------
// buildAutoReply

/** The complete reply (RFC 5322, CRLF), to be queued to `to` (see the file comment for its
 *  fields). 7-bit throughout unless an address is not ASCII (then send it with SMTPUTF8). */
export function buildAutoReply(input: AutoReplyInput): Buffer {
  const to = cleanAddress(input.to);
  if (to === '') throw new Error('autoreply: no auto-reply is ever sent to the null sender');
  const from = cleanAddress(input.from);
  const hostName = oneLine(input.hostName).replace(/\s+/g, '');

  const original = parseHeaderFields(input.originalHeader);
  const originalSubject = decodedSubject(original);
  const template = oneLine(input.subjectTemplate);
  const subject = oneLine(template === '' ? `Auto: ${originalSubject}` : template.replace(/%SUBJECT%/gi, () => originalSubject));

  let messageId = oneLine(input.messageId ?? '').replace(/\s+/g, '') || `${Date.now().toString(36)}.${randomBytes(9).toString('hex')}@${hostName}`;
  if (!messageId.startsWith('<')) messageId = `<${messageId}>`;

  let threading = '';
  const parentId = messageIds(firstField(original, 'message-id'))[0];
  if (parentId !== undefined) {
    // RFC 5322 §3.6.4: the parent's References (or its In-Reply-To when that is one id), then the
    // parent's own id.
    let parentRefs = messageIds(firstField(original, 'references'));
    if (parentRefs.length === 0) {
      const inReplyTo = messageIds(firstField(original, 'in-reply-to'));
      if (inReplyTo.length === 1) parentRefs = inReplyTo;
    }
    let refs = [...parentRefs.filter((id) => id !== parentId), parentId];
    if (refs.length > MAX_REFERENCES) refs = [refs[0]!, ...refs.slice(-(MAX_REFERENCES - 1))];
    threading = foldField('In-Reply-To', parentId) + foldField('References', refs.join(' '));
  }

  let text = input.text.replace(/\r\n|\r|\n/g, CRLF);
  if (text.endsWith(CRLF)) text = text.slice(0, -CRLF.length);

  const head =
    foldField('From', mailbox(input.fromName, from)) +
    foldField('To', to) +
    foldField('Subject', encodeSubject(subject)) +
    foldField('Date', rfc5322Date(input.now)) +
    foldField('Message-ID', messageId) +
    threading +
    'Auto-Submitted: auto-replied' + CRLF +
    'X-Auto-Response-Suppress: All' + CRLF +
    'MIME-Version: 1.0' + CRLF +
    'Content-Type: text/plain; charset=utf-8' + CRLF +
    'Content-Transfer-Encoding: quoted-printable' + CRLF;

  return Buffer.from(head + CRLF + quotedPrintable(text) + CRLF, 'utf8');
}
